import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';

// Every service at its most verbose (trace), everything a user does that carries a secret, and
// then every line of every log: the secrets are in none of them, and the edge and the jobs leave
// the lines an operator follows a request and a job by.
const logDir = resolve(import.meta.dirname, '../.test-env/logs/logs');
rmSync(logDir, { recursive: true, force: true });
const env = useCluster('logs', { logLevel: 'trace' });

type Line = Record<string, unknown> & { msg?: string; service?: string };

function readLogs(): { text: string; lines: Line[] } {
  const text = readdirSync(logDir)
    .map((file) => readFileSync(join(logDir, file), 'utf8'))
    .join('\n');
  const lines = text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
  return { text, lines };
}

describe('the logs', () => {
  it('hold no password, token, cookie, signature or internal secret, whatever the level', async () => {
    const password = 'log-test-secret-passphrase-1';
    const account = await register(env.cluster.gatewayUrl, password);
    const gateway = env.cluster.gatewayUrl;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${gateway}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    // A browser session: the refresh token in a cookie, refreshed once.
    const login = await post('/auth/login', { email: account.email, password });
    expect(login.status).toBe(200);
    const cookie = /pixelflow_refresh=([^;]*)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
    const session = (await login.json()) as { accessToken: string };
    const refreshed = await post('/auth/refresh', {}, { cookie: `pixelflow_refresh=${cookie}` });
    expect(refreshed.status).toBe(200);
    // A wrong password, a forged token: refusals are logged without what was sent.
    await post('/auth/login', { email: account.email, password: 'wrong-password-in-logs-2' });
    const forged = `${account.accessToken.slice(0, -6)}AAAAAA`;
    await fetch(`${gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    // A signed-in conversion, saved to the gallery, and its image fetched by its signed URL.
    const image = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#48c' } })
      .png()
      .toBuffer();
    const { data, errors } = await account.client.convert(image, 'grayscale', { filename: 'secret.png' });
    if (!data) throw new Error(JSON.stringify(errors));
    const id = data.convertImage.id;
    const done = await account.client.subscribe(id).until((event) => event.status === 'SUCCEEDED', 30_000);
    expect((await fetch(done.resultUrl!)).status).toBe(200);
    let url = '';
    for (let i = 0; i < 50 && !url; i++) {
      const gallery = await account.client.graphql<{
        me: { images: { edges: Array<{ node: { url: string } }> } };
      }>('{ me { images(first: 5) { edges { node { url } } } } }');
      url = gallery.data?.me.images.edges[0]?.node.url ?? '';
      if (!url) await sleep(200);
    }
    expect(url).toMatch(/sig=/);
    expect((await fetch(url)).status).toBe(200);
    const signature = new URL(url).searchParams.get('sig')!;
    const resultSignature = new URL(done.resultUrl!).searchParams.get('sig');
    // Give the processes a moment to write their last lines.
    await sleep(500);

    const { text, lines } = readLogs();
    expect(lines.length).toBeGreaterThan(50);
    const secrets = {
      password,
      'wrong password': 'wrong-password-in-logs-2',
      'access token': account.accessToken,
      'refreshed access token': session.accessToken,
      'refresh token': account.refreshToken,
      'refresh cookie': cookie,
      'forged token': forged,
      'signed URL signature': signature,
      ...(resultSignature ? { 'result URL signature': resultSignature } : {}),
      'internal secret': env.cluster.internalSecret,
    };
    for (const [what, secret] of Object.entries(secrets)) {
      expect(text.includes(secret), `${what} is in the logs`).toBe(false);
    }

    // The edge: one line per request, with what an operator needs and nothing more.
    const requests = lines.filter((line) => line.service === 'gateway' && line.msg === 'request');
    const conversion = requests.find((line) => line.operation === 'convertImage');
    expect(conversion).toMatchObject({
      method: 'POST',
      route: '/graphql',
      path: '/graphql',
      status: 200,
      user: account.userId,
      requestId: expect.any(String),
      durationMs: expect.any(Number),
    });
    expect(requests.find((line) => line.route === '/auth/login')).toMatchObject({ status: 200 });
    const imageLine = requests.find((line) => String(line.path).startsWith('/images/'));
    expect(imageLine?.path).not.toContain('?');
    // The job: one line per state change, at the jobs service.
    // Two jobs instances, two files: in the order of the job's changes.
    const job = lines
      .filter((line) => line.service === 'jobs' && line.jobId === id)
      .sort((a, b) => Number(a.sequence) - Number(b.sequence));
    expect(job.map((line) => line.status)).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(job.at(-1)).toMatchObject({
      converter: 'grayscale',
      owner: account.userId,
      durationMs: expect.any(Number),
    });
  });
});

import { photo } from '@pixelflow/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';

// Conversion works when auth or gallery are down; the gallery needs auth only for its callers'
// identity, which the gateway checks with the keys it cached.
const env = useCluster('isolation', {
  jobsInstances: 1,
  conversionInstances: 1,
  serviceEnv: { conversion: { GALLERY_RETRY_MS: '1000' } },
});

const savedImageQuery = `query($id: ID!) { job(id: $id) { __typename ... on JobDone { job { savedImage { id kind } } } } }`;

async function savedImage(account: Account, jobId: string) {
  const { data, errors } = await account.client.graphql<{
    job: { __typename: string; job?: { savedImage: { id: string; kind: string } | null } };
  }>(savedImageQuery, { id: jobId });
  if (!data) throw new Error(JSON.stringify(errors));
  return data.job.job?.savedImage ?? null;
}

let account: Account;
beforeAll(async () => {
  account = await register(env.cluster.gatewayUrl);
});

describe('with the gallery down', () => {
  it('conversion still works and the save is retried until the gallery is back', async () => {
    const [gallery] = env.cluster.instances('gallery');
    gallery!.child.kill('SIGKILL');
    await gallery!.exited;

    const { data, errors } = await account.client.convert(photo('mate/nature/Garden.jpg'), 'grayscale');
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const jobId = data!.convertImage.id;
    const done = await account.client.subscribe(jobId).until((e) => e.status === 'SUCCEEDED');
    expect((await account.client.result(jobId)).status).toBe(200);
    expect(done.status).toBe('SUCCEEDED');

    await gallery!.restart();
    const deadline = Date.now() + 20_000;
    let saved = await savedImage(account, jobId);
    while (!saved && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      saved = await savedImage(account, jobId);
    }
    expect(saved?.kind).toBe('CONVERTED');
  });
});

describe('with auth down', () => {
  it('anonymous conversion works, and a signed-in user still converts and gets the result saved', async () => {
    for (const auth of env.cluster.instances('auth')) {
      auth.child.kill('SIGKILL');
      await auth.exited;
    }
    const anonymous = await env.client.convert(photo('mate/nature/Garden.jpg'), 'flip');
    expect(anonymous.errors).toBeUndefined();
    await env.client.subscribe(anonymous.data!.convertImage.id).until((e) => e.status === 'SUCCEEDED');

    const { data, errors } = await account.client.convert(photo('mate/nature/Garden.jpg'), 'invert');
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const jobId = data!.convertImage.id;
    await account.client.subscribe(jobId).until((e) => e.status === 'SUCCEEDED');
    expect((await savedImage(account, jobId))?.kind).toBe('CONVERTED');

    // Signing in needs auth, and says so.
    const login = await env.client.graphql(
      `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }`,
      { email: account.email, password: account.password },
    );
    expect(login.errors?.[0]).toBeDefined();
  });
});

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageHeaders, registerWebApp } from './web-app.ts';

let dir: string;
let app: FastifyInstance;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pixelflow-web-'));
  await mkdir(join(dir, 'assets'));
  await mkdir(join(dir, 'playground'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>editor</title>');
  await writeFile(join(dir, 'playground/index.html'), '<!doctype html><title>playground</title>');
  await writeFile(join(dir, 'assets/app-1a2b3c.js'), 'console.log(1);');
  app = Fastify();
  await registerWebApp(app, dir);
});
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (url: string) => app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });

describe('the web app at the gateway', () => {
  it('sends every page with its security headers, Referrer-Policy included', async () => {
    for (const url of [
      '/',
      '/index.html',
      '/playground',
      '/playground/index.html',
      '/gallery',
      '/gallery?x=1',
    ]) {
      const page = await get(url);
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers).toMatchObject(pageHeaders);
    }
  });

  it('sends assets without sniffing and without a referrer', async () => {
    const asset = await get('/assets/app-1a2b3c.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });
});

/** The `add_header` lines of each block of the nginx configuration: the server's, and each location's. */
function nginxHeaders(conf: string): Map<string, Map<string, string>> {
  const blocks = new Map<string, Map<string, string>>();
  let current = 'server';
  for (const line of conf.split('\n').map((text) => text.trim())) {
    const location = /^location\s+(.+?)\s*\{$/.exec(line);
    if (location) current = location[1]!;
    else if (line === '}') current = 'server';
    const header = /^add_header\s+(\S+)\s+"([^"]*)"(\s+always)?;$/.exec(line);
    if (!header) continue;
    if (!blocks.has(current)) blocks.set(current, new Map());
    // Without `always`, nginx adds the header to successful answers only.
    blocks.get(current)!.set(header[1]!.toLowerCase(), header[3] ? header[2]! : `${header[2]} (not always)`);
  }
  return blocks;
}

describe("the cluster's web container (docker/nginx-web.conf)", () => {
  it('sends the same security headers as the gateway, from every block that sets headers', async () => {
    const conf = await readFile(new URL('../../docker/nginx-web.conf', import.meta.url), 'utf8');
    const blocks = nginxHeaders(conf);
    expect([...blocks.keys()]).toEqual(['server', '/assets/', '= /playground', '/']);
    const everywhere = {
      'x-content-type-options': pageHeaders['x-content-type-options'],
      'referrer-policy': pageHeaders['referrer-policy'],
    };
    // nginx passes the server's add_header down only to locations that add none of their own.
    for (const headers of blocks.values()) expect(Object.fromEntries(headers)).toMatchObject(everywhere);
    for (const page of ['= /playground', '/']) {
      expect(Object.fromEntries(blocks.get(page)!)).toMatchObject(pageHeaders);
    }
  });
});

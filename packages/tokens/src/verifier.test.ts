import { createHmac, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '@pixelflow/errors';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, type TokenVerifier } from './verifier.ts';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' } };
}

/** A real HTTP server publishing a JWKS that a test may change, and counting its requests. */
interface JwksServer {
  url: string;
  keys: JWK[];
  requests: number;
  close(): Promise<void>;
}

async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state = { keys, requests: 0 };
  const server: Server = createServer((request, response) => {
    state.requests += 1;
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get keys() {
      return state.keys;
    },
    set keys(next) {
      state.keys = next;
    },
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const now = () => Math.floor(Date.now() / 1000);

function sign(key: SigningKey, claims: Record<string, unknown> = {}, edit?: (jwt: SignJWT) => SignJWT) {
  const jwt = new SignJWT({ email: 'ada@example.com', ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setSubject('7b0e4c1e-2a44-4c55-9d0c-3f1f6f1f9a01')
    .setIssuer('pixelflow')
    .setAudience('pixelflow')
    .setIssuedAt(now())
    .setExpirationTime(now() + 900);
  return (edit ? edit(jwt) : jwt).sign(key.privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function expectInvalid(verifier: TokenVerifier, token: string, message?: RegExp) {
  const error = await rejection(verifier.verify(token));
  expect(error.code).toBe('INVALID_TOKEN');
  if (message) expect(error.message).toMatch(message);
}

let key: SigningKey;
let server: JwksServer;
let verifier: TokenVerifier;

beforeAll(async () => {
  key = await newKey();
});

async function setup(options: { refreshIntervalMs?: number; unknownKeyRefetchMs?: number } = {}) {
  server = await startJwksServer([key.publicJwk]);
  verifier = createTokenVerifier({ jwksUrl: server.url, ...options });
  await verifier.start();
}

afterEach(async () => {
  verifier?.stop();
  await server?.close();
});

describe('createTokenVerifier', () => {
  it('accepts a valid token and answers its subject and email', async () => {
    await setup();
    expect(verifier.ready()).toBe(true);
    expect(await verifier.verify(await sign(key))).toEqual({
      userId: '7b0e4c1e-2a44-4c55-9d0c-3f1f6f1f9a01',
      email: 'ada@example.com',
    });
  });

  it('refuses an expired token, saying so', async () => {
    await setup();
    const token = await sign(key, {}, (jwt) => jwt.setIssuedAt(now() - 1000).setExpirationTime(now() - 60));
    await expectInvalid(verifier, token, /expired/);
  });

  it('refuses a token whose payload or signature was changed', async () => {
    await setup();
    const [header, payload, signature] = (await sign(key)).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedPayload = b64({ ...claims, sub: 'someone-else' });
    await expectInvalid(verifier, `${header}.${forgedPayload}.${signature}`);
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    await expectInvalid(verifier, `${header}.${payload}.${flipped}`);
    await expectInvalid(verifier, `${header}.${payload}.`);
    await expectInvalid(verifier, 'not-a-jwt', /invalid|malformed/);
  });

  it('refuses alg "none"', async () => {
    await setup();
    const payload = b64({ sub: 'x', iss: 'pixelflow', aud: 'pixelflow', exp: now() + 900, iat: now() });
    await expectInvalid(verifier, `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`);
    await expectInvalid(verifier, `${b64({ alg: 'none', kid: key.kid })}.${payload}.`);
  });

  it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    await setup();
    const payload = b64({ sub: 'x', iss: 'pixelflow', aud: 'pixelflow', exp: now() + 900, iat: now() });
    const header = b64({ alg: 'HS256', kid: key.kid, typ: 'JWT' });
    const publicKey = createPublicKey({ key: key.publicJwk as never, format: 'jwk' });
    const secrets = [
      Buffer.from(key.publicJwk.x!, 'base64url'),
      Buffer.from(JSON.stringify(key.publicJwk)),
      Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string),
      publicKey.export({ type: 'spki', format: 'der' }),
    ];
    for (const secret of secrets) {
      const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      await expectInvalid(verifier, `${header}.${payload}.${mac}`);
    }
  });

  it('refuses a token for another audience or from another issuer', async () => {
    await setup();
    await expectInvalid(verifier, await sign(key, {}, (jwt) => jwt.setAudience('someone-else')));
    await expectInvalid(verifier, await sign(key, {}, (jwt) => jwt.setIssuer('evil')));
  });

  it('refuses a token without a subject', async () => {
    await setup();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .setIssuer('pixelflow')
      .setAudience('pixelflow')
      .setExpirationTime(now() + 900)
      .sign(key.privateKey);
    await expectInvalid(verifier, token);
  });

  it('refuses a token signed by an unknown key, after one rate-limited refetch', async () => {
    await setup({ unknownKeyRefetchMs: 300 });
    const stranger = await newKey();
    await sleep(350);
    const before = server.requests;
    await expectInvalid(verifier, await sign(stranger), /unknown key/);
    await expectInvalid(verifier, await sign(stranger), /unknown key/);
    expect(server.requests - before).toBe(1);
  });

  it('picks up a key published after its last fetch', async () => {
    await setup({ unknownKeyRefetchMs: 0 });
    const next = await newKey();
    server.keys = [key.publicJwk, next.publicJwk];
    expect((await verifier.verify(await sign(next))).userId).toBe('7b0e4c1e-2a44-4c55-9d0c-3f1f6f1f9a01');
  });

  it('keeps verifying with the last good key set while the JWKS endpoint is down', async () => {
    await setup({ refreshIntervalMs: 20, unknownKeyRefetchMs: 0 });
    const requests = server.requests;
    await server.close();
    await sleep(100); // several failed background refreshes
    expect(requests).toBeGreaterThan(0);
    expect(verifier.ready()).toBe(true);
    expect((await verifier.verify(await sign(key))).email).toBe('ada@example.com');
    // An unknown kid makes it try the dead endpoint; the known keys stay.
    await expectInvalid(verifier, await sign(await newKey()), /unknown key/);
    expect((await verifier.verify(await sign(key))).email).toBe('ada@example.com');
  });

  it('keeps the last good key set when the endpoint answers garbage', async () => {
    server = await startJwksServer([key.publicJwk]);
    let broken = false;
    verifier = createTokenVerifier({
      jwksUrl: server.url,
      unknownKeyRefetchMs: 0,
      fetch: async (url) => (broken ? new Response('<html>', { status: 200 }) : fetch(url)),
    });
    await verifier.start();
    broken = true;
    await expectInvalid(verifier, await sign(await newKey()), /unknown key/);
    expect((await verifier.verify(await sign(key))).userId).toBeTruthy();
  });

  it('fails clearly when the key set was never fetched', async () => {
    server = await startJwksServer([key.publicJwk]);
    const url = server.url;
    await server.close();
    verifier = createTokenVerifier({ jwksUrl: url, fetchTimeoutMs: 1000 });
    await expect(verifier.start()).rejects.toThrow();
    expect(verifier.ready()).toBe(false);
    const error = await rejection(verifier.verify(await sign(key)));
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toMatch(/signing keys/);
  });

  it('fetches again within a second while it never had keys, however recent the last failed try', async () => {
    server = await startJwksServer([key.publicJwk]);
    let down = true;
    verifier = createTokenVerifier({
      jwksUrl: server.url,
      missingKeysRefetchMs: 100,
      fetch: async (url) => (down ? new Response('starting', { status: 503 }) : fetch(url)),
    });
    // The gateway starts before the auth service answers, as a new release's pods do.
    await expect(verifier.start()).rejects.toThrow();
    down = false;
    expect((await rejection(verifier.verify(await sign(key)))).code).toBe('SERVICE_UNAVAILABLE');
    await sleep(150);
    // Long before the 10 s of unknownKeyRefetchMs or the minute of the background refresh.
    expect((await verifier.verify(await sign(key))).userId).toBeTruthy();
    const requests = server.requests;
    await Promise.all(Array.from({ length: 5 }, async () => verifier.verify(await sign(key))));
    expect(server.requests).toBe(requests);
  });

  it('fetches lazily when verify comes before start', async () => {
    server = await startJwksServer([key.publicJwk]);
    verifier = createTokenVerifier({ jwksUrl: server.url });
    expect(verifier.ready()).toBe(false);
    expect((await verifier.verify(await sign(key))).userId).toBeTruthy();
    expect(verifier.ready()).toBe(true);
  });
});

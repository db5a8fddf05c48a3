import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from '@pixelflow/config';
import { createLogger } from '@pixelflow/logger';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultHttpLimits,
  type HttpLimits,
  httpLimitsEnv,
  httpLimitsEnvValues,
  httpLimitsFrom,
} from './http-limits.ts';
import { createHttpService, type HttpService } from './http-service.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const services: HttpService[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(services.splice(0).map((service) => service.close()));
});

/** A service with short limits, an upload route that reads its body, and one that refuses early. */
async function start(limits: Partial<HttpLimits> = {}) {
  const service = createHttpService({
    name: 'test',
    logger,
    host: '127.0.0.1',
    limits: {
      headersTimeoutMs: 400,
      requestTimeoutMs: 1500,
      uploadIdleTimeoutMs: 400,
      keepAliveTimeoutMs: 300,
      closeGraceMs: 500,
      ...limits,
    },
  });
  service.app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: 1 << 30 },
    (_r, body, done) => done(null, body),
  );
  service.app.post('/upload', async (request) => ({ bytes: (request.body as Buffer).length }));
  service.app.get('/large', async (_request, reply) =>
    reply.type('application/octet-stream').send(Buffer.alloc(32 << 20)),
  );
  // Refuses before reading the body, as the gateway does with a declared length over the limit.
  service.app.register(async (scope) => {
    scope.addContentTypeParser('application/x-unread', (_request, _payload, done) => done(null));
    scope.post('/refuse', async (_request, reply) =>
      reply.code(413).send({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'no' } }),
    );
  });
  services.push(service);
  const { port } = await service.listen();
  return { service, port };
}

/** A raw connection and everything it receives until it closes. */
function open(port: number) {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed, connected, received: () => received };
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
/** The JSON body of a raw answer, whether sent with a length or chunked. */
function bodyOf(answer: string): { error: { code: string; message: string } } {
  const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
  let body = answer.slice(head.length + 4);
  if (/^transfer-encoding: chunked/im.test(head)) {
    let text = '';
    for (let size = Number.parseInt(body, 16); size > 0; size = Number.parseInt(body, 16)) {
      const start = body.indexOf('\r\n') + 2;
      text += body.slice(start, start + size);
      body = body.slice(start + size + 2);
    }
    body = text;
  }
  return JSON.parse(body);
}

/** Resolves with what the socket received when it closed, or 'open' after `ms`. */
const closedWithin = (connection: ReturnType<typeof open>, ms: number) =>
  Promise.race([connection.closed, sleep(ms).then(() => 'open')]);

describe('an HTTP service', () => {
  it('cuts off a half-sent header line with 408 and a JSON body', async () => {
    const { port } = await start();
    const client = open(port);
    await client.connected;
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaa');
    const answer = await closedWithin(client, 5000);
    expect(answer).not.toBe('open');
    expect(statusOf(answer)).toBe(408);
    expect(bodyOf(answer).error.code).toBe('REQUEST_TIMEOUT');
  });

  it('cuts off an upload that stops sending', async () => {
    const { port } = await start();
    const client = open(port);
    await client.connected;
    client.socket.write(
      'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n0123456789',
    );
    const answer = await closedWithin(client, 5000);
    expect(statusOf(answer)).toBe(408);
    expect(bodyOf(answer).error.code).toBe('REQUEST_TIMEOUT');
  });

  it('cuts off an upload that trickles a byte now and then at the request timeout', async () => {
    const { port } = await start({ uploadIdleTimeoutMs: 10_000 });
    const client = open(port);
    await client.connected;
    client.socket.write(
      'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n',
    );
    const drip = setInterval(() => client.socket.write('x'), 100);
    const answer = await closedWithin(client, 6000);
    clearInterval(drip);
    expect(statusOf(answer)).toBe(408);
    expect(bodyOf(answer).error.code).toBe('REQUEST_TIMEOUT');
  });

  it('closes an idle keep-alive connection', async () => {
    const { port } = await start();
    const client = open(port);
    await client.connected;
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const answer = await closedWithin(client, 5000);
    expect(statusOf(answer)).toBe(200);
  });

  it('answers an early refusal of a huge declared body at once, without waiting for the body', async () => {
    const { port } = await start();
    const client = open(port);
    await client.connected;
    client.socket.write(
      'POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-unread\r\nContent-Length: 100000000\r\n\r\nabc',
    );
    const answer = await closedWithin(client, 1000);
    expect(answer).not.toBe('open');
    expect(statusOf(answer)).toBe(413);
  });

  it('answers an early refusal at once also when the declared body is merely too large', async () => {
    const { port } = await start({ uploadIdleTimeoutMs: 10_000 });
    const client = open(port);
    await client.connected;
    client.socket.write(
      'POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-unread\r\nContent-Length: 6000000\r\n\r\n',
    );
    for (let i = 0; i < 20 && !client.received().includes('413'); i++) await sleep(50);
    expect(statusOf(client.received())).toBe(413);
  });

  it('closes a connection whose client stops reading the answer', async () => {
    const { port } = await start({ answerIdleTimeoutMs: 500, keepAliveTimeoutMs: 5000 });
    const client = open(port);
    await client.connected;
    client.socket.pause();
    client.socket.write('GET /large HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(2000);
    // Read again: the connection was closed meanwhile (one kept alive would now stay open).
    client.socket.resume();
    expect(await closedWithin(client, 2000)).not.toBe('open');
  });

  it('answers a path that does not decode, and an unknown Expect, with a JSON error', async () => {
    const { port } = await start();
    for (const [request, status] of [
      ['GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n', 417],
    ] as const) {
      const client = open(port);
      await client.connected;
      client.socket.write(request);
      const answer = await closedWithin(client, 3000);
      expect(statusOf(answer)).toBe(status);
      expect(bodyOf(answer).error.code).toBe('BAD_REQUEST');
    }
  });

  it('reads and drops a smaller unread body before its early answer, then keeps the connection', async () => {
    const { port } = await start({ keepAliveTimeoutMs: 5000 });
    const client = open(port);
    await client.connected;
    const body = 'x'.repeat(200_000);
    client.socket.write(
      `POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-unread\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    client.socket.write(body);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 50 && !client.received().includes('"service":"test"'); i++) await sleep(50);
    expect(client.received()).toMatch(/^HTTP\/1\.1 413[\s\S]*HTTP\/1\.1 200[\s\S]*"status":"ok"/);
  });

  it('caps the connections one address holds, answering 429 with a JSON body', async () => {
    const { port } = await start({
      maxConnectionsPerAddress: 3,
      keepAliveTimeoutMs: 5000,
      headersTimeoutMs: 5000,
    });
    const held = [open(port), open(port), open(port)];
    await Promise.all(held.map((c) => c.connected));
    const extra = open(port);
    const answer = await closedWithin(extra, 3000);
    expect(statusOf(answer)).toBe(429);
    expect(bodyOf(answer).error.code).toBe('TOO_MANY_CONNECTIONS');
    // One of them goes: a new one is taken again.
    held[0]!.socket.destroy();
    await held[0]!.closed;
    const again = open(port);
    await again.connected;
    again.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(await closedWithin(again, 3000))).toBe(200);
  });

  it('shuts down within its grace period although an upload was abandoned mid-way', async () => {
    const { service, port } = await start({ uploadIdleTimeoutMs: 60_000, requestTimeoutMs: 120_000 });
    const client = open(port);
    await client.connected;
    client.socket.write(
      'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\nabc',
    );
    await sleep(100);
    const started = Date.now();
    await service.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await closedWithin(client, 1000)).not.toBe('open');
  });

  it('at shutdown cuts off a stalled upload at once, and lets one that progresses finish', async () => {
    const { service, port } = await start({
      uploadIdleTimeoutMs: 60_000,
      requestTimeoutMs: 120_000,
      closeGraceMs: 8000,
    });
    const stalled = open(port);
    const moving = open(port);
    await Promise.all([stalled.connected, moving.connected]);
    const head = (length: number) =>
      `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`;
    stalled.socket.write(`${head(100_000)}abc`);
    moving.socket.write(head(40));
    const drip = setInterval(() => moving.socket.write('x'), 100);
    await sleep(300);
    const closing = service.close();
    expect(await closedWithin(stalled, 2500)).not.toBe('open');
    const answer = await closedWithin(moving, 6000);
    clearInterval(drip);
    expect(statusOf(answer)).toBe(200);
    expect(answer).toContain('{"bytes":40}');
    await closing;
  });
});

describe('the HTTP limits from the environment', () => {
  it('default as documented, and read back what they set', () => {
    const env = z
      .object(httpLimitsEnv({ maxConnectionsPerAddress: 64 }))
      .parse({ REQUEST_TIMEOUT_MS: '60000' });
    expect(env).toEqual({
      HEADERS_TIMEOUT_MS: 10_000,
      REQUEST_TIMEOUT_MS: 60_000,
      UPLOAD_IDLE_TIMEOUT_MS: 15_000,
      KEEP_ALIVE_TIMEOUT_MS: 5000,
      ANSWER_IDLE_TIMEOUT_MS: 120_000,
      MAX_CONNECTIONS_PER_ADDRESS: 64,
      SHUTDOWN_CLOSE_GRACE_MS: 10_000,
    });
    expect(httpLimitsFrom(env)).toEqual({
      ...defaultHttpLimits,
      requestTimeoutMs: 60_000,
      maxConnectionsPerAddress: 64,
    });
    expect(httpLimitsEnvValues(httpLimitsFrom(env))).toEqual(env);
  });
});

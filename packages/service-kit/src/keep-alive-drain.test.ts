import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@pixelflow/logger';
import { describe, expect, it } from 'vitest';
import { createHttpService } from './http-service.ts';

/** One keep-alive connection on which requests are sent by hand, and what came back so far. */
async function rawConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk) => {
    received += String(chunk);
  });
  const closed = once(socket, 'close').then(() => true);
  return {
    get: (path: string) =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: edge\r\nConnection: keep-alive\r\n\r\n`),
    answers: () => received.split('HTTP/1.1 ').slice(1),
    closed,
  };
}

async function startEdge(drainIdleConnections: boolean) {
  const service = createHttpService({
    name: 'edge',
    logger: createLogger({ service: 'test', level: 'silent' }),
    host: '127.0.0.1',
    drainIdleConnections,
    limits: { keepAliveTimeoutMs: 2000 },
  });
  const { port } = await service.listen();
  return { service, port };
}

describe('an edge shutting down', () => {
  it('with drainIdleConnections answers a request sent on an idle keep-alive connection after the shutdown began, with Connection: close', async () => {
    const { service, port } = await startEdge(true);
    const connection = await rawConnection(port);
    connection.get('/healthz');
    while (connection.answers().length < 1) await sleep(10);
    const closed = service.close();
    // The client still holds the connection as reusable: its keep-alive has 2 s to run.
    await sleep(300);
    connection.get('/healthz');
    await connection.closed;
    const [first, second] = connection.answers();
    expect(first).toMatch(/^200 /);
    expect(second).toMatch(/^200 /);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    await closed;
  });

  it('without it closes that connection at once: the request sent on it gets no answer', async () => {
    const { service, port } = await startEdge(false);
    const connection = await rawConnection(port);
    connection.get('/healthz');
    while (connection.answers().length < 1) await sleep(10);
    await service.close();
    expect(await connection.closed).toBe(true);
    expect(connection.answers()).toHaveLength(1);
  });
});

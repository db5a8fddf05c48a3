import { once } from 'node:events';
import { serveGraphQLWs } from '@pixelflow/graphql-kit';
import { createLogger } from '@pixelflow/logger';
import { createHttpService, type HttpService } from '@pixelflow/service-kit';
import { buildSchema } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { websocketClientKey } from './client-key.ts';

let service: HttpService | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await service?.close();
  service = undefined;
});

/** A socket from `address` (as a trusted proxy says); resolves with how it ended up: acknowledged or its close code. */
async function connectFrom(url: string, address: string): Promise<'acknowledged' | number> {
  const ws = new WebSocket(url, 'graphql-transport-ws', { headers: { 'x-forwarded-for': address } });
  sockets.push(ws);
  const closed = once(ws, 'close').then(([code]) => code as number);
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'connection_init' }));
  const acknowledged = once(ws, 'message').then(() => 'acknowledged' as const);
  return Promise.race([acknowledged, closed]);
}

describe('websocketClientKey', () => {
  it('caps the sockets of an IPv6 client by its /64, as the conversion quotas count it', async () => {
    service = createHttpService({
      name: 'ws-key-test',
      logger: createLogger({ service: 'test', level: 'silent' }),
      host: '127.0.0.1',
    });
    serveGraphQLWs(
      service,
      { schema: buildSchema('type Query { hello: String }') },
      { maxSocketsPerClient: 2, clientKey: websocketClientKey(true) },
    );
    const url = `ws://127.0.0.1:${(await service.listen()).port}/graphql`;
    expect(await connectFrom(url, '2001:db8:1:2::1')).toBe('acknowledged');
    expect(await connectFrom(url, '2001:db8:1:2:aaaa::7')).toBe('acknowledged');
    // A third address of the same /64 is the same client.
    expect(await connectFrom(url, '2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(4429);
    // Another /64, and an IPv4 client, are others.
    expect(await connectFrom(url, '2001:db8:1:3::1')).toBe('acknowledged');
    expect(await connectFrom(url, '192.0.2.1')).toBe('acknowledged');
  });

  it('keys an address as TRUST_PROXY decides it', () => {
    const request = (remoteAddress: string, forwarded?: string) =>
      ({
        socket: { remoteAddress },
        connection: { remoteAddress },
        headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
      }) as never;
    expect(websocketClientKey(false)(request('2001:db8::5', '192.0.2.9'))).toBe('2001:db8:0:0::/64');
    expect(websocketClientKey('127.0.0.1')(request('127.0.0.1', '2001:db8::5'))).toBe('2001:db8:0:0::/64');
    expect(websocketClientKey('127.0.0.1')(request('::ffff:192.0.2.4'))).toBe('192.0.2.4');
  });
});

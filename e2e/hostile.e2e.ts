import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PixelflowClient, photo } from '@pixelflow/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';

// The attacks that used to take the service down or hold it, one after another against the real
// processes, and then an ordinary conversion, which must still go through at once.
const env = useCluster('hostile', { jobsInstances: 1, conversionInstances: 1, webApp: false });

const held: Socket[] = [];
afterAll(() => {
  for (const socket of held) socket.destroy();
});

/** A raw connection to the gateway that keeps whatever comes back. */
function rawConnection() {
  const { hostname, port } = new URL(env.cluster.gatewayUrl);
  const socket = connect(Number(port), hostname);
  held.push(socket);
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  return { socket, closed };
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);

/** A multipart request as a form (or a script) would send it, with only text fields. */
function multipart(fields: Record<string, string>): { body: string; type: string } {
  const boundary = 'attack';
  const body = Object.entries(fields)
    .map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    )
    .join('');
  return { body: `${body}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
}

describe('a hostile client', () => {
  it('cannot take the gateway down; an ordinary conversion still goes through at once', async () => {
    const url = `${env.cluster.gatewayUrl}/graphql`;

    // 1. The multipart map walked into Object.prototype: refused, with and without the preflight
    // header, and the gateway keeps answering (the next request used to crash every process).
    for (const path of ['__proto__.toString', 'constructor.prototype.toString', '__proto__.hasOwnProperty']) {
      const form = multipart({
        operations: '{"query":"{ converters { id } }"}',
        map: JSON.stringify({ 0: [path] }),
      });
      for (const preflight of [true, false]) {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': form.type,
            ...(preflight ? { 'apollo-require-preflight': 'true' } : {}),
          },
          body: form.body,
        });
        expect(response.status).toBe(400);
        const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
        expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
      }
    }

    // 2. A slowloris: header lines and upload bodies sent a byte at a time, all held open.
    const drips = Array.from({ length: 40 }, (_, i) => {
      const connection = rawConnection();
      connection.socket.write(
        i % 2 === 0
          ? 'POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: '
          : 'POST /graphql HTTP/1.1\r\nHost: x\r\nApollo-Require-Preflight: true\r\n' +
              'Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000000\r\n\r\n--b\r\n',
      );
      return connection;
    });
    const drip = setInterval(() => {
      for (const { socket } of drips) if (!socket.destroyed) socket.write('a');
    }, 1000);

    // 3. An upload that lies about its size: declared as a gigabyte it is refused at once rather
    // than read, and one with no declared size at all is cut off at the limit as it streams.
    const lying = rawConnection();
    lying.socket.write(
      'POST /graphql HTTP/1.1\r\nHost: x\r\nApollo-Require-Preflight: true\r\n' +
        'Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000000000\r\n\r\n--b\r\n',
    );
    const refusedAtOnce = await Promise.race([lying.closed, sleep(2000).then(() => 'still open')]);
    expect(statusOf(refusedAtOnce)).toBe(413);
    const chunked = await fetch(url, {
      method: 'POST',
      headers: { 'apollo-require-preflight': 'true', 'content-type': 'multipart/form-data; boundary=b' },
      duplex: 'half',
      body: (async function* () {
        const head = (name: string) => `--b\r\nContent-Disposition: form-data; name="${name}"`;
        yield new TextEncoder().encode(
          `${head('operations')}\r\n\r\n{"query":"mutation($f: Upload!) { convertImage(file: $f, converter: \\"grayscale\\") { id } }","variables":{"f":null}}\r\n` +
            `${head('map')}\r\n\r\n{"0":["variables.f"]}\r\n${head('0')}; filename="x.png"\r\nContent-Type: image/png\r\n\r\n`,
        );
        // 8 MB of "image" sent without a declared length.
        for (let i = 0; i < 128; i++) yield new Uint8Array(64 * 1024);
        yield new TextEncoder().encode('\r\n--b--\r\n');
      })(),
    } as RequestInit);
    // The limit strikes while the operation reads the file: a GraphQL error of the operation.
    expect([200, 413]).toContain(chunked.status);
    const tooLarge = (await chunked.json()) as {
      data?: unknown;
      errors: Array<{ extensions: { code: string } }>;
    };
    expect(tooLarge.errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(tooLarge.data ?? null).toBeNull();

    // 4. An alias bomb from a free account: refused before it runs.
    const account = await register(env.cluster.gatewayUrl);
    const aliases = Array.from(
      { length: 1000 },
      (_, i) => `a${i}: me { images(first: 100) { edges { node { id url } } } }`,
    );
    const bomb = await account.client.graphql(`{ ${aliases.join(' ')} }`);
    expect(bomb.status).toBe(400);
    expect(bomb.errors?.[0]?.extensions?.code).toMatch(
      /^(TOO_MANY_ALIASES|TOO_MANY_TOKENS|QUERY_TOO_COSTLY)$/,
    );

    // Then, with the slowloris still holding its connections: an ordinary conversion.
    const client = new PixelflowClient(env.cluster.gatewayUrl);
    try {
      const started = performance.now();
      const { data, errors } = await client.convert(photo('mate/nature/Garden.jpg'), 'grayscale');
      expect(errors, JSON.stringify(errors)).toBeUndefined();
      const done = await client.subscribe(data!.convertImage.id).until((e) => e.status === 'SUCCEEDED', 5000);
      const took = performance.now() - started;
      expect(done.resultUrl).toBeTruthy();
      expect((await client.result(done.id)).status).toBe(200);
      expect(took).toBeLessThan(1000);
    } finally {
      clearInterval(drip);
      await client.close();
    }
    // The slow header lines were cut off at the header timeout, with a JSON 408.
    const cut = await Promise.race([drips[0]!.closed, sleep(15_000).then(() => 'still open')]);
    expect(statusOf(cut)).toBe(408);
  });
});

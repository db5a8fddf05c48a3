import { crc32, deflateSync } from 'node:zlib';
import { photo } from '@pixelflow/testing';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiredEnv, useCluster } from './helpers/cluster.ts';

// Bad input gets a clear error with a code, never a job and never a crash.
const env = useCluster('bad-input', { jobsInstances: 1, conversionInstances: 1 });
let redis: Redis;
beforeAll(() => {
  redis = new Redis(requiredEnv('REDIS_URL'));
});
afterAll(() => redis?.quit());

/** A PNG whose header declares width×height pixels around a tiny (wrong-sized) image body. */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function jobKeys(): Promise<string[]> {
  return redis.keys(`${env.redisKeyPrefix}job:*`);
}

async function expectRejected(
  response: { status: number; errors?: Array<{ extensions?: { code?: string } }>; data?: unknown },
  code: string,
) {
  expect(response.errors?.[0]?.extensions?.code, JSON.stringify(response)).toBe(code);
  expect((response.data as { convertImage?: unknown } | null)?.convertImage ?? null).toBeNull();
}

describe('convertImage refuses bad input', () => {
  it('a file over 5 MB (a real 8 MB photo), while streaming', async () => {
    const response = await env.client.convert(photo('mate/abstract/Elephants_3840x2160.jpg'), 'grayscale');
    await expectRejected(response, 'PAYLOAD_TOO_LARGE');
    expect(response.status).toBe(413);
  });

  it('a file over 5 MB sent without a length, cut off while streaming', async () => {
    // A chunked body has no Content-Length, so only the streaming limit can catch it.
    const big = Buffer.alloc(6 * 1024 * 1024, 0xff);
    const boundary = 'x-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n` +
        `{"query":"mutation($f: Upload!) { convertImage(file: $f, converter: \\"grayscale\\") { id } }","variables":{"f":null}}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(head);
        for (let i = 0; i < big.length; i += 256 * 1024) controller.enqueue(big.subarray(i, i + 256 * 1024));
        controller.enqueue(tail);
        controller.close();
      },
    });
    const response = await fetch(`${env.cluster.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'apollo-require-preflight': 'true',
      },
      body,
      duplex: 'half',
    } as RequestInit);
    const json = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(json.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a text file declared as image/png', async () => {
    const response = await env.client.convert(
      Buffer.from('hello, this is not a picture\n'.repeat(50)),
      'grayscale',
      {
        filename: 'notes.png',
        contentType: 'image/png',
      },
    );
    await expectRejected(response, 'UNSUPPORTED_IMAGE');
  });

  it('a truncated JPEG (a real photo cut in half)', async () => {
    const { readFileSync } = await import('node:fs');
    const whole = readFileSync(photo('mate/nature/Garden.jpg'));
    const response = await env.client.convert(whole.subarray(0, Math.floor(whole.length / 2)), 'grayscale', {
      filename: 'garden.jpg',
    });
    await expectRejected(response, 'CORRUPT_IMAGE');
  });

  it('a decompression bomb: a tiny PNG declaring 40000×40000 pixels', async () => {
    const bomb = pngDeclaring(40_000, 40_000);
    expect(bomb.length).toBeLessThan(200);
    const started = Date.now();
    const response = await env.client.convert(bomb, 'grayscale', { filename: 'bomb.png' });
    await expectRejected(response, 'IMAGE_TOO_LARGE');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an unknown converter', async () => {
    const response = await env.client.convert(photo('mate/nature/Garden.jpg'), 'no-such-converter');
    await expectRejected(response, 'UNKNOWN_CONVERTER');
  });

  it('params that fail the converter schema', async () => {
    for (const params of [{ sigma: 'lots' }, { sigma: 1e6 }, { nonsense: true }]) {
      const response = await env.client.convert(photo('mate/nature/Garden.jpg'), 'blur', { params });
      await expectRejected(response, 'INVALID_PARAMS');
    }
  });

  it('a malformed multipart body', async () => {
    const response = await fetch(`${env.cluster.gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=nope', 'apollo-require-preflight': 'true' },
      body: '--nope\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{not json\r\n--nope--\r\n',
    });
    expect(response.status).toBe(400);
    const json = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(json.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('a multipart request without the CSRF preflight header', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: '{ converters { id } }' }));
    form.set('map', '{}');
    const response = await fetch(`${env.cluster.gatewayUrl}/graphql`, { method: 'POST', body: form });
    expect(response.status).toBe(400);
  });

  it('made no job for any of the above', async () => {
    expect(await jobKeys()).toEqual([]);
  });
});

describe('unknown job ids', () => {
  const unknown = '7f1c1a5e-1111-4222-8333-944455556666';

  it('polling answers JobNotFound and /jobs/:id/result 404', async () => {
    expect(await env.client.poll(unknown)).toEqual({ outcome: 'JobNotFound', job: null });
    expect(await env.client.poll('not-even-a-uuid')).toEqual({ outcome: 'JobNotFound', job: null });
    const result = await env.client.result(unknown);
    expect(result.status).toBe(404);
    expect(result.json).toMatchObject({ error: { code: 'JOB_NOT_FOUND' } });
    expect((await env.client.result('..%2F..%2Fetc')).status).toBe(404);
  });

  it('a subscription ends with JOB_NOT_FOUND', async () => {
    const subscription = env.client.subscribe(unknown);
    await subscription.done;
    expect(subscription.events).toEqual([]);
    expect(subscription.errors[0]?.extensions?.code).toBe('JOB_NOT_FOUND');
  });

  it('the services are still healthy after all of it', async () => {
    const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const { data } = await env.client.convert(image, 'invert', { filename: 'grey.png' });
    const done = await env.client.subscribe(data!.convertImage.id).until((e) => e.status === 'SUCCEEDED');
    expect(done.status).toBe('SUCCEEDED');
    for (const process of env.cluster.processes) expect(process.child.exitCode).toBeNull();
  });
});

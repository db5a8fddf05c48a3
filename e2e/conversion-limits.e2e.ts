import { crc32 } from 'node:zlib';
import { MAX_UPLOAD_BYTES } from '@pixelflow/product';
import { type GraphQLResponse, type JobEvent, PixelflowClient } from '@pixelflow/testing';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';

// The limits on the work one client, and everyone together, may ask of the conversion service:
// per-client rates and concurrent jobs (counted over both conversion instances), a bounded queue
// and a bounded wait in it, a bounded output size, the upload size (5 MiB inclusive), and frame
// sizes hidden behind a small header.
const faults = useFaultConverters({ delayMs: 4000 });
const env = useCluster('conversion-limits', {
  jobsInstances: 1,
  conversionInstances: 2,
  get extraConverters() {
    return { slow: faults.urls.slow };
  },
  serviceEnv: {
    // The tests are clients at many addresses: the gateway takes X-Forwarded-For from loopback.
    gateway: { TRUST_PROXY: '127.0.0.1' },
    conversion: {
      CONVERT_RATE_ANONYMOUS: '3',
      CONVERT_RATE_USER: '5',
      MAX_ACTIVE_JOBS_ANONYMOUS: '2',
      MAX_ACTIVE_JOBS_USER: '4',
      MAX_QUEUE_LENGTH: '4',
      MAX_QUEUE_WAIT_MS: '1500',
      HEARTBEAT_MS: '300',
      // One job at a time per instance: two run, the rest wait.
      RUNNER_CONCURRENCY: '1',
    },
  },
});

let nextAddress = 1;
/** A client address of its own for each test, so that no test spends another's quota. */
const address = () => `198.51.100.${nextAddress++}`;

type ConvertResponse = GraphQLResponse<{ convertImage: JobEvent & { cancelToken: string | null } }>;

/** `convertImage` as a client at `ip` (signed in with `token`, if given) would send it. */
const convertFrom = (
  ip: string,
  file: Buffer,
  converter: string,
  options: { params?: unknown; token?: string } = {},
): Promise<ConvertResponse> =>
  new PixelflowClient(env.cluster.gatewayUrl, options.token, { headers: { 'x-forwarded-for': ip } }).convert(
    file,
    converter,
    { params: options.params, filename: 'image.png' },
  );

const jobId = (response: ConvertResponse) => {
  if (!response.data?.convertImage) throw new Error(JSON.stringify(response.errors));
  return response.data.convertImage.id;
};
const errorOf = (response: ConvertResponse) => ({
  code: response.errors?.[0]?.extensions?.code,
  extensions: response.errors?.[0]?.extensions ?? {},
  job: response.data?.convertImage ?? null,
});
/** `cancelJob` as a client at `ip` would send it; answers the status, or the error's code. */
async function cancelFrom(ip: string, id: string, cancelToken: string | null | undefined) {
  const client = new PixelflowClient(env.cluster.gatewayUrl, undefined, {
    headers: { 'x-forwarded-for': ip },
  });
  const { data, errors } = await client.graphql<{ cancelJob: { status: string } }>(
    'mutation($id: ID!, $token: String) { cancelJob(id: $id, cancelToken: $token) { status } }',
    { id, token: cancelToken },
  );
  return data?.cancelJob.status ?? errors?.[0]?.extensions?.code;
}
const finished = (id: string) =>
  env.client.subscribe(id).until((e) => e.status === 'SUCCEEDED' || e.status === 'FAILED', 30_000);

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG of exactly `size` bytes: a small image and a private chunk of padding before IEND. */
function pngOfSize(png: Buffer, size: number): Buffer {
  const iend = png.length - 12;
  const padding = pngChunk('prVt', Buffer.alloc(size - png.length - 12, 0x55));
  return Buffer.concat([png.subarray(0, iend), padding, png.subarray(iend)]);
}

let small: Buffer;
beforeAll(async () => {
  small = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
});

describe('per-client limits, over both conversion instances', () => {
  it('an address gets CONVERT_RATE_ANONYMOUS conversions a window, then RATE_LIMITED with retryAfter', async () => {
    const ip = address();
    // One after another, so that only the rate counts (not the jobs in flight).
    for (let i = 0; i < 3; i++) {
      expect((await finished(jobId(await convertFrom(ip, small, 'invert')))).status).toBe('SUCCEEDED');
    }
    const refused = errorOf(await convertFrom(ip, small, 'invert'));
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', job: null, extensions: { limit: 'rate' } });
    const retryAfter = refused.extensions.retryAfter as number;
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    // Another address is not held to this one's count.
    expect(jobId(await convertFrom(address(), small, 'invert'))).toBeTruthy();
  });

  it('a signed-in user is counted by account, not by address, with a higher quota', async () => {
    const account = await register(env.cluster.gatewayUrl);
    const ip = address();
    for (let i = 0; i < 3; i++) await finished(jobId(await convertFrom(ip, small, 'invert')));
    expect(errorOf(await convertFrom(ip, small, 'invert')).code).toBe('RATE_LIMITED');
    // The same address, signed in: the account's own five.
    for (let i = 0; i < 5; i++) {
      const id = jobId(await convertFrom(ip, small, 'invert', { token: account.accessToken }));
      await account.client.subscribe(id).until((e) => e.status === 'SUCCEEDED', 30_000);
    }
    const refused = errorOf(await convertFrom(ip, small, 'invert', { token: account.accessToken }));
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', extensions: { limit: 'rate', maxConversions: 5 } });
    await account.client.close();
  });

  it('publishes the configured share with each converter, as the refusals apply it', async () => {
    const { data } = await new PixelflowClient(env.cluster.gatewayUrl).graphql<{
      converters: Array<{ id: string; jobsAtOnce: { anonymous: number; signedIn: number } }>;
    }>('{ converters { id jobsAtOnce { anonymous signedIn } } }');
    expect(data!.converters.find((c) => c.id === 'invert')!.jobsAtOnce).toEqual({
      anonymous: 2,
      signedIn: 4,
    });
  });

  it('an address may have MAX_ACTIVE_JOBS_ANONYMOUS jobs queued or running; one more when one ends', async () => {
    const ip = address();
    const first = jobId(await convertFrom(ip, small, 'slow'));
    const second = jobId(await convertFrom(ip, small, 'slow'));
    const refused = errorOf(await convertFrom(ip, small, 'invert'));
    expect(refused).toMatchObject({
      code: 'RATE_LIMITED',
      job: null,
      extensions: { limit: 'active', maxActive: 2 },
    });
    expect(refused.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    expect((await finished(first)).status).toBe('SUCCEEDED');
    // The finished job's slot is free (whichever instance ran it): a third job is taken.
    const third = jobId(await convertFrom(ip, small, 'invert'));
    expect((await finished(third)).status).toBe('SUCCEEDED');
    await finished(second);
  });
});

describe('the work one request may ask for', () => {
  it('a 1×1 PNG resized to 7000×7000 fails with WORK_TOO_LARGE before any pixel is made', async () => {
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const id = jobId(
      await convertFrom(address(), tiny, 'resize', { params: { width: 7000, height: 7000, fit: 'fill' } }),
    );
    expect(await finished(id)).toMatchObject({ status: 'FAILED', error: { code: 'WORK_TOO_LARGE' } });
  });

  it('a GIF whose 1×1 screen hides a 65535×65535 frame is refused: IMAGE_TOO_LARGE, no job', async () => {
    // Screen 1×1 with a two-colour table; one frame of 65535×65535 at (0, 0) with one pixel of data.
    const frame = Buffer.from([0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 2, 2, 0x44, 0x01, 0]);
    const gif = Buffer.concat([
      Buffer.from('GIF89a', 'latin1'),
      Buffer.from([1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255]),
      frame,
      Buffer.from([0x3b]),
    ]);
    const refused = errorOf(await convertFrom(address(), gif, 'invert'));
    expect(refused).toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      job: null,
      extensions: { width: 65_535, height: 65_535 },
    });
  });
});

describe('the upload limit: 5 MiB, inclusive', () => {
  it('takes a file of exactly 5 × 1024 × 1024 bytes and refuses one byte more with PAYLOAD_TOO_LARGE', async () => {
    const limit = MAX_UPLOAD_BYTES;
    const exact = pngOfSize(small, limit);
    expect(exact.length).toBe(limit);
    const accepted = await convertFrom(address(), exact, 'invert');
    expect(errorOf(accepted).code).toBeUndefined();
    expect((await finished(jobId(accepted))).status).toBe('SUCCEEDED');
    const over = await convertFrom(address(), pngOfSize(small, limit + 1), 'invert');
    expect(errorOf(over)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', job: null });
  });
});

describe('the queue, shared by every instance', () => {
  it('loses a cancelled job at once, and its client gets the slot back, whoever cancelled', async () => {
    // Two slow jobs of one address hold both runners (4 s) and its whole share.
    const busy = address();
    const held = [await convertFrom(busy, small, 'slow'), await convertFrom(busy, small, 'slow')].map(
      (response) => response.data!.convertImage,
    );
    // Clients that queue a job and cancel it: the queue (4) never fills with what nobody waits for.
    for (let round = 0; round < 6; round += 1) {
      const ip = address();
      const queued = await convertFrom(ip, small, 'invert');
      expect(queued.errors, `round ${round}: ${JSON.stringify(queued.errors)}`).toBeUndefined();
      const { id, cancelToken } = queued.data!.convertImage;
      expect(await cancelFrom(ip, id, cancelToken)).toBe('CANCELLED');
    }
    // One of the busy address's jobs cancelled from elsewhere (the token is the credential): the
    // busy address may start another at once.
    expect(errorOf(await convertFrom(busy, small, 'invert')).code).toBe('RATE_LIMITED');
    expect(await cancelFrom(address(), held[1]!.id, held[1]!.cancelToken)).toBe('CANCELLED');
    const next = jobId(await convertFrom(busy, small, 'invert'));
    expect((await finished(next)).status).toBe('SUCCEEDED');
    await finished(held[0]!.id);
  });

  it('holds MAX_QUEUE_LENGTH jobs (then QUEUE_FULL), and a job that waits past MAX_QUEUE_WAIT_MS fails with QUEUE_TIMEOUT', async () => {
    // Four slow jobs from two addresses: two run (one per instance), two wait in the queue.
    const [a, b] = [address(), address()];
    const ids = [];
    for (const ip of [a, a, b, b]) ids.push(jobId(await convertFrom(ip, small, 'slow')));
    const full = errorOf(await convertFrom(address(), small, 'invert'));
    expect(full).toMatchObject({ code: 'QUEUE_FULL', job: null, extensions: { maxQueueLength: 4 } });
    expect(full.extensions.retryAfter).toBeGreaterThanOrEqual(1);
    // The two that run take 4 s; the two that wait are given up after 1.5 s.
    const outcomes = await Promise.all(ids.map(finished));
    expect(outcomes.map((job) => job.error?.code ?? job.status).sort()).toEqual([
      'QUEUE_TIMEOUT',
      'QUEUE_TIMEOUT',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    // Once the runners have dropped the given-up entries, the queue takes work again.
    await expect
      .poll(async () => errorOf(await convertFrom(address(), small, 'invert')).code ?? 'accepted', {
        timeout: 15_000,
        interval: 500,
      })
      .toBe('accepted');
  });
});

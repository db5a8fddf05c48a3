import { setTimeout as sleep } from 'node:timers/promises';
import { type ImageNode, imageFields } from '@pixelflow/gallery/testing';
import { photo } from '@pixelflow/testing';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { type Account, register } from './helpers/accounts.ts';
import { useCluster } from './helpers/cluster.ts';
import { useFaultConverters } from './helpers/faults.ts';

// Signed-in conversions land in the owner's gallery, and nobody else's.
const faults = useFaultConverters({ delayMs: 1500 });

const env = useCluster('gallery', {
  jobsInstances: 1,
  conversionInstances: 1,
  get extraConverters() {
    return { slow: faults.urls.slow };
  },
});

async function page(account: Account, first = 24, after?: string) {
  const { data, errors } = await account.client.graphql<{
    me: {
      images: {
        edges: Array<{ cursor: string; node: ImageNode }>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
  }>(
    `query($first: Int, $after: String) { me { id images(first: $first, after: $after) {
      edges { cursor node { ${imageFields} } } pageInfo { hasNextPage endCursor } } } }`,
    { first, after },
  );
  if (!data?.me) throw new Error(JSON.stringify(errors));
  return data.me.images;
}

async function convertAndWait(
  account: Account,
  file: string | Buffer,
  converter = 'grayscale',
  filename?: string,
) {
  const { data, errors } = await account.client.convert(file, converter, filename ? { filename } : {});
  if (!data) throw new Error(JSON.stringify(errors));
  await account.client.subscribe(data.convertImage.id).until((e) => e.status === 'SUCCEEDED');
  return data.convertImage.id;
}

let alice: Account;
let bob: Account;
beforeAll(async () => {
  alice = await register(env.cluster.gatewayUrl);
  bob = await register(env.cluster.gatewayUrl);
});

describe('the gallery', () => {
  it('keeps the original and the result of a signed-in conversion; the event carries savedImage', async () => {
    const { data } = await alice.client.convert(photo('mate/nature/Garden.jpg'), 'sepia');
    const id = data!.convertImage.id;
    // savedImage belongs to the gallery subgraph: the gateway fetches it for each event.
    const events: Array<{ status: string; savedImage: { id: string; kind: string } | null }> = [];
    const client = alice.client;
    const done = await new Promise<(typeof events)[number]>((resolve, reject) => {
      const socket = client.rawSubscribe<{ jobUpdated: (typeof events)[number] }>(
        `subscription($id: ID!) { jobUpdated(id: $id) { status savedImage { id kind } } }`,
        { id },
        (result) => {
          const event = result.data?.jobUpdated;
          if (!event) return reject(new Error(JSON.stringify(result)));
          events.push(event);
          if (event.status === 'SUCCEEDED') resolve(event);
        },
      );
      setTimeout(() => {
        socket();
        reject(new Error(`no SUCCEEDED event: ${JSON.stringify(events)}`));
      }, 30_000);
    });
    expect(done.savedImage?.kind).toBe('CONVERTED');

    const images = await page(alice);
    const [converted, original] = images.edges.map((e) => e.node);
    expect(converted).toMatchObject({
      kind: 'CONVERTED',
      converter: 'sepia',
      original: { id: original!.id },
    });
    expect(original).toMatchObject({ kind: 'ORIGINAL', converter: null, original: null, format: 'jpeg' });
    expect(converted!.id).toBe(done.savedImage!.id);

    const thumbnail = await fetch(converted!.thumbnailUrl);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    const thumb = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect(Math.max(thumb.width!, thumb.height!)).toBeLessThanOrEqual(320);
    const full = await fetch(converted!.url);
    expect(full.status).toBe(200);
    expect((await sharp(Buffer.from(await full.arrayBuffer())).metadata()).width).toBe(converted!.width);
  });

  it('saves the conversion even when the client left before it finished', async () => {
    const before = (await page(alice)).edges.length;
    const { data } = await alice.client.convert(photo('mate/nature/Aqua.jpg'), 'slow');
    expect(data!.convertImage.id).toBeTruthy();
    // Nobody watches the job; the server saves it anyway.
    const deadline = Date.now() + 20_000;
    while ((await page(alice)).edges.length < before + 2) {
      if (Date.now() > deadline) throw new Error('the conversion never reached the gallery');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  it('applies EXIF orientation and strips GPS and EXIF from what it serves', async () => {
    const upright = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#336699' } })
      .jpeg()
      // sharp writes its own Orientation tag: set it through withMetadata, the rest through withExif.
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { Make: 'Pixelflow test' }, IFD3: { GPSLatitudeRef: 'N' } })
      .toBuffer();
    expect((await sharp(upright).metadata()).exif).toBeDefined();
    const jobId = await convertAndWait(alice, upright, 'invert', 'rotated.jpg');
    const { data } = await alice.client.graphql<{
      job: { job: { savedImage: { original: { id: string } } } };
    }>(`query($id: ID!) { job(id: $id) { ... on JobDone { job { savedImage { original { id } } } } } }`, {
      id: jobId,
    });
    const originalId = data!.job.job.savedImage.original.id;
    const { data: image } = await alice.client.graphql<{ image: ImageNode }>(
      `query($id: ID!) { image(id: $id) { ${imageFields} } }`,
      { id: originalId },
    );
    expect([image!.image.width, image!.image.height]).toEqual([20, 40]);
    const served = Buffer.from(await (await fetch(image!.image.url)).arrayBuffer());
    const metadata = await sharp(served).metadata();
    expect([metadata.width, metadata.height]).toEqual([20, 40]);
    expect(metadata.exif).toBeUndefined();
    expect(served.includes(Buffer.from('Pixelflow test'))).toBe(false);
  });

  it('pages newest first with cursors', async () => {
    const account = await register(env.cluster.gatewayUrl);
    const small = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#aabbcc' } })
      .png()
      .toBuffer();
    for (let i = 0; i < 13; i++) await convertAndWait(account, small, 'flip', `small-${i}.png`);
    const first = await page(account, 24);
    expect(first.edges).toHaveLength(24);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page(account, 24, first.pageInfo.endCursor!);
    expect(second.edges).toHaveLength(2);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const all = [...first.edges, ...second.edges].map((e) => e.node.id);
    expect(new Set(all).size).toBe(26);
  });
});

describe('nobody else sees, fetches or deletes it', () => {
  it('answers another user as if the image did not exist', async () => {
    const [image] = (await page(alice)).edges.map((e) => e.node);
    const { data } = await bob.client.graphql<{ image: unknown }>(
      `query($id: ID!) { image(id: $id) { id } }`,
      {
        id: image!.id,
      },
    );
    expect(data!.image).toBeNull();
    const deleted = await bob.client.graphql(`mutation($id: ID!) { deleteImage(id: $id) }`, {
      id: image!.id,
    });
    expect(deleted.errors?.[0]?.extensions?.code).toBe('IMAGE_NOT_FOUND');
    expect((await page(bob)).edges).toEqual([]);
  });

  it('refuses a signed URL whose id was changed', async () => {
    const [first, second] = (await page(alice)).edges.map((e) => e.node);
    const forged = first!.url.replace(first!.id, second!.id);
    const response = await fetch(forged);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
    expect((await fetch(first!.url)).status).toBe(200);
  });

  it('asks anonymous callers to sign in', async () => {
    const result = await env.client.graphql(
      `mutation { deleteImage(id: "00000000-0000-4000-8000-000000000000") }`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets the owner delete an image, with its bytes and thumbnail', async () => {
    const [image] = (await page(alice)).edges.map((e) => e.node);
    const result = await alice.client.graphql<{ deleteImage: boolean }>(
      `mutation($id: ID!) { deleteImage(id: $id) }`,
      {
        id: image!.id,
      },
    );
    expect(result.data?.deleteImage).toBe(true);
    const { data } = await alice.client.graphql<{ image: unknown }>(
      `query($id: ID!) { image(id: $id) { id } }`,
      {
        id: image!.id,
      },
    );
    expect(data!.image).toBeNull();
    expect((await fetch(image!.url)).status).toBe(404);
    expect((await fetch(image!.thumbnailUrl)).status).toBe(404);
  });

  it('lets the owner cancel a running job without a token, nobody else; nothing reaches the gallery', async () => {
    const before = (await page(alice)).edges.length;
    const { data } = await alice.client.convert(photo('mate/nature/Garden.jpg'), 'slow');
    const id = data!.convertImage.id;
    // Signed in, the owner cancels as themselves: no token is handed out.
    expect(data!.convertImage.cancelToken).toBeNull();
    const subscription = alice.client.subscribe(id);
    await subscription.until((e) => e.status === 'RUNNING');
    // Bob, and an anonymous caller, learn nothing of Alice's job, not even that it exists.
    for (const stranger of [bob.client, env.client]) {
      const refused = await stranger.graphql(cancel, { id });
      expect(refused.errors?.[0]?.extensions?.code).toBe('JOB_NOT_FOUND');
    }
    const cancelled = await alice.client.graphql<{ cancelJob: { status: string } }>(cancel, { id });
    expect(cancelled.data?.cancelJob).toEqual({ id, status: 'CANCELLED' });
    await subscription.done;
    expect(subscription.events.at(-1)?.status).toBe('CANCELLED');
    // The slow converter would have finished by now: its result was dropped, not saved.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await page(alice)).edges.length).toBe(before);
    expect(faults.calls.some((call) => call.jobId === id)).toBe(true);
  });

  it('takes back what was saved of a job cancelled while the gallery was keeping it', async () => {
    const before = (await page(alice)).edges.length;
    // 49 MP: the gallery takes seconds to re-encode the original and the result and make thumbnails.
    const large = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#8090a0' } })
      .jpeg()
      .toBuffer();
    const { data } = await alice.client.convert(large, 'slow', { params: { delayMs: 300 } });
    const id = data!.convertImage.id;
    await vi.waitFor(() => expect(faults.calls.some((call) => call.jobId === id)).toBe(true), {
      timeout: 15_000,
      interval: 20,
    });
    // The converter answered 300 ms after it was called: the save is under way.
    await sleep(900);
    const cancelled = await alice.client.graphql<{ cancelJob: { status: string } }>(cancel, { id });
    expect(cancelled.data?.cancelJob).toEqual({ id, status: 'CANCELLED' });
    // Once the save ended (and lost to the cancel), what it kept is gone again.
    await sleep(8000);
    expect((await page(alice)).edges.length).toBe(before);
    expect((await alice.client.poll(id)).job?.status).toBe('CANCELLED');
  });
});

const cancel = `mutation($id: ID!) { cancelJob(id: $id) { id status } }`;

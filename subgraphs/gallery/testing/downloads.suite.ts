import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { gallerySettings } from '../src/env.ts';
import { UrlSigner } from '../src/signed-urls.ts';
import { type GalleryHarness, type ImageNode, publicUrl, secret } from './harness.ts';
import { png } from './images.ts';

const signing = { ttlS: gallerySettings.defaults.urlTtlS };

/** The signed image URLs and the public download routes. */
export function describeDownloads(h: GalleryHarness): void {
  describe('signed downloads', () => {
    async function urlsOf(owner: string, id: string) {
      const { data } = await h.graphql<{ image: ImageNode }>(
        owner,
        'query($id: ID!) { image(id: $id) { url thumbnailUrl } }',
        {
          id,
        },
      );
      return data!.image;
    }

    it('serves the bytes with their type, a private cache lifetime up to the expiry, and nosniff', async () => {
      const owner = randomUUID();
      const { original } = await h.saveConversion(owner);
      const { url, thumbnailUrl } = await urlsOf(owner, original.id);
      const image = await h.download(url);
      expect(image.statusCode).toBe(200);
      expect(image.headers['content-type']).toBe('image/png');
      expect(image.headers['x-content-type-options']).toBe('nosniff');
      const exp = Number(new URL(url).searchParams.get('exp'));
      const maxAge = Number(/^private, max-age=(\d+)$/.exec(String(image.headers['cache-control']))?.[1]);
      expect(maxAge).toBe(exp - Math.ceil(h.clock / 1000));
      expect(maxAge).toBeGreaterThanOrEqual(3600 - 1);
      expect(image.rawPayload.equals((await h.drivers.objects.get(`images/${original.id}`))!.data)).toBe(
        true,
      );

      const thumbnail = await h.download(thumbnailUrl);
      expect(thumbnail.statusCode).toBe(200);
      expect(thumbnail.headers['content-type']).toBe('image/webp');
      const meta = await sharp(thumbnail.rawPayload).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(320);
    });

    it('answers 403 INVALID_SIGNATURE for a changed id, a changed variant, or a URL past its expiry', async () => {
      const owner = randomUUID();
      const { original, converted } = await h.saveConversion(owner);
      const { url, thumbnailUrl } = await urlsOf(owner, original.id);
      const other = await urlsOf(owner, converted.id);
      const refused = async (forged: string) => {
        const response = await h.download(forged);
        expect(response.statusCode).toBe(403);
        expect(response.json()).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
        expect(response.headers['content-type']).toMatch(/^application\/json/);
      };
      await refused(url.replace(original.id, converted.id));
      // The image's signature on the thumbnail's path, and the other way round.
      await refused(`${publicUrl}/images/${original.id}/thumbnail${new URL(url).search}`);
      await refused(`${publicUrl}/images/${original.id}${new URL(thumbnailUrl).search}`);
      await refused(`${publicUrl}/images/${original.id}${new URL(other.url).search}`);
      await refused(url.replace(/exp=(\d+)/, (_m, exp: string) => `exp=${Number(exp) + 3600}`));
      await refused(url.replace(/&sig=.*/, ''));
      await refused(`${publicUrl}/images/${original.id}`);

      const saved = h.clock;
      try {
        h.clock += 2 * 3600 * 1000; // past any expiry of a URL made now
        await refused(url);
        await refused(thumbnailUrl);
      } finally {
        h.clock = saved;
      }
      expect((await h.download(url)).statusCode).toBe(200);
    });

    it('answers 404 for an unknown image with a valid signature', async () => {
      const signer = new UrlSigner({ secret, publicUrl, ...signing, now: () => h.clock });
      const response = await h.download(signer.url(randomUUID(), 'image'));
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'IMAGE_NOT_FOUND' } });
    });

    it('locks down every answer: no sniffing, a sandboxed document of no rights, no referrer', async () => {
      const owner = randomUUID();
      const { original } = await h.saveConversion(owner);
      const { url, thumbnailUrl } = await urlsOf(owner, original.id);
      const signer = new UrlSigner({ secret, publicUrl, ...signing, now: () => h.clock });
      const answers = [
        [await h.download(url), 200],
        [await h.download(thumbnailUrl), 200],
        [await h.download(url.replace(/sig=.*/, 'sig=forged')), 403],
        [await h.download(signer.url(randomUUID(), 'thumbnail')), 404],
        [await h.download(`${publicUrl}/images/${original.id}?exp=${'9'.repeat(30)}`), 400],
      ] as const;
      for (const [response, status] of answers) {
        expect(response.statusCode).toBe(status);
        expect(response.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
          'referrer-policy': 'no-referrer',
        });
      }
    });

    it('serves stored bytes of any type but a raster image as an opaque download', async () => {
      const signer = new UrlSigner({ secret, publicUrl, ...signing, now: () => h.clock });
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      for (const contentType of ['image/svg+xml', 'text/html; charset=utf-8', 'application/xml']) {
        const id = randomUUID();
        await h.drivers.objects.put(`images/${id}`, { data: svg, contentType });
        const response = await h.download(signer.url(id, 'image'));
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toBe('application/octet-stream');
        expect(response.headers['content-disposition']).toBe('attachment');
        expect(response.rawPayload.equals(svg)).toBe(true);
      }
      const id = randomUUID();
      await h.drivers.objects.put(`images/${id}`, { data: await png(), contentType: 'IMAGE/PNG; x=1' });
      const response = await h.download(signer.url(id, 'image'));
      expect(response.headers['content-type']).toBe('image/png');
      expect(response.headers['content-disposition']).toBeUndefined();
    });
  });
}

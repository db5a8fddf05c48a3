import { randomUUID } from 'node:crypto';
import { GalleryClient } from '@pixelflow/gallery-api';
import { INTERNAL_TOKEN_HEADER } from '@pixelflow/service-kit';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImageJson } from '../src/images.ts';
import { type GalleryHarness, secret } from './harness.ts';
import { png, sidewaysJpeg } from './images.ts';

/** Saving through the internal API (the conversion service's side). */
export function describeSaving(h: GalleryHarness): void {
  describe('saving (the internal API)', () => {
    it('keeps the original and the result of a conversion, linked, and saves each once', async () => {
      const owner = randomUUID();
      const { jobId, original, converted } = await h.saveConversion(owner);
      expect(original).toMatchObject({
        ownerId: owner,
        jobId,
        kind: 'ORIGINAL',
        converter: null,
        originalId: null,
        format: 'png',
        contentType: 'image/png',
        width: 120,
        height: 80,
      });
      expect(converted).toMatchObject({
        kind: 'CONVERTED',
        converter: 'grayscale',
        originalId: original.id,
      });
      expect(converted.bytes).toBe((await h.drivers.objects.get(`images/${converted.id}`))?.data.length);

      // A retried save answers the image kept the first time, even with other bytes.
      const again = await h.save('original', jobId, owner, await png(10, 10));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(original);
      expect((await h.save('converted', jobId, owner, await png(10, 10))).json()).toEqual(converted);
      const rows = await h.drivers.sql.query('SELECT id FROM gallery.images WHERE job_id = $1', [jobId]);
      expect(rows).toHaveLength(2);
    });

    it("takes images beyond the service's 1 MiB JSON body limit", async () => {
      const noise = await sharp({
        create: {
          width: 1200,
          height: 900,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      })
        .png()
        .toBuffer();
      expect(noise.length).toBeGreaterThan(2 * 1024 * 1024);
      const answer = await h.save('original', randomUUID(), randomUUID(), noise);
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toMatchObject({ format: 'png', width: 1200, height: 900 });
    });

    it('keeps one image when saves of one job race', async () => {
      const owner = randomUUID();
      const jobId = randomUUID();
      const bytes = await png(300, 200);
      const answers = await Promise.all([1, 2, 3].map(() => h.save('original', jobId, owner, bytes)));
      expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200]);
      expect(new Set(answers.map((answer) => answer.json<ImageJson>().id)).size).toBe(1);
      const rows = await h.drivers.sql.query('SELECT id FROM gallery.images WHERE job_id = $1', [jobId]);
      expect(rows).toHaveLength(1);
    });

    it('stores the image upright and without EXIF or GPS, and a WebP thumbnail within 320×320', async () => {
      const owner = randomUUID();
      const answer = await h.save('original', randomUUID(), owner, await sidewaysJpeg(1200, 600), {
        contentType: 'image/jpeg',
      });
      const image = answer.json<ImageJson>();
      expect(image).toMatchObject({ format: 'jpeg', contentType: 'image/jpeg', width: 600, height: 1200 });
      const stored = await h.drivers.objects.get(`images/${image.id}`);
      expect(stored?.contentType).toBe('image/jpeg');
      const metadata = await sharp(stored!.data).metadata();
      expect([metadata.width, metadata.height, metadata.exif, metadata.orientation]).toEqual([
        600,
        1200,
        undefined,
        undefined,
      ]);
      const thumbnail = await h.drivers.objects.get(`thumbnails/${image.id}`);
      expect(thumbnail?.contentType).toBe('image/webp');
      const thumb = await sharp(thumbnail!.data).metadata();
      expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 160, 320]);
    });

    it('answers 422 CORRUPT_IMAGE for damaged bytes, 415 for another content type, 400 without an owner', async () => {
      const corrupt = await h.save(
        'original',
        randomUUID(),
        randomUUID(),
        Buffer.from('not an image at all'),
      );
      expect(corrupt.statusCode).toBe(422);
      expect(corrupt.json()).toMatchObject({ error: { code: 'CORRUPT_IMAGE' } });
      const text = await h.save('original', randomUUID(), randomUUID(), await png(), {
        contentType: 'text/plain',
      });
      expect(text.statusCode).toBe(415);
      const noOwner = await h.service.app.inject({
        method: 'PUT',
        url: `/internal/jobs/${randomUUID()}/images/original`,
        headers: { 'content-type': 'image/png', [INTERNAL_TOKEN_HEADER]: secret },
        payload: await png(),
      });
      expect(noOwner.statusCode).toBe(400);
      const noConverter = await h.service.app.inject({
        method: 'PUT',
        url: `/internal/jobs/${randomUUID()}/images/converted?owner=someone`,
        headers: { 'content-type': 'image/png', [INTERNAL_TOKEN_HEADER]: secret },
        payload: await png(),
      });
      expect(noConverter.statusCode).toBe(400);
      expect((await h.save('original', 'not-a-uuid', randomUUID(), await png())).statusCode).toBe(400);
    });

    // (A query string cannot carry an unpaired surrogate: percent-decoding makes it U+FFFD.)
    it('answers 400, never a 500, for a NUL in the owner or the converter', async () => {
      for (const [owner, converter] of [
        ['user\u0000', 'grayscale'],
        ['\u0000', 'grayscale'],
        [randomUUID(), 'gray\u0000scale'],
      ]) {
        const answer = await h.save('converted', randomUUID(), owner!, await png(), { converter });
        expect(answer.statusCode).toBe(400);
        expect(answer.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
      }
    });

    it('refuses a caller without the internal secret (403), and a job saved for another owner', async () => {
      const forbidden = await h.save('original', randomUUID(), randomUUID(), await png(), {
        token: 'x'.repeat(43),
      });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      const { jobId } = await h.saveConversion(randomUUID());
      const hijack = await h.save('original', jobId, randomUUID(), await png());
      expect(hijack.statusCode).toBe(403);
    });

    it('serves the typed client: saveConversion over HTTP, idempotent', async () => {
      const { url } = await h.service.listen();
      const client = new GalleryClient({ urls: [url], internalSecret: secret });
      const input = {
        jobId: randomUUID(),
        owner: randomUUID(),
        converter: 'sepia',
        original: { data: await png(50, 50, '#102030'), contentType: 'image/png' },
        result: { data: await png(50, 50, '#405060'), contentType: 'image/png' },
      };
      const saved = await client.saveConversion(input);
      expect(saved.original).toMatchObject({ kind: 'ORIGINAL', jobId: input.jobId, ownerId: input.owner });
      expect(saved.converted).toMatchObject({
        kind: 'CONVERTED',
        converter: 'sepia',
        originalId: saved.original.id,
      });
      expect(await client.saveConversion(input)).toEqual(saved);
      await expect(
        client.saveOriginal({
          jobId: randomUUID(),
          owner: 'x',
          image: { data: Buffer.from('junk'), contentType: 'image/png' },
        }),
      ).rejects.toMatchObject({ code: 'CORRUPT_IMAGE' });
    });
  });
}

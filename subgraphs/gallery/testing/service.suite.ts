/**
 * The gallery service's behaviour, run against each pair of drivers: PGlite with files (unit tier,
 * service.test.ts) and PostgreSQL with its table store (int tier, service.int.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { describeDownloads } from './downloads.suite.ts';
import { type GalleryDrivers, useGalleryHarness } from './harness.ts';
import { describeLargeGallery } from './large-gallery.suite.ts';
import { describeQueries } from './queries.suite.ts';
import { describeSaving } from './saving.suite.ts';

export type { GalleryDrivers };

export function describeGalleryService(name: string, open: () => Promise<GalleryDrivers>): void {
  describe(`gallery service: ${name}`, () => {
    const h = useGalleryHarness(open);
    describeSaving(h);
    describeQueries(h);
    describeDownloads(h);

    it('is ready when its database and object store answer', async () => {
      const response = await h.service.app.inject({ method: 'GET', url: '/readyz' });
      expect(response.json()).toEqual({ status: 'ready', service: 'gallery' });
    });

    describeLargeGallery(h, name);
  });
}

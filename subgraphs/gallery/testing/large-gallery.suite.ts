import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { pageQuery } from '../src/store/image-store.ts';
import { type GalleryHarness, type GraphQLAnswer, imageFields } from './harness.ts';

interface IdPage {
  edges: Array<{ node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

/** Keyset paging over a gallery of 10,000 images, with the page latency printed. */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function describeLargeGallery(h: GalleryHarness, name: string): void {
  describe('a gallery of 10,000 images', () => {
    const owner = `heavy-${randomUUID()}`;

    beforeAll(async () => {
      // Groups of three share a second, and within it some differ by a microsecond only: the
      // cursor must keep PostgreSQL's precision and order ties by id.
      const insert = (ownerId: string, count: number) =>
        h.drivers.sql.query(
          `INSERT INTO gallery.images (id, owner_id, job_id, kind, format, content_type, width, height, bytes,
             created_at, image_key, thumbnail_key)
           SELECT id, $1, gen_random_uuid(), 'ORIGINAL', 'png', 'image/png', 8, 8, 100,
             timestamptz '2026-01-01T00:00:00Z' + (n / 3) * interval '1 second' + (n % 2) * interval '1 microsecond',
             'images/' || id, 'thumbnails/' || id
           FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, $2::int) AS n) AS rows`,
          [ownerId, count],
        );
      await insert(owner, 10_000);
      for (let i = 0; i < 5; i++) await insert(`other-${randomUUID()}`, 2000);
      await h.drivers.sql.query('ANALYZE gallery.images');
    }, 60_000);

    it('pages through all of them in order, each page one index range scan', async () => {
      const expected = (
        await h.drivers.sql.query<{ id: string }>(
          'SELECT id FROM gallery.images WHERE owner_id = $1 ORDER BY created_at DESC, id DESC',
          [owner],
        )
      ).map((row) => row.id);
      expect(expected).toHaveLength(10_000);
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 200; pages++) {
        const answer: GraphQLAnswer<{ _entities: Array<{ images: IdPage }> }> = await h.entities(
          owner,
          { __typename: 'User', id: owner },
          '... on User { images(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
          { first: 100, after },
        );
        const page: IdPage = answer.data!._entities[0]!.images;
        seen.push(...page.edges.map((edge) => edge.node.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);

      // The plan for a page deep in the gallery: the owner's index, no sort, no full scan.
      const plan = (
        await h.drivers.sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${pageQuery(true)}`, [
          owner,
          25,
          '2026-01-01T00:30:00.000001Z',
          expected[5000],
        ])
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan).toMatch(/Index Scan using images_owner_newest/);
      expect(plan).not.toMatch(/Seq Scan|Sort/);
    });

    it('answers a 24-image page quickly, deep in the gallery as at its start', async () => {
      const query = `query($representations: [_Any!]!, $after: String) { _entities(representations: $representations) {
        ... on User { images(first: 24, after: $after) { edges { cursor node { ${imageFields} } } pageInfo { hasNextPage endCursor } } } } }`;
      const timed = async (after: string | null) => {
        const times: number[] = [];
        for (let i = 0; i < 40; i++) {
          const started = performance.now();
          const answer = await h.graphql<{ _entities: Array<{ images: { edges: unknown[] } }> }>(
            owner,
            query,
            {
              representations: [{ __typename: 'User', id: owner }],
              after,
            },
          );
          times.push(performance.now() - started);
          expect(answer.data?._entities[0]?.images.edges).toHaveLength(24);
        }
        return median(times.slice(5)); // the first few warm up the JIT and the plan cache
      };
      const { data } = await h.imagesOf(owner, owner, 100);
      let deep = data!._entities[0]!.images.pageInfo.endCursor;
      for (let i = 0; i < 80; i++)
        deep = (await h.imagesOf(owner, owner, 100, deep)).data!._entities[0]!.images.pageInfo.endCursor;
      const start = await timed(null);
      const end = await timed(deep);
      console.info(
        `[${name}] median 24-image page with 10,000 images: first ${start.toFixed(2)} ms, page 340 ${end.toFixed(2)} ms`,
      );
      expect(start).toBeLessThan(250);
      expect(end).toBeLessThan(250);
    }, 60_000);
  });
}

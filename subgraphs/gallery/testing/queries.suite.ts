import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ImageJson } from '../src/images.ts';
import {
  type Caller,
  codes,
  forgedIdentity,
  type GalleryHarness,
  type ImageNode,
  imageFields,
  publicUrl,
} from './harness.ts';

/** The GraphQL API: who sees, pages and deletes which images. */
export function describeQueries(h: GalleryHarness): void {
  describe('GraphQL', () => {
    it('answers image(id) to its owner only; null for anyone else, signed out, forged or unknown', async () => {
      const owner = randomUUID();
      const { original, converted } = await h.saveConversion(owner);
      const query = `query($id: ID!) { image(id: $id) { ${imageFields} } }`;
      const mine = await h.graphql<{ image: ImageNode }>(owner, query, { id: converted.id });
      expect(mine.errors).toBeUndefined();
      expect(mine.data?.image).toMatchObject({
        id: converted.id,
        kind: 'CONVERTED',
        converter: 'grayscale',
        original: { id: original.id, kind: 'ORIGINAL' },
        width: 120,
        height: 80,
        format: 'png',
        bytes: converted.bytes,
        createdAt: converted.createdAt,
      });
      expect(mine.data?.image.url).toMatch(
        new RegExp(`^${publicUrl}/images/${converted.id}\\?exp=\\d+&sig=`),
      );
      expect(mine.data?.image.thumbnailUrl).toMatch(
        new RegExp(`^${publicUrl}/images/${converted.id}/thumbnail\\?`),
      );

      const forged = forgedIdentity(owner);
      for (const caller of [randomUUID(), null, { header: forged }, { header: owner }] as Caller[]) {
        const answer = await h.graphql<{ image: ImageNode | null }>(caller, query, { id: converted.id });
        expect(answer).toEqual({ data: { image: null } });
      }
      for (const id of [randomUUID(), 'not-a-uuid', `${converted.id}\u0000`, '\ud800']) {
        expect(await h.graphql(owner, query, { id })).toEqual({ data: { image: null } });
      }
    });

    it("resolves Job.savedImage for the job's owner only", async () => {
      const owner = randomUUID();
      const { jobId, converted } = await h.saveConversion(owner);
      const selection = '... on Job { id savedImage { id kind original { kind } } }';
      const mine = await h.entities<{ savedImage: { id: string } | null }>(
        owner,
        { __typename: 'Job', id: jobId },
        selection,
      );
      expect(mine.data?._entities).toEqual([
        { id: jobId, savedImage: { id: converted.id, kind: 'CONVERTED', original: { kind: 'ORIGINAL' } } },
      ]);
      for (const caller of [randomUUID(), null] as Caller[]) {
        const answer = await h.entities(caller, { __typename: 'Job', id: jobId }, selection);
        expect(answer.data?._entities).toEqual([{ id: jobId, savedImage: null }]);
      }
      for (const id of ['not-a-uuid', `${jobId}\u0000`]) {
        const unknown = await h.entities(owner, { __typename: 'Job', id }, selection);
        expect(unknown.data?._entities).toEqual([{ id, savedImage: null }]);
      }
    });

    it('pages User.images newest first with cursors, to the owner only', async () => {
      const owner = randomUUID();
      const saved: ImageJson[] = [];
      for (let i = 0; i < 3; i++) {
        const { original, converted } = await h.saveConversion(owner);
        saved.push(original, converted);
      }
      await h.saveConversion(randomUUID()); // someone else's
      const newestFirst = saved.map((image) => image.id).reverse();

      const first = await h.imagesOf(owner, owner, 4);
      expect(first.errors).toBeUndefined();
      const page1 = first.data!._entities[0]!.images;
      expect(page1.edges.map((edge) => edge.node.id)).toEqual(newestFirst.slice(0, 4));
      expect(page1.pageInfo).toEqual({ hasNextPage: true, endCursor: page1.edges[3]!.cursor });
      expect(page1.edges[0]!.node).toMatchObject({ kind: 'CONVERTED', original: { id: saved[4]!.id } });

      const second = await h.imagesOf(owner, owner, 4, page1.pageInfo.endCursor);
      const page2 = second.data!._entities[0]!.images;
      expect(page2.edges.map((edge) => edge.node.id)).toEqual(newestFirst.slice(4));
      expect(page2.pageInfo).toEqual({ hasNextPage: false, endCursor: page2.edges[1]!.cursor });
      // Any edge's cursor continues after that edge.
      const fromEdge = await h.imagesOf(owner, owner, 2, page1.edges[0]!.cursor);
      expect(fromEdge.data!._entities[0]!.images.edges.map((edge) => edge.node.id)).toEqual(
        newestFirst.slice(1, 3),
      );

      const all = await h.imagesOf(owner, owner);
      expect(all.data!._entities[0]!.images.edges).toHaveLength(6);
      const empty = await h.imagesOf(owner, owner, 4, page2.pageInfo.endCursor);
      expect(empty.data!._entities[0]!.images).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, endCursor: null },
      });
      const nobody = randomUUID();
      expect((await h.imagesOf(nobody, nobody)).data!._entities[0]!.images.edges).toEqual([]);
    });

    it('refuses User.images to others (FORBIDDEN), signed-out callers (UNAUTHENTICATED) and bad arguments', async () => {
      const owner = randomUUID();
      await h.saveConversion(owner);
      expect(codes(await h.imagesOf(randomUUID(), owner))).toEqual(['FORBIDDEN']);
      expect(codes(await h.imagesOf(null, owner))).toEqual(['UNAUTHENTICATED']);
      const forged = forgedIdentity(owner);
      expect(codes(await h.imagesOf({ header: forged }, owner))).toEqual(['UNAUTHENTICATED']);
      for (const first of [0, 101, -5])
        expect(codes(await h.imagesOf(owner, owner, first))).toEqual(['BAD_USER_INPUT']);
      const cursor = (text: string) => Buffer.from(text).toString('base64url');
      for (const after of [
        'garbage',
        cursor(`v1|2026|${randomUUID()}`),
        cursor(`v1|2026-11-05T10:00:00.000000Z|${randomUUID()}\u0000`),
        '\u0000',
        '\ud800',
        'A'.repeat(1_000_000),
      ]) {
        expect(codes(await h.imagesOf(owner, owner, 5, after))).toEqual(['BAD_USER_INPUT']);
      }
      // A NUL in the representation's id: not the caller, so not their gallery.
      expect(codes(await h.imagesOf(owner, `${owner}\u0000`))).toEqual(['FORBIDDEN']);
    });

    it("deletes the owner's image with its bytes and thumbnail; others get IMAGE_NOT_FOUND", async () => {
      const owner = randomUUID();
      const { original, converted } = await h.saveConversion(owner);
      const mutation = 'mutation($id: ID!) { deleteImage(id: $id) }';
      const { data } = await h.graphql<{ image: ImageNode }>(
        owner,
        `query($id: ID!) { image(id: $id) { ${imageFields} } }`,
        {
          id: original.id,
        },
      );
      const urls = data!.image;
      expect((await h.download(urls.url)).statusCode).toBe(200);

      expect(codes(await h.graphql(null, mutation, { id: original.id }))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await h.graphql(randomUUID(), mutation, { id: original.id }))).toEqual([
        'IMAGE_NOT_FOUND',
      ]);
      expect(codes(await h.graphql(owner, mutation, { id: randomUUID() }))).toEqual(['IMAGE_NOT_FOUND']);
      for (const id of ['not-a-uuid', `${original.id}\u0000`, '\udfff']) {
        expect(codes(await h.graphql(owner, mutation, { id }))).toEqual(['IMAGE_NOT_FOUND']);
      }
      expect(await h.drivers.objects.get(`images/${original.id}`)).not.toBeNull();

      expect(await h.graphql(owner, mutation, { id: original.id })).toEqual({ data: { deleteImage: true } });
      expect(await h.drivers.objects.get(`images/${original.id}`)).toBeNull();
      expect(await h.drivers.objects.get(`thumbnails/${original.id}`)).toBeNull();
      expect(
        await h.graphql(owner, 'query($id: ID!) { image(id: $id) { id } }', { id: original.id }),
      ).toEqual({
        data: { image: null },
      });
      // Its signed URLs are still valid, but lead nowhere.
      expect((await h.download(urls.url)).statusCode).toBe(404);
      expect((await h.download(urls.thumbnailUrl)).statusCode).toBe(404);
      // The result stays, without its original.
      const result = await h.graphql<{ image: ImageNode }>(
        owner,
        'query($id: ID!) { image(id: $id) { id original { id } } }',
        {
          id: converted.id,
        },
      );
      expect(result.data?.image).toEqual({ id: converted.id, original: null });
      expect(codes(await h.graphql(owner, mutation, { id: original.id }))).toEqual(['IMAGE_NOT_FOUND']);
    });
  });
}

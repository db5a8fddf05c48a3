import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../src/types.ts';

/** BlobStore: what every driver of short-lived binary values does, whichever stores them. */
export function describeBlobsContract(open: () => BlobStore): void {
  describe('blobs', () => {
    it('round-trips binary data', async () => {
      const blobs = open();
      const data = Buffer.from(Array.from({ length: 256 * 4 }, (_, i) => i % 256));
      await blobs.put('blob:bin', data, 5000);
      const read = await blobs.get('blob:bin');
      expect(Buffer.isBuffer(read)).toBe(true);
      expect(read?.equals(data)).toBe(true);
      await blobs.put('blob:empty', Buffer.alloc(0), 5000);
      expect((await blobs.get('blob:empty'))?.length).toBe(0);
      expect(await blobs.get('blob:absent')).toBeNull();
    });

    it('overwrites, deletes and expires', async () => {
      const blobs = open();
      await blobs.put('blob:x', Buffer.from('one'), 5000);
      await blobs.put('blob:x', Buffer.from('two'), 150);
      expect((await blobs.get('blob:x'))?.toString()).toBe('two');
      await sleep(300);
      expect(await blobs.get('blob:x')).toBeNull();
      await blobs.put('blob:y', Buffer.from('y'), 5000);
      await blobs.delete('blob:y');
      expect(await blobs.get('blob:y')).toBeNull();
    });

    it('renews the TTL of the blobs that exist, and says which', async () => {
      const blobs = open();
      await blobs.put('blob:kept', Buffer.from('kept'), 200);
      await blobs.put('blob:lapses', Buffer.from('lapses'), 200);
      expect(await blobs.touch(['blob:kept', 'blob:never'], 5000)).toEqual([true, false]);
      expect(await blobs.touch([], 5000)).toEqual([]);
      await sleep(350);
      expect((await blobs.get('blob:kept'))?.toString()).toBe('kept');
      expect(await blobs.get('blob:lapses')).toBeNull();
      // Expired is gone: touching does not bring it back.
      expect(await blobs.touch(['blob:lapses'], 5000)).toEqual([false]);
      expect(await blobs.get('blob:lapses')).toBeNull();
    });
  });
}

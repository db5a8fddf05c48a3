import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../src/types.ts';

export interface OpenedObjectStore {
  store: ObjectStore;
  /** Releases what `open` made (a temporary directory, a table, a connection). */
  close(): Promise<void>;
}

/**
 * The behaviour every ObjectStore owes its callers. The suite opens one store and gives every
 * test keys under a prefix of its own, so that it can share a database or directory with others.
 */
export function describeObjectStoreContract(name: string, open: () => Promise<OpenedObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let opened: OpenedObjectStore | undefined;
    let store: ObjectStore;
    const prefix = `t${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    let n = 0;
    /** A key no other test uses. */
    const key = (leaf = 'object') => `${prefix}/${++n}/${leaf}`;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    }, 60_000);
    afterAll(async () => {
      await opened?.close();
    }, 60_000);

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('round-trips bytes and content type exactly', async () => {
      const k = key();
      const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
      await store.put(k, { data, contentType: 'image/webp' });
      const got = await store.get(k);
      expect(got?.contentType).toBe('image/webp');
      expect(Buffer.isBuffer(got?.data)).toBe(true);
      expect(got?.data.equals(data)).toBe(true);
    });

    it('keeps an empty object and a content type with parameters', async () => {
      const k = key();
      await store.put(k, { data: Buffer.alloc(0), contentType: 'text/plain; charset=utf-8' });
      expect(await store.get(k)).toEqual({ data: Buffer.alloc(0), contentType: 'text/plain; charset=utf-8' });
    });

    it('answers null for a key never put', async () => {
      expect(await store.get(key('never'))).toBeNull();
    });

    it('replaces an object put again under the same key', async () => {
      const k = key();
      await store.put(k, {
        data: Buffer.from('first, and longer than the second'),
        contentType: 'image/png',
      });
      await store.put(k, { data: Buffer.from('second'), contentType: 'image/jpeg' });
      expect(await store.get(k)).toEqual({ data: Buffer.from('second'), contentType: 'image/jpeg' });
    });

    it('deletes, and deleting a missing key is no error', async () => {
      const k = key();
      await store.put(k, { data: Buffer.from('x'), contentType: 'image/png' });
      await store.delete(k);
      expect(await store.get(k)).toBeNull();
      await expect(store.delete(k)).resolves.toBeUndefined();
      await expect(store.delete(key('never'))).resolves.toBeUndefined();
    });

    it('keeps a key and the keys below it apart', async () => {
      const parent = key('parent');
      const child = `${parent}/child`;
      await store.put(parent, { data: Buffer.from('parent'), contentType: 'image/png' });
      await store.put(child, { data: Buffer.from('child'), contentType: 'image/png' });
      expect((await store.get(parent))?.data.toString()).toBe('parent');
      expect((await store.get(child))?.data.toString()).toBe('child');
      await store.delete(parent);
      expect(await store.get(parent)).toBeNull();
      expect((await store.get(child))?.data.toString()).toBe('child');
    });

    it('stores a large object (8 MiB)', async () => {
      const k = key();
      const data = Buffer.alloc(8 * 1024 * 1024);
      for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
      await store.put(k, { data, contentType: 'image/png' });
      expect((await store.get(k))?.data.equals(data)).toBe(true);
    });

    it('ends with one whole object when puts to one key race', async () => {
      const k = key();
      const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
      await Promise.all(versions.map((data) => store.put(k, { data, contentType: 'image/png' })));
      const got = await store.get(k);
      expect(versions.some((data) => got?.data.equals(data))).toBe(true);
    });

    it.each([
      '',
      '/absolute',
      '../escape',
      'a/../../escape',
      'a/./b',
      'a//b',
      'trailing/',
      '.hidden',
      'back\\slash',
      'nul\0byte',
      'space here',
      'ends/in.obj',
      'x'.repeat(513),
    ])('refuses the key %j on every operation', async (bad) => {
      await expect(store.put(bad, { data: Buffer.from('x'), contentType: 'image/png' })).rejects.toThrow(
        RangeError,
      );
      await expect(store.get(bad)).rejects.toThrow(RangeError);
      await expect(store.delete(bad)).rejects.toThrow(RangeError);
    });

    it('refuses a content type that is not a MIME type', async () => {
      for (const contentType of ['', 'png', 'image/png\nx-injected: 1', `image/${'x'.repeat(300)}`]) {
        await expect(store.put(key(), { data: Buffer.from('x'), contentType })).rejects.toThrow(RangeError);
      }
    });
  });
}

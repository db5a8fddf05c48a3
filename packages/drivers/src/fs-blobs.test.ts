import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { describeBlobsContract } from '../testing/blobs.suite.ts';
import { createFsBlobStore, type FsBlobStore } from './blobs/fs.ts';

const dirs: string[] = [];
const stores: FsBlobStore[] = [];
afterAll(() => {
  for (const store of stores) store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const fresh = (dir = mkdtempSync(join(tmpdir(), 'pixelflow-blobs-'))) => {
  dirs.push(dir);
  const store = createFsBlobStore(dir);
  stores.push(store);
  return { store, dir };
};

describe('BlobStore contract: files', () => {
  const { store } = fresh();
  describeBlobsContract(() => store);
});

describe('blobs in files', () => {
  it('keep their bytes and their expiry across a restart', async () => {
    const { store, dir } = fresh();
    await store.put('job:1:result', Buffer.from('kept'), 60_000);
    await store.put('job:2:result', Buffer.from('brief'), 150);
    const again = fresh(dir).store;
    expect((await again.get('job:1:result'))?.toString()).toBe('kept');
    await sleep(250);
    expect(await again.get('job:2:result')).toBeNull();
  });

  it('take any key as a name inside their directory, and sweep out what expired', async () => {
    const { store, dir } = fresh();
    await store.put('../../etc/passwd', Buffer.from('x'), 60_000);
    await store.put('a/b\u0000c', Buffer.from('y'), 100);
    writeFileSync(join(dir, '.stale.tmp'), 'left by a crash');
    expect((await store.get('../../etc/passwd'))?.toString()).toBe('x');
    expect(readdirSync(dir)).toHaveLength(3);
    await sleep(150);
    await store.sweep();
    // The expired blob is gone; the live one and the fresh temporary file stay.
    expect(readdirSync(dir).sort()).toHaveLength(2);
    expect(await store.get('a/b\u0000c')).toBeNull();
  });
});

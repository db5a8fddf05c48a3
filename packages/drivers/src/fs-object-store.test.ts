import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeObjectStoreContract } from '../testing/object-store.suite.ts';
import { createFsObjectStore } from './objects/fs.ts';

const temporaryDir = () => mkdtemp(join(tmpdir(), 'pixelflow-objects-'));

describeObjectStoreContract('fs', async () => {
  const dir = await temporaryDir();
  return {
    store: createFsObjectStore(join(dir, 'objects')),
    close: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('fs object store', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const fresh = async () => {
    const dir = await temporaryDir();
    dirs.push(dir);
    return dir;
  };

  it('keeps each object in one file under its key, and no temporary file after a put', async () => {
    const dir = await fresh();
    const store = createFsObjectStore(dir);
    await store.put('images/abc', { data: Buffer.from('bytes'), contentType: 'image/png' });
    await store.put('images/abc', { data: Buffer.from('again'), contentType: 'image/png' });
    expect(await readdir(join(dir, 'images'))).toEqual(['abc.obj']);
    const file = await readFile(join(dir, 'images', 'abc.obj'));
    expect(file.toString()).toBe('pixelflow-object v1\nimage/png\nagain');
  });

  it('writes nothing outside its directory, whatever the key', async () => {
    const parent = await fresh();
    const store = createFsObjectStore(join(parent, 'objects'));
    for (const key of ['../outside', '/tmp/outside', 'a/../../outside']) {
      await expect(store.put(key, { data: Buffer.from('x'), contentType: 'image/png' })).rejects.toThrow();
    }
    expect(await readdir(parent)).toEqual([]);
  });

  it('creates its directory on ping, and fails ping where it cannot write', async () => {
    const dir = join(await fresh(), 'late', 'objects');
    await createFsObjectStore(dir).ping();
    expect(await readdir(dir)).toEqual([]);
    // A file where a directory should be: no directory can be made below it.
    const blocker = join(await fresh(), 'a-file');
    await writeFile(blocker, 'x');
    await expect(createFsObjectStore(join(blocker, 'objects')).ping()).rejects.toThrow(/ENOTDIR/);
  });

  it('refuses a file that is not an object file', async () => {
    const dir = await fresh();
    await writeFile(join(dir, 'stray.obj'), 'not mine');
    await expect(createFsObjectStore(dir).get('stray')).rejects.toThrow(/not an object file/);
  });
});

import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ObjectStore, StoredObject } from '../types.ts';
import { checkContentType, checkObjectKey, OBJECT_FILE_SUFFIX } from './checks.ts';

// Each file starts with this line and the content type's, then the bytes as they were put: one
// file per object, so that a rename publishes bytes and type together.
const MAGIC = 'pixelflow-object v1\n';

function encode(object: StoredObject): Buffer {
  return Buffer.concat([Buffer.from(`${MAGIC}${object.contentType}\n`, 'utf8'), object.data]);
}

function decode(file: Buffer, path: string): StoredObject {
  const end = file.indexOf(0x0a, MAGIC.length);
  if (file.toString('utf8', 0, MAGIC.length) !== MAGIC || end < 0) {
    throw new Error(`not an object file: ${path}`);
  }
  return { contentType: file.toString('utf8', MAGIC.length, end), data: file.subarray(end + 1) };
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * An `ObjectStore` in files under `dir` (the embedded mode). The key `images/abc` is the file
 * `<dir>/images/abc.obj`: key segments are directories, and since no segment may end in `.obj`, a
 * file never takes the name a directory needs (`a` and `a/b` can both exist). Keys are checked to
 * be relative and free of `.` and `..` segments, and the path is checked to stay under `dir`.
 * A put writes a temporary file beside the target (its name starts with `.`, which no key
 * segment can), flushes it and renames it over the target: readers see the old object or the new
 * one, never a part. Temporary files of a process killed mid-write stay behind (named `.*.tmp`).
 */
export function createFsObjectStore(dir: string): ObjectStore {
  const root = resolve(dir);
  const pathOf = (key: string): string => {
    const path = join(root, ...checkObjectKey(key).split('/')) + OBJECT_FILE_SUFFIX;
    // Belt and braces: the key check already rules out anything that would leave the directory.
    if (!path.startsWith(root + sep)) throw new RangeError(`invalid object key: ${JSON.stringify(key)}`);
    return path;
  };

  return {
    async put(key, object) {
      const path = pathOf(key);
      checkContentType(object.contentType);
      await mkdir(dirname(path), { recursive: true });
      const temporary = join(dirname(path), `.${randomBytes(8).toString('hex')}.tmp`);
      const file = await open(temporary, 'wx', 0o600);
      try {
        await file.writeFile(encode(object));
        await file.sync();
      } catch (error) {
        await file.close();
        await rm(temporary, { force: true });
        throw error;
      }
      await file.close();
      try {
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },

    async get(key) {
      const path = pathOf(key);
      try {
        return decode(await readFile(path), path);
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async delete(key) {
      await rm(pathOf(key), { force: true });
    },

    async ping() {
      await mkdir(root, { recursive: true });
      await access(root, constants.R_OK | constants.W_OK);
    },
  };
}

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { checkTtl } from '../checks.ts';
import type { BlobStore } from '../types.ts';

export interface FsBlobStore extends BlobStore {
  /** Deletes the files whose time is up; the store runs it every sweepIntervalMs. */
  sweep(): Promise<void>;
  /** Stops the sweeps; the files stay. */
  close(): void;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * A `BlobStore` in files under `dir`, for the embedded mode's inputs and finished results: kept
 * for up to an hour, up to 64 MiB each, they would otherwise sit in the process's memory, and a
 * crash would lose them. One file per key, named by the key's SHA-256 (any key is a safe name); its modification
 * time is set to the moment it expires, so that the expiry needs no index and survives a restart.
 * A put writes a temporary file (named `.*.tmp`) and renames it over the target, so a reader sees
 * the old bytes or the new, never a part.
 */
export function createFsBlobStore(dir: string, { sweepIntervalMs = 60_000 } = {}): FsBlobStore {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const pathOf = (key: string) => join(root, createHash('sha256').update(key).digest('hex'));

  const sweep = async () => {
    const now = Date.now();
    for (const name of await readdir(root)) {
      const path = join(root, name);
      const info = await stat(path).catch(() => undefined);
      // A temporary file older than a day was left by a process killed mid-write.
      const expired = name.startsWith('.')
        ? now - (info?.ctimeMs ?? now) > 86_400_000
        : (info?.mtimeMs ?? now) <= now;
      if (info && expired) await rm(path, { force: true });
    }
  };
  const timer = setInterval(() => void sweep().catch(() => undefined), sweepIntervalMs);
  timer.unref();

  return {
    async put(key, data, ttlMs) {
      const expiresAt = new Date(Date.now() + checkTtl(ttlMs));
      const target = pathOf(key);
      const temporary = join(root, `.${randomBytes(8).toString('hex')}.tmp`);
      const file = await open(temporary, 'wx', 0o600);
      try {
        await file.writeFile(data);
        await file.sync();
      } finally {
        await file.close();
      }
      await utimes(temporary, expiresAt, expiresAt);
      await rename(temporary, target);
    },

    async get(key) {
      const path = pathOf(key);
      try {
        // An expired file is left to the sweep: removing it here could race a put of the same key.
        if ((await stat(path)).mtimeMs <= Date.now()) return null;
        return await readFile(path);
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async touch(keys, ttlMs) {
      const expiresAt = new Date(Date.now() + checkTtl(ttlMs));
      return Promise.all(
        keys.map(async (key) => {
          const path = pathOf(key);
          try {
            // An expired file stays expired, as an expired key would be gone.
            if ((await stat(path)).mtimeMs <= Date.now()) return false;
            await utimes(path, expiresAt, expiresAt);
            return true;
          } catch (error) {
            if (isMissing(error)) return false;
            throw error;
          }
        }),
      );
    },

    async delete(key) {
      await rm(pathOf(key), { force: true });
    },

    sweep,

    close() {
      clearInterval(timer);
    },
  };
}

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Real photos for tests and benchmarks, from Debian's mate-backgrounds and gnome-backgrounds
 * packages (GPL-2+): fetched at test time into a cache directory, never committed.
 */
const cache = resolve(import.meta.dirname, '../../../.test-env/photos');
const packages = ['mate-backgrounds', 'gnome-backgrounds'];

function fetchPhotos(): void {
  mkdirSync(cache, { recursive: true });
  const missing = packages.filter((name) => !readdirSync(cache).some((f) => f.startsWith(`${name}_`)));
  if (missing.length > 0) {
    // apt-get download needs no root, but reads the package lists that `apt-get update` made.
    try {
      execFileSync('apt-get', ['download', ...missing], { cwd: cache, stdio: 'ignore' });
    } catch {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      execFileSync('apt-get', ['download', ...missing], { cwd: cache, stdio: 'ignore' });
    }
  }
  for (const deb of readdirSync(cache).filter((f) => f.endsWith('.deb'))) {
    execFileSync('dpkg-deb', ['-x', deb, 'root'], { cwd: cache });
  }
}

/**
 * The path of a photo under /usr/share/backgrounds of those packages, e.g.
 * `mate/abstract/Elephants.jpg` (1920×1080 JPEG, about 1 MB) or
 * `mate/abstract/Elephants_3840x2160.jpg` (8 MB, over the upload limit).
 */
export function photo(name: string): string {
  const path = join(cache, 'root/usr/share/backgrounds', name);
  if (!existsSync(path)) fetchPhotos();
  if (!existsSync(path)) throw new Error(`no test photo ${name}`);
  return path;
}

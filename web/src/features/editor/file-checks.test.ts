import { MAX_UPLOAD_BYTES } from '@pixelflow/product';
import { describe, expect, it } from 'vitest';
import { fileProblem } from './file-checks.ts';

describe('fileProblem', () => {
  it('accepts a JPEG up to 5 MB, exactly 5 × 1024 × 1024 bytes included', () => {
    expect(fileProblem({ name: 'a.jpg', type: 'image/jpeg', size: MAX_UPLOAD_BYTES })).toBeNull();
  });

  it('refuses one byte more, without calling it 5.0 MB', () => {
    expect(fileProblem({ name: 'b.jpg', type: 'image/jpeg', size: MAX_UPLOAD_BYTES + 1 })).toBe(
      '"b.jpg" is 5.1 MB; the limit is 5 MB. Choose a smaller image.',
    );
  });

  it('refuses a file over 5 MB and says how large it is', () => {
    expect(fileProblem({ name: 'big.png', type: 'image/png', size: 7.25 * 1024 * 1024 })).toBe(
      '"big.png" is 7.3 MB; the limit is 5 MB. Choose a smaller image.',
    );
  });

  it('refuses what is not an image, and images in formats the server cannot read', () => {
    expect(fileProblem({ name: 'notes.txt', type: 'text/plain', size: 10 })).toMatch(/is not an image/);
    expect(fileProblem({ name: 'photo.heic', type: 'image/heic', size: 10 })).toMatch(/HEIC image/);
  });
});

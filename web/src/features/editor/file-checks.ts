import { MAX_UPLOAD_BYTES, MAX_UPLOAD_MB } from '@pixelflow/product';

// The product's upload limit (inclusive: a file of exactly this size is accepted) is checked here
// first, so that a large file never leaves the page.

/** The formats the conversion service reads. */
export const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'];

// Rounded up: a file one byte over the limit must not read "5.0 MB; the limit is 5 MB".
const megabytes = (bytes: number) => `${(Math.ceil((bytes / (1024 * 1024)) * 10) / 10).toFixed(1)} MB`;

/** Why a picked file cannot be converted, in words; null when it may be. */
export function fileProblem(file: Pick<File, 'size' | 'type' | 'name'>): string | null {
  if (file.type !== '' && !file.type.startsWith('image/'))
    return `"${file.name}" is not an image. Choose a JPEG, PNG, WebP, GIF or AVIF file.`;
  if (file.type !== '' && !ACCEPTED_TYPES.includes(file.type))
    return `"${file.name}" is a ${file.type.replace('image/', '').toUpperCase()} image, which Pixelflow cannot read. Choose a JPEG, PNG, WebP, GIF or AVIF file.`;
  if (file.size > MAX_UPLOAD_BYTES)
    return `"${file.name}" is ${megabytes(file.size)}; the limit is ${MAX_UPLOAD_MB} MB. Choose a smaller image.`;
  if (file.size === 0) return `"${file.name}" is empty.`;
  return null;
}

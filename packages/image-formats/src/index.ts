/** The raster formats the product reads and serves, by the name sharp gives them. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

export const contentTypes: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
};

const startsWith = (data: Buffer, bytes: readonly number[], offset = 0) =>
  data.length >= offset + bytes.length && bytes.every((byte, i) => data[offset + i] === byte);

/**
 * The format of an image from its magic bytes, or null for anything else (SVG, HTML, PDF, …,
 * which a browser could run as a document). A declared content type is never trusted: uploads
 * are checked with this, and so are converters' results before they are served.
 */
export function sniffImageFormat(data: Buffer): ImageFormat | null {
  if (startsWith(data, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(data, [0x52, 0x49, 0x46, 0x46]) && startsWith(data, [0x57, 0x45, 0x42, 0x50], 8))
    return 'webp';
  if (
    startsWith(data, [0x47, 0x49, 0x46, 0x38, 0x37, 0x61]) ||
    startsWith(data, [0x47, 0x49, 0x46, 0x38, 0x39, 0x61])
  )
    return 'gif';
  // Little- or big-endian TIFF.
  if (startsWith(data, [0x49, 0x49, 0x2a, 0x00]) || startsWith(data, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  // ISO BMFF: a `ftyp` box whose major or compatible brands include avif (still) or avis (sequence).
  if (startsWith(data, [0x66, 0x74, 0x79, 0x70], 4) && data.length >= 12) {
    const size = Math.min(data.readUInt32BE(0), data.length);
    for (let offset = 8; offset + 4 <= size; offset += 4) {
      const brand = data.toString('latin1', offset, offset + 4);
      if (brand === 'avif' || brand === 'avis') return 'avif';
    }
  }
  return null;
}

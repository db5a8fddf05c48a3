/** The input formats the sharp converters accept, recognised by their magic bytes. */
export type InputFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif';

/** What the converters write: the input's own format where browsers show it well, else PNG. */
export type OutputFormat = 'jpeg' | 'png' | 'webp';

export const outputContentTypes: Record<OutputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const avifBrands = new Set(['avif', 'avis']);

function ascii(input: Buffer, start: number, end: number): string {
  return input.toString('latin1', start, end);
}

/**
 * The format the bytes claim to be, or undefined when they are none we accept. Sniffing ourselves,
 * rather than letting libvips pick a loader, keeps out the formats we never meant to accept (SVG
 * with its external references, PDF, raw camera files, …) and lets a failure of a recognised
 * format be reported as damage rather than as an unknown format.
 */
export function sniffFormat(input: Buffer): InputFormat | undefined {
  if (input.length < 12) return undefined;
  if (input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff) return 'jpeg';
  if (input.subarray(0, 8).equals(pngSignature)) return 'png';
  if (ascii(input, 0, 4) === 'RIFF' && ascii(input, 8, 12) === 'WEBP') return 'webp';
  const gif = ascii(input, 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a') return 'gif';
  const tiff = ascii(input, 0, 4);
  // Classic TIFF (version 42) and BigTIFF (43), in both byte orders.
  if (tiff === 'II*\0' || tiff === 'MM\0*' || tiff === 'II+\0' || tiff === 'MM\0+') return 'tiff';
  if (ascii(input, 4, 8) === 'ftyp' && isAvifFileType(input)) return 'avif';
  return undefined;
}

// An ISO-BMFF file is AVIF when its major brand or one of its compatible brands says so. Other
// HEIF brands (HEIC) are left out: the libheif inside sharp's prebuilt libvips decodes AV1 only.
function isAvifFileType(input: Buffer): boolean {
  const boxSize = Math.min(input.readUInt32BE(0), input.length);
  if (avifBrands.has(ascii(input, 8, 12))) return true;
  // After the major brand (8..12) comes the minor version (12..16), then compatible brands.
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) {
    if (avifBrands.has(ascii(input, offset, offset + 4))) return true;
  }
  return false;
}

export function outputFormatFor(input: InputFormat): OutputFormat {
  return input === 'jpeg' || input === 'png' || input === 'webp' ? input : 'png';
}

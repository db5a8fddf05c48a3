import { contentTypes, sniffImageFormat } from '@pixelflow/image-formats';

/**
 * The content type of a raster image, read from its bytes (JPEG, PNG, WebP, GIF, AVIF or TIFF);
 * null for anything else (SVG, HTML, PDF, …), which a browser could run as a document of the
 * app's origin, whatever a converter called it.
 */
export function rasterType(data: Buffer): string | null {
  const format = sniffImageFormat(data);
  return format ? contentTypes[format] : null;
}

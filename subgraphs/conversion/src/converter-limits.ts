import type { ConverterDescription } from '@pixelflow/converter-kit/client';
import { AppError } from '@pixelflow/errors';

const megapixels = (pixels: number) => `${(pixels / 1_000_000).toFixed(1)} MP`;

/**
 * A converter's own input limit, checked at intake so that a photo it would refuse never becomes
 * a job: over its `maxPixels`, a converter that does not scale down (`oversize` other than
 * `downscale`) answers IMAGE_TOO_LARGE, so the caller hears it now, with the size that would do.
 */
export function checkConverterLimits(
  description: ConverterDescription | undefined,
  image: { width: number; height: number },
): void {
  const maxPixels = description?.maxPixels;
  if (!description || !maxPixels || description.oversize === 'downscale') return;
  const { width, height } = image;
  if (width * height <= maxPixels) return;
  const factor = Math.sqrt(maxPixels / (width * height));
  const fits = {
    width: Math.max(1, Math.floor(width * factor)),
    height: Math.max(1, Math.floor(height * factor)),
  };
  throw new AppError(
    'IMAGE_TOO_LARGE',
    `${description.title} takes images of at most ${megapixels(maxPixels)}; this one is ${width}×${height} ` +
      `(${megapixels(width * height)}). Scale it down to about ${fits.width}×${fits.height} first, or pick another converter.`,
    { width, height, maxPixels, converter: description.id, fits },
  );
}

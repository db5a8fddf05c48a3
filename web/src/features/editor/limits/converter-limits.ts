import type { Converter } from '../converter-picker.tsx';

/** An image's size in pixels. */
export interface PixelSize {
  width: number;
  height: number;
}

const countWords = ['no', 'one', 'two', 'three', 'four', 'five'];
const countWord = (count: number) => countWords[count] ?? String(count);

/** "50 MP", "0.5 MP", "1.2 MP": a tenth of a megapixel is as fine as people judge sizes. */
export function megapixels(pixels: number): string {
  const value = (pixels / 1_000_000).toFixed(1).replace(/\.0$/, '');
  return `${value} MP`;
}

export const formatSize = ({ width, height }: PixelSize) => `${width}×${height}`;

/**
 * What a person should know of a converter before starting, in sentences: the largest image it
 * takes and what happens to a larger one, the largest result it makes, and that it is heavy.
 */
export function limitNotes(
  converter: Pick<Converter, 'maxPixels' | 'maxOutputPixels' | 'oversize' | 'cost' | 'jobsAtOnce'>,
  signedIn: boolean,
): string[] {
  const notes: string[] = [];
  if (converter.maxPixels) {
    const over =
      converter.oversize === 'DOWNSCALE'
        ? 'larger ones are scaled down to fit first'
        : 'larger ones are refused';
    notes.push(`Takes images up to ${megapixels(converter.maxPixels)}; ${over}.`);
  }
  if (converter.maxOutputPixels)
    notes.push(`Makes results of up to ${megapixels(converter.maxOutputPixels)}.`);
  if (converter.cost === 'HEAVY') {
    // The installation's own limits: the API publishes them with each converter.
    const { anonymous, signedIn: whenSignedIn } = converter.jobsAtOnce;
    const mine = signedIn ? whenSignedIn : anonymous;
    const more = signedIn || whenSignedIn === anonymous ? '' : ` (${countWord(whenSignedIn)} when signed in)`;
    notes.push(`Heavy: takes a while, ${countWord(mine)} at a time${more}.`);
  }
  return notes;
}

/** The size an image is scaled to so that it has at most `maxPixels`: the server's own sum. */
export function sizeThatFits(size: PixelSize, maxPixels: number): PixelSize {
  const factor = Math.sqrt(maxPixels / (size.width * size.height));
  return {
    width: Math.max(1, Math.floor(size.width * factor)),
    height: Math.max(1, Math.floor(size.height * factor)),
  };
}

/** Whether the converter would refuse a photo this large (it refuses rather than scales down). */
export function refusesSize(
  converter: Pick<Converter, 'maxPixels' | 'oversize'>,
  size: PixelSize,
): converter is { maxPixels: number; oversize: 'REFUSE' } {
  return (
    typeof converter.maxPixels === 'number' &&
    converter.oversize === 'REFUSE' &&
    size.width * size.height > converter.maxPixels
  );
}

/**
 * Why the first step's converter would refuse the photo, with the size that would do (the server
 * checks the same at submit, IMAGE_TOO_LARGE): said before the upload. null when it takes it.
 */
export function oversizeProblem(
  converter: Pick<Converter, 'title' | 'maxPixels' | 'oversize'>,
  size: PixelSize,
): string | null {
  if (!refusesSize(converter, size)) return null;
  const fits = sizeThatFits(size, converter.maxPixels);
  const pixels = size.width * size.height;
  // Just over the limit would read "50 MP; takes at most 50 MP".
  const photo =
    megapixels(pixels) === megapixels(converter.maxPixels)
      ? `${(pixels / 1_000_000).toFixed(3)} MP`
      : megapixels(pixels);
  return (
    `This photo is ${formatSize(size)} (${photo}); ${converter.title} takes ` +
    `at most ${megapixels(converter.maxPixels)}. Scale it down to about ${formatSize(fits)} first, or pick another converter.`
  );
}

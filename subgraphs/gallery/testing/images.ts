/** Synthetic images for the gallery's tests: exact pixels, made with sharp. */
import sharp, { type Sharp } from 'sharp';

/** Left half red, right half blue: orientation is visible in the pixels. */
export function halves(width: number, height: number): Sharp {
  const half = Math.floor(width / 2);
  return sharp({ create: { width, height, channels: 3, background: '#ff0000' } }).composite([
    {
      input: { create: { width: width - half, height, channels: 3, background: '#0000ff' } },
      left: half,
      top: 0,
    },
  ]);
}

export const png = (width = 64, height = 48, colour = '#336699') =>
  sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();

/** Text in the EXIF of `sidewaysJpeg`, to look for in the bytes. */
export const cameraMake = 'Pixelflow test camera';
export const gpsDatum = 'PIXELFLOW-GPS-DATUM';

/**
 * A JPEG stored sideways with EXIF orientation 6 (show it turned 90° clockwise), a camera maker and
 * a GPS position. The orientation must come from withMetadata: sharp writes its own orientation
 * tag over an `Orientation` given in withExif.
 */
export const sidewaysJpeg = (width: number, height: number) =>
  halves(width, height)
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: cameraMake },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSMapDatum: gpsDatum },
    })
    .toBuffer();

/** The RGB of one pixel. */
export async function pixel(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

import { defineSharpConverter, type Size } from '../sharp-converter.ts';
import { colourProperty, paramsSchema } from './schema.ts';

// sharp names the axes the other way round from most editors: its flip() mirrors top to bottom
// and its flop() left to right.
export const flip = defineSharpConverter<Record<string, never>>({
  id: 'flip',
  title: 'Flip horizontally',
  description: 'Mirrors the image left to right.',
  params: paramsSchema(),
  apply: (image) => image.flop(),
});

export const flipVertical = defineSharpConverter<Record<string, never>>({
  id: 'flip-vertical',
  title: 'Flip vertically',
  description: 'Mirrors the image top to bottom.',
  params: paramsSchema(),
  apply: (image) => image.flip(),
});

interface RotateParams {
  angle: number;
  background: string;
}

export const rotate = defineSharpConverter<RotateParams>({
  id: 'rotate',
  title: 'Rotate',
  description:
    'Rotates the image clockwise by any angle. Multiples of 90° are exact; other angles enlarge the ' +
    'canvas to fit and fill the corners with the background colour.',
  params: paramsSchema({
    angle: {
      type: 'number',
      title: 'Angle',
      description: 'Degrees clockwise; negative turns counter-clockwise.',
      minimum: -360,
      maximum: 360,
      default: 90,
    },
    background: colourProperty('Background', '#000000'),
  }),
  apply: (image, { angle, background }) => image.rotate(angle, { background }),
  outputSize: (source, { angle }) => rotatedSize(source, angle),
  // Quarter turns move pixels; other angles resample onto the canvas (the result's own size).
  resampledSize: (source, { angle }) =>
    Number.isInteger(angle / 90) ? undefined : rotatedSize(source, angle),
});

/**
 * The canvas sharp's rotate makes: the bounding box of the turned image, rounded up (a 50 MP
 * photo turned 45° needs a 100 MP canvas). geometry.test.ts checks it against sharp.
 */
export function rotatedSize(source: Size, angle: number): Size {
  const quarterTurns = angle / 90;
  if (Number.isInteger(quarterTurns)) {
    return quarterTurns % 2 === 0 ? { ...source } : { width: source.height, height: source.width };
  }
  const radians = (angle * Math.PI) / 180;
  const cos = Math.abs(Math.cos(radians));
  const sin = Math.abs(Math.sin(radians));
  return {
    width: Math.ceil(source.width * cos + source.height * sin),
    height: Math.ceil(source.width * sin + source.height * cos),
  };
}

type Fit = 'inside' | 'outside' | 'cover' | 'contain' | 'fill';

interface ResizeParams {
  width?: number;
  height?: number;
  fit: Fit;
  withoutEnlargement: boolean;
  background: string;
}

/** Largest width or height `resize` accepts; the output must also stay under the output pixel limit. */
export const MAX_RESIZE_DIMENSION = 8192;

const dimension = (title: string) => ({
  type: 'integer',
  title,
  description: `Pixels, at most ${MAX_RESIZE_DIMENSION}. Give width, height or both.`,
  minimum: 1,
  maximum: MAX_RESIZE_DIMENSION,
});

export const resize = defineSharpConverter<ResizeParams>({
  id: 'resize',
  title: 'Resize',
  description: 'Scales the image to a width, a height or both (Lanczos 3).',
  params: paramsSchema(
    {
      width: dimension('Width'),
      height: dimension('Height'),
      fit: {
        type: 'string',
        title: 'Fit',
        description:
          'With both width and height: inside keeps the aspect ratio within the box, outside covers ' +
          'it, cover crops to it, contain pads to it with the background, fill stretches.',
        enum: ['inside', 'outside', 'cover', 'contain', 'fill'],
        default: 'inside',
      },
      withoutEnlargement: {
        type: 'boolean',
        title: 'Never enlarge',
        description: 'Keep the original size when it is already smaller than asked.',
        default: false,
      },
      background: colourProperty('Padding colour (fit contain)', '#000000'),
    },
    { anyOf: [{ required: ['width'] }, { required: ['height'] }] },
  ),
  apply: (image, { width, height, fit, withoutEnlargement, background }) =>
    image.resize({ width, height, fit, withoutEnlargement, background }),
  // The bounds on width and height do not bound the output: 8192 × 8192 is 67 MP, and one side of
  // an extreme aspect ratio (1 × 40000 resized to width 8192) would make billions of pixels.
  outputSize: resizedSize,
  // Nor the image on the way: 1 × 40000 covered to 8192 × 1 scales to 8192 × 327 680 000, then crops.
  resampledSize: resizeScaledSize,
});

type ResizeRequest = Pick<ResizeParams, 'width' | 'height' | 'fit' | 'withoutEnlargement'>;

const atLeastOnePixel = (x: number, y: number) => ({
  width: Math.max(1, Math.round(x)),
  height: Math.max(1, Math.round(y)),
});

/**
 * The size sharp's resize scales the image to, before cover crops it to the box or contain pads it
 * out to the box; for inside, outside and fill the result's size.
 */
export function resizeScaledSize(
  source: Size,
  { width, height, fit, withoutEnlargement }: ResizeRequest,
): Size {
  const cap = (scale: number) => (withoutEnlargement ? Math.min(scale, 1) : scale);
  const scaleX = width === undefined ? undefined : width / source.width;
  const scaleY = height === undefined ? undefined : height / source.height;
  // fill stretches each axis on its own; an axis not asked for keeps its size.
  if (fit === 'fill')
    return atLeastOnePixel(source.width * cap(scaleX ?? 1), source.height * cap(scaleY ?? 1));
  const given = [scaleX, scaleY].filter((scale) => scale !== undefined);
  const scale = cap(fit === 'outside' || fit === 'cover' ? Math.max(...given) : Math.min(...given));
  return atLeastOnePixel(source.width * scale, source.height * scale);
}

/** The size sharp's resize produces (within a pixel of rounding); geometry.test.ts checks it against sharp. */
export function resizedSize(source: Size, request: ResizeRequest): Size {
  const { width, height, fit } = request;
  const scaled = resizeScaledSize(source, request);
  // cover crops the scaled image to the box, contain pads it out to the box (even when not enlarged).
  if (fit === 'cover') {
    return atLeastOnePixel(
      Math.min(scaled.width, width ?? Infinity),
      Math.min(scaled.height, height ?? Infinity),
    );
  }
  if (fit === 'contain') return atLeastOnePixel(width ?? scaled.width, height ?? scaled.height);
  return scaled;
}

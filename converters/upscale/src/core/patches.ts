/** A rectangle in pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One step of patch-based inference: the model runs on `window`, and `core` of its output is kept. */
export interface Patch {
  /** The part of the input whose upscaled pixels this patch delivers; the cores tile the image. */
  core: Rect;
  /** The input the model reads: the core plus context on every side the image allows. */
  window: Rect;
}

export interface PatchOptions {
  /** Largest core side, in input pixels. */
  size: number;
  /** Context around each core, in input pixels: at least the model's receptive radius for seamless output. */
  context: number;
}

/**
 * Splits a `width`×`height` image into a grid of cores of near-equal size (at most `size`), each
 * with a window of `context` pixels around it. Windows keep one size (at most
 * `size + 2·context` a side) by sliding inward at the image's edges, so every patch costs the
 * same and the model sees the image's true border where the whole-image run would.
 */
export function planPatches(width: number, height: number, { size, context }: PatchOptions): Patch[] {
  const columns = split(width, size);
  const rows = split(height, size);
  const windowWidth = Math.min(width, Math.max(...columns.map(([, length]) => length)) + 2 * context);
  const windowHeight = Math.min(height, Math.max(...rows.map(([, length]) => length)) + 2 * context);
  const patches: Patch[] = [];
  for (const [y, coreHeight] of rows) {
    for (const [x, coreWidth] of columns) {
      patches.push({
        core: { x, y, width: coreWidth, height: coreHeight },
        window: {
          x: slide(x, coreWidth, windowWidth, width),
          y: slide(y, coreHeight, windowHeight, height),
          width: windowWidth,
          height: windowHeight,
        },
      });
    }
  }
  return patches;
}

/** [start, length] of `ceil(total / size)` near-equal parts of 0..total. */
function split(total: number, size: number): Array<[number, number]> {
  const count = Math.ceil(total / size);
  return Array.from({ length: count }, (_, i) => {
    const start = Math.round((i * total) / count);
    return [start, Math.round(((i + 1) * total) / count) - start];
  });
}

/** Start of a window of `length` centred on the core, moved inside 0..total. */
function slide(start: number, coreLength: number, length: number, total: number): number {
  const centred = start - Math.floor((length - coreLength) / 2);
  return Math.max(0, Math.min(total - length, centred));
}

/** The RGB pixels of `rect` of an image, as float32 in 0..255, row-major. */
export function cropPixels(data: Uint8Array, imageWidth: number, rect: Rect): Float32Array {
  const out = new Float32Array(rect.width * rect.height * 3);
  const rowLength = rect.width * 3;
  for (let row = 0; row < rect.height; row++) {
    const from = ((rect.y + row) * imageWidth + rect.x) * 3;
    out.set(data.subarray(from, from + rowLength), row * rowLength);
  }
  return out;
}

/**
 * Writes `pixels` (float RGB of `rect.width`×`rect.height`) into the image at `rect`, rounded
 * to the nearest integer and clamped to 0..255.
 */
export function pastePixels(target: Uint8Array, imageWidth: number, rect: Rect, pixels: Float32Array): void {
  // A Uint8ClampedArray view rounds and clamps floats as they are copied in.
  const clamped = new Uint8ClampedArray(target.buffer, target.byteOffset, target.byteLength);
  const rowLength = rect.width * 3;
  for (let row = 0; row < rect.height; row++) {
    const to = ((rect.y + row) * imageWidth + rect.x) * 3;
    clamped.set(pixels.subarray(row * rowLength, (row + 1) * rowLength), to);
  }
}

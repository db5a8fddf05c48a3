import { describe, expect, it } from 'vitest';
import { cropPixels, pastePixels, planPatches } from './patches.ts';

describe('planPatches', () => {
  const cases = [
    { width: 512, height: 512, size: 128, context: 16 },
    { width: 1000, height: 77, size: 128, context: 12 },
    { width: 129, height: 130, size: 64, context: 8 },
    { width: 20, height: 30, size: 128, context: 16 },
    { width: 1, height: 1, size: 128, context: 16 },
  ];

  it.each(cases)(
    'tiles $width×$height with cores of at most $size, each once',
    ({ width, height, ...options }) => {
      const patches = planPatches(width, height, options);
      const covered = new Uint8Array(width * height);
      for (const { core } of patches) {
        expect(core.width).toBeLessThanOrEqual(options.size);
        expect(core.height).toBeLessThanOrEqual(options.size);
        for (let y = core.y; y < core.y + core.height; y++) {
          for (let x = core.x; x < core.x + core.width; x++) covered[y * width + x]! += 1;
        }
      }
      expect(covered.every((count) => count === 1)).toBe(true);
    },
  );

  it.each(cases)(
    'gives $width×$height windows of one size, inside the image, with context around each core',
    ({ width, height, ...options }) => {
      const patches = planPatches(width, height, options);
      const [first] = patches;
      for (const { core, window } of patches) {
        expect([window.width, window.height]).toEqual([first!.window.width, first!.window.height]);
        expect(window.x).toBeGreaterThanOrEqual(0);
        expect(window.y).toBeGreaterThanOrEqual(0);
        expect(window.x + window.width).toBeLessThanOrEqual(width);
        expect(window.y + window.height).toBeLessThanOrEqual(height);
        // Context on each side: as much as asked for, or all the image has.
        expect(core.x - window.x).toBeGreaterThanOrEqual(Math.min(options.context, core.x));
        expect(core.y - window.y).toBeGreaterThanOrEqual(Math.min(options.context, core.y));
        expect(window.x + window.width - (core.x + core.width)).toBeGreaterThanOrEqual(
          Math.min(options.context, width - (core.x + core.width)),
        );
        expect(window.y + window.height - (core.y + core.height)).toBeGreaterThanOrEqual(
          Math.min(options.context, height - (core.y + core.height)),
        );
      }
    },
  );

  it('splits into near-equal cores rather than a remainder strip', () => {
    const widths = planPatches(300, 10, { size: 128, context: 0 }).map(({ core }) => core.width);
    expect(widths).toEqual([100, 100, 100]);
  });
});

describe('cropPixels and pastePixels', () => {
  it('copy a rectangle out as floats and back, rounding and clamping', () => {
    const width = 5;
    const image = Uint8Array.from({ length: width * 4 * 3 }, (_, i) => i);
    const rect = { x: 1, y: 2, width: 3, height: 2 };
    const crop = cropPixels(image, width, rect);
    expect(Array.from(crop.subarray(0, 6))).toEqual([33, 34, 35, 36, 37, 38]);
    expect(crop[9]).toBe(((3 * width + 1) * 3) as number);

    const target = new Uint8Array(image.length);
    pastePixels(target, width, rect, crop);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < width; x++) {
        const inside = x >= 1 && x < 4 && y >= 2;
        const i = (y * width + x) * 3;
        expect(target[i]).toBe(inside ? image[i] : 0);
      }
    }

    pastePixels(
      target,
      width,
      { x: 0, y: 0, width: 2, height: 1 },
      Float32Array.of(-3, 0.4, 0.6, 254.5, 300, 1e9),
    );
    expect(Array.from(target.subarray(0, 6))).toEqual([0, 0, 1, 254, 255, 255]);
  });
});

import { AppError } from '@pixelflow/errors';
import { describe, expect, it } from 'vitest';
import { checkConverterLimits } from './converter-limits.ts';

const upscale = {
  id: 'upscale',
  title: 'AI upscale',
  description: 'Larger and sharper.',
  params: {},
  progress: true,
  maxPixels: 1_000_000,
  oversize: 'refuse' as const,
};

describe('checkConverterLimits', () => {
  it("refuses an image over a refusing converter's maxPixels, saying what size would do", () => {
    let error: unknown;
    try {
      checkConverterLimits(upscale, { width: 2560, height: 1600 });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      details: { maxPixels: 1_000_000, converter: 'upscale', fits: { width: 1264, height: 790 } },
    });
    expect((error as AppError).message).toBe(
      'AI upscale takes images of at most 1.0 MP; this one is 2560×1600 (4.1 MP). Scale it down to about 1264×790 first, or pick another converter.',
    );
  });

  it('lets through what fits, what the converter scales down itself, and a converter without a limit', () => {
    expect(() => checkConverterLimits(upscale, { width: 1000, height: 1000 })).not.toThrow();
    expect(() =>
      checkConverterLimits({ ...upscale, oversize: 'downscale' }, { width: 2560, height: 1600 }),
    ).not.toThrow();
    expect(() =>
      checkConverterLimits({ ...upscale, maxPixels: undefined }, { width: 9000, height: 9000 }),
    ).not.toThrow();
    expect(() => checkConverterLimits(undefined, { width: 9000, height: 9000 })).not.toThrow();
  });
});

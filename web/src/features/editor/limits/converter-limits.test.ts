import { describe, expect, it } from 'vitest';
import { limitNotes, megapixels, oversizeProblem, sizeThatFits } from './converter-limits.ts';

const light = {
  maxPixels: null,
  maxOutputPixels: null,
  oversize: null,
  cost: 'LIGHT',
  jobsAtOnce: { anonymous: 3, signedIn: 6 },
} as const;

describe('converter limits', () => {
  it('says the largest image, what happens over it, the largest result and that it is heavy', () => {
    expect(limitNotes(light, false)).toEqual([]);
    expect(
      limitNotes({ ...light, maxPixels: 50_000_000, oversize: 'REFUSE', maxOutputPixels: 25_000_000 }, false),
    ).toEqual(['Takes images up to 50 MP; larger ones are refused.', 'Makes results of up to 25 MP.']);
    const dream = {
      ...light,
      maxPixels: 500_000,
      oversize: 'DOWNSCALE',
      cost: 'HEAVY',
      jobsAtOnce: { anonymous: 1, signedIn: 2 },
    } as const;
    expect(limitNotes(dream, false)).toEqual([
      'Takes images up to 0.5 MP; larger ones are scaled down to fit first.',
      'Heavy: takes a while, one at a time (two when signed in).',
    ]);
    expect(limitNotes(dream, true)[1]).toBe('Heavy: takes a while, two at a time.');
    // An installation's own settings, as the API publishes them.
    expect(limitNotes({ ...dream, jobsAtOnce: { anonymous: 4, signedIn: 4 } }, false)[1]).toBe(
      'Heavy: takes a while, four at a time.',
    );
  });

  it('flags a photo over a refusing converter’s limit, with the size that would fit', () => {
    const upscale = { title: 'Upscale', maxPixels: 1_048_576, oversize: 'REFUSE' } as const;
    expect(oversizeProblem(upscale, { width: 1024, height: 1024 })).toBeNull();
    expect(oversizeProblem({ ...upscale, oversize: 'DOWNSCALE' }, { width: 4000, height: 3000 })).toBeNull();
    expect(oversizeProblem(upscale, { width: 4000, height: 3000 })).toBe(
      'This photo is 4000×3000 (12 MP); Upscale takes at most 1 MP. Scale it down to about 1182×886 first, or pick another converter.',
    );
    // Just over: the sizes are told apart.
    expect(oversizeProblem({ ...upscale, maxPixels: 50_000_000 }, { width: 7072, height: 7072 })).toMatch(
      /\(50\.013 MP\); Upscale takes at most 50 MP/,
    );
  });

  it('fits a size within a pixel budget as the server does, never below 1 px', () => {
    const fits = sizeThatFits({ width: 4000, height: 3000 }, 1_048_576);
    expect(fits.width * fits.height).toBeLessThanOrEqual(1_048_576);
    expect(sizeThatFits({ width: 100_000, height: 1 }, 10)).toEqual({ width: 1000, height: 1 });
    expect(megapixels(1_250_000)).toBe('1.3 MP');
  });
});

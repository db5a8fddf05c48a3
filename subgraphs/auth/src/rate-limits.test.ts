import { describe, expect, it } from 'vitest';
import { authSettings } from './env.ts';
import { delayAfter, fixedWindow } from './rate-limits.ts';

const defaultLoginLimits = authSettings.defaults.loginLimits;

describe('fixed windows', () => {
  it('starts at a multiple of the window and says how long is left', () => {
    const window = fixedWindow(new Date('2026-11-05T10:07:30.250Z'), 900);
    expect(window.start.toISOString()).toBe('2026-11-05T10:00:00.000Z');
    expect(window.retryAfterS).toBe(450);
    expect(fixedWindow(new Date('2026-11-05T10:14:59.900Z'), 900).retryAfterS).toBe(1);
    expect(fixedWindow(new Date('2026-11-05T10:15:00.000Z'), 900)).toEqual({
      start: new Date('2026-11-05T10:15:00.000Z'),
      retryAfterS: 900,
    });
  });
});

describe('the wait after a failure', () => {
  it('is none for the free failures, then doubles from the base delay up to the cap', () => {
    const waitsS = Array.from({ length: 18 }, (_, i) => delayAfter(i + 1, defaultLoginLimits) / 1000);
    expect(waitsS).toEqual([0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
    expect(delayAfter(1_000_000, defaultLoginLimits)).toBe(900_000);
    const limits = { ...defaultLoginLimits, freeFailures: 1, baseDelayS: 30, maxDelayS: 100 };
    expect([1, 2, 3, 4, 5].map((n) => delayAfter(n, limits))).toEqual([0, 30_000, 60_000, 100_000, 100_000]);
  });
});

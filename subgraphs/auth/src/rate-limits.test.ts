import { describe, expect, it } from 'vitest';
import { fixedWindow } from './rate-limits.ts';

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

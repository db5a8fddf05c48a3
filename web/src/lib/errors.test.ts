import { describe, expect, it } from 'vitest';
import { describeError, describeJobError } from './errors.ts';

const refusal = (code: string, details: Record<string, unknown> = {}) => ({
  code,
  message: 'refused',
  details,
});

describe('describeError', () => {
  it('says which limit a conversion hit, and when to try again', () => {
    expect(
      describeError(refusal('RATE_LIMITED', { limit: 'active', maxActive: 3, retryAfter: 5 })).message,
    ).toBe('You have 3 conversions waiting or running. Wait for one to finish.');
    expect(describeError(refusal('RATE_LIMITED', { limit: 'rate', retryAfter: 41.2 })).message).toBe(
      'You converted many images in a short time. Try again in 42 seconds.',
    );
    expect(describeError(refusal('RATE_LIMITED', { retryAfter: 9 })).message).toBe(
      'Too many attempts. Try again in 9 seconds.',
    );
    expect(describeError(refusal('QUEUE_FULL', { retryAfter: 10 })).message).toMatch(/too much work queued/);
  });

  it('tells a person what the new refusals mean', () => {
    for (const code of ['QUEUE_FULL', 'WORK_TOO_LARGE', 'REQUEST_TIMEOUT', 'TOO_MANY_CONNECTIONS']) {
      expect(describeError(refusal(code)).message).not.toBe('refused');
    }
    expect(describeJobError({ code: 'QUEUE_TIMEOUT', message: 'waited 600 s' })).toMatch(/waited too long/);
    expect(describeJobError({ code: 'WORK_TOO_LARGE', message: 'x' })).toMatch(/too large/);
  });

  it('says that a heavy conversion is already under way, and how to go on', () => {
    expect(describeError(refusal('RATE_LIMITED', { limit: 'active-heavy', maxActive: 1 })).message).toBe(
      'You already have a heavy conversion (such as DeepDream or upscaling) waiting or running. Wait for it to finish, or cancel it.',
    );
    expect(describeError(refusal('RATE_LIMITED', { limit: 'active-heavy', maxActive: 2 })).message).toMatch(
      /^You already have 2 heavy conversions/,
    );
  });

  it('passes on the size that would fit when a converter refuses a photo as too large', () => {
    const words =
      'Upscale takes images of at most 1.0 MP; this one is 2000×1000 (2.0 MP). Scale it down to about 1414×707 first, or pick another converter.';
    const refused = {
      code: 'IMAGE_TOO_LARGE',
      message: words,
      details: { fits: { width: 1414, height: 707 } },
    };
    expect(describeError(refused).message).toBe(words);
    // The product-wide pixel limit says nothing of a size that fits: the page's own words.
    expect(describeError(refusal('IMAGE_TOO_LARGE')).message).toMatch(/too many pixels/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  chooseSigner,
  isPublished,
  type KeyTimes,
  planRotation,
  type RotationPolicy,
} from './key-rotation.ts';

const DAY = 86_400_000;
const policy: RotationPolicy = { rotationMs: 30 * DAY, publishLeadMs: 600_000, accessTokenTtlMs: 900_000 };
const key = (kid: string, createdAt: number, extra: Partial<KeyTimes> = {}): KeyTimes => ({
  kid,
  createdAt,
  retiredAt: null,
  usable: true,
  ...extra,
});

describe('key rotation', () => {
  it('makes the first key, which signs at once', () => {
    expect(planRotation([], 0, policy)).toEqual({ create: true, retire: [] });
    expect(chooseSigner([key('a', 0)], 0, policy)?.kid).toBe('a');
    expect(planRotation([key('a', 0)], 29 * DAY, policy)).toEqual({ create: false, retire: [] });
  });

  it('makes a new key when the newest is due, which signs only after the publish lead', () => {
    const t = 30 * DAY;
    expect(planRotation([key('a', 0)], t, policy).create).toBe(true);
    const keys = [key('a', 0), key('b', t)];
    expect(planRotation(keys, t + 1, policy)).toEqual({ create: false, retire: [] });
    expect(chooseSigner(keys, t + 599_000, policy)?.kid).toBe('a');
    expect(chooseSigner(keys, t + 600_000, policy)?.kid).toBe('b');
    expect(planRotation(keys, t + 600_000, policy)).toEqual({ create: false, retire: ['a'] });
  });

  it('publishes a retired key until the tokens it signed have expired', () => {
    const retired = key('a', 0, { retiredAt: 10 * DAY });
    expect(isPublished(retired, 10 * DAY + 900_000, policy)).toBe(true);
    expect(isPublished(retired, 10 * DAY + 900_000 + 600_000 + 1, policy)).toBe(false);
    expect(isPublished(key('b', 0), 365 * DAY, policy)).toBe(true);
  });

  it('never signs with a key it cannot decrypt, and replaces it', () => {
    const keys = [key('a', 0, { usable: false })];
    expect(chooseSigner(keys, DAY, policy)).toBeUndefined();
    expect(planRotation(keys, DAY, policy)).toEqual({ create: true, retire: [] });
    const withNew = [...keys, key('b', DAY)];
    expect(chooseSigner(withNew, DAY, policy)?.kid).toBe('b');
    expect(planRotation(withNew, DAY + 600_000, policy)).toEqual({ create: false, retire: [] });
  });
});

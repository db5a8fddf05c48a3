import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPageSize, decodeCursor, encodeCursor } from './images.ts';

describe('page cursors', () => {
  it('round-trip a microsecond time and an id, opaquely', () => {
    const cursor = { createdAt: '2026-11-01T12:00:00.123456Z', id: randomUUID() };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[\w-]+$/);
    expect(text).not.toContain(cursor.id);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it('refuse anything else as BAD_USER_INPUT', () => {
    const id = randomUUID();
    const encode = (text: string) => Buffer.from(text).toString('base64url');
    for (const bad of [
      '',
      'not a cursor',
      encode(`v2|2026-11-01T12:00:00.123456Z|${id}`),
      encode(`v1|2026-11-01T12:00:00Z|${id}`),
      encode(`v1|2026-13-45T12:00:00.123456Z|${id}`),
      // A day that is no day, and a year before any image: PostgreSQL refuses both.
      encode(`v1|2024-02-30T00:00:00.000000Z|${id}`),
      encode(`v1|2026-04-31T23:59:59.999999Z|${id}`),
      encode(`v1|0000-01-01T00:00:00.000000Z|${id}`),
      encode(`v1|2026-11-01T24:00:00.000000Z|${id}`),
      encode('v1|2026-11-01T12:00:00.123456Z|not-a-uuid'),
      encode(`v1|2026-11-01T12:00:00.123456Z|${id}|extra`),
      'x'.repeat(500),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
  });
});

describe('checkPageSize', () => {
  it('defaults to 24 and takes 1 to 100', () => {
    expect(checkPageSize(undefined)).toBe(24);
    expect(checkPageSize(null)).toBe(24);
    expect(checkPageSize(1)).toBe(1);
    expect(checkPageSize(100)).toBe(100);
    for (const bad of [0, -1, 101, 2.5]) {
      expect(() => checkPageSize(bad)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
  });
});

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gallerySettings } from './env.ts';
import { UrlSigner } from './signed-urls.ts';

const secret = 'a-secret-of-at-least-thirty-two-characters!';
const start = Date.parse('2026-11-01T12:00:10Z');

function signer(now: { ms: number }, options: { ttlS?: number; secret?: string } = {}) {
  return new UrlSigner({
    secret: options.secret ?? secret,
    publicUrl: 'https://pixelflow.example/',
    ttlS: options.ttlS ?? gallerySettings.defaults.urlTtlS,
    now: () => now.ms,
  });
}

function parts(url: string) {
  const parsed = new URL(url);
  return {
    path: parsed.pathname,
    exp: parsed.searchParams.get('exp') ?? undefined,
    sig: parsed.searchParams.get('sig') ?? undefined,
  };
}

describe('UrlSigner', () => {
  const id = randomUUID();

  it('signs image and thumbnail URLs under the public URL, expiring after the TTL rounded up to a window', () => {
    const now = { ms: start };
    const urls = signer(now);
    const image = parts(urls.url(id, 'image'));
    const thumbnail = parts(urls.url(id, 'thumbnail'));
    expect(urls.url(id, 'image')).toMatch(
      new RegExp(`^https://pixelflow\\.example/images/${id}\\?exp=\\d+&sig=[\\w-]{43}$`),
    );
    expect(thumbnail.path).toBe(`/images/${id}/thumbnail`);
    const exp = Number(image.exp);
    const nowS = start / 1000;
    expect(exp % 900).toBe(0);
    expect(exp - nowS).toBeGreaterThanOrEqual(3600);
    expect(exp - nowS).toBeLessThanOrEqual(3600 + 900);
    expect(thumbnail.sig).not.toBe(image.sig);
  });

  it('gives the same URL all through a window, and a later one after it', () => {
    const now = { ms: start };
    const urls = signer(now);
    const first = urls.url(id, 'image');
    now.ms += 60_000;
    expect(urls.url(id, 'image')).toBe(first);
    now.ms += 900_000;
    expect(urls.url(id, 'image')).not.toBe(first);
  });

  it('accepts its own signature until the expiry, then refuses it', () => {
    const now = { ms: start };
    const urls = signer(now, { ttlS: 60 });
    const { exp, sig } = parts(urls.url(id, 'image'));
    expect(urls.verify(id, 'image', exp, sig)).toEqual({ ok: true, expiresAt: Number(exp) });
    now.ms = Number(exp) * 1000 - 1;
    expect(urls.verify(id, 'image', exp, sig).ok).toBe(true);
    now.ms = Number(exp) * 1000;
    expect(urls.verify(id, 'image', exp, sig)).toEqual({ ok: false });
  });

  it('refuses a changed id, variant, expiry or signature, and another secret', () => {
    const now = { ms: start };
    const urls = signer(now);
    const { exp, sig } = parts(urls.url(id, 'image'));
    expect(urls.verify(randomUUID(), 'image', exp, sig).ok).toBe(false);
    expect(urls.verify(id, 'thumbnail', exp, sig).ok).toBe(false);
    expect(urls.verify(id, 'image', String(Number(exp) + 900), sig).ok).toBe(false);
    expect(urls.verify(id, 'image', `${exp}0`, sig).ok).toBe(false);
    expect(urls.verify(id, 'image', exp, `${sig!.slice(0, -1)}${sig!.endsWith('A') ? 'B' : 'A'}`).ok).toBe(
      false,
    );
    expect(
      signer(now, { secret: 'another-secret-of-at-least-thirty-two-chars' }).verify(id, 'image', exp, sig).ok,
    ).toBe(false);
  });

  it('refuses malformed parameters without throwing', () => {
    const urls = signer({ ms: start });
    const { exp, sig } = parts(urls.url(id, 'image'));
    for (const [badExp, badSig] of [
      [undefined, sig],
      [exp, undefined],
      ['-1', sig],
      ['1e12', sig],
      [exp, ''],
      [exp, `${sig}A`],
      [exp, 'é'.repeat(43)],
      [exp, ['a', 'b']],
    ] as const) {
      expect(urls.verify(id, 'image', badExp, badSig)).toEqual({ ok: false });
    }
  });
});

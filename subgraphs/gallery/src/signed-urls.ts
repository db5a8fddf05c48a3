import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { ImageVariant } from './images.ts';

export interface UrlSignerOptions {
  /** The internal secret; the signing key is derived from it, never used as is. */
  secret: string;
  /** Base of the public URLs (the gateway's), e.g. http://localhost:4000. */
  publicUrl: string;
  /** How long a URL stays valid at least, in seconds (URL_TTL_S in env.ts). */
  ttlS: number;
  /**
   * Expiry times are rounded up to a multiple of this, so that every URL for one image made within
   * a window is the same URL and a browser's cache can keep serving it.
   * @default a quarter of ttlS
   */
  windowS?: number;
  now?: () => number;
}

export type Verdict = { ok: true; expiresAt: number } | { ok: false };

const SIGNATURE_LENGTH = 43; // base64url of 32 bytes

/**
 * Signed, expiring image URLs: `${publicUrl}/images/<id>?exp=<unix s>&sig=<mac>` and
 * `/images/<id>/thumbnail?...`, the MAC being HMAC-SHA256 over `<id>:<variant>:<exp>` with a key
 * derived from the internal secret (HKDF, so that a signature never doubles as anything else
 * signed with that secret). An `<img src>` needs no header, and a URL leaked after the image was
 * deleted or after it expired opens nothing.
 */
export class UrlSigner {
  readonly #key: Buffer;
  readonly #publicUrl: string;
  readonly #ttlS: number;
  readonly #windowS: number;
  readonly #now: () => number;

  constructor({ secret, publicUrl, ttlS, windowS, now = Date.now }: UrlSignerOptions) {
    if (!Number.isInteger(ttlS) || ttlS < 1)
      throw new RangeError(`ttlS must be a positive integer, got ${ttlS}`);
    this.#key = Buffer.from(hkdfSync('sha256', secret, '', 'pixelflow gallery image urls v1', 32));
    this.#publicUrl = publicUrl.replace(/\/+$/, '');
    this.#ttlS = ttlS;
    this.#windowS = Math.max(1, Math.ceil(windowS ?? ttlS / 4));
    this.#now = now;
  }

  /** The signed URL of an image or its thumbnail, valid for ttlS to ttlS + windowS seconds. */
  url(id: string, variant: ImageVariant): string {
    const earliest = Math.floor(this.#now() / 1000) + this.#ttlS;
    const exp = Math.ceil(earliest / this.#windowS) * this.#windowS;
    const path = variant === 'image' ? `/images/${id}` : `/images/${id}/thumbnail`;
    return `${this.#publicUrl}${path}?exp=${exp}&sig=${this.#sign(id, variant, exp)}`;
  }

  /** Whether `sig` signs this id, variant and `exp`, and `exp` is still ahead; in constant time. */
  verify(id: string, variant: ImageVariant, exp: unknown, sig: unknown): Verdict {
    if (typeof exp !== 'string' || !/^\d{1,12}$/.test(exp) || typeof sig !== 'string') return { ok: false };
    const expected = Buffer.from(this.#sign(id, variant, Number(exp)));
    const given = Buffer.from(sig);
    // Lengths first: timingSafeEqual throws on unequal lengths, and the length is no secret.
    if (given.length !== SIGNATURE_LENGTH || !timingSafeEqual(expected, given)) return { ok: false };
    const expiresAt = Number(exp);
    return expiresAt * 1000 > this.#now() ? { ok: true, expiresAt } : { ok: false };
  }

  #sign(id: string, variant: ImageVariant, exp: number): string {
    return createHmac('sha256', this.#key).update(`${id}:${variant}:${exp}`).digest('base64url');
  }
}

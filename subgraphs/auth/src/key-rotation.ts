/**
 * When signing keys are made, used, retired and published: pure functions of the key set and the
 * clock, so that every instance comes to the same answer and tests can move time at will.
 *
 * A new key is published `publishLeadMs` before it signs, so that verifiers (which refetch the key
 * set every minute) know it before the first token it signs reaches them. A key stops signing when a
 * newer one takes over, is then marked retired, and stays published until every token it signed
 * has expired.
 */

export interface KeyTimes {
  kid: string;
  createdAt: number;
  retiredAt: number | null;
  /** Whether this instance can sign with it (its private key decrypted). */
  usable: boolean;
}

export interface RotationPolicy {
  /** A new key is made when the newest is this old. */
  rotationMs: number;
  /** How long a new key is published before it signs. */
  publishLeadMs: number;
  /** Access tokens live this long. */
  accessTokenTtlMs: number;
}

/**
 * The key that signs now: the newest usable, unretired key that has been published for
 * `publishLeadMs`; when none has (the very first key), the oldest usable one.
 */
export function chooseSigner<K extends KeyTimes>(
  keys: readonly K[],
  now: number,
  policy: RotationPolicy,
): K | undefined {
  const candidates = keys
    .filter((key) => key.usable && key.retiredAt === null)
    .sort((a, b) => a.createdAt - b.createdAt);
  const seasoned = candidates.filter((key) => key.createdAt <= now - policy.publishLeadMs);
  return seasoned.at(-1) ?? candidates[0];
}

/** What maintenance does now: make a key (none usable, or the newest is due), retire superseded ones. */
export function planRotation(
  keys: readonly KeyTimes[],
  now: number,
  policy: RotationPolicy,
): { create: boolean; retire: string[] } {
  const newest = keys.reduce<KeyTimes | undefined>(
    (a, b) => (!a || b.createdAt > a.createdAt ? b : a),
    undefined,
  );
  const hasUsable = keys.some((key) => key.usable && key.retiredAt === null);
  const create = !hasUsable || !newest || newest.createdAt <= now - policy.rotationMs;
  const signer = chooseSigner(keys, now, policy);
  const retire = signer
    ? keys
        .filter((key) => key.retiredAt === null && key.usable && key.createdAt < signer.createdAt)
        .map((key) => key.kid)
    : [];
  return { create, retire };
}

/**
 * Whether the key is in the JWKS: from its creation until every token it may have signed expired.
 * The lead is added to the token lifetime as slack for instances that learn of a retirement late.
 */
export function isPublished(key: KeyTimes, now: number, policy: RotationPolicy): boolean {
  return key.retiredAt === null || key.retiredAt + policy.accessTokenTtlMs + policy.publishLeadMs > now;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Who is calling, as the gateway vouches for it to the subgraphs: the signed-in user (null when
 * anonymous) and the client's address (for rate limits). The gateway verifies the access token;
 * subgraphs only check that the envelope is the gateway's, so a subgraph reached directly with a
 * forged header treats the caller as anonymous.
 */
export interface Identity {
  userId: string | null;
  /** The client's address as the gateway saw it. */
  ip: string;
}

/** Header carrying the signed identity on every request from the gateway to a subgraph. */
export const IDENTITY_HEADER = 'x-pixelflow-identity';

/** An envelope older than this is refused (a captured header is useless soon). */
const MAX_AGE_MS = 60_000;

export const anonymous = (ip = 'unknown'): Identity => ({ userId: null, ip });

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`identity.v1.${payload}`).digest('base64url');
}

/** `v1.<payload>.<signature>`, the payload being base64url JSON of the identity and a timestamp. */
export function signIdentity(secret: string, identity: Identity, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ u: identity.userId, ip: identity.ip, t: now })).toString(
    'base64url',
  );
  return `v1.${payload}.${sign(secret, payload)}`;
}

/** The identity in a signed envelope; anonymous (with an unknown address) when missing, forged or stale. */
export function verifyIdentity(secret: string, envelope: unknown, now = Date.now()): Identity {
  if (typeof envelope !== 'string') return anonymous();
  const [version, payload, signature] = envelope.split('.');
  if (version !== 'v1' || !payload || !signature) return anonymous();
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return anonymous();
  try {
    const { u, ip, t } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      u: unknown;
      ip: unknown;
      t: unknown;
    };
    if (typeof t !== 'number' || Math.abs(now - t) > MAX_AGE_MS) return anonymous();
    return { userId: typeof u === 'string' && u ? u : null, ip: typeof ip === 'string' ? ip : 'unknown' };
  } catch {
    return anonymous();
  }
}

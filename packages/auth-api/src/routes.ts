/**
 * The auth service's internal session API: what the gateway's browser sessions (`/auth/*`) sign
 * in, refresh and sign out with. The caller's address travels in the identity header (see
 * AuthClient), so that auth's sign-in throttle sees the browser's address, not the gateway's.
 */
import { z } from '@pixelflow/config';
import { defineRoutes } from '@pixelflow/service-kit';

/** Auth checks the rest (email format, password policy, lengths) and answers its own codes. */
export const credentialsSchema = z.object({ email: z.string(), password: z.string() });
export type Credentials = z.infer<typeof credentialsSchema>;

const refreshTokenBody = z.object({ refreshToken: z.string() });

/** A sign-in: the tokens, and how long each lasts. */
export const signInSchema = z.object({
  /** A JWT (EdDSA) for the Authorization header. */
  accessToken: z.string(),
  /** ISO time of the access token's expiry. */
  expiresAt: z.string(),
  /** Single use: a refresh trades it for a new one. */
  refreshToken: z.string(),
  /** The refresh token's lifetime in seconds, for a cookie that holds it. */
  refreshTokenMaxAgeS: z.number().int().positive(),
  user: z.object({ id: z.string(), email: z.string() }),
});
export type SignIn = z.infer<typeof signInSchema>;

// A password is hashed (argon2id) on register and login: a slower answer than most.
const timeoutMs = 15_000;

/** Register, login and refresh are not idempotent: a second try would count twice, or spend a used token. */
export const authRoutes = defineRoutes({
  register: {
    method: 'POST',
    url: '/internal/sessions/register',
    body: credentialsSchema,
    response: signInSchema,
    idempotent: false,
    timeoutMs,
  },
  login: {
    method: 'POST',
    url: '/internal/sessions/login',
    body: credentialsSchema,
    response: signInSchema,
    idempotent: false,
    timeoutMs,
  },
  /** Each refresh token works once: one presented again revokes every token of its sign-in. */
  refresh: {
    method: 'POST',
    url: '/internal/sessions/refresh',
    body: refreshTokenBody,
    response: signInSchema,
    idempotent: false,
    timeoutMs,
  },
  /** Revokes the sign-in the token belongs to; `revoked` is false when there was nothing to revoke. */
  logout: {
    method: 'POST',
    url: '/internal/sessions/logout',
    body: refreshTokenBody,
    response: z.object({ revoked: z.boolean() }),
    idempotent: true,
    timeoutMs,
  },
});

import { internalSecret, logLevel, parseEnv, port, positiveInt, postgresUrl, z } from '@pixelflow/config';
import { defineSettings } from '@pixelflow/config/settings';
import { ACCESS_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S } from '@pixelflow/product';
import { httpLimitsEnv } from '@pixelflow/service-kit';
import type { LoginLimits } from './rate-limits.ts';

const DAY_S = 86_400;

export interface AuthSettings {
  /** Lifetime of an access token, in seconds (ACCESS_TOKEN_TTL_S). */
  accessTokenTtlS: number;
  /** Lifetime of a refresh token, in seconds (REFRESH_TOKEN_TTL_S). */
  refreshTokenTtlS: number;
  /** A new signing key is made when the newest is this old (KEY_ROTATION_DAYS). */
  keyRotationDays: number;
  /** A new signing key is published this long before it signs (KEY_PUBLISH_LEAD_S). */
  keyPublishLeadS: number;
  /** The sign-in throttle (see LoginLimiter; LOGIN_* and REGISTER_*). */
  loginLimits: LoginLimits;
}

/** The service's runtime settings: their defaults are here and nowhere else. */
export const authSettings = defineSettings(
  {
    /** Lifetime of an access token, in seconds. */
    ACCESS_TOKEN_TTL_S: positiveInt(ACCESS_TOKEN_TTL_S),
    /** Lifetime of a refresh token, in seconds (each rotation issues a new one). */
    REFRESH_TOKEN_TTL_S: positiveInt(REFRESH_TOKEN_TTL_S),
    /** A new signing key is made when the newest is this many days old. */
    KEY_ROTATION_DAYS: positiveInt(30),
    /** A new signing key is published this long before it signs, so that verifiers know it first. */
    KEY_PUBLISH_LEAD_S: positiveInt(600),
    // The sign-in throttle: see LoginLimiter (rate-limits.ts) for the policy.
    /** Failed sign-ins from one address on one account before each further one makes it wait. */
    LOGIN_FREE_FAILURES: positiveInt(5),
    /** The first wait, in seconds; it doubles with every further failure from that address. */
    LOGIN_BASE_DELAY_S: positiveInt(1),
    /** The longest wait, in seconds. */
    LOGIN_MAX_DELAY_S: positiveInt(900),
    /** An address's failures on an account are forgotten after this long without a new one, in seconds. */
    LOGIN_FAILURE_MEMORY_S: positiveInt(DAY_S),
    /** Password attempts (sign-ins and registrations) per client address per window. */
    LOGIN_ADDRESS_MAX_ATTEMPTS: positiveInt(30),
    /** Failures on one account from all addresses per window, past which only known addresses may sign in. */
    LOGIN_ACCOUNT_CEILING: positiveInt(100),
    /** Length of the windows of LOGIN_ADDRESS_MAX_ATTEMPTS and LOGIN_ACCOUNT_CEILING, in seconds. */
    LOGIN_WINDOW_S: positiveInt(900),
    /** How long a successful sign-in keeps its address known to the account, in days. */
    LOGIN_KNOWN_ADDRESS_DAYS: positiveInt(30),
    /** Accounts one client address may register per REGISTER_WINDOW_S. */
    REGISTER_MAX_PER_ADDRESS: positiveInt(10),
    REGISTER_WINDOW_S: positiveInt(DAY_S),
  },
  (env): AuthSettings => ({
    accessTokenTtlS: env.ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: env.REFRESH_TOKEN_TTL_S,
    keyRotationDays: env.KEY_ROTATION_DAYS,
    keyPublishLeadS: env.KEY_PUBLISH_LEAD_S,
    loginLimits: {
      freeFailures: env.LOGIN_FREE_FAILURES,
      baseDelayS: env.LOGIN_BASE_DELAY_S,
      maxDelayS: env.LOGIN_MAX_DELAY_S,
      failureMemoryS: env.LOGIN_FAILURE_MEMORY_S,
      addressMaxAttempts: env.LOGIN_ADDRESS_MAX_ATTEMPTS,
      accountCeiling: env.LOGIN_ACCOUNT_CEILING,
      windowS: env.LOGIN_WINDOW_S,
      knownAddressS: env.LOGIN_KNOWN_ADDRESS_DAYS * DAY_S,
      registrationsPerAddress: env.REGISTER_MAX_PER_ADDRESS,
      registrationWindowS: env.REGISTER_WINDOW_S,
    },
  }),
);

export const envSchema = z.object({
  ...httpLimitsEnv(),
  PORT: port(4003),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  DATABASE_URL: postgresUrl(),
  /** Checks the gateway's identity envelope, and (through HKDF) encrypts the signing keys at rest. */
  INTERNAL_SECRET: internalSecret(),
  ...authSettings.env,
  /**
   * Gone: it locked an account for everyone after a few failures, the owner included. Refused
   * rather than ignored, so that a deployment that set it learns what replaced it.
   */
  LOGIN_ACCOUNT_MAX_FAILURES: z
    .undefined({
      error:
        'was removed: failures now slow down the failing address only (LOGIN_FREE_FAILURES, LOGIN_BASE_DELAY_S, LOGIN_MAX_DELAY_S), with LOGIN_ACCOUNT_CEILING as the last resort',
    })
    .optional(),
});

export type AuthEnv = z.infer<typeof envSchema>;

export const readAuthEnv = (source?: Record<string, string | undefined>): AuthEnv =>
  parseEnv(envSchema, source);

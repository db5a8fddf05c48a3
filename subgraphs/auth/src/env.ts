import { internalSecret, logLevel, parseEnv, port, positiveInt, postgresUrl, z } from '@pixelflow/config';
import { httpLimitsEnv } from '@pixelflow/service-kit';

export const envSchema = z.object({
  ...httpLimitsEnv(),
  PORT: port(4003),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel(),
  DATABASE_URL: postgresUrl(),
  /** Checks the gateway's identity envelope, and (through HKDF) encrypts the signing keys at rest. */
  INTERNAL_SECRET: internalSecret(),
  /** Lifetime of an access token, in seconds. */
  ACCESS_TOKEN_TTL_S: positiveInt(900),
  /** Lifetime of a refresh token, in seconds (each rotation issues a new one): 30 days. */
  REFRESH_TOKEN_TTL_S: positiveInt(30 * 86_400),
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
  LOGIN_FAILURE_MEMORY_S: positiveInt(86_400),
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
  REGISTER_WINDOW_S: positiveInt(86_400),
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

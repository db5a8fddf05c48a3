import { internalSecret, logLevel, parseEnv, port, positiveInt, postgresUrl, z } from '@pixelflow/config';

const schema = z.object({
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
  /** Failed sign-ins per account (normalised email) per window before sign-ins to it are refused. */
  LOGIN_ACCOUNT_MAX_FAILURES: positiveInt(5),
  /** Password attempts (sign-ins and registrations) per client address per window. */
  LOGIN_ADDRESS_MAX_ATTEMPTS: positiveInt(30),
  /** Length of a rate-limit window, in seconds. */
  LOGIN_WINDOW_S: positiveInt(900),
});

export type AuthEnv = z.infer<typeof schema>;

export const readAuthEnv = (source?: Record<string, string | undefined>): AuthEnv => parseEnv(schema, source);

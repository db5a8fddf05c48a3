/**
 * The product's limits: what a person is promised (DESIGN.md, the README, the web app's messages)
 * and what every service enforces by default. Plain data with no imports, so that the web app
 * bundles the same numbers the servers check. A deployment may lower or raise the enforced ones
 * through each service's environment (env.ts); these are the defaults there.
 */

/** The largest upload, inclusive (a file of exactly this size is accepted): 5 MiB. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** MAX_UPLOAD_BYTES as messages to people say it: "5 MB". */
export const MAX_UPLOAD_MB = MAX_UPLOAD_BYTES / (1024 * 1024);

/** The most pixels (width × height) an uploaded image may have. */
export const MAX_PIXELS = 50_000_000;

/** The most steps (converter + params) one job runs, one after the other. */
export const MAX_STEPS = 8;

/** A queued or running job whose worker stops heart-beating is gone after this long. */
export const JOB_TTL_MS = 100_000;

/** A finished job (SUCCEEDED or FAILED) and its result stay this long after it ended (1 hour). */
export const RESULT_RETENTION_MS = 3_600_000;

/**
 * The largest result a conversion may store, and the largest image the gallery keeps: results may
 * be larger than their upload (a resize, an upscale), within this bound.
 */
export const MAX_RESULT_BYTES = 64 * 1024 * 1024;

/** How long a sign-in lasts without use: the refresh token's lifetime (30 days). */
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;

/** How long an access token is good for (15 minutes). */
export const ACCESS_TOKEN_TTL_S = 15 * 60;

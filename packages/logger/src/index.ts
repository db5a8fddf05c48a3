import { currentTraceId } from '@pixelflow/telemetry';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Service name, added to every line. */
  service: string;
  /** @default 'info' */
  level?: string;
  /** Where the lines go. @default stdout */
  destination?: DestinationStream;
}

/** Where secrets sit in what gets logged: at the top, one level down, and in headers. */
const secretKeys = [
  'authorization',
  'cookie',
  '["set-cookie"]',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'internalSecret',
  '["x-pixelflow-internal"]',
  '["x-pixelflow-identity"]',
];
const redactPaths = secretKeys.flatMap((key) => {
  const at = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key, at('*'), at('headers'), at('*.headers'), at('connectionParams'), at('variables')];
});

/** A signed URL's signature, a token in a query string, a password in a connection URL. */
const secretInText =
  /([?&](?:sig|exp|token|access_token|refresh_token)=)[^&\s"'#]+|(\/\/[^/:@\s]*:)[^@/\s]+@/g;

/** The text with every signature, query token and URL password replaced. */
export function scrubSecrets(text: string): string {
  return text.replace(secretInText, (_match, query?: string, user?: string) =>
    query ? `${query}[redacted]` : `${user}[redacted]@`,
  );
}

const scrubError = (error: Error) => {
  const serialized = pino.stdSerializers.err(error);
  if (typeof serialized.message === 'string') serialized.message = scrubSecrets(serialized.message);
  if (typeof serialized.stack === 'string') serialized.stack = scrubSecrets(serialized.stack);
  return serialized;
};

/**
 * Structured JSON logs: attributes first, message second, one child logger per request. Nothing
 * secret gets out: tokens, cookies, passwords and the internal secret are redacted wherever a log
 * call puts them, and URLs and errors lose their signatures and credentials.
 */
export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  const options = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: redactPaths, censor: '[redacted]' },
    // A line logged while a sampled trace is active names it: the logs of one request or job
    // can be found from its trace, and the other way round.
    mixin: () => {
      const traceId = currentTraceId();
      return traceId ? { traceId } : {};
    },
    serializers: {
      err: scrubError,
      error: scrubError,
      url: (value: unknown) => (typeof value === 'string' ? scrubSecrets(value) : value),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

import { type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Service name, added to every line. */
  service: string;
  /** @default 'info' */
  level?: string;
}

/** Structured JSON logs: attributes first, message second, one child logger per request. */
export function createLogger({ service, level = 'info' }: LoggerOptions): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

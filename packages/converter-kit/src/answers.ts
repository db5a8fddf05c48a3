import { AppError, errorBody, isErrorCode } from '@pixelflow/errors';
import type { FastifyReply } from 'fastify';

/** The converter is at capacity; the caller should retry later (503 + Retry-After). */
export class BusyError extends Error {
  override name = 'BusyError';
}

/**
 * The busy answer: 503 SERVICE_UNAVAILABLE with `Retry-After`. The conversion service waits it
 * out and tries again; nothing failed.
 */
export function sendBusy(reply: FastifyReply, retryAfterSeconds: number, message: string): FastifyReply {
  return reply
    .code(503)
    .header('retry-after', String(retryAfterSeconds))
    .send(errorBody('SERVICE_UNAVAILABLE', message));
}

export const shuttingDownError = (): AppError =>
  new AppError('SHUTTING_DOWN', 'the converter is shutting down; retry on another instance');

/** A converter that is shutting down sends the work elsewhere: the caller waits as when busy. */
export function sendShuttingDown(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  const error = shuttingDownError();
  return reply
    .code(503)
    .header('retry-after', String(retryAfterSeconds))
    .send(errorBody(error.code, error.message));
}

/** How a failed conversion is answered. */
export type Failure =
  | { kind: 'shutting-down' }
  | { kind: 'busy'; message: string }
  /** Bad input or a failure the converter named: its code and message go to the caller. */
  | { kind: 'known'; error: AppError }
  /** Anything else: logged, and answered without its message (it may hold internals). */
  | { kind: 'unexpected'; error: unknown };

/**
 * Classifies what a conversion threw. Once the service stopped what outlasted its shutdown grace,
 * every failure is that stop; a worker's error keeps its code where the registry knows it.
 */
export function classifyFailure(error: unknown, shutdown: AbortSignal): Failure {
  if (shutdown.aborted) return { kind: 'shutting-down' };
  if (error instanceof BusyError) return { kind: 'busy', message: error.message };
  if (error instanceof AppError) return { kind: 'known', error };
  const code = (error as { code?: unknown } | null)?.code;
  if (isErrorCode(code)) return { kind: 'known', error: new AppError(code, (error as Error).message) };
  return { kind: 'unexpected', error };
}

import { randomBytes } from 'node:crypto';
import { AppError, type ErrorCode, errorBody, isErrorCode } from '@pixelflow/errors';
import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeImage, encodeImage } from './images.ts';
import { ConversionsInFlight } from './in-flight.ts';
import { BusyError, type WorkerPool } from './pool.ts';
import type { ModelDescription, RawImage } from './types.ts';

/** Header carrying the params as JSON (converters/openapi.yaml). */
export const PARAMS_HEADER = 'x-converter-params';

export interface MountOptions {
  description: ModelDescription;
  pool: WorkerPool;
  /** Path prefix, '' for the root. */
  prefix: string;
  /** @default 5 MiB + 64 KiB */
  maxBodyBytes?: number;
  /** Seconds a busy converter tells callers to wait. @default 5 */
  retryAfterSeconds?: number;
  /** Least time between two progress parts, in ms. @default 250 */
  progressEveryMs?: number;
  /** The service's conversions, drained at shutdown. @default one of its own (never drained) */
  inFlight?: ConversionsInFlight;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });

function validator(description: ModelDescription) {
  const validate = ajv.compile(description.params);
  return (header: unknown): Record<string, unknown> => {
    let params: unknown = {};
    if (typeof header === 'string' && header.trim()) {
      try {
        params = JSON.parse(header);
      } catch {
        throw new AppError('INVALID_PARAMS', `${PARAMS_HEADER} is not valid JSON`);
      }
    }
    const copy = structuredClone(params ?? {});
    if (!validate(copy)) {
      const errors = (validate.errors ?? []).map(
        (e) => `${e.instancePath || 'params'} ${e.message ?? 'is invalid'}`,
      );
      throw new AppError('INVALID_PARAMS', `invalid params for ${description.id}: ${errors.join('; ')}`, {
        errors,
      });
    }
    return copy as Record<string, unknown>;
  };
}

/** An error from the worker as the registry's code: the core's own code, else a failure. */
function toAppError(error: unknown, inFlight: ConversionsInFlight): AppError {
  if (inFlight.signal.aborted) return shuttingDownError();
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code;
  if (isErrorCode(code)) return new AppError(code as ErrorCode, (error as Error).message);
  return new AppError('INTERNAL_SERVER_ERROR', `the conversion failed: ${(error as Error).message}`);
}

/**
 * Serves one model converter under `prefix`: `/describe`, and `/convert`, which answers a plain
 * image, or, when the request accepts `multipart/mixed`, progress parts as the work advances
 * and the image last. A busy converter answers 503 with Retry-After; a client that goes away
 * cancels its conversion.
 */
export function mountModelConverter(app: FastifyInstance, options: MountOptions): void {
  const { description, pool, prefix, maxBodyBytes = 5 * 1024 * 1024 + 65_536 } = options;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  const progressEveryMs = options.progressEveryMs ?? 250;
  const parseParams = validator(description);
  const inFlight = options.inFlight ?? new ConversionsInFlight();

  app.register(
    async (scope) => {
      scope.addContentTypeParser(
        /^(image\/|application\/octet-stream)/i,
        { parseAs: 'buffer' },
        (_r, body, done) => done(null, body),
      );
      scope.get('/describe', async () => ({ ...description, progress: true }));
      scope.post('/convert', { bodyLimit: maxBodyBytes }, async (request, reply) => {
        const params = parseParams(request.headers[PARAMS_HEADER]);
        if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
          throw new AppError(
            'UNSUPPORTED_IMAGE',
            'the body must be an image (image/* or application/octet-stream)',
          );
        }
        if (inFlight.draining) return shuttingDown(reply, retryAfter);
        if (!pool.hasCapacity) return busy(reply, retryAfter);
        const decoded = await decodeImage(request.body, description);
        const cancel = cancelOnDisconnect(request, reply, inFlight.signal);
        const wantsProgress = /multipart\/mixed/i.test(String(request.headers.accept ?? ''));
        if (!wantsProgress) {
          try {
            const result = await inFlight.track(pool.run(decoded.raw, params, { signal: cancel.signal }));
            const image = await encodeImage(result, decoded.format);
            return reply.type(image.contentType).send(image.data);
          } catch (error) {
            if (inFlight.signal.aborted) return shuttingDown(reply, retryAfter);
            if (error instanceof BusyError) return busy(reply, retryAfter);
            throw toAppError(error, inFlight);
          } finally {
            cancel.done();
          }
        }
        // Checked again: other requests may have taken the free places while this one decoded,
        // and once the progress answer's 200 is out a busy pool could only say so as an error part.
        if (!pool.hasCapacity) {
          cancel.done();
          return busy(reply, retryAfter);
        }
        let last = 0;
        const run = (write: (fraction: number) => void) =>
          inFlight.track(
            pool.run(decoded.raw, params, {
              signal: cancel.signal,
              onProgress: (fraction) => {
                const now = Date.now();
                if (now - last < progressEveryMs && fraction < 1) return;
                last = now;
                write(fraction);
              },
            }),
          );
        return streamWithProgress(reply, run, decoded.format, cancel.done, inFlight);
      });
    },
    { prefix },
  );
}

function busy(reply: FastifyReply, retryAfter: string) {
  return reply
    .code(503)
    .header('retry-after', retryAfter)
    .send(errorBody('SERVICE_UNAVAILABLE', 'the converter is busy; retry later'));
}

/** A converter that is shutting down sends the work elsewhere: the caller waits as when busy. */
function shuttingDown(reply: FastifyReply, retryAfter: string) {
  const error = shuttingDownError();
  return reply.code(503).header('retry-after', retryAfter).send(errorBody(error.code, error.message));
}

const shuttingDownError = () =>
  new AppError('SHUTTING_DOWN', 'the converter is shutting down; retry on another instance');

/**
 * An AbortSignal that fires when the client closes the connection before the answer is sent, or
 * when the service stops what still runs at the end of its shutdown grace.
 */
function cancelOnDisconnect(request: FastifyRequest, reply: FastifyReply, shutdown: AbortSignal) {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableEnded) controller.abort(new Error('the client went away'));
  };
  request.raw.socket.once('close', onClose);
  return {
    signal: AbortSignal.any([controller.signal, shutdown]),
    done: () => request.raw.socket.off('close', onClose),
  };
}

/**
 * The multipart/mixed answer: JSON parts `{"progress": f}` while the worker reports, then the
 * image part, or a JSON part `{"error": …}` when the conversion fails after the answer began.
 */
async function streamWithProgress(
  reply: FastifyReply,
  run: (write: (fraction: number) => void) => Promise<RawImage>,
  format: string,
  done: () => void,
  inFlight: ConversionsInFlight,
) {
  const boundary = `pixelflow-${randomBytes(8).toString('hex')}`;
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': `multipart/mixed; boundary=${boundary}`,
    'cache-control': 'no-store',
  });
  const part = (type: string, body: string | Buffer) => {
    raw.write(`--${boundary}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    raw.write(body);
    raw.write('\r\n');
  };
  const progress = (fraction: number) => part('application/json', JSON.stringify({ progress: fraction }));
  try {
    progress(0);
    const result = await run(progress);
    const image = await encodeImage(result, format);
    progress(1);
    part(image.contentType, image.data);
  } catch (error) {
    const failure =
      error instanceof BusyError && !inFlight.signal.aborted
        ? new AppError('SERVICE_UNAVAILABLE', error.message)
        : toAppError(error, inFlight);
    part('application/json', JSON.stringify(errorBody(failure.code, failure.message)));
  } finally {
    done();
    raw.end(`--${boundary}--\r\n`);
  }
}

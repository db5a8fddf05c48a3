import { AppError, errorBody } from '@pixelflow/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type Converter,
  DEFAULT_CONVERT_TIMEOUT_S,
  DEFAULT_MAX_OUTPUT_PIXELS,
  DEFAULT_MAX_PIXELS,
} from './converter.ts';
import { createInFlightLimit, type InFlightLimit } from './in-flight-limit.ts';

/** The header that carries a conversion's params as JSON. */
export const PARAMS_HEADER = 'x-converter-params';

/** 5 MiB, the product's upload limit, plus room for a client that counts in MB or adds a little. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024 + 64 * 1024;

export interface MountConverterOptions {
  /** Path prefix such as `/grayscale`; '' mounts at the root, where the service's own health routes answer. @default '' */
  prefix?: string;
  /** Largest input in pixels, passed to the converter and published in `/describe`. @default 50_000_000 */
  maxPixels?: number;
  /**
   * Largest result of a converter that enlarges images, passed to it and published in `/describe`.
   * @default 25_000_000
   */
  maxOutputPixels?: number;
  /** Longest one conversion may run, in seconds; past it the answer is 422 WORK_TOO_LARGE. @default 30 */
  timeoutSeconds?: number;
  /** Largest request body in bytes; a larger one gets 413 PAYLOAD_TOO_LARGE. @default 5 MiB + 64 KiB */
  maxBodyBytes?: number;
  /**
   * Conversions allowed at once; beyond it `POST /convert` answers 503 with `Retry-After`. Share one
   * limit between the converters of a process. @default createInFlightLimit(16)
   */
  limit?: InFlightLimit;
  /** Whether the process can take work, for `<prefix>/readyz`. @default () => true */
  ready?: () => boolean;
  /** Seconds a busy answer asks the caller to wait. @default 1 */
  retryAfterSeconds?: number;
}

/** The `/describe` answer of the converter contract (converters/openapi.yaml). */
export interface ConverterDescription {
  id: string;
  title: string;
  description: string;
  params: Converter['params'];
  progress: boolean;
  maxPixels?: number;
  maxOutputPixels?: number;
}

const imageMediaType = /^image\/[\w.+-]+$/i;

/**
 * Serves one converter over the plain HTTP contract in converters/openapi.yaml:
 * `POST <prefix>/convert`, `GET <prefix>/describe` and, under a non-empty prefix, `<prefix>/healthz`
 * and `<prefix>/readyz`. Errors are thrown as AppError for the service's JSON error handler.
 */
export function mountConverter(
  app: FastifyInstance,
  converter: Converter,
  options: MountConverterOptions = {},
): void {
  const {
    prefix = '',
    maxPixels = DEFAULT_MAX_PIXELS,
    maxOutputPixels = DEFAULT_MAX_OUTPUT_PIXELS,
    timeoutSeconds = DEFAULT_CONVERT_TIMEOUT_S,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    limit = createInFlightLimit(16),
    ready = () => true,
    retryAfterSeconds = 1,
  } = options;
  const description: ConverterDescription = {
    id: converter.id,
    title: converter.title,
    description: converter.description,
    params: converter.params,
    progress: false,
    maxPixels,
    maxOutputPixels,
  };

  // A plugin scope, so the byte parsers below apply to this converter's routes only. fastify loads
  // it with the app (ready or listen), so mounting needs no await.
  app.register(
    async (scope) => {
      scope.addContentTypeParser(
        /^(image\/|application\/octet-stream)/i,
        { parseAs: 'buffer' },
        (_request, body, done) => done(null, body),
      );

      scope.post(
        '/convert',
        {
          bodyLimit: maxBodyBytes,
          // Refuse a body we would not accept before reading up to 5 MiB of it.
          preParsing: async (request) => {
            if (!isImageBody(request)) {
              throw new AppError(
                'UNSUPPORTED_IMAGE',
                'Content-Type must be an image type (image/*) or application/octet-stream',
                { contentType: request.headers['content-type'] ?? null },
              );
            }
          },
        },
        async (request, reply) => {
          const params = parseParams(request.headers[PARAMS_HEADER]);
          const body = request.body;
          if (!Buffer.isBuffer(body) || body.length === 0) {
            throw new AppError('UNSUPPORTED_IMAGE', 'the request body is empty');
          }
          if (!limit.tryAcquire()) {
            return reply
              .code(503)
              .header('retry-after', String(retryAfterSeconds))
              .send(errorBody('SERVICE_UNAVAILABLE', `${converter.id} is busy; retry later`));
          }
          try {
            const result = await converter.convert(body, params, {
              maxPixels,
              maxOutputPixels,
              timeoutSeconds,
            });
            return reply.type(result.contentType).send(result.data);
          } finally {
            limit.release();
          }
        },
      );

      scope.get('/describe', async () => description);

      // At the root the service's own /healthz and /readyz answer for the whole process.
      if (prefix !== '') {
        scope.get('/healthz', async () => ({ status: 'ok', converter: converter.id }));
        scope.get('/readyz', async (_request, reply) => {
          if (ready()) return { status: 'ready', converter: converter.id };
          return reply.code(503).send(errorBody('SHUTTING_DOWN', `${converter.id} is shutting down`));
        });
      }
    },
    { prefix },
  );
}

function isImageBody(request: FastifyRequest): boolean {
  const header = request.headers['content-type'];
  if (typeof header !== 'string') return false;
  const mediaType = header.split(';', 1)[0]!.trim();
  return imageMediaType.test(mediaType) || mediaType.toLowerCase() === 'application/octet-stream';
}

function parseParams(header: string | string[] | undefined): unknown {
  if (header === undefined || header === '') return {};
  if (Array.isArray(header)) {
    throw new AppError('INVALID_PARAMS', `send one ${PARAMS_HEADER} header, not ${header.length}`);
  }
  try {
    return JSON.parse(header);
  } catch (error) {
    throw new AppError('INVALID_PARAMS', `${PARAMS_HEADER} is not valid JSON`, {
      reason: (error as Error).message,
    });
  }
}

import { AppError } from '@pixelflow/errors';
import type { FastifyInstance, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { MAX_BODY_BYTES } from './contract.ts';

const imageMediaType = /^image\/[\w.+-]+$/i;

function isImageBody(request: FastifyRequest): boolean {
  const header = request.headers['content-type'];
  if (typeof header !== 'string') return false;
  const mediaType = header.split(';', 1)[0]!.trim();
  return imageMediaType.test(mediaType) || mediaType.toLowerCase() === 'application/octet-stream';
}

/**
 * The body of `POST /convert` (converters/openapi.yaml): the image's bytes, of an image type or
 * `application/octet-stream`, at most `maxBodyBytes`. Call in the plugin scope of the converter's
 * routes (the byte parser applies to them only) and spread the result into the route's options.
 */
export function imageBodyRoute(
  scope: FastifyInstance,
  maxBodyBytes: number = MAX_BODY_BYTES,
): RouteShorthandOptions {
  scope.addContentTypeParser(
    /^(image\/|application\/octet-stream)/i,
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
  return {
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
  };
}

/** The image a request carries; an empty body is no image. */
export function imageOf(request: FastifyRequest): Buffer {
  const body = request.body;
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new AppError('UNSUPPORTED_IMAGE', 'the request body is empty');
  }
  return body;
}

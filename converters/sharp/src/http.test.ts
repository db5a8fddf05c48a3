import {
  createInFlightLimit,
  type InFlightLimit,
  MAX_BODY_BYTES,
  MAX_IMAGE_BYTES,
  mountConverter,
  PARAMS_HEADER,
} from '@pixelflow/converter-kit';
import { expectContract, strictDefaults } from '@pixelflow/converter-kit/testing';
import { AppError, errorCodes, isErrorCode } from '@pixelflow/errors';
import { createLogger } from '@pixelflow/logger';
import { MAX_PIXELS } from '@pixelflow/product';
import { createHttpService, type HttpService } from '@pixelflow/service-kit';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decode, noisy, pngDeclaring, reference, referencePng } from '../testing/images.ts';
import type { Converter, ConvertOptions } from './converter.ts';
import { sharpSettings } from './env.ts';
import { blur, flip, resize, rotate, sharpen } from './index.ts';
import { sharpHttpConverter } from './service.ts';

// The sharp converters over HTTP, as the converter SDK serves them; every answer below is also
// checked against the schemas in converters/openapi.yaml (contract.test.ts checks all of them).
const logger = createLogger({ service: 'test', level: 'silent' });

const services: HttpService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

interface ServeOptions extends ConvertOptions {
  prefix?: string;
  limit?: InFlightLimit;
  retryAfterSeconds?: number;
  ready?: () => boolean;
}

function serve(converter: Converter, options: ServeOptions = {}): HttpService {
  const { prefix, limit, retryAfterSeconds, ready = () => true } = options;
  const service = createHttpService({ name: 'test', logger });
  mountConverter(service.app, sharpHttpConverter(converter, { ...sharpSettings.defaults, ...options }), {
    prefix,
    limit,
    retryAfterSeconds,
    readiness: () => {
      if (!ready()) throw new AppError('SHUTTING_DOWN', `${converter.id} is shutting down`);
    },
  });
  services.push(service);
  return service;
}

async function post(
  service: HttpService,
  payload: Buffer | string,
  headers: Record<string, string> = { 'content-type': 'image/png' },
  url = '/convert',
) {
  return service.app.inject({ method: 'POST', url, headers, payload });
}

async function expectError(
  response: Awaited<ReturnType<typeof post>>,
  status: number,
  code: string,
): Promise<{ error: { code: string; message: string; details?: Record<string, unknown> } }> {
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json();
  expect({ status: response.statusCode, code: body.error?.code }).toEqual({ status, code });
  expect(isErrorCode(code) && errorCodes[code].status).toBe(status);
  expectContract('ErrorBody', body);
  return body;
}

let png: Buffer;
let jpeg: Buffer;
beforeAll(async () => {
  png = await referencePng();
  jpeg = await noisy(64, 48, 'jpeg');
});

describe('POST /convert', () => {
  it('answers 200 with the converted image and its type', async () => {
    const response = await post(serve(flip), png);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    const out = await decode(response.rawPayload);
    expect(out.at(0, 0)).toEqual([...reference.pixels[3]]);
  });

  it('takes application/octet-stream and keeps the format of the bytes', async () => {
    const response = await post(serve(flip), jpeg, { 'content-type': 'application/octet-stream' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/jpeg');
  });

  it('reads params from X-Converter-Params', async () => {
    const response = await post(serve(rotate), png, {
      'content-type': 'image/png',
      [PARAMS_HEADER]: JSON.stringify({ angle: 90 }),
    });
    expect(response.statusCode).toBe(200);
    expect(await sharp(response.rawPayload).metadata()).toMatchObject({ width: 2, height: 4 });
  });

  it('400 INVALID_PARAMS for params that are not JSON', async () => {
    const body = await expectError(
      await post(serve(blur), png, { 'content-type': 'image/png', [PARAMS_HEADER]: '{sigma: 3' }),
      400,
      'INVALID_PARAMS',
    );
    expect(body.error.message).toMatch(/not valid JSON/);
  });

  it('400 INVALID_PARAMS with every schema message for params that do not match', async () => {
    const body = await expectError(
      await post(serve(blur), png, {
        'content-type': 'image/png',
        [PARAMS_HEADER]: JSON.stringify({ sigma: 500, radius: 2 }),
      }),
      400,
      'INVALID_PARAMS',
    );
    expect(body.error.details).toEqual({
      errors: [
        { path: '/', message: "must NOT have additional property 'radius'" },
        { path: '/sigma', message: 'must be <= 50' },
      ],
    });
    await expectError(
      await post(serve(blur), png, { 'content-type': 'image/png', [PARAMS_HEADER]: '5' }),
      400,
      'INVALID_PARAMS',
    );
  });

  it('415 UNSUPPORTED_IMAGE for bytes that are no image, though labelled image/png', async () => {
    await expectError(await post(serve(flip), 'just some text, no image at all'), 415, 'UNSUPPORTED_IMAGE');
  });

  it('415 UNSUPPORTED_IMAGE for a body that is not an image type, or has none, or is empty', async () => {
    await expectError(
      await post(serve(flip), png, { 'content-type': 'text/plain' }),
      415,
      'UNSUPPORTED_IMAGE',
    );
    await expectError(
      await post(serve(flip), '{}', { 'content-type': 'application/json' }),
      415,
      'UNSUPPORTED_IMAGE',
    );
    await expectError(await post(serve(flip), png, {}), 415, 'UNSUPPORTED_IMAGE');
    await expectError(await post(serve(flip), ''), 415, 'UNSUPPORTED_IMAGE');
    await expectError(
      await post(serve(flip), '<svg xmlns="http://www.w3.org/2000/svg"/>', {
        'content-type': 'image/svg+xml',
      }),
      415,
      'UNSUPPORTED_IMAGE',
    );
  });

  it('422 CORRUPT_IMAGE for a truncated JPEG', async () => {
    const body = await expectError(
      await post(serve(flip), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), {
        'content-type': 'image/jpeg',
      }),
      422,
      'CORRUPT_IMAGE',
    );
    expect(body.error.details).toEqual({ reason: 'VipsJpeg: premature end of JPEG image' });
  });

  it('422 IMAGE_TOO_LARGE for a PNG declaring 40000 × 40000 pixels, and for more than maxPixels', async () => {
    const body = await expectError(
      await post(serve(flip), pngDeclaring(40_000, 40_000)),
      422,
      'IMAGE_TOO_LARGE',
    );
    expect(body.error.details).toEqual({ maxPixels: MAX_PIXELS });
    await expectError(await post(serve(flip, { maxPixels: 7 }), png), 422, 'IMAGE_TOO_LARGE');
    expect((await post(serve(flip, { maxPixels: 8 }), png)).statusCode).toBe(200);
  });

  it('422 WORK_TOO_LARGE for params that ask for a result over maxOutputPixels', async () => {
    const body = await expectError(
      await post(serve(resize, { maxOutputPixels: 1000 }), png, {
        'content-type': 'image/png',
        [PARAMS_HEADER]: JSON.stringify({ width: 40, height: 40, fit: 'fill' }),
      }),
      422,
      'WORK_TOO_LARGE',
    );
    expect(body.error.details).toEqual({ width: 40, height: 40, maxOutputPixels: 1000 });
  });

  it('422 WORK_TOO_LARGE for a conversion that runs past timeoutSeconds', async () => {
    // A 49 MP sharpen takes several seconds.
    const large = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    const response = await post(serve(sharpen, { timeoutSeconds: 1 }), large, {
      'content-type': 'image/png',
      [PARAMS_HEADER]: JSON.stringify({ sigma: 5 }),
    });
    const body = await expectError(response, 422, 'WORK_TOO_LARGE');
    expect(body.error.details).toEqual({ timeoutSeconds: 1 });
  });

  it('413 PAYLOAD_TOO_LARGE over 5 MiB and a little, and takes 5 MiB', async () => {
    const padded = (size: number) => Buffer.concat([png, Buffer.alloc(size - png.length)]);
    await expectError(await post(serve(flip), padded(MAX_BODY_BYTES + 1)), 413, 'PAYLOAD_TOO_LARGE');
    await expectError(await post(serve(flip), padded(6 * 1024 * 1024)), 413, 'PAYLOAD_TOO_LARGE');
    // Trailing bytes after IEND do not bother libpng: this one converts.
    expect((await post(serve(flip), padded(MAX_IMAGE_BYTES))).statusCode).toBe(200);
  });

  it('503 with Retry-After when all conversion slots are taken', async () => {
    let finish = () => {};
    const slow: Converter = {
      ...flip,
      convert: (input, params, options) =>
        new Promise((resolve) => {
          finish = () => resolve(flip.convert(input, params, options));
        }),
    };
    const service = serve(slow, { limit: createInFlightLimit(1), retryAfterSeconds: 2 });
    const first = post(service, png);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const busy = await post(service, png);
    await expectError(busy, 503, 'SERVICE_UNAVAILABLE');
    expect(busy.headers['retry-after']).toBe('2');
    finish();
    expect((await first).statusCode).toBe(200);
    // The slot is free again.
    const again = post(service, png);
    await new Promise((resolve) => setTimeout(resolve, 50));
    finish();
    expect((await again).statusCode).toBe(200);
  });

  it('500 INTERNAL_SERVER_ERROR when the converter fails on its own', async () => {
    const broken: Converter = { ...flip, convert: async () => Promise.reject(new Error('out of cheese')) };
    const body = await expectError(await post(serve(broken), png), 500, 'INTERNAL_SERVER_ERROR');
    expect(body.error.message).not.toMatch(/cheese/);
  });
});

describe('GET /describe', () => {
  it('matches the contract and publishes a JSON Schema of the params', async () => {
    const response = await serve(blur).app.inject({ method: 'GET', url: '/describe' });
    expect(response.statusCode).toBe(200);
    const description = response.json();
    expectContract('Description', description);
    expect(description).toEqual({
      id: 'blur',
      title: blur.title,
      description: blur.description,
      params: blur.params,
      progress: false,
      maxPixels: MAX_PIXELS,
      maxOutputPixels: 25_000_000,
    });
    expect(strictDefaults(description.params)).toEqual({ sigma: 3 });
  });
});

describe('under a prefix', () => {
  it('serves convert, describe, healthz and readyz there', async () => {
    let ready = true;
    const service = serve(flip, { prefix: '/flip', ready: () => ready });
    expect((await post(service, png, undefined, '/flip/convert')).statusCode).toBe(200);
    expect((await service.app.inject({ url: '/flip/describe' })).json()).toMatchObject({ id: 'flip' });
    expect((await service.app.inject({ url: '/flip/healthz' })).json()).toEqual({
      status: 'ok',
      converter: 'flip',
    });
    const readyz = await service.app.inject({ url: '/flip/readyz' });
    expectContract('Status', readyz.json());
    ready = false;
    await expectError(await service.app.inject({ url: '/flip/readyz' }), 503, 'SHUTTING_DOWN');
    expect((await post(service, png)).statusCode).toBe(404);
  });
});

import { createLogger } from '@pixelflow/logger';
import type { HttpService } from '@pixelflow/service-kit';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { noisy, referencePng } from '../testing/images.ts';
import { converterIds } from './converters/index.ts';
import { sharpSettings } from './env.ts';
import { createSharpConverterService } from './service.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const services: HttpService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

type StartOptions = Partial<Omit<Parameters<typeof createSharpConverterService>[0], 'logger'>>;

function start(options: StartOptions = {}): HttpService {
  const service = createSharpConverterService({ logger, ...sharpSettings.defaults, ...options });
  services.push(service);
  return service;
}

describe('createSharpConverterService', () => {
  it('serves every converter under /<id> by default, and none at the root', async () => {
    const { app } = start();
    for (const id of converterIds) {
      const response = await app.inject({ url: `/${id}/describe` });
      expect(response.statusCode, id).toBe(200);
      expect(response.json().id).toBe(id);
      expect((await app.inject({ url: `/${id}/healthz` })).statusCode).toBe(200);
    }
    expect(converterIds).toEqual([
      'grayscale',
      'flip',
      'flip-vertical',
      'rotate',
      'resize',
      'contrast',
      'brightness',
      'saturation',
      'sepia',
      'invert',
      'blur',
      'sharpen',
    ]);
    expect((await app.inject({ url: '/describe' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({
      status: 'ok',
      service: 'converter-sharp',
    });
  });

  it('serves one converter also at the root, so that its pod has /convert there', async () => {
    const { app } = start({ ids: ['grayscale'] });
    const png = await referencePng();
    for (const url of ['/convert', '/grayscale/convert']) {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'image/png' },
        payload: png,
      });
      expect(response.statusCode, url).toBe(200);
      expect((await sharp(response.rawPayload).metadata()).channels).toBe(1);
    }
    expect((await app.inject({ url: '/describe' })).json().id).toBe('grayscale');
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({
      status: 'ok',
      service: 'converter-grayscale',
    });
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/flip/describe' })).statusCode).toBe(404);
  });

  it('serves a chosen few, and refuses unknown ids', async () => {
    const { app } = start({ ids: ['flip', 'blur'] });
    expect((await app.inject({ url: '/flip/describe' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/blur/describe' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/grayscale/describe' })).statusCode).toBe(404);
    expect(() => start({ ids: ['flip', 'deepdream'] })).toThrow(
      /unknown converter deepdream; known: grayscale, flip/,
    );
    expect(() => start({ ids: [] })).toThrow(/no converter/);
  });

  it('passes maxOutputPixels on to the converters and to /describe', async () => {
    const { app } = start({ ids: ['resize'], maxOutputPixels: 99 });
    expect((await app.inject({ url: '/describe' })).json().maxOutputPixels).toBe(99);
    const response = await app.inject({
      method: 'POST',
      url: '/convert',
      headers: { 'content-type': 'image/png', 'x-converter-params': '{"width":10,"height":10,"fit":"fill"}' },
      payload: await referencePng(),
    });
    expect(response.json().error).toMatchObject({ code: 'WORK_TOO_LARGE', details: { maxOutputPixels: 99 } });
  });

  it('passes maxPixels on to the converters and to /describe', async () => {
    const { app } = start({ ids: ['invert'], maxPixels: 7 });
    expect((await app.inject({ url: '/describe' })).json().maxPixels).toBe(7);
    const response = await app.inject({
      method: 'POST',
      url: '/convert',
      headers: { 'content-type': 'image/png' },
      payload: await referencePng(),
    });
    expect(response.json().error.code).toBe('IMAGE_TOO_LARGE');
  });

  it('finishes a conversion in flight when it is closed, and is not ready meanwhile', async () => {
    const service = createSharpConverterService({
      logger,
      ...sharpSettings.defaults,
      ids: ['blur'],
      host: '127.0.0.1',
    });
    const { promise: arrived, resolve: arrive } = Promise.withResolvers<void>();
    service.app.addHook('preHandler', async (request) => {
      if (request.url === '/convert') arrive();
    });
    const { url } = await service.listen();
    const input = await noisy(1600, 1200);
    const conversion = fetch(`${url}/convert`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'x-converter-params': JSON.stringify({ sigma: 40 }) },
      body: input,
    });
    await arrived;
    const closed = service.close();
    expect((await service.app.inject({ url: '/blur/readyz' })).statusCode).toBe(503);
    const response = await conversion;
    expect(response.status).toBe(200);
    expect(await sharp(Buffer.from(await response.arrayBuffer())).metadata()).toMatchObject({
      width: 1600,
      height: 1200,
    });
    // The answer asked the client to drop the keep-alive connection, so close() ends now.
    expect(response.headers.get('connection')).toBe('close');
    await closed;
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConverterDescription } from '@pixelflow/converter-kit/client';
import { AppError, type ErrorCode } from '@pixelflow/errors';
import { createLogger } from '@pixelflow/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { ConverterRegistry, parseConverterList } from './registry.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

const rotate: ConverterDescription = {
  id: 'rotate',
  title: 'Rotate',
  description: 'Turns the image clockwise.',
  params: {
    type: 'object',
    properties: {
      angle: { type: 'integer', minimum: 0, maximum: 360, default: 90 },
      background: { type: 'string', pattern: '^#[0-9a-f]{6}$', default: '#000000' },
    },
    additionalProperties: false,
  },
  progress: false,
};

/** A real converter's control surface: `/healthz` and `/describe` over node:http. */
class FakeConverter {
  description: ConverterDescription | string = rotate;
  healthStatus = 200;
  describeCalls = 0;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(port = 0): Promise<FakeConverter> {
    const server = createServer();
    const converter = new FakeConverter(server);
    server.on('request', (request, response) => {
      if (request.url === '/healthz') {
        response.writeHead(converter.healthStatus, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: 'ok' }));
      } else if (request.url === '/describe') {
        converter.describeCalls++;
        const { description } = converter;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(typeof description === 'string' ? description : JSON.stringify(description));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return converter;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    // The registry's HTTP client keeps connections alive; close them, or close() waits for them.
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startConverter(port?: number): Promise<FakeConverter> {
  const converter = await FakeConverter.start(port);
  cleanups.push(() => converter.close());
  return converter;
}

function registryFor(entries: Array<{ id: string; url: string }>): ConverterRegistry {
  const registry = new ConverterRegistry({ converters: entries, logger, healthIntervalMs: 60_000 });
  cleanups.push(() => registry.stop());
  return registry;
}

/** A port that nothing listens on (yet). */
async function freePort(): Promise<number> {
  const converter = await FakeConverter.start();
  const { port } = converter;
  await converter.close();
  return port;
}

async function failure(action: () => unknown, code: ErrorCode): Promise<AppError> {
  const error = await (async () => action())().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe('parseConverterList', () => {
  it('reads comma-separated id=url pairs, trimming whitespace and trailing slashes', () => {
    expect(
      parseConverterList(' grayscale=http://grayscale:8080 ,flip = https://flip.internal/api/// ,, '),
    ).toEqual([
      { id: 'grayscale', url: 'http://grayscale:8080' },
      { id: 'flip', url: 'https://flip.internal/api' },
    ]);
    expect(parseConverterList('')).toEqual([]);
    expect(parseConverterList('a=http://x/?q=1')).toEqual([{ id: 'a', url: 'http://x/?q=1' }]);
  });

  it.each([
    ['a pair without =', 'grayscale', /"grayscale" is not id=url/],
    ['an empty id', '=http://x', /is not id=url/],
    ['an id with capitals and _', 'Gray_Scale=http://x', /"Gray_Scale" is not a converter id/],
    ['an id starting with -', '-flip=http://x', /is not a converter id/],
    ['an id of 64 characters', `${'a'.repeat(64)}=http://x`, /is not a converter id/],
    ['a URL without http(s)', 'flip=ftp://flip', /"ftp:\/\/flip" is not an http\(s\) URL/],
    ['a bare host', 'flip=flip:8080', /is not an http\(s\) URL/],
  ])('refuses %s', (_label, value, message) => {
    expect(() => parseConverterList(`ok=http://ok,${value}`)).toThrow(message);
  });

  it('accepts an id of 63 characters', () => {
    expect(parseConverterList(`${'a'.repeat(63)}=http://x`)).toHaveLength(1);
  });
});

describe('ConverterRegistry', () => {
  it('describes a reachable converter on start()', async () => {
    const converter = await startConverter();
    const registry = registryFor([{ id: 'rotate', url: converter.url }]);
    await registry.start();
    expect(registry.list()).toMatchObject([
      { id: 'rotate', url: converter.url, healthy: true, description: rotate },
    ]);
    const described = await registry.require('rotate');
    expect(described.description.title).toBe('Rotate');
    expect(converter.describeCalls).toBe(1);
    // A healthy, described converter is not asked again on every check.
    await registry.checkAll();
    expect(converter.describeCalls).toBe(1);
  });

  it('refuses an unknown id with UNKNOWN_CONVERTER and lists the known ones', async () => {
    const registry = registryFor([
      { id: 'rotate', url: 'http://127.0.0.1:1' },
      { id: 'blur', url: 'http://127.0.0.1:1' },
    ]);
    const error = await failure(() => registry.require('deepdream'), 'UNKNOWN_CONVERTER');
    expect(error.details).toEqual({ known: ['rotate', 'blur'] });
  });

  it('fills in defaults without touching the caller’s params', async () => {
    const converter = await startConverter();
    const registry = registryFor([{ id: 'rotate', url: converter.url }]);
    const described = await registry.require('rotate');
    expect(registry.validateParams(described, undefined)).toEqual({ angle: 90, background: '#000000' });
    const given = { angle: 180 };
    expect(registry.validateParams(described, given)).toEqual({ angle: 180, background: '#000000' });
    expect(given).toEqual({ angle: 180 });
  });

  it('refuses bad params with INVALID_PARAMS listing every problem readably', async () => {
    const converter = await startConverter();
    const registry = registryFor([{ id: 'rotate', url: converter.url }]);
    const described = await registry.require('rotate');
    const error = await failure(
      () => registry.validateParams(described, { angle: 400, background: 'red', extra: true }),
      'INVALID_PARAMS',
    );
    // The converters' own rules and wording (converters/openapi.yaml's INVALID_PARAMS).
    expect(error.details?.errors).toEqual([
      { path: '/', message: "must NOT have additional property 'extra'" },
      { path: '/angle', message: 'must be <= 360' },
      { path: '/background', message: 'must match pattern "^#[0-9a-f]{6}$"' },
    ]);
    expect(error.message).toMatch(/^invalid params for rotate: .*params\/angle must be <= 360/);
    // No type coercion: a string is not an integer.
    const coerced = await failure(
      () => registry.validateParams(described, { angle: '90' }),
      'INVALID_PARAMS',
    );
    expect(coerced.details?.errors).toEqual([{ path: '/angle', message: 'must be integer' }]);
    await failure(() => registry.validateParams(described, 'angle=90'), 'INVALID_PARAMS');
  });

  it('lists a converter that is down as unhealthy, refuses it, and takes it once it comes up', async () => {
    const port = await freePort();
    const registry = registryFor([{ id: 'rotate', url: `http://127.0.0.1:${port}` }]);
    await registry.start();
    expect(registry.get('rotate')).toMatchObject({ healthy: false, description: null, validate: null });
    const error = await failure(() => registry.require('rotate'), 'SERVICE_UNAVAILABLE');
    expect(error.message).toContain('"rotate"');

    const converter = await startConverter(port);
    await registry.checkAll();
    expect(registry.get('rotate')).toMatchObject({ healthy: true, description: rotate });
    expect((await registry.require('rotate')).id).toBe('rotate');
    expect(converter.describeCalls).toBe(1);
  });

  it('describes a converter on first require() even before start()', async () => {
    const converter = await startConverter();
    const registry = registryFor([{ id: 'rotate', url: converter.url }]);
    expect(registry.get('rotate')?.description).toBeNull();
    expect((await registry.require('rotate')).description.id).toBe('rotate');
    expect(registry.get('rotate')?.healthy).toBe(true);
  });

  it('marks a converter unhealthy when /healthz fails or /describe is not JSON', async () => {
    const converter = await startConverter();
    const registry = registryFor([{ id: 'rotate', url: converter.url }]);
    converter.healthStatus = 503;
    await registry.checkAll();
    expect(registry.get('rotate')?.healthy).toBe(false);
    converter.healthStatus = 200;
    converter.description = '<html>not json</html>';
    await registry.checkAll();
    expect(registry.get('rotate')).toMatchObject({ healthy: false, description: null });
    await failure(() => registry.require('rotate'), 'SERVICE_UNAVAILABLE');
  });

  it('describes a converter again when it comes back, since it may have been redeployed', async () => {
    const converter = await startConverter();
    const registry = registryFor([{ id: 'rotate', url: converter.url }]);
    await registry.checkAll();
    converter.healthStatus = 503;
    await registry.checkAll();
    expect(registry.get('rotate')?.healthy).toBe(false);
    converter.healthStatus = 200;
    converter.description = { ...rotate, title: 'Rotate v2' };
    await registry.checkAll();
    expect(registry.get('rotate')).toMatchObject({ healthy: true, description: { title: 'Rotate v2' } });
    expect(converter.describeCalls).toBe(2);
  });

  it('describes a converter whose schema has an $id again after an outage', async () => {
    const converter = await startConverter();
    converter.description = { ...rotate, params: { $id: 'https://pixelflow.dev/rotate', ...rotate.params } };
    const registry = registryFor([{ id: 'rotate', url: converter.url }]);
    await registry.checkAll();
    converter.healthStatus = 503;
    await registry.checkAll();
    converter.healthStatus = 200;
    await registry.checkAll();
    expect(registry.get('rotate')?.healthy).toBe(true);
  });
});

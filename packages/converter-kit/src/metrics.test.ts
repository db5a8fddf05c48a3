import { AppError } from '@pixelflow/errors';
import { createLogger } from '@pixelflow/logger';
import { exposition } from '@pixelflow/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureDescription } from '../testing/fixture.ts';
import { createConverterService } from './converter-service.ts';
import { createInFlightLimit } from './in-flight-limit.ts';
import type { HttpConverter } from './mount.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const series = async (service: string) =>
  (await exposition()).body
    .split('\n')
    .filter((line) => line.includes(`service="${service}"`) && line.startsWith('pixelflow_conver'));

describe('converter metrics', () => {
  it('counts each answer by outcome, the conversions in flight, the capacity and the backend', async () => {
    let release: (() => void) | undefined;
    const converter: HttpConverter = {
      description: { ...fixtureDescription(), id: 'metered', progress: false },
      async convert(input) {
        if (input.toString() === 'bad') throw new AppError('CORRUPT_IMAGE', 'not an image');
        if (input.toString() === 'boom') throw new Error('the converter broke');
        if (input.toString() === 'slow') await new Promise<void>((resolve) => (release = resolve));
        return { data: input, contentType: 'image/png' };
      },
      runtime: () => ({ backend: 'wasm' }),
    };
    const service = createConverterService({
      name: 'converter-metered',
      logger: createLogger({ service: 'test', level: 'silent' }),
      host: '127.0.0.1',
    });
    service.mount(converter, { limit: createInFlightLimit(1) });
    closers.push(() => service.close());
    const { url } = await service.listen();
    const post = (body: string) =>
      fetch(`${url}/convert`, { method: 'POST', headers: { 'content-type': 'image/png' }, body });

    const slow = post('slow');
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await series('converter-metered')).toContain(
      'pixelflow_converter_in_flight{service="converter-metered",converter="metered"} 1',
    );
    expect((await post('fast')).status).toBe(503);
    release();
    expect((await slow).status).toBe(200);
    expect((await post('fast')).status).toBe(200);
    expect((await post('bad')).status).toBe(422);
    expect((await post('boom')).status).toBe(500);
    const lines = await series('converter-metered');
    const labels = 'service="converter-metered",converter="metered"';
    expect(lines).toEqual(
      expect.arrayContaining([
        `pixelflow_conversions_total{${labels},outcome="busy"} 1`,
        `pixelflow_conversions_total{${labels},outcome="ok"} 2`,
        `pixelflow_conversions_total{${labels},outcome="rejected"} 1`,
        `pixelflow_conversions_total{${labels},outcome="failed"} 1`,
        `pixelflow_conversion_duration_seconds_count{${labels}} 2`,
        `pixelflow_converter_in_flight{${labels}} 0`,
        `pixelflow_converter_capacity{${labels}} 1`,
        `pixelflow_converter_backend_info{${labels},backend="wasm"} 1`,
      ]),
    );
  });
});

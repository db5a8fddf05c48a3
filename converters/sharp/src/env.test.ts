import { EnvError } from '@pixelflow/config';
import { MAX_PIXELS } from '@pixelflow/product';
import { httpLimitsEnvValues } from '@pixelflow/service-kit';
import { describe, expect, it } from 'vitest';
import { converterIds } from './converters/index.ts';
import { loadEnv } from './env.ts';

describe('loadEnv', () => {
  it('has defaults for everything', () => {
    expect(loadEnv({})).toEqual({
      PORT: 5000,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      CONVERTERS: [...converterIds],
      MAX_PIXELS,
      MAX_OUTPUT_PIXELS: 25_000_000,
      MAX_IN_FLIGHT: 16,
      CONVERT_TIMEOUT_S: 30,
      ...httpLimitsEnvValues(),
    });
  });

  it('reads a comma-separated list of converters, with spaces and repeats', () => {
    expect(loadEnv({ CONVERTERS: ' grayscale, flip ,flip,' }).CONVERTERS).toEqual(['grayscale', 'flip']);
    expect(loadEnv({ CONVERTERS: '' }).CONVERTERS).toEqual([...converterIds]);
  });

  it('lists every problem at once, unknown converters with the known ones', () => {
    let error: unknown;
    try {
      loadEnv({ CONVERTERS: 'grayscale,deepdream', MAX_PIXELS: '-3', PORT: 'eighty' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    const { problems } = error as EnvError;
    expect(problems).toHaveLength(3);
    expect(problems).toContainEqual(
      `CONVERTERS: unknown converter deepdream; known: ${converterIds.join(', ')}`,
    );
    expect(problems.some((problem) => problem.startsWith('MAX_PIXELS:'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('PORT:'))).toBe(true);
  });

  it('refuses a list with no converter in it', () => {
    expect(() => loadEnv({ CONVERTERS: ' , ' })).toThrow(/no converter named/);
  });
});

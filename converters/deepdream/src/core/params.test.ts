import { paramsValidator } from '@pixelflow/converter-kit';
import { describe, expect, it } from 'vitest';
import { description } from './index.ts';
import { DEFAULT_PARAMS, objectiveOf, PRESETS } from './params.ts';

// The validator the converter kit serves /convert with, and the conversion service checks with.
const validate = paramsValidator('deepdream', description.params);

function check(params: unknown): { valid: boolean; value: unknown } {
  try {
    return { valid: true, value: validate(params) };
  } catch (error) {
    expect(error).toMatchObject({ code: 'INVALID_PARAMS' });
    return { valid: false, value: undefined };
  }
}

describe('description.params', () => {
  it('fills in the defaults', () => {
    expect(check({})).toEqual({ valid: true, value: DEFAULT_PARAMS });
    // The fast size unless asked otherwise.
    expect(check({}).value).toMatchObject({ resolution: 'preview' });
  });

  it.each([
    { layers: 'patterns' },
    { layers: 'creatures', octaves: 6, octaveScale: 1.6, steps: 50, stepSize: 0.1, jitter: 128, seed: 0 },
    { resolution: 'full' },
    { resolution: 'preview', steps: 3 },
    {
      layers: [{ layer: 'mixed4', weight: 2 }],
      octaves: 1,
      octaveScale: 1.2,
      steps: 1,
      stepSize: 0.001,
      jitter: 0,
    },
    {
      layers: [
        { layer: 'mixed0', weight: 0.1 },
        { layer: 'mixed7', weight: 10 },
      ],
    },
  ])('accepts %j', (params) => {
    expect(check(params).valid).toBe(true);
  });

  it.each([
    { octaves: 0 },
    { octaves: 7 },
    { octaves: 2.5 },
    { octaveScale: 1.1 },
    { octaveScale: 1.7 },
    { steps: 0 },
    { steps: 51 },
    { stepSize: 0 },
    { stepSize: 0.2 },
    { jitter: -1 },
    { jitter: 129 },
    { seed: -1 },
    { seed: 2 ** 31 },
    { layers: 'nightmare' },
    { layers: [] },
    { layers: [{ layer: 'mixed8', weight: 1 }] },
    { layers: [{ layer: 'mixed3', weight: 0 }] },
    { layers: [{ layer: 'mixed3', weight: 11 }] },
    { layers: [{ layer: 'mixed3' }] },
    { layers: [{ layer: 'mixed3', weight: 1, extra: true }] },
    { strength: 1 },
    { resolution: 'max' },
    { resolution: 2560 },
    { resolution: null },
    { steps: '10' },
  ])('rejects %j', (params) => {
    expect(check(params).valid).toBe(false);
  });
});

describe('objectiveOf', () => {
  it('turns a preset or a list into one term per layer, in network order', () => {
    expect(objectiveOf('classic')).toEqual(PRESETS.classic);
    expect(
      objectiveOf([
        { layer: 'mixed5', weight: 1 },
        { layer: 'mixed2', weight: 0.5 },
        { layer: 'mixed5', weight: 2 },
      ]),
    ).toEqual([
      { layer: 'mixed2', weight: 0.5 },
      { layer: 'mixed5', weight: 3 },
    ]);
  });
});

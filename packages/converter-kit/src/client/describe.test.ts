import { describe, expect, it } from 'vitest';
import { parseDescription } from './describe.ts';

const rotate = {
  id: 'rotate',
  title: 'Rotate',
  description: 'Turns the image.',
  params: {},
  progress: false,
};

describe('parseDescription', () => {
  it('takes a description as the spec has it, extra fields and all', () => {
    expect(parseDescription({ ...rotate, maxPixels: 7, oversize: 'refuse' })).toEqual({
      ...rotate,
      maxPixels: 7,
      oversize: 'refuse',
    });
  });

  it('reads a missing params as none and a missing progress as none', () => {
    const { params: _params, progress: _progress, ...bare } = rotate;
    expect(parseDescription(bare)).toEqual({ ...bare, params: {}, progress: false });
  });

  it.each([
    ['not an object', []],
    ['without a title', { ...rotate, title: undefined }],
    ['with params that are no schema', { ...rotate, params: 'angle' }],
    ['with progress that is no boolean', { ...rotate, progress: 'yes' }],
  ])('refuses one %s', (_label, value) => {
    expect(() => parseDescription(value)).toThrow();
  });
});

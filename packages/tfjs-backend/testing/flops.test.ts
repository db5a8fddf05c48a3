import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gigaflopsOf } from './flops.ts';

describe('gigaflopsOf', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('counts a convolution as 2 · output size · kernel area · input channels', async () => {
    const x = tf.ones([1, 16, 12, 3]) as tf.Tensor4D;
    const filter = tf.ones([3, 3, 3, 8]) as tf.Tensor4D;
    // 'valid' at stride 2: 7×5 outputs of 8 channels.
    expect(await gigaflopsOf(() => tf.conv2d(x, filter, 2, 'valid'))).toBeCloseTo(
      (2 * 7 * 5 * 8 * 27) / 1e9,
      15,
    );
    const fused = await gigaflopsOf(() =>
      tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias: tf.ones([8]), activation: 'relu' }),
    );
    expect(fused).toBeCloseTo((2 * 16 * 12 * 8 * 27) / 1e9, 15);
  });

  it("counts a convolution's input gradient like the convolution, and matrix products whatever their transposes", async () => {
    const dy = tf.ones([1, 16, 12, 8]) as tf.Tensor4D;
    const filter = tf.ones([3, 3, 3, 8]) as tf.Tensor4D;
    const gradient = await gigaflopsOf(() => tf.conv2dTranspose(dy, filter, [1, 16, 12, 3], 1, 'same'));
    expect(gradient).toBeCloseTo((2 * 16 * 12 * 8 * 27) / 1e9, 15);
    const a = tf.ones([4, 6]);
    const b = tf.ones([5, 6]);
    expect(await gigaflopsOf(() => tf.matMul(a, b, false, true))).toBeCloseTo((2 * 4 * 5 * 6) / 1e9, 15);
    expect(await gigaflopsOf(() => tf.matMul(b, a, false, true))).toBeCloseTo((2 * 5 * 4 * 6) / 1e9, 15);
  });

  it('counts nothing for memory-bound kernels', async () => {
    const x = tf.ones([1, 8, 8, 4]);
    expect(await gigaflopsOf(() => tf.relu(tf.add(x, 1)))).toBe(0);
  });
});

import { selectBackend } from '@pixelflow/tfjs-backend';
import * as tf from '@tensorflow/tfjs-core';
// Registers every op's gradient (tfjs-core's Node build has none), for the tf.grad references.
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FoldedConv } from './folded-conv.ts';
import { InceptionNet, MIXED_LAYERS } from './inception.ts';
import { type InceptionFiles, loadInceptionFiles } from './inception-files.ts';

let files: InceptionFiles;
let net: InceptionNet;

beforeAll(async () => {
  await selectBackend();
  files = await loadInceptionFiles();
  net = InceptionNet.build(files, 'mixed7');
}, 60_000);

afterAll(() => net?.dispose());

/** Largest absolute difference, and the largest absolute value of the reference. */
function compare(actual: tf.Tensor, expected: tf.Tensor): { diff: number; scale: number } {
  return tf.tidy(() => ({
    diff: tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]!,
    scale: tf.max(tf.abs(expected)).dataSync()[0]!,
  }));
}

describe('InceptionNet', () => {
  it("folds BatchNormalization without changing the Keras model's activations", async () => {
    const { modelTopology, weightSpecs, weightData } = files.artifacts();
    const keras = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelTopology as object, weightSpecs, weightData }),
    );
    const truncated = tfl.model({
      inputs: keras.inputs,
      outputs: MIXED_LAYERS.map((name) => keras.getLayer(name).output as tfl.SymbolicTensor),
    });
    const x = tf.randomUniform([1, 299, 299, 3], -1, 1, 'float32', 42) as tf.Tensor4D;
    const expected = truncated.predict(x) as tf.Tensor[];
    const actual = net.forward(x, MIXED_LAYERS);
    for (const [i, layer] of MIXED_LAYERS.entries()) {
      expect(actual[i]!.shape, layer).toEqual(expected[i]!.shape);
      const { diff, scale } = compare(actual[i]!, expected[i]!);
      expect(diff, layer).toBeLessThan(1e-4 * scale);
    }
    tf.dispose([x, ...expected, ...actual]);
    keras.dispose();
  }, 60_000);

  it('computes the gradient of the objective: directional derivatives match finite differences', () => {
    const objective = [
      { layer: 'mixed3', weight: 1 },
      { layer: 'mixed5', weight: 1 },
    ];
    const x = tf.randomUniform([1, 131, 117, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const { value, gradient } = net.gradient(x, objective);
    expect(tf.memory().numTensors).toBe(before + 1);
    const valueAt = (image: tf.Tensor4D) =>
      tf.tidy(() => {
        const [a, b] = net.forward(image, ['mixed3', 'mixed5']);
        return tf.add(tf.mean(a!), tf.mean(b!)).dataSync()[0]!;
      });
    expect(value).toBeCloseTo(valueAt(x), 5);
    // Small steps: ReLUs make the objective piecewise linear, with kinks close together.
    for (const seed of [2, 3, 4, 5]) {
      const { analytic, numeric } = tf.tidy(() => {
        const direction = tf.randomNormal(x.shape, 0, 1, 'float32', seed);
        const epsilon = 5e-4;
        return {
          analytic: tf.sum(tf.mul(gradient, direction)).dataSync()[0]!,
          numeric:
            (valueAt(tf.add(x, tf.mul(direction, epsilon)) as tf.Tensor4D) -
              valueAt(tf.sub(x, tf.mul(direction, epsilon)) as tf.Tensor4D)) /
            (2 * epsilon),
        };
      });
      expect(Math.abs(analytic - numeric)).toBeLessThan(0.05 * Math.abs(numeric) + 2e-3);
    }
    tf.dispose([x, gradient]);
  }, 30_000);

  it('builds only what the deepest layer needs and refuses layers past it', () => {
    const shallow = InceptionNet.build(files, 'mixed2');
    const x = tf.zeros([1, 96, 96, 3]) as tf.Tensor4D;
    expect(() => shallow.forward(x, ['mixed3'])).toThrow(/not in this network/);
    const [mixed2] = shallow.forward(x, ['mixed2']);
    expect(mixed2!.shape).toEqual([1, 9, 9, 288]);
    tf.dispose([x, mixed2!]);
    shallow.dispose();
  });
});

describe('FoldedConv', () => {
  const weight = (shape: number[], seed: number, low = -1, high = 1) => ({
    shape,
    values: tf.randomUniform(shape, low, high, 'float32', seed).dataSync() as Float32Array,
  });

  it.each([
    { kernel: [3, 3], strides: [1, 1], padding: 'same', size: [13, 11] },
    { kernel: [1, 7], strides: [1, 1], padding: 'same', size: [9, 12] },
    { kernel: [3, 3], strides: [1, 1], padding: 'valid', size: [13, 11] },
    { kernel: [3, 3], strides: [2, 2], padding: 'valid', size: [13, 11] },
    { kernel: [3, 3], strides: [2, 2], padding: 'valid', size: [14, 12] },
  ] as const)(
    'back-propagates a $kernel $padding convolution at stride $strides like tf.grad',
    ({ kernel, strides, padding, size }) => {
      const [inDepth, outDepth] = [5, 4];
      const conv = new FoldedConv({
        kernel: weight([...kernel, inDepth, outDepth], 1),
        beta: weight([outDepth], 2),
        movingMean: weight([outDepth], 3),
        movingVariance: weight([outDepth], 4, 0.5, 2),
        epsilon: 1e-3,
        strides: [...strides],
        padding,
      });
      tf.tidy(() => {
        const x = tf.randomUniform([1, ...size, inDepth], -1, 1, 'float32', 5) as tf.Tensor4D;
        const output = conv.apply(x);
        const dy = tf.randomUniform(output.shape, -1, 1, 'float32', 6) as tf.Tensor4D;
        // The reference: plain ops, TensorFlow.js's own gradient rules.
        const plain = (input: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.relu(tf.add(tf.conv2d(input as tf.Tensor4D, conv.filter, [...strides], padding), conv.bias)),
              dy,
            ),
          );
        const { diff, scale } = compare(conv.backward(dy, output, x.shape), tf.grad(plain)(x));
        expect(diff).toBeLessThan(1e-5 * scale);
      });
      conv.dispose();
    },
  );
});

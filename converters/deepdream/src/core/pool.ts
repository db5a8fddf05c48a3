import * as tf from '@tensorflow/tfjs-core';

/** A Keras MaxPooling2D or AveragePooling2D. */
export interface Pool {
  type: 'max' | 'avg';
  size: [number, number];
  strides: [number, number];
  padding: 'same' | 'valid';
}

/**
 * Whether the backend computes MaxPoolWithArgmax natively (wasm, cpu): then a max pool's gradient
 * is a scatter of the output gradient to the recorded positions, several times faster on wasm
 * than its MaxPoolGrad kernel (a plain loop). tfjs-node has no such kernel but a fast MaxPoolGrad.
 */
function hasFastArgmax(): boolean {
  const backend = tf.getBackend();
  return backend !== 'tensorflow' && tf.getKernel('MaxPoolWithArgmax', backend) !== undefined;
}

/**
 * The pool's output and, when `forGradient` and the backend has a fast kernel for it, where each
 * maximum came from (for poolGradient). The input must be non-negative (a ReLU's output, as it
 * always is in InceptionV3).
 */
export function pool(
  unit: Pool,
  input: tf.Tensor4D,
  forGradient: boolean,
): { output: tf.Tensor4D; argmax?: tf.Tensor4D } {
  const { size, strides, padding } = unit;
  if (unit.type === 'avg') return { output: tf.avgPool(input, size, strides, padding) };
  if (!forGradient || !hasFastArgmax()) return { output: tf.maxPool(input, size, strides, padding) };
  const [output, argmax] = tf.tidy(() => {
    // wasm's kernel starts each window's search from FLT_MIN instead of −∞, so a window of zeros
    // (frequent after a ReLU) points at index 0 and a negative maximum is lost. Shifted by 1,
    // every non-negative input beats FLT_MIN; ties still go to one of the equal values.
    const { indexes } = tf.maxPoolWithArgmax(tf.add(input, 1) as tf.Tensor4D, size, strides, padding);
    return [tf.maxPool(input, size, strides, padding), indexes];
  });
  return { output: output as tf.Tensor4D, argmax: argmax as tf.Tensor4D };
}

/** How many input positions each output of a 'same' pool averages (fewer at the borders), [1, h, w, 1]. */
function poolCounts(height: number, width: number, [ph, pw]: [number, number]): tf.Tensor4D {
  const counts = new Float32Array(height * width);
  const span = (i: number, n: number, k: number) =>
    Math.min(n - 1, i + (k >> 1)) - Math.max(0, i - ((k - 1) >> 1)) + 1;
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) counts[i * width + j] = span(i, height, ph) * span(j, width, pw);
  }
  return tf.tensor4d(counts, [1, height, width, 1]);
}

/** The gradient of the pool with respect to its input, given that with respect to its output. */
export function poolGradient(
  unit: Pool,
  dy: tf.Tensor4D,
  input: tf.Tensor4D,
  output: tf.Tensor4D,
  argmax?: tf.Tensor4D,
): tf.Tensor4D {
  const attrs = { filterSize: unit.size, strides: unit.strides, pad: unit.padding };
  return tf.tidy(() => {
    if (unit.type === 'max') {
      if (!argmax) return tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, attrs) as tf.Tensor4D;
      // Flat indices (y·width + x)·channels + c; windows overlap, and scatterND sums duplicates.
      const indices = tf.reshape(argmax, [argmax.size, 1]);
      return tf.reshape(tf.scatterND(indices, tf.reshape(dy, [dy.size]), [input.size]), input.shape);
    }
    const [ph, pw] = unit.size;
    const stride1 = unit.strides[0] === 1 && unit.strides[1] === 1;
    if (unit.padding !== 'same' || !stride1 || ph % 2 === 0 || pw % 2 === 0) {
      return tf.engine().runKernel('AvgPoolGrad', { dy, input }, attrs) as tf.Tensor4D;
    }
    // A stride-1 'same' average is a box sum divided by the number of its positions inside the
    // image, and a box sum is its own adjoint: dx = boxsum(dy / count) = avgPool(dy / count) ·
    // count. TensorFlow.js's AvgPoolGrad divides by the full window everywhere, which is wrong at
    // the borders (checked against finite differences), and on wasm it is a plain loop.
    const counts = poolCounts(input.shape[1], input.shape[2], unit.size);
    return tf.mul(tf.avgPool(tf.div(dy, counts), unit.size, 1, 'same'), counts) as tf.Tensor4D;
  });
}

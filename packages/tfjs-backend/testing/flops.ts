import * as tf from '@tensorflow/tfjs-core';

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Floating-point operations (a multiply-add counts 2) of one kernel run, for the kernels that
 * dominate a convolutional network's time; other kernels (additions, activations, pooling,
 * concatenation) count 0: they are memory-bound, a few per cent of the arithmetic.
 */
function kernelFlops({
  name,
  inputShapes,
  outputShapes,
}: Awaited<ReturnType<typeof tf.profile>>['kernels'][number]): number {
  const [a = [], b = []] = inputShapes;
  const [out = []] = outputShapes;
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      // input [n, h, w, c], filter [kh, kw, c, k], output [n, h', w', k]
      const [kh = 0, kw = 0, c = 0] = b;
      return 2 * product(out) * kh * kw * c;
    }
    case 'Conv2DBackpropInput': {
      // dy [n, h', w', k], filter [kh, kw, c, k]: the same products as the forward convolution.
      const [kh = 0, kw = 0, c = 0] = b;
      return 2 * product(a) * kh * kw * c;
    }
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      const [kh = 0, kw = 0] = b;
      return 2 * product(out) * kh * kw;
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      // [B, m, k] × [B, k, n] → [B, m, n], either side possibly transposed: a·b / out = B·k².
      const batch = product(out.slice(0, -2));
      const k = Math.sqrt((product(a) * product(b)) / (product(out) * batch));
      return 2 * product(out) * k;
    }
    default:
      return 0;
  }
}

/**
 * The arithmetic of `run` in GFLOP, from the kernels TensorFlow.js runs for it (tf.profile). What
 * it returns is disposed: return tensors, or nothing.
 */
export async function gigaflopsOf(
  run: () => tf.TensorContainer | Promise<tf.TensorContainer>,
): Promise<number> {
  const profile = await tf.profile(run);
  tf.dispose(profile.result);
  return profile.kernels.reduce((sum, kernel) => sum + kernelFlops(kernel), 0) / 1e9;
}

/**
 * The best convolution rate of the current backend on this machine, GFLOP/s: a large 3×3
 * convolution (64×64×288 → 384, as in InceptionV3's middle), the best of `runs`. What a network
 * could reach at most here, for comparing a model's achieved rate with.
 */
export function peakConvolutionRate(runs = 8): number {
  const [x, filter] = [tf.randomNormal([1, 64, 64, 288]), tf.randomNormal([3, 3, 288, 384])] as [
    tf.Tensor4D,
    tf.Tensor4D,
  ];
  const gigaflop = (2 * 64 * 64 * 9 * 288 * 384) / 1e9;
  let best = 0;
  try {
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const y = tf.conv2d(x, filter, 1, 'same');
      y.dataSync();
      y.dispose();
      best = Math.max(best, gigaflop / ((performance.now() - start) / 1000));
    }
  } finally {
    x.dispose();
    filter.dispose();
  }
  return best;
}

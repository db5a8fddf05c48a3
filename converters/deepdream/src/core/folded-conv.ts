import * as tf from '@tensorflow/tfjs-core';
import type { Weight } from './inception-files.ts';

/** A Keras Conv2D (no bias) followed by BatchNormalization (scale=false) and a ReLU. */
export interface ConvBlockWeights {
  kernel: Weight;
  beta: Weight;
  movingMean: Weight;
  movingVariance: Weight;
  epsilon: number;
  strides: [number, number];
  padding: 'same' | 'valid';
}

type Padding = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

/** One convolution of the input gradient: a polyphase part of a strided convolution's transpose. */
interface Phase {
  filter: tf.Tensor4D;
  padding: Padding;
}

/**
 * A convolution with its BatchNormalization folded into the weights and a bias, and the ReLU
 * fused: forward is one FusedConv2D. Its gradient with respect to the input is computed here
 * rather than by TensorFlow.js's own rule, for two reasons measured on the wasm backend: the fused
 * op's gradient also asks for the filter's (Conv2DBackpropFilter, which wasm lacks), and wasm's
 * Conv2DBackpropInput is a plain loop about ten times slower than the XNNPACK convolution. The
 * transpose of a stride-1 convolution is a convolution with the flipped, transposed filter; that of
 * a stride-s one is s×s such convolutions (one per output phase) interleaved.
 */
export class FoldedConv {
  readonly filter: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly #phases: Phase[][];

  constructor(weights: ConvBlockWeights) {
    const [kh, kw, inDepth, outDepth] = weights.kernel.shape as [number, number, number, number];
    const { strides, padding, epsilon } = weights;
    const scale = new Float32Array(outDepth);
    const bias = new Float32Array(outDepth);
    for (let o = 0; o < outDepth; o++) {
      scale[o] = 1 / Math.sqrt(weights.movingVariance.values[o]! + epsilon);
      bias[o] = weights.beta.values[o]! - weights.movingMean.values[o]! * scale[o]!;
    }
    const kernel = weights.kernel.values;
    const folded = new Float32Array(kernel.length);
    for (let i = 0; i < kernel.length; i++) folded[i] = kernel[i]! * scale[i % outDepth]!;
    this.filter = tf.tensor4d(folded, [kh, kw, inDepth, outDepth]);
    this.bias = tf.tensor1d(bias);
    this.strides = strides;
    this.padding = padding;

    if (padding === 'same' && (strides[0] !== 1 || strides[1] !== 1 || kh % 2 === 0 || kw % 2 === 0)) {
      // 'same' is symmetric only for odd kernels at stride 1: all InceptionV3 has.
      throw new Error(`no input gradient for a ${kh}×${kw} 'same' convolution at stride ${strides}`);
    }
    // transposed[u][v][o][c] = folded[p + s·(T−1−u)][q + s·(T−1−v)][c][o] for each phase (p, q).
    const [sh, sw] = strides;
    this.#phases = [];
    for (let p = 0; p < sh; p++) {
      const row: Phase[] = [];
      for (let q = 0; q < sw; q++) {
        const th = Math.ceil((kh - p) / sh);
        const tw = Math.ceil((kw - q) / sw);
        const values = new Float32Array(Math.max(th, 0) * Math.max(tw, 0) * inDepth * outDepth);
        for (let u = 0; u < th; u++) {
          for (let v = 0; v < tw; v++) {
            const a = p + sh * (th - 1 - u);
            const b = q + sw * (tw - 1 - v);
            for (let c = 0; c < inDepth; c++) {
              const from = ((a * kw + b) * inDepth + c) * outDepth;
              for (let o = 0; o < outDepth; o++)
                values[((u * tw + v) * outDepth + o) * inDepth + c] = folded[from + o]!;
            }
          }
        }
        row.push({
          filter: tf.tensor4d(values, [th, tw, outDepth, inDepth]),
          padding:
            padding === 'same'
              ? 'same'
              : [
                  [0, 0],
                  [th - 1, th - 1],
                  [tw - 1, tw - 1],
                  [0, 0],
                ],
        });
      }
      this.#phases.push(row);
    }
  }

  /** Convolve, add the bias, ReLU. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.fused.conv2d({
      x,
      filter: this.filter,
      bias: this.bias,
      strides: this.strides,
      pad: this.padding,
      activation: 'relu',
    });
  }

  /**
   * The gradient with respect to the input, given `output` (what `apply` returned) and the
   * gradient with respect to it.
   */
  backward(dy: tf.Tensor4D, output: tf.Tensor4D, inputShape: [number, number, number, number]): tf.Tensor4D {
    return tf.tidy(() => this.inputGradient(tf.mul(dy, tf.step(output)), inputShape));
  }

  /** The gradient with respect to the input of the convolution, given that with respect to its (pre-ReLU) output. */
  inputGradient(dy: tf.Tensor4D, inputShape: [number, number, number, number]): tf.Tensor4D {
    return tf.tidy(() => {
      const [sh, sw] = this.strides;
      if (sh === 1 && sw === 1) {
        const { filter, padding } = this.#phases[0]![0]!;
        return tf.conv2d(dy, filter, 1, padding);
      }
      const [, height, width, depth] = inputShape;
      const rows = Math.ceil(height / sh);
      const cols = Math.ceil(width / sw);
      const fit = (t: tf.Tensor4D) => {
        const [, h, w] = t.shape;
        const cut = tf.slice(t, [0, 0, 0, 0], [1, Math.min(h, rows), Math.min(w, cols), depth]);
        return tf.pad(cut, [
          [0, 0],
          [0, rows - cut.shape[1]],
          [0, cols - cut.shape[2]],
          [0, 0],
        ]);
      };
      // Phase (p, q) holds dx[s·m + p][s·n + q]: interleave columns, then rows.
      const interleaved = this.#phases.map((row) => {
        const phases = row.map(({ filter, padding }) => fit(tf.conv2d(dy, filter, 1, padding)));
        return tf.reshape(tf.stack(phases, 3), [1, rows, cols * sw, depth]);
      });
      const full = tf.reshape(tf.stack(interleaved, 2), [1, rows * sh, cols * sw, depth]);
      return tf.slice(full, [0, 0, 0, 0], [1, height, width, depth]) as tf.Tensor4D;
    });
  }

  dispose(): void {
    this.filter.dispose();
    this.bias.dispose();
    for (const row of this.#phases) for (const { filter } of row) filter.dispose();
  }
}

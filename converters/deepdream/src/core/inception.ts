import * as tf from '@tensorflow/tfjs-core';
import { FoldedConv } from './folded-conv.ts';
import type { InceptionFiles, KerasLayer } from './inception-files.ts';
import type { LayerWeight, MixedLayer } from './layers.ts';
import { type Pool, pool, poolGradient } from './pool.ts';

export { type LayerWeight, MIXED_LAYERS, type MixedLayer } from './layers.ts';

/** The smallest input side for which every allowed layer still has a 4×4 output (mixed3 and deeper are 1/32 of the input, less the borders of unpadded convolutions). */
export const MIN_INPUT_SIDE = 96;

/** Where the time of gradient passes went, summed over calls. */
export interface PassTiming {
  forwardMs: number;
  backwardMs: number;
}

type Unit =
  | { kind: 'input'; name: string }
  | { kind: 'conv'; name: string; input: string; conv: FoldedConv }
  | ({ kind: 'pool'; name: string; input: string } & Pool)
  | { kind: 'concat'; name: string; inputs: string[] };

function inputsOf(layer: KerasLayer): string[] {
  const [node] = layer.inbound_nodes;
  return (node ?? []).map(([name]) => name);
}

function pair(value: unknown): [number, number] {
  const [a, b] = value as number[];
  return [a!, b!];
}

/**
 * InceptionV3's convolutional part up to a given `mixed*` layer, with every BatchNormalization
 * folded into its convolution (see FoldedConv): a forward function of the image and a gradient
 * that the wasm backend can compute. The input is NHWC float in [-1, 1] (Keras's InceptionV3
 * preprocessing), of any size from MIN_INPUT_SIDE up.
 */
export class InceptionNet {
  readonly deepest: MixedLayer;
  readonly #units: Unit[];
  readonly #byName: Map<string, Unit>;

  private constructor(deepest: MixedLayer, units: Unit[]) {
    this.deepest = deepest;
    this.#units = units;
    this.#byName = new Map(units.map((unit) => [unit.name, unit]));
  }

  /** Builds the network that `deepest` needs, and nothing after it. */
  static build(files: InceptionFiles, deepest: MixedLayer): InceptionNet {
    const layers = new Map(files.layers.map((layer) => [layer.name, layer]));
    const units: Unit[] = [];
    const built = new Set<string>();
    const need = (name: string): void => {
      if (built.has(name)) return;
      built.add(name);
      const layer = layers.get(name);
      if (!layer) throw new Error(`InceptionV3 has no layer ${name}`);
      const { config } = layer;
      switch (layer.class_name) {
        case 'InputLayer':
          units.push({ kind: 'input', name });
          return;
        case 'Activation': {
          // Conv2D → BatchNormalization → Activation(relu): one folded unit, named by the activation.
          const norm = layers.get(inputsOf(layer)[0]!);
          const conv = norm && layers.get(inputsOf(norm)[0]!);
          if (
            config.activation !== 'relu' ||
            norm?.class_name !== 'BatchNormalization' ||
            conv?.class_name !== 'Conv2D'
          ) {
            throw new Error(`unexpected layer chain before ${name}`);
          }
          if (norm.config.scale !== false || norm.config.center !== true || conv.config.use_bias !== false) {
            throw new Error(`unexpected BatchNormalization or Conv2D configuration before ${name}`);
          }
          const input = inputsOf(conv)[0]!;
          need(input);
          const weight = (suffix: string) => files.weight(`${suffix}`);
          units.push({
            kind: 'conv',
            name,
            input,
            conv: new FoldedConv({
              kernel: weight(`${conv.name}/kernel`),
              beta: weight(`${norm.name}/beta`),
              movingMean: weight(`${norm.name}/moving_mean`),
              movingVariance: weight(`${norm.name}/moving_variance`),
              epsilon: norm.config.epsilon as number,
              strides: pair(conv.config.strides),
              padding: conv.config.padding as 'same' | 'valid',
            }),
          });
          return;
        }
        case 'MaxPooling2D':
        case 'AveragePooling2D': {
          const input = inputsOf(layer)[0]!;
          need(input);
          units.push({
            kind: 'pool',
            name,
            input,
            type: layer.class_name === 'MaxPooling2D' ? 'max' : 'avg',
            size: pair(config.pool_size),
            strides: pair(config.strides),
            padding: config.padding as 'same' | 'valid',
          });
          return;
        }
        case 'Concatenate': {
          const inputs = inputsOf(layer);
          for (const input of inputs) need(input);
          units.push({ kind: 'concat', name, inputs });
          return;
        }
        default:
          throw new Error(`unexpected layer ${name} (${layer.class_name})`);
      }
    };
    try {
      need(deepest);
    } catch (error) {
      for (const unit of units) if (unit.kind === 'conv') unit.conv.dispose();
      throw error;
    }
    return new InceptionNet(deepest, units);
  }

  /**
   * The activations of the named layers (any built layer: `mixed3`, `activation_5`, …) for the
   * image `x`, computing only what they need.
   */
  forward(x: tf.Tensor4D, outputs: readonly string[]): tf.Tensor4D[] {
    return tf.tidy(() => {
      const values = this.#run(x, this.#needed(outputs));
      return outputs.map((name) => values.get(name)!);
    });
  }

  /**
   * The objective Σ weight · mean(activation of layer), and its gradient with respect to the image
   * `x`. The backward pass is written out here rather than left to tf.grad: no gradient needs
   * registering (tfjs-core's Node build registers none), each activation is freed as soon as the
   * pass is past it, and the time of each half can be measured.
   */
  gradient(
    x: tf.Tensor4D,
    objective: readonly LayerWeight[],
    timing?: PassTiming,
  ): { value: number; gradient: tf.Tensor4D } {
    const names = objective.map(({ layer }) => layer);
    const needed = this.#needed(names);
    let start = performance.now();
    const argmaxes = new Map<string, tf.Tensor4D>();
    const values = this.#run(x, needed, argmaxes);
    const grads = new Map<string, tf.Tensor4D>();
    const accumulate = (name: string, gradient: tf.Tensor4D) => {
      const previous = grads.get(name);
      grads.set(name, previous ? tf.tidy(() => tf.add(previous, gradient)) : gradient);
      if (previous) {
        previous.dispose();
        gradient.dispose();
      }
    };
    let value = 0;
    for (const { layer, weight } of objective) {
      const activation = values.get(layer)!;
      value += weight * tf.tidy(() => tf.mean(activation).dataSync()[0]!);
      accumulate(layer, tf.fill(activation.shape, weight / activation.size) as tf.Tensor4D);
    }
    if (timing) {
      // The wasm and cpu backends run each op synchronously; a native one may not, so read a value.
      tf.tidy(() => tf.max(grads.values().next().value!).dataSync());
      timing.forwardMs += performance.now() - start;
      start = performance.now();
    }
    let result: tf.Tensor4D | undefined;
    try {
      // Units are in topological order: backwards, every consumer of an output comes before it.
      for (const unit of [...this.#units].reverse()) {
        if (!needed.has(unit.name)) continue;
        const dy = grads.get(unit.name);
        const output = values.get(unit.name)!;
        grads.delete(unit.name);
        values.delete(unit.name);
        if (!dy) {
          if (unit.kind !== 'input') output.dispose();
          continue;
        }
        switch (unit.kind) {
          case 'input':
            result = dy;
            continue;
          case 'conv': {
            const input = values.get(unit.input)!;
            accumulate(unit.input, unit.conv.backward(dy, output, input.shape));
            break;
          }
          case 'pool': {
            const input = values.get(unit.input)!;
            const argmax = argmaxes.get(unit.name);
            argmaxes.delete(unit.name);
            accumulate(unit.input, poolGradient(unit, dy, input, output, argmax));
            argmax?.dispose();
            break;
          }
          case 'concat': {
            const sizes = unit.inputs.map((name) => values.get(name)!.shape[3]);
            const parts = tf.split(dy, sizes, 3);
            for (const [i, name] of unit.inputs.entries()) accumulate(name, parts[i] as tf.Tensor4D);
            break;
          }
        }
        dy.dispose();
        output.dispose();
      }
    } finally {
      for (const tensor of values.values()) if (tensor !== x) tensor.dispose();
      for (const tensor of grads.values()) tensor.dispose();
      for (const tensor of argmaxes.values()) tensor.dispose();
    }
    if (!result) throw new Error('the objective does not depend on the image');
    if (timing) {
      tf.tidy(() => tf.max(result!).dataSync());
      timing.backwardMs += performance.now() - start;
    }
    return { value, gradient: result };
  }

  /** The units that `outputs` depend on, by name. */
  #needed(outputs: readonly string[]): Set<string> {
    const needed = new Set<string>();
    const mark = (name: string): void => {
      if (needed.has(name)) return;
      const unit = this.#byName.get(name);
      if (!unit) throw new Error(`layer ${name} is not in this network (built up to ${this.deepest})`);
      needed.add(name);
      if (unit.kind === 'conv' || unit.kind === 'pool') mark(unit.input);
      if (unit.kind === 'concat') for (const input of unit.inputs) mark(input);
    };
    for (const name of outputs) mark(name);
    return needed;
  }

  /**
   * Every needed unit's output, in topological order; the input unit's is `x` itself. With
   * `argmaxes`, max pools may also record where each maximum came from, for poolGradient.
   */
  #run(x: tf.Tensor4D, needed: Set<string>, argmaxes?: Map<string, tf.Tensor4D>): Map<string, tf.Tensor4D> {
    const values = new Map<string, tf.Tensor4D>();
    const value = (name: string) => values.get(name)!;
    for (const unit of this.#units) {
      if (!needed.has(unit.name)) continue;
      switch (unit.kind) {
        case 'input':
          values.set(unit.name, x);
          break;
        case 'conv':
          values.set(unit.name, unit.conv.apply(value(unit.input)));
          break;
        case 'pool': {
          const { output, argmax } = pool(unit, value(unit.input), argmaxes !== undefined);
          values.set(unit.name, output);
          if (argmax) argmaxes?.set(unit.name, argmax);
          break;
        }
        case 'concat':
          values.set(unit.name, tf.concat(unit.inputs.map(value), 3));
          break;
      }
    }
    return values;
  }

  dispose(): void {
    for (const unit of this.#units) if (unit.kind === 'conv') unit.conv.dispose();
  }
}

import { type LayerWeight, MIXED_LAYERS, type MixedLayer } from './layers.ts';
import { FULL_MAX_PIXELS, PREVIEW_PIXELS, RESOLUTIONS, type Resolution } from './resolution.ts';

/** Named objectives: which InceptionV3 layers to amplify, and how much each. */
export const PRESETS = {
  /** Swirls, brush strokes and fine textures (the shallow 35×35 blocks); the fastest. */
  patterns: [
    { layer: 'mixed1', weight: 1 },
    { layer: 'mixed2', weight: 1 },
  ],
  /** The DeepDream look of TensorFlow's tutorial: eyes, scales, arches and pagodas. */
  classic: [
    { layer: 'mixed3', weight: 1 },
    { layer: 'mixed5', weight: 1 },
  ],
  /** Deeper features: animal heads, eyes and limbs; about 1.5× the time of `classic`. */
  creatures: [
    { layer: 'mixed5', weight: 1 },
    { layer: 'mixed6', weight: 1.5 },
    { layer: 'mixed7', weight: 2 },
  ],
} as const satisfies Record<string, readonly { layer: MixedLayer; weight: number }[]>;

export type PresetName = keyof typeof PRESETS;

export interface DeepDreamParams {
  /** A preset name, or the layers to amplify with their weights. */
  layers: PresetName | { layer: MixedLayer; weight: number }[];
  /** Scales processed, from the smallest up: more octaves grow larger structures. */
  octaves: number;
  /** Size ratio between one octave and the next. */
  octaveScale: number;
  /** Gradient-ascent steps per octave. */
  steps: number;
  /** Change per step, in units of the gradient's standard deviation on the [-1, 1] image. */
  stepSize: number;
  /** Largest random shift of the image before each step, in pixels: hides the network's grid. */
  jitter: number;
  /** Seeds the random shifts: the same seed and params give the same picture. */
  seed?: number;
  /** The size dreamt at: the fast preview, or the image's own (slower); the kit sizes the image. */
  resolution: Resolution;
}

/**
 * A 512×512 dream in about 20 s on 2 cores (wasm, threaded): 4 octaves (512 down to 187 px) grow
 * eyes and arches of a recognisable size, 12 steps of 0.05 make them distinct. More steps or
 * octaves, or deeper layers, look richer and cost more; see bench/deepdream.bench.ts.
 */
export const DEFAULT_PARAMS = {
  layers: 'classic',
  octaves: 4,
  octaveScale: 1.4,
  steps: 12,
  stepSize: 0.05,
  jitter: 32,
  resolution: 'preview',
} as const satisfies DeepDreamParams;

const number = (title: string, description: string, minimum: number, maximum: number, fallback: number) => ({
  type: 'number',
  title,
  description,
  minimum,
  maximum,
  default: fallback,
});

const integer = (title: string, description: string, minimum: number, maximum: number, fallback: number) => ({
  ...number(title, description, minimum, maximum, fallback),
  type: 'integer',
});

const megapixels = (pixels: number) => `${(pixels / 1_000_000).toFixed(1)} MP`;
/** A pixel count as the 16:10 size that has it, rounded down. */
export const wide = (pixels: number) =>
  `${Math.floor(Math.sqrt(pixels * 1.6))}×${Math.floor(Math.sqrt(pixels / 1.6))}`;

/** The params' JSON Schema, as `/describe` publishes it and the kit validates with (ajv). */
export const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    layers: {
      title: 'Layers',
      description:
        `A preset (${Object.keys(PRESETS).join(', ')}) or a list of InceptionV3 layers (${MIXED_LAYERS.join(', ')}) ` +
        'with weights. Shallow layers draw textures, deep ones objects; deeper is slower.',
      default: DEFAULT_PARAMS.layers,
      oneOf: [
        { type: 'string', enum: Object.keys(PRESETS) },
        {
          type: 'array',
          minItems: 1,
          maxItems: MIXED_LAYERS.length,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['layer', 'weight'],
            properties: {
              layer: { type: 'string', enum: [...MIXED_LAYERS] },
              weight: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
            },
          },
        },
      ],
    },
    octaves: integer(
      'Octaves',
      'Scales processed, smallest first: more grow larger structures.',
      1,
      6,
      DEFAULT_PARAMS.octaves,
    ),
    octaveScale: number(
      'Octave scale',
      'Size ratio between successive octaves.',
      1.2,
      1.6,
      DEFAULT_PARAMS.octaveScale,
    ),
    steps: integer(
      'Steps',
      'Gradient-ascent steps per octave: more is stronger and slower.',
      1,
      50,
      DEFAULT_PARAMS.steps,
    ),
    stepSize: number('Step size', 'Strength of each step.', 0.001, 0.1, DEFAULT_PARAMS.stepSize),
    jitter: integer(
      'Jitter',
      'Largest random shift before each step, in pixels.',
      0,
      128,
      DEFAULT_PARAMS.jitter,
    ),
    resolution: {
      type: 'string',
      title: 'Resolution',
      description:
        `preview: at most ${megapixels(PREVIEW_PIXELS)} (915×572 for a 16:10 photo), under a minute. ` +
        `full: the image's own size up to ${megapixels(FULL_MAX_PIXELS)} (${wide(FULL_MAX_PIXELS)}), in tiles: ` +
        'minutes. Heavier settings dream at fewer pixels. The result says when it is smaller than the image.',
      enum: [...RESOLUTIONS],
      default: DEFAULT_PARAMS.resolution,
    },
    seed: {
      type: 'integer',
      title: 'Seed',
      description: 'Makes the result repeatable.',
      minimum: 0,
      maximum: 2 ** 31 - 1,
    },
  },
} as const;

/** The objective the params ask for; missing params take their defaults (the kit fills them in too). */
export function objectiveOf(layers: DeepDreamParams['layers'] = DEFAULT_PARAMS.layers): LayerWeight[] {
  const list = typeof layers === 'string' ? PRESETS[layers] : layers;
  if (!list) throw new Error(`unknown DeepDream preset ${String(layers)}`);
  // One term per layer, in network order.
  const weights = new Map<string, number>();
  for (const { layer, weight } of list) weights.set(layer, (weights.get(layer) ?? 0) + weight);
  return MIXED_LAYERS.filter((layer) => weights.has(layer)).map((layer) => ({
    layer,
    weight: weights.get(layer)!,
  }));
}

/** The deepest layer any allowed params can ask for: what setup builds. */
export const DEEPEST_LAYER: MixedLayer = MIXED_LAYERS[MIXED_LAYERS.length - 1]!;

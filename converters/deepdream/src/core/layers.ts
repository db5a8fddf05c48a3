// The names a dream's params speak of, apart from the network (no TensorFlow.js here): the
// service's main thread describes the converter without loading the model's code.

/** The InceptionV3 layers a dream may amplify: the outputs of its first eight Inception blocks. */
export const MIXED_LAYERS = [
  'mixed0',
  'mixed1',
  'mixed2',
  'mixed3',
  'mixed4',
  'mixed5',
  'mixed6',
  'mixed7',
] as const;
export type MixedLayer = (typeof MIXED_LAYERS)[number];

/** One term of a dream's objective: the mean activation of `layer`, times `weight`. */
export interface LayerWeight {
  layer: string;
  weight: number;
}

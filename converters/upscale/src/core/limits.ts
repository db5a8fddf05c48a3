// What the converter accepts, apart from the networks (no TensorFlow.js here): the service's main
// thread describes the converter without loading the models' code.

/** The ESRGAN packages of UpscalerJS (RDN "slim" and "medium", RRDN "thick"), DIV2K-trained. */
export const MODEL_VARIANTS = ['slim', 'medium', 'thick'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];
export const SCALES = [2, 4] as const;
export type Scale = (typeof SCALES)[number];

/**
 * Largest inputs (width × height) per model and scale. slim and medium: 1 MP at ×2 and ¼ MP at
 * ×4, so at most 4 MP come out (the largest ×2 with medium: about 40 s with 2 wasm threads, 75 s
 * with one). thick costs about 10× medium (×4 of 256×256: 26 s with 2 threads, 48 s with one),
 * so 256×256 at either scale.
 */
export const MAX_INPUT_PIXELS: Record<ModelVariant, Record<Scale, number>> = {
  slim: { 2: 1_048_576, 4: 262_144 },
  medium: { 2: 1_048_576, 4: 262_144 },
  thick: { 2: 65_536, 4: 65_536 },
};

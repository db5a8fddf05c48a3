// What the converter accepts, apart from the networks (no TensorFlow.js here): the service's main
// thread describes the converter and decides each conversion's size without loading the models.

/** The ESRGAN packages of UpscalerJS (RDN "slim" and "medium", RRDN "thick"), DIV2K-trained. */
export const MODEL_VARIANTS = ['slim', 'medium', 'thick'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];
export const SCALES = [2, 4] as const;
export type Scale = (typeof SCALES)[number];

/** `auto` picks per scale and size: see `chooseVariant`. */
export type ModelChoice = 'auto' | ModelVariant;

/**
 * The largest result, in pixels: 4096×2560 (10.5 MP), the ×2 of a 2048×1280 photo; a larger image
 * is first reduced so that its result fits. What sets it is time: the cost is per input pixel,
 * and ×2 with medium (the default) of 2048×1280 took 147 s through the converter process on 2
 * cores while other work ran (231 CPU seconds, so about 2 minutes on idle cores;
 * bench/photo-size.bench.ts). That leaves the conversion service's 10-minute converter timeout
 * room for a machine several times busier, and anything larger would keep the one model worker
 * (and the jobs queued behind it) for longer still. Memory does not bind: patches bound the
 * network's, the process peaked at 918 MiB, and the result is 31 MB of pixels; even an
 * incompressible PNG of it stays far under the 64 MiB a result may have.
 */
export const MAX_OUTPUT_PIXELS = 4096 * 2560;

/**
 * Largest inputs (width × height) per model and scale. slim and medium: what makes at most
 * MAX_OUTPUT_PIXELS, 2048×1280 at ×2 and 1024×640 at ×4 (×4 costs about as much per input pixel
 * as ×2: slim took 14 s there, 55 s at ×2). thick costs about 10× medium (×4 of 256×256: 26 s
 * with 2 threads, 48 s with one), so 256×256 at either scale.
 */
export const MAX_INPUT_PIXELS: Record<ModelVariant, Record<Scale, number>> = {
  slim: { 2: MAX_OUTPUT_PIXELS / 4, 4: MAX_OUTPUT_PIXELS / 16 },
  medium: { 2: MAX_OUTPUT_PIXELS / 4, 4: MAX_OUTPUT_PIXELS / 16 },
  thick: { 2: 65_536, 4: 65_536 },
};

/**
 * The network `auto` means. At ×2, medium: on photo crops (bench/quality.bench.ts) it beats
 * sharp's resize by 1.8–3.6 dB PSNR and slim by up to 0.4 dB at about 3× slim's time (×2 of
 * 512×512: 10 s with 2 threads, 18 s with one). At ×4 slim and medium are no better than sharp's
 * resize on smooth content, while thick beats even a pixel-aligned bicubic by 0.5–1 dB: thick
 * while the input is within its limit.
 */
export function chooseVariant(
  model: ModelChoice,
  scale: Scale,
  pixels: number,
  maxPixels: Record<ModelVariant, Record<Scale, number>> = MAX_INPUT_PIXELS,
): ModelVariant {
  if (model !== 'auto') return model;
  return scale === 4 && pixels <= maxPixels.thick[4] ? 'thick' : 'medium';
}

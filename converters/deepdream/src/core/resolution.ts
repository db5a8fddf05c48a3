// The sizes a dream is made at, apart from the network (no TensorFlow.js here): the service's main
// thread decides each conversion's size from them (sizing.ts) without loading the model.

/** `preview`: the fast size; `full`: the image's own, tiled, up to FULL_MAX_PIXELS. */
export const RESOLUTIONS = ['preview', 'full'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/**
 * Half a megapixel (e.g. 915×572 for a 16:10 photo): time grows with the pixels, and a default
 * dream of this size takes about 45 s on 2 cores, twice a 512×512 one.
 */
export const PREVIEW_PIXELS = 1024 * 512;

/**
 * The most pixels a full-resolution dream works on: 2048×1280 (2.6 MP), the size upscaling also
 * works at. Measured on 2 cores (wasm, 2 threads) with the default params: 2560×1600 (4.1 MP) took
 * 518 s and 1.65 GB at its peak while other work ran (load 2–4), too near the conversion
 * service's 10-minute converter timeout and over the converter's 1.5 GB memory goal; at this size
 * see bench/photo-size.bench.ts. Heavier params get fewer pixels still: see sizing.ts.
 */
export const FULL_MAX_PIXELS = 2048 * 1280;

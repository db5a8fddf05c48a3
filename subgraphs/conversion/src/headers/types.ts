export interface Size {
  width: number;
  height: number;
}

/** A frame drawn onto the canvas at (x, y): it may lie partly or wholly outside it. */
export interface Frame extends Size {
  x: number;
  y: number;
}

/**
 * What an image file's structure declares, read without decoding a pixel. The size a decoder
 * allocates is not always the one the first header names: GIF decoders grow the canvas to every
 * frame, and a file may hold other images a decoder decodes on their own (AVIF tiles, grids and
 * alpha planes).
 */
export interface Header {
  /** Every block lies within the file, up to the format's end marker. */
  complete: boolean;
  /** The canvas as the main header declares it (logical screen, IHDR, VP8X, first SOF); null when not read here. */
  size: Size | null;
  /** The frames of an animation (each on the canvas; their areas add up); [] for a still image. */
  frames: Frame[];
  /** Images a decoder may decode apart from the canvas (AVIF items, more JPEG frames); each counts alone. */
  items: Size[];
  /**
   * JPEG: the scans (SOS markers). libjpeg walks every block of the image once per scan, so the
   * decode time grows with them while neither the file nor the pixel count does.
   */
  scans?: number;
  /** AVIF: the most that decoding any one image item costs (see DecodeWork). */
  decodes?: DecodeWork;
}

/**
 * What libheif does to decode one image item: a derived item (grid, overlay, identity) decodes
 * every image it references, once per reference, and each decoded image's alpha plane too.
 */
export interface DecodeWork {
  /** Coded images decoded (each grid tile and overlay input as often as it is referenced). */
  images: number;
  /** Their pixels and every canvas allocated on the way, together. */
  pixels: number;
}

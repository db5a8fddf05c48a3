/**
 * Upscaling quality: PSNR (dB) against the original of the most detailed 192×192 crop of four
 * photos, shrunk by the scale factor with sharp (bicubic) and enlarged again by the best plain
 * sharp resize (any kernel), a pixel-aligned bicubic, and each model.
 *
 *   node converters/upscale/bench/quality.bench.ts
 */
import { createUpscaler, MODEL_VARIANTS, SCALES } from '../src/core/index.ts';
import {
  alignedBicubic,
  decodePhoto,
  mostDetailedCrop,
  psnr,
  type SharpKernel,
  sharpResize,
} from '../testing/images.ts';

const PHOTOS = [
  'mate/nature/Garden.jpg',
  'mate/nature/LadyBird.jpg',
  'mate/nature/Dune.jpg',
  'mate/nature/Wood.jpg',
];
const KERNELS: SharpKernel[] = ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos3'];
const SIZE = 192;

const upscaler = createUpscaler();
process.stderr.write(`backend: ${(await upscaler.setup()).backend}\n`);
const context = { progress() {}, signal: new AbortController().signal };
const lines = [
  `| photo | scale | best sharp resize | aligned bicubic | ${MODEL_VARIANTS.join(' | ')} |`,
  `| --- | --- | --- | --- | ${MODEL_VARIANTS.map(() => '---').join(' | ')} |`,
];
for (const name of PHOTOS) {
  const original = mostDetailedCrop(await decodePhoto(name), SIZE);
  for (const scale of SCALES) {
    const small = await sharpResize(original, SIZE / scale, SIZE / scale, 'cubic');
    const plain = await Promise.all(
      KERNELS.map(async (k) => psnr(original, await sharpResize(small, SIZE, SIZE, k))),
    );
    const cells = [Math.max(...plain), psnr(original, alignedBicubic(small, scale))];
    for (const model of MODEL_VARIANTS)
      cells.push(psnr(original, await upscaler.convert(small, { scale, model }, context)));
    lines.push(`| ${name} | ×${scale} | ${cells.map((cell) => cell.toFixed(2)).join(' | ')} |`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
// The wasm backend's pthread workers would keep the process alive.
process.exit(0);

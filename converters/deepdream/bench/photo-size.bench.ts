/**
 * DeepDream of a photo of the size people upload: mate/nature/Garden.jpg (2560×1600 JPEG) through the
 * converter as deployed (`node src/main.ts`), a fresh process per params:
 * see benchConverterProcess for what each row measures.
 *
 *   node converters/deepdream/bench/photo-size.bench.ts ['{"resolution":"full"}' …]   (default: preview, then full)
 */
import { fileURLToPath } from 'node:url';
import { benchConverterProcess } from '@pixelflow/converter-kit/testing';
import { photo } from '@pixelflow/testing';
import sharp from 'sharp';

const PHOTO = 'mate/nature/Garden.jpg';
const cases = process.argv.slice(2).map((arg) => JSON.parse(arg) as Record<string, unknown>);

await benchConverterProcess({
  main: fileURLToPath(new URL('../src/main.ts', import.meta.url)),
  input: await sharp(photo(PHOTO)).toBuffer(),
  cases: cases.length > 0 ? cases : [{}, { resolution: 'full' }],
  title: `DeepDream of a 2560×1600 photo (${PHOTO}), as deployed`,
});

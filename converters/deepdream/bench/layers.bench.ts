/**
 * The cost of a gradient step by the deepest layer its objective reaches, relative to mixed5
 * (`classic`): what sizing.ts's LAYER_COST holds. One octave of a 512×512 photo crop, a few
 * steps per layer after one to warm up that depth; CPU seconds of the process beside wall time,
 * since the ratio is what matters and a busy machine stretches wall time unevenly.
 *
 *   node converters/deepdream/bench/layers.bench.ts [steps]   (default 3)
 */

import { createDeepDream, DEFAULT_PARAMS } from '../src/core/index.ts';
import { MIXED_LAYERS } from '../src/core/layers.ts';
import { photoPixels } from '../testing/images.ts';

const steps = Number(process.argv[2] ?? 3);
const converter = createDeepDream();
const { backend } = await converter.setup();
const image = await photoPixels('mate/nature/Garden.jpg', 512);
const context = { progress() {}, signal: new AbortController().signal };
const cost = new Map<string, { wall: number; cpu: number }>();
for (const layer of MIXED_LAYERS) {
  const params = { ...DEFAULT_PARAMS, layers: [{ layer, weight: 1 }], octaves: 1, seed: 1 };
  await converter.convert(image, { ...params, steps: 1 }, context);
  const cpu = process.cpuUsage();
  const begin = performance.now();
  await converter.convert(image, { ...params, steps }, context);
  const used = process.cpuUsage(cpu);
  cost.set(layer, {
    wall: (performance.now() - begin) / 1000 / steps,
    cpu: (used.user + used.system) / 1e6 / steps,
  });
  process.stderr.write(`${layer}: ${JSON.stringify(cost.get(layer))}\n`);
}
const reference = cost.get('mixed5')!;
const rows = [...cost].map(
  ([layer, { wall, cpu }]) =>
    `| ${layer} | ${wall.toFixed(2)} s | ${cpu.toFixed(2)} s | ${(wall / reference.wall).toFixed(2)} | ${(cpu / reference.cpu).toFixed(2)} |`,
);
process.stdout.write(
  [
    `## DeepDream step cost by depth (512×512, ${backend})`,
    '',
    '| deepest layer | wall per step | CPU per step | wall / mixed5 | CPU / mixed5 |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n'),
);
// The wasm backend's pthread workers would keep the process alive.
process.exit(0);

/**
 * `pnpm bench`: runs every benchmark on this machine, prints the results and writes them to
 * BENCHMARKS.md. Timings are only comparable within one run (the machines are shared and noisy),
 * so each benchmark measures its baseline in the same run.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchGrayscale } from './grayscale.ts';
import { root } from './lib.ts';

const sections: string[] = [
  '# Benchmarks',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`pnpm bench\` on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.versions.node}.`,
  '',
];
for (const bench of [benchGrayscale]) {
  const section = await bench();
  process.stdout.write(`${section}\n`);
  sections.push(section);
}
writeFileSync(join(root, 'BENCHMARKS.md'), `${sections.join('\n')}\n`);
process.stdout.write('wrote BENCHMARKS.md\n');

/**
 * `pnpm bench [name…]`: runs the benchmarks (all, or those named: grayscale, accounts,
 * deepdream, upscale, web, observability), prints
 * the results and writes them to BENCHMARKS.md, keeping the sections of benchmarks not run.
 * Timings are only comparable within one run (the machines are shared and noisy), so each
 * benchmark measures its baseline in the same run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchAccounts } from './accounts.ts';
import { benchDeepDream, benchUpscaling } from './ai.ts';
import { benchGrayscale } from './grayscale.ts';
import { root } from './lib.ts';
import { benchObservability } from './observability.ts';
import { benchWeb } from './web.ts';

const benches = {
  grayscale: benchGrayscale,
  accounts: benchAccounts,
  deepdream: benchDeepDream,
  upscale: benchUpscaling,
  web: benchWeb,
  observability: benchObservability,
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in benches));
if (unknown.length > 0)
  throw new Error(`unknown benchmark ${unknown.join(', ')}: ${Object.keys(benches).join(', ')}`);

const path = join(root, 'BENCHMARKS.md');
/** The existing sections by heading, so that a partial run keeps the others. */
const sections = new Map<string, string>();
if (existsSync(path)) {
  for (const section of readFileSync(path, 'utf8')
    .split(/^(?=## )/m)
    .slice(1)) {
    sections.set(section.split('\n')[0]!, section.trimEnd());
  }
}
for (const [name, bench] of Object.entries(benches)) {
  if (chosen.length > 0 && !chosen.includes(name)) continue;
  const [heading, ...rest] = (await bench()).split('\n');
  // Each section says where and when it was measured: a partial run keeps the other sections, which
  // may come from another machine.
  const machine = `_Measured on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}._`;
  const section = [heading, '', machine, ...rest].join('\n');
  process.stdout.write(`${section}\n`);
  sections.set(heading!, section.trimEnd());
}
const header = [
  '# Benchmarks',
  '',
  'Measured with `pnpm bench` (`pnpm bench <name>` runs one); each section says on which machine.',
];
writeFileSync(path, `${[...header, '', ...[...sections.values()].flatMap((s) => [s, ''])].join('\n')}`);
process.stdout.write('wrote BENCHMARKS.md\n');

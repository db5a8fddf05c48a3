/**
 * Fails when generated files differ from what their sources produce now:
 *   node scripts/check-drift.ts compose   gateway/supergraph.graphql vs the subgraphs' SDL
 *   node scripts/check-drift.ts codegen   the files codegen.yml generates vs the schemas
 * Either way the files end up regenerated, so the fix is to commit them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { composeSupergraph, supergraphPath } from './compose.ts';

const root = new URL('../', import.meta.url);
const read = (path: URL) => (existsSync(path) ? readFileSync(path, 'utf8') : null);

function check(kind: string): string[] {
  if (kind === 'compose') {
    const composed = composeSupergraph();
    const drifted = read(supergraphPath) !== composed;
    if (drifted) writeFileSync(supergraphPath, composed);
    return drifted ? ['gateway/supergraph.graphql'] : [];
  }
  if (kind === 'codegen') {
    const config = readFileSync(new URL('codegen.yml', root), 'utf8');
    const outputs = [...config.matchAll(/^ {2}(\S+\.ts):\s*$/gm)].map((m) => m[1]!);
    const before = outputs.map((path) => read(new URL(path, root)));
    execFileSync('graphql-codegen', ['--config', 'codegen.yml', '--silent'], { cwd: root, stdio: 'inherit' });
    return outputs.filter((path, i) => read(new URL(path, root)) !== before[i]);
  }
  throw new Error(`unknown check "${kind}" (compose | codegen)`);
}

const kind = process.argv[2] ?? '';
const drifted = check(kind);
if (drifted.length > 0) {
  process.stderr.write(
    `${kind}: generated files drifted from their sources (regenerated now; commit them):\n`,
  );
  for (const path of drifted) process.stderr.write(`  ${path}\n`);
  process.exit(1);
}
process.stdout.write(`${kind}: generated files are up to date\n`);

/**
 * Fails when generated files differ from what their sources produce now:
 *   node scripts/check-drift.ts compose   gateway/supergraph.graphql and api-schema.graphql vs the subgraphs' SDL,
 *                                         compose.yaml vs the services' descriptions
 *   node scripts/check-drift.ts codegen   the files codegen.ts generates vs the schemas
 * Either way the files end up regenerated, so the fix is to commit them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import codegen from '../codegen.ts';
import { generated } from './compose.ts';

const root = new URL('../', import.meta.url);
const read = (path: URL) => (existsSync(path) ? readFileSync(path, 'utf8') : null);
// A generated folder (a preset's output, such as web/src/gql/) as one text: its files' names and contents.
const readOutput = (path: string) => {
  const url = new URL(path, root);
  if (!path.endsWith('/')) return read(url);
  if (!existsSync(url) || !statSync(url).isDirectory()) return null;
  return readdirSync(url, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => `${name}\n${statSync(new URL(name, url)).isFile() ? read(new URL(name, url)) : ''}`)
    .join('\n');
};

async function check(kind: string): Promise<string[]> {
  if (kind === 'compose') {
    const drifted: string[] = [];
    for (const [path, composed] of await generated()) {
      if (read(path) === composed) continue;
      writeFileSync(path, composed);
      drifted.push(path.pathname.slice(root.pathname.length));
    }
    return drifted;
  }
  if (kind === 'codegen') {
    const outputs = Object.keys(codegen.generates);
    const before = outputs.map(readOutput);
    execFileSync('graphql-codegen', ['--config', 'codegen.ts', '--silent'], { cwd: root, stdio: 'inherit' });
    return outputs.filter((path, i) => readOutput(path) !== before[i]);
  }
  throw new Error(`unknown check "${kind}" (compose | codegen)`);
}

const kind = process.argv[2] ?? '';
const drifted = await check(kind);
if (drifted.length > 0) {
  process.stderr.write(
    `${kind}: generated files drifted from their sources (regenerated now; commit them):\n`,
  );
  for (const path of drifted) process.stderr.write(`  ${path}\n`);
  process.exit(1);
}
process.stdout.write(`${kind}: generated files are up to date\n`);

/**
 * Checks the Dockerfile without a Docker engine (`pnpm check:docker`): what a build would trip on
 * before it downloads anything.
 *   1. dockerfile-utils' linter (syntax, instructions, flags);
 *   2. every stage a FROM or COPY --from names is defined above it, every outside image is pinned
 *      to a tag (ARG defaults included), and the targets the README and the chart name exist, the
 *      services' image being the last (the default target);
 *   3. every file COPY takes from the build context exists and is not left out by .dockerignore;
 *   4. every workspace package a `pnpm install --filter` names exists, and every entry point a
 *      CMD runs is a file of the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { dockerignore, root } from './docker-context.ts';

const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
const problems: string[] = [];

/** The targets named in the README, the chart's values and the Dockerfile's own header. */
const targets = ['ai', 'ai-gpu', 'web', 'runtime'];

// 1. The linter.
for (const diagnostic of validate(text, {})) {
  problems.push(`line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
}

// 2. Stages and images.
const dockerfile = DockerfileParser.parse(text);
const args = new Map(
  dockerfile
    .getInitialARGs()
    .flatMap((arg) => arg.getProperties())
    .map((property) => [property.getName(), property.getValue() ?? ''] as const),
);
const resolve = (value: string) => value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args.get(a ?? b) ?? '');
const stages: string[] = [];
for (const from of dockerfile.getFROMs()) {
  const image = resolve(from.getImageName() ?? '');
  const line = from.getRange().start.line + 1;
  if (!stages.includes(image)) {
    const reference = resolve(from.getArgumentsContent()?.split(/\s+/)[0] ?? '');
    if (!/^[\w./-]+:[\w.-]+$/.test(reference) || reference.endsWith(':latest'))
      problems.push(`line ${line}: ${reference || 'an image'} is not pinned to a tag`);
  }
  const stage = from.getBuildStage();
  if (stage) stages.push(stage);
}
const ignored = dockerignore();
for (const instruction of dockerfile.getCOPYs()) {
  const line = instruction.getRange().start.line + 1;
  const from = instruction.getFromFlag()?.getValue();
  const stagesAbove = dockerfile
    .getFROMs()
    .filter((f) => f.getRange().start.line + 1 < line)
    .map((f) => f.getBuildStage());
  if (from && !stagesAbove.includes(from))
    problems.push(`line ${line}: COPY --from=${from} names no stage above it`);
  if (from) continue;
  // 3. From the build context.
  const sources = (instruction.getArgumentsContent() ?? '').split(/\s+/).slice(0, -1);
  for (const source of sources) {
    if (source === '.') continue;
    if (!existsSync(join(root, source))) problems.push(`line ${line}: COPY ${source}: no such file`);
    if (ignored.ignores(normalize(source).replace(/\/$/, '')))
      problems.push(`line ${line}: COPY ${source}: .dockerignore leaves it out`);
  }
}
for (const target of targets) {
  if (!stages.includes(target)) problems.push(`no stage "${target}"`);
}
if (stages.at(-1) !== 'runtime')
  problems.push(`the last stage (the default target) is ${stages.at(-1)}, not runtime`);

// 4. Workspace packages and entry points.
const workspaceNames = new Set<string>();
for (const dir of ['packages', 'subgraphs', 'converters', '.']) {
  const base = join(root, dir);
  const entries = dir === '.' ? ['gateway', 'web', 'launcher', 'e2e', 'bench'] : readdirSync(base);
  for (const entry of entries) {
    const manifest = join(base, entry, 'package.json');
    if (existsSync(manifest))
      workspaceNames.add((JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name);
  }
}
for (const [, name] of text.matchAll(/--filter "([^".]+)(?:\.\.\.)?"/g)) {
  if (!workspaceNames.has(name!)) problems.push(`--filter "${name}": no such workspace package`);
}
for (const [, path] of text.matchAll(/CMD \["node", "([^"]+)"\]/g)) {
  if (!existsSync(join(root, path!))) problems.push(`CMD runs ${path}, which is no file`);
}

if (problems.length > 0) {
  process.stderr.write(
    `check:docker found ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `check:docker: Dockerfile lints, its ${stages.length} stages and their sources are in place\n`,
);

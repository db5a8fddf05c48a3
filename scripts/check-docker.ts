/**
 * Checks the Dockerfile without a Docker engine (`pnpm check:docker`): what a build would trip on
 * before it downloads anything.
 *   1. dockerfile-utils' linter (syntax, instructions, flags);
 *   2. every stage a FROM or COPY --from names is defined above it, every outside image is pinned
 *      to a tag (ARG defaults included) and named by a build argument alone (`FROM ${NODE_IMAGE}`),
 *      the very ones `pnpm images` sets to the bases it makes here (scripts/images.ts, localBases),
 *      no `# syntax=` line makes BuildKit pull a frontend from Docker Hub, and the targets the
 *      README and the chart name exist, the services' image being the last (the default target);
 *   3. every file COPY takes from the build context exists and is not left out by .dockerignore;
 *   4. every workspace package a `pnpm install --filter` names exists, and every file a RUN or CMD
 *      runs with `node` is a file of the repository, in the build context with all it imports;
 *   5. the AI images: `ai` and `ai-gpu` on the services' base (no CUDA image), as user 1000 under
 *      tini, their node_modules from a stage that runs native TensorFlow's setup module (cpu, or
 *      --gpu --cuda) and its libraries copied to the paths the addon links to; ai-gpu's
 *      LD_LIBRARY_PATH names exactly the library folders of the CUDA wheels that module pins, and
 *      its CUDA cache is set, large, writable and where the chart mounts its volume. The module is
 *      the one source of those facts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { type Copy, DockerfileParser, type Env, type From, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import {
  cudaDirectory,
  cudaLibraryFolders,
  tensorflowDirectory,
  type Variant,
} from '../packages/tfjs-backend/setup/native-tensorflow.ts';
import { buildContext, dockerignore, importClosure, root, workspacePackages } from './docker-context.ts';
import { localBases } from './images.ts';

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
/** The build arguments that name a base image. */
const baseArgs = new Set<string>();
for (const from of dockerfile.getFROMs()) {
  const image = resolve(from.getImageName() ?? '');
  const line = from.getRange().start.line + 1;
  if (!stages.includes(image)) {
    const raw = from.getArgumentsContent()?.split(/\s+/)[0] ?? '';
    const reference = resolve(raw);
    if (!/^[\w./-]+:[\w.-]+$/.test(reference) || reference.endsWith(':latest'))
      problems.push(`line ${line}: ${reference || 'an image'} is not pinned to a tag`);
    // A base is a build argument, so that the same file builds on bases made where no public
    // registry is reachable.
    const arg = /^\$\{(\w+)\}$|^\$(\w+)$/.exec(raw);
    const name = arg?.[1] ?? arg?.[2];
    if (!name || !args.has(name))
      problems.push(
        `line ${line}: FROM ${raw} names its base directly, not by a build argument (ARG … before the first FROM)`,
      );
    else baseArgs.add(name);
  }
  const stage = from.getBuildStage();
  if (stage) stages.push(stage);
}
const localArgs = Object.keys(localBases);
for (const name of baseArgs) {
  if (!localArgs.includes(name))
    problems.push(`ARG ${name}: a base that scripts/images.ts (localBases) does not make`);
}
for (const name of localArgs) {
  if (!baseArgs.has(name))
    problems.push(`scripts/images.ts sets ${name}, which names no base of the Dockerfile`);
}
// BuildKit fetches a `# syntax=` frontend image from Docker Hub before it reads the file.
if (/^#\s*syntax\s*=/im.test(text.split(/^(?!#)/m)[0] ?? ''))
  problems.push(
    'a `# syntax=` directive: BuildKit would pull that frontend from Docker Hub (the built-in one reads this file)',
  );
const ignored = dockerignore();
/** COPY's --from (getFromFlag() answers only where it is the one flag). */
const fromOf = (copy: Copy) =>
  copy
    .getFlags()
    .find((flag) => flag.getName() === 'from')
    ?.getValue() ?? undefined;
for (const instruction of dockerfile.getCOPYs()) {
  const line = instruction.getRange().start.line + 1;
  const from = fromOf(instruction);
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
const files: Array<[keyword: string, path: string]> = [...text.matchAll(/CMD \["node", "([^"]+)"\]/g)].map(
  (match) => ['CMD', match[1]!],
);
for (const run of dockerfile.getInstructions().filter((i) => i.getKeyword() === 'RUN')) {
  for (const [, path] of (run.getArgumentsContent() ?? '').matchAll(/\bnode\s+([\w./-]+\.[cm]?[jt]s)\b/g))
    files.push(['RUN', path!]);
}
const context = new Set(buildContext());
for (const [keyword, path] of files) {
  if (!existsSync(join(root, path))) {
    problems.push(`${keyword} runs ${path}, which is no file`);
    continue;
  }
  const missing = importClosure([path]).filter((file) => !context.has(file));
  if (missing.length > 0)
    problems.push(`${keyword} runs ${path}, which needs what the build context lacks: ${missing.join(', ')}`);
}

// 5. The AI images.
interface Stage {
  name: string;
  /** The image or stage it starts from, ARGs resolved. */
  base: string;
  instructions: Instruction[];
}
const stageList: Stage[] = [];
for (const instruction of dockerfile.getInstructions()) {
  if (instruction.getKeyword() === 'FROM') {
    const from = instruction as From;
    const base = resolve(from.getArgumentsContent()?.split(/\s+/)[0] ?? '');
    stageList.push({ name: from.getBuildStage() ?? `#${stageList.length}`, base, instructions: [] });
  } else {
    stageList.at(-1)?.instructions.push(instruction);
  }
}
const stageNamed = (name: string) => stageList.find((stage) => stage.name === name);
/** The stage and those it is built on, the first first. */
const ancestry = (stage: Stage): Stage[] => {
  const parent = stageNamed(stage.base);
  return parent && parent !== stage ? [...ancestry(parent), stage] : [stage];
};
const inherited = (stage: Stage, keyword: string) =>
  ancestry(stage).flatMap((s) => s.instructions.filter((i) => i.getKeyword() === keyword));
const envOf = (stage: Stage) =>
  new Map(
    inherited(stage, 'ENV').flatMap((env) =>
      (env as Env)
        .getProperties()
        .map((property) => [property.getName(), property.getValue() ?? ''] as const),
    ),
  );
const copiesOf = (stage: Stage) =>
  stage.instructions
    .filter((i) => i.getKeyword() === 'COPY')
    .map((i) => {
      const copy = i as Copy;
      const paths = (copy.getArgumentsContent() ?? '').split(/\s+/);
      const chown =
        copy
          .getFlags()
          .find((flag) => flag.getName() === 'chown')
          ?.getValue() ?? undefined;
      return { from: fromOf(copy), sources: paths.slice(0, -1), dest: paths.at(-1) ?? '', chown };
    });

/** Where the chart mounts the GPU image's CUDA cache (helm/pixelflow/values.yaml). */
const chartCudaCache = (
  parse(readFileSync(join(root, 'helm/pixelflow/values.yaml'), 'utf8')) as {
    aiConverters?: { cudaCache?: { path?: string } };
  }
).aiConverters?.cudaCache?.path;
const tfjsBackend = workspacePackages().get('@pixelflow/tfjs-backend');
const setupExport = tfjsBackend?.exports['./setup'];
const setupModule =
  tfjsBackend && typeof setupExport === 'string' ? normalize(join(tfjsBackend.dir, setupExport)) : undefined;
if (!setupModule) problems.push('@pixelflow/tfjs-backend exports no ./setup (native TensorFlow’s setup)');
const services = stageNamed('runtime');
const aiTargets: Array<{ name: string; variant: Variant; flags: string[] }> = [
  { name: 'ai', variant: 'cpu', flags: [] },
  { name: 'ai-gpu', variant: 'gpu', flags: ['--gpu', '--cuda'] },
];
for (const { name, variant, flags } of aiTargets) {
  const stage = stageNamed(name);
  if (!stage || !services || !setupModule) continue;
  const image = ancestry(stage)[0]!.base;
  if (image !== ancestry(services)[0]!.base)
    problems.push(`${name}: built on ${image}, not on the services' base ${ancestry(services)[0]!.base}`);
  if (/cuda/i.test(image))
    problems.push(`${name}: built on a CUDA image (${image}); the CUDA wheels bring CUDA`);
  const user = inherited(stage, 'USER').at(-1)?.getArgumentsContent();
  if (user !== '1000:1000') problems.push(`${name}: runs as ${user ?? 'root'}, not 1000:1000`);
  if (!inherited(stage, 'ENTRYPOINT').at(-1)?.getArgumentsContent()?.includes('tini'))
    problems.push(`${name}: its entrypoint is not tini`);
  // Its node_modules, with the addon, from a stage that runs the setup.
  const app = copiesOf(stage).find(
    (copy) => copy.from && copy.sources.includes('/app') && copy.dest === '/app',
  );
  const builder = app?.from ? stageNamed(app.from) : undefined;
  if (!builder) {
    problems.push(`${name}: copies /app from no stage`);
    continue;
  }
  const setupRuns = inherited(builder, 'RUN').flatMap((run) =>
    [
      ...(run.getArgumentsContent() ?? '').matchAll(
        new RegExp(`\\bnode\\s+${setupModule.replaceAll('.', '\\.')}((?:\\s+--[\\w-]+)*)`, 'g'),
      ),
    ].map((match) => match[1]!.split(/\s+/).filter(Boolean)),
  );
  if (setupRuns.length !== 1) {
    problems.push(`${name}: ${builder.name} runs ${setupModule} ${setupRuns.length} times, not once`);
    continue;
  }
  const given = setupRuns[0]!;
  if (given.sort().join(' ') !== [...flags].sort().join(' '))
    problems.push(
      `${name}: ${builder.name} runs the setup with [${given.join(' ')}], not [${flags.join(' ')}]`,
    );
  // The addon links to the libraries by absolute path under the cache: copied to the same path.
  const cache = envOf(builder).get('PIXELFLOW_CACHE');
  if (!cache || !isAbsolute(cache)) {
    problems.push(`${name}: ${builder.name} sets no absolute PIXELFLOW_CACHE for the setup`);
    continue;
  }
  const carried = [`${tensorflowDirectory(variant, cache)}/lib`];
  if (variant === 'gpu') carried.push(`${cudaDirectory(cache)}/nvidia`);
  for (const path of carried) {
    const copied = copiesOf(stage).some(
      (copy) => copy.from === builder.name && copy.sources.join() === path && copy.dest === path,
    );
    if (!copied) problems.push(`${name}: does not copy ${path} from ${builder.name} to the same path`);
  }
  if (variant !== 'gpu') continue;
  const env = envOf(stage);
  const libraryPath = (env.get('LD_LIBRARY_PATH') ?? '').split(':').filter(Boolean);
  const wanted = cudaLibraryFolders(cudaDirectory(cache));
  const absent = wanted.filter((folder) => !libraryPath.includes(folder));
  const extra = libraryPath.filter((folder) => !wanted.includes(folder));
  if (absent.length > 0) problems.push(`${name}: LD_LIBRARY_PATH lacks ${absent.join(', ')}`);
  if (extra.length > 0) problems.push(`${name}: LD_LIBRARY_PATH names ${extra.join(', ')}, no CUDA wheel's`);
  const cudaCache = env.get('CUDA_CACHE_PATH');
  if (!cudaCache || !isAbsolute(cudaCache)) problems.push(`${name}: no absolute CUDA_CACHE_PATH`);
  else if (!copiesOf(stage).some((copy) => copy.dest === cudaCache && copy.chown === '1000:1000'))
    problems.push(`${name}: CUDA_CACHE_PATH ${cudaCache} is not made writable for user 1000`);
  else if (chartCudaCache !== cudaCache)
    problems.push(
      `${name}: CUDA_CACHE_PATH is ${cudaCache}, the chart mounts aiConverters.cudaCache at ${chartCudaCache}`,
    );
  if (!(Number(env.get('CUDA_CACHE_MAXSIZE')) >= 2 ** 30))
    problems.push(`${name}: CUDA_CACHE_MAXSIZE is under 1 GiB (compute_90 PTX compiled on H100/H200)`);
  if (!/\b(?:compute|all)\b/.test(env.get('NVIDIA_DRIVER_CAPABILITIES') ?? ''))
    problems.push(`${name}: NVIDIA_DRIVER_CAPABILITIES does not ask for compute (libcuda)`);
}

if (problems.length > 0) {
  process.stderr.write(
    `check:docker found ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `check:docker: Dockerfile lints, its ${stages.length} stages and their sources are in place, its ${baseArgs.size} bases are build arguments (${[...baseArgs].join(', ')}), the AI images build native TensorFlow as its setup module pins it\n`,
);

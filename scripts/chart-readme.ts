/**
 * Writes helm/pixelflow/README.md from the chart's own files (`pnpm chart:readme`): Chart.yaml's
 * metadata, the comments of values-small.yaml and values.yaml, and every value with its default and
 * the comment above it. `pnpm check:helm` fails while the README differs from what this makes, so
 * the values' comments stay the one place the chart is documented.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parse,
  parseDocument,
  stringify,
  type YAMLMap,
} from 'yaml';

const chart = new URL('../helm/pixelflow/', import.meta.url);
export const chartReadmePath = new URL('README.md', chart);
const read = (name: string) => readFileSync(new URL(name, chart), 'utf8');

/** A comment as the yaml package keeps it: its lines, without the space after each `#`. */
const commentLines = (comment: string | null | undefined): string[] =>
  (comment ?? '').split('\n').map((line) => line.replace(/^ /, '').trimEnd());

/** Text for Markdown: <, > and & escaped, except inside `code spans`. */
const escapeHtml = (text: string) =>
  text
    .split(/(`[^`]*`)/)
    .map((part) =>
      part.startsWith('`') ? part : part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    )
    .join('');

/** A Markdown table with its columns padded, as the formatter (biome) writes it. */
function table(header: string[], body: string[][]): string {
  const width = (text: string) => [...text].length;
  const widths = header.map((_, i) => Math.max(3, ...[header, ...body].map((row) => width(row[i] ?? ''))));
  const line = (row: string[]) =>
    `| ${row.map((text, i) => text + ' '.repeat((widths[i] ?? 0) - width(text))).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/**
 * The comment at the head of a YAML file, and the one above its first key: the yaml package keeps
 * both on the first key when no blank line follows the first, so they are told apart there.
 */
function headComments(doc: ReturnType<typeof parseDocument>): { head: string[]; first: string[] } {
  const top = doc.contents;
  const firstKey = isMap(top) ? (top.items[0]?.key as Node | undefined) : undefined;
  if (doc.commentBefore)
    return { head: commentLines(doc.commentBefore), first: commentLines(firstKey?.commentBefore) };
  const text = firstKey?.commentBefore ?? '';
  const cut = text.lastIndexOf('\n\n');
  return cut < 0
    ? { head: [], first: commentLines(text) }
    : { head: commentLines(text.slice(0, cut)), first: commentLines(text.slice(cut + 2)) };
}

/**
 * Comment lines as Markdown: plain lines make paragraphs, indented lines (examples, lists of
 * choices) code blocks.
 */
function prose(lines: string[]): string {
  const blocks: string[] = [];
  let text: string[] = [];
  let code: string[] = [];
  const flush = () => {
    if (text.length > 0) blocks.push(escapeHtml(text.join(' ')));
    if (code.length > 0) blocks.push(['```', ...code, '```'].join('\n'));
    text = [];
    code = [];
  };
  for (const line of lines) {
    if (line.trim() === '') flush();
    else if (/^\s{2}/.test(line)) {
      if (text.length > 0) flush();
      code.push(line.replace(/^ {2}/, ''));
    } else {
      if (code.length > 0) flush();
      text.push(line.trim());
    }
  }
  flush();
  return blocks.filter((block) => block.trim() !== '').join('\n\n');
}

/** Comment lines as one table cell: indented lines start a line of their own. */
function cell(lines: string[]): string {
  return lines
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const text = escapeHtml(line.trim()).replace(/\|/g, '\\|');
      return i > 0 && /^\s{2}/.test(line) ? `<br>${text}` : text;
    })
    .join(' ');
}

function formatDefault(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  if (json.length > 60) return '_see values.yaml_';
  return `\`${json.replace(/\|/g, '\\|')}\``;
}

interface Row {
  key: string;
  value: unknown;
  comment: string[];
}

/** Every value below a map, depth first; a non-empty map is a row only when it carries a comment. */
function rows(map: YAMLMap, prefix: string): Row[] {
  const out: Row[] = [];
  map.items.forEach((item, i) => {
    const pair = item as Pair<Node, Node>;
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const path = prefix ? `${prefix}.${key}` : key;
    // The comment above a map's first key is kept on the map itself.
    const comment = commentLines(
      (pair.key as Node).commentBefore ?? (i === 0 ? map.commentBefore : undefined),
    ).filter((line, index, lines) => line.trim() !== '' || (index > 0 && index < lines.length - 1));
    const trailing = commentLines((pair.value as Node | null)?.comment).filter((line) => line.trim() !== '');
    const value = pair.value;
    if (isMap(value) && value.items.length > 0) {
      if (comment.length > 0) out.push({ key: path, value: undefined, comment });
      out.push(...rows(value, path));
    } else {
      const plain = isMap(value) || isSeq(value) || isScalar(value) ? value.toJSON() : null;
      out.push({ key: path, value: plain, comment: [...comment, ...trailing] });
    }
  });
  return out;
}

function valuesReference(): string {
  const doc = parseDocument(read('values.yaml'));
  const top = doc.contents;
  if (!isMap(top)) throw new Error('values.yaml is no map');
  const { head, first } = headComments(doc);
  const sections: string[] = [prose(head)];
  top.items.forEach((item, i) => {
    const pair = item as Pair<Node, Node>;
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const comment = i === 0 ? first : commentLines((pair.key as Node).commentBefore);
    const lines = [`### \`${key}\``, ''];
    if (comment.some((line) => line.trim() !== '')) lines.push(prose(comment), '');
    const value = pair.value;
    if (isMap(value) && value.items.length > 0) {
      const body = rows(value, key).map((row) => [
        `\`${row.key}\``,
        row.value === undefined ? '' : formatDefault(row.value),
        cell(row.comment),
      ]);
      lines.push(table(['Key', 'Default', 'Description'], body));
    } else {
      const plain = isMap(value) || isSeq(value) || isScalar(value) ? value.toJSON() : null;
      const json = JSON.stringify(plain);
      lines.push(
        json.length > 60
          ? `Default:\n\n\`\`\`yaml\n${stringify(plain).trimEnd()}\n\`\`\``
          : `Default: \`${json}\``,
      );
    }
    sections.push(lines.join('\n'));
  });
  return sections.join('\n\n');
}

/** The comment of one value (a dotted path) in values.yaml, as Markdown. */
function commentOf(path: string): string {
  const doc = parseDocument(read('values.yaml'));
  const [first, ...rest] = path.split('.');
  const top = doc.contents as YAMLMap;
  const pair = top.items.find((p) => isScalar(p.key) && p.key.value === first) as
    | Pair<Node, Node>
    | undefined;
  if (!pair) throw new Error(`values.yaml has no ${path}`);
  if (rest.length === 0) return prose(commentLines(pair.key.commentBefore));
  const row = rows(pair.value as YAMLMap, first ?? '').find((r) => r.key === path);
  if (!row) throw new Error(`values.yaml has no ${path}`);
  return prose(row.comment);
}

/** The README, as `pnpm chart:readme` writes it. */
export function chartReadme(): string {
  const meta = parse(read('Chart.yaml')) as {
    name: string;
    description: string;
    version: string;
    appVersion: string;
    kubeVersion: string;
  };
  const small = parseDocument(read('values-small.yaml'));
  return `# The ${meta.name} Helm chart

<!-- Generated by scripts/chart-readme.ts (pnpm chart:readme) from Chart.yaml, values.yaml and
values-small.yaml: edit those, then run it. pnpm check:helm fails while this file is out of date. -->

${escapeHtml(meta.description)}

${table(['Chart version', 'App version', 'Kubernetes'], [[meta.version, meta.appVersion, `\`${meta.kubeVersion}\``]])}

## Install

Build the images from the repository's Dockerfile (\`docker build -t pixelflow:${meta.appVersion} .\`, and
\`--target ai\` and \`--target web\` for the AI converters' and the web app's), push them to your
registry, and give the chart a Redis, a PostgreSQL and a shared secret:

\`\`\`sh
helm install pixelflow helm/pixelflow \\
  --set image.repository=registry.example.com/pixelflow \\
  --set aiConverters.image.repository=registry.example.com/pixelflow-ai \\
  --set web.image.repository=registry.example.com/pixelflow-web \\
  --set internalSecret.value=$(openssl rand -hex 32) \\
  --set redis.url=redis://:password@redis.example:6379/0 \\
  --set postgres.url=postgres://pixelflow:password@postgres.example:5432/pixelflow
\`\`\`

The default is highly available: at least two pods of every service and converter, spread over
nodes and zones, each with a PodDisruptionBudget. \`values.schema.json\` types and bounds every value:
a misspelt key, a word where a number belongs or a value out of range is refused before anything
renders.

## Try it small

${prose(headComments(small).head)}

## helm test

${commentOf('tests')}

\`\`\`sh
helm test pixelflow
\`\`\`

## NetworkPolicy

${commentOf('networkPolicy')}

\`networkPolicy.enabled=false\` renders none, for a cluster whose network is policed otherwise.
\`pnpm check:helm\` evaluates the rendered policies against the service manifest
(launcher/src/services.ts): every call it lists is allowed at both ends, and no other. The
single-node test cluster of this repository runs pods on a plain bridge network, which does not
enforce NetworkPolicy: there they are rendered and checked, not put to the test.

## KEDA

${commentOf('conversion.keda')}

\`\`\`sh
helm upgrade pixelflow helm/pixelflow --reuse-values --set conversion.keda.enabled=true
\`\`\`

## Metrics

${commentOf('metrics')}

With the Prometheus Operator (kube-prometheus-stack) and its Grafana, the ServiceMonitor and the
dashboard:

\`\`\`sh
helm upgrade pixelflow helm/pixelflow --reuse-values \\
  --set metrics.serviceMonitor.enabled=true,metrics.serviceMonitor.labels.release=kube-prometheus-stack \\
  --set metrics.dashboard.enabled=true
\`\`\`

\`pnpm check:helm\` holds the metrics port, the ServiceMonitor's selection and the NetworkPolicies'
rule for it to the rendered workloads, and scripts/dashboard.test.ts every expression of the
dashboard to the metrics and labels the processes export.

## Values

${valuesReference()}
`;
}

if (import.meta.main) {
  writeFileSync(chartReadmePath, chartReadme());
  process.stdout.write(`wrote ${chartReadmePath.pathname}\n`);
}

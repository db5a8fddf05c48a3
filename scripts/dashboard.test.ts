import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metrics } from '../packages/telemetry/src/catalogue.ts';
import { collectProcessMetrics, registry } from '../packages/telemetry/src/metrics.ts';

/**
 * The chart's Grafana dashboard (helm/pixelflow/dashboards/pixelflow.json, shipped by
 * metrics.dashboard) asks Prometheus only for what the processes export: every metric of every
 * expression is in the telemetry catalogue, one of Node's default metrics or Prometheus's own `up`,
 * and every label it matches or groups by is one that metric has (or one the Prometheus Operator
 * gives each target). A renamed metric or label fails here rather than as an empty panel.
 */

// --- a small PromQL reader --------------------------------------------------------------------------

type TokenKind = 'string' | 'range' | 'number' | 'var' | 'ident' | 'op' | '(' | ')' | '{' | '}' | ',';
interface Token {
  kind: TokenKind;
  text: string;
}

const tokenPatterns: Array<[TokenKind | 'space', RegExp]> = [
  ['space', /\s+|#[^\n]*/y],
  ['string', /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/y],
  // A range or subquery ([5m], [$__rate_interval], [1h:5m]): no names inside.
  ['range', /\[[^\]]*\]/y],
  // Durations too (offset 5m): a number with a unit.
  ['number', /0[xX][0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?:ms|[smhdwy])?/y],
  // A Grafana variable where PromQL takes a number or duration: $var, ${var}, ${var:format}.
  ['var', /\$(?:\{[^}]+\}|\w+)/y],
  ['ident', /[a-zA-Z_:][a-zA-Z0-9_:]*/y],
  ['op', /==|!=|=~|!~|>=|<=|[-+*/%^<>=]/y],
  ['(', /\(/y],
  [')', /\)/y],
  ['{', /\{/y],
  ['}', /\}/y],
  [',', /,/y],
];

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  scan: while (at < expr.length) {
    for (const [kind, pattern] of tokenPatterns) {
      pattern.lastIndex = at;
      const match = pattern.exec(expr);
      if (!match) continue;
      if (kind !== 'space') tokens.push({ kind, text: match[0] });
      at = pattern.lastIndex;
      continue scan;
    }
    throw new Error(`unexpected ${JSON.stringify(expr.slice(at, at + 10))} in ${expr}`);
  }
  return tokens;
}

const aggregations = new Set([
  ...['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values'],
  ...['bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio'],
]);
/** Clauses followed by a list of label names. */
const labelClauses = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const keywords = new Set(['bool', 'and', 'or', 'unless', 'atan2', 'offset']);
const functions = new Set([
  ...['abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min'],
  ...['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp', 'floor'],
  ...['histogram_avg', 'histogram_count', 'histogram_fraction', 'histogram_quantile', 'histogram_sum'],
  ...['holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'ln'],
  ...['log2', 'log10', 'minute', 'month', 'predict_linear', 'rate', 'resets', 'round', 'scalar', 'sgn'],
  ...['sort', 'sort_desc', 'sqrt', 'time', 'timestamp', 'vector', 'year'],
  ...['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time'],
  ...['quantile_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time'],
]);

/** A series selector: the metric's name and the labels its matchers name. */
interface Selector {
  metric: string;
  labels: string[];
}
/** A clause naming labels (by, on, …) or a function, with the metrics of the expression it reads. */
interface Scope {
  name: string;
  labels: string[];
  metrics: string[];
}
interface Reading {
  selectors: Selector[];
  /** by and without of each aggregation; on, ignoring, group_left and group_right of the expression. */
  groupings: Scope[];
  /** Each function call, with the metrics of its arguments. */
  calls: Scope[];
}

/** The metric names, label names and function calls of a PromQL expression. */
export function readPromQL(expr: string): Reading {
  const tokens = tokenize(expr);
  const closing = (open: number): number => {
    const [start, end] = tokens[open]?.kind === '{' ? ['{', '}'] : ['(', ')'];
    let depth = 0;
    for (let i = open; i < tokens.length; i++) {
      if (tokens[i]?.kind === start) depth++;
      if (tokens[i]?.kind === end && --depth === 0) return i;
    }
    throw new Error(`unbalanced ${start} in ${expr}`);
  };
  /** The label names of a list `( a, b )` opening at `open`; returns them and the closing index. */
  const labelList = (open: number): [string[], number] => {
    if (tokens[open]?.kind !== '(') return [[], open - 1];
    const close = closing(open);
    const labels = tokens.slice(open + 1, close).filter((t) => t.kind !== ',');
    const odd = labels.find((t) => t.kind !== 'ident');
    if (odd) throw new Error(`${odd.text} in a list of labels in ${expr}`);
    return [labels.map((t) => t.text), close];
  };
  const selectors: Array<Selector & { at: number }> = [];
  const aggregationScopes: Array<{ name: string; labels: string[]; from: number; to: number }> = [];
  const callScopes: Array<{ name: string; from: number; to: number }> = [];
  const binaryClauses: Array<{ name: string; labels: string[] }> = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (token.kind === '{') throw new Error(`a selector without a metric name in ${expr}`);
    if (token.kind !== 'ident') continue;
    const name = token.text;
    if (aggregations.has(name) && (next?.kind === '(' || (next && labelClauses.has(next.text)))) {
      // sum by (a) (expr), or sum (expr) by (a).
      let labels: string[] = [];
      let clause = 'by';
      let open = i + 1;
      if (next.kind === 'ident') {
        clause = next.text;
        let close: number;
        [labels, close] = labelList(i + 2);
        open = close + 1;
      }
      if (tokens[open]?.kind !== '(') throw new Error(`${name} without its argument in ${expr}`);
      const close = closing(open);
      const after = tokens[close + 1];
      if (labels.length === 0 && after && (after.text === 'by' || after.text === 'without')) {
        clause = after.text;
        [labels] = labelList(close + 2);
      }
      aggregationScopes.push({ name: `${name} ${clause}`, labels, from: open, to: close });
      if (next.kind === 'ident') i = open - 1;
      continue;
    }
    if (labelClauses.has(name)) {
      const [labels, close] = labelList(i + 1);
      // by/without after an aggregation's argument were read with it.
      if (name !== 'by' && name !== 'without') binaryClauses.push({ name, labels });
      i = close;
      continue;
    }
    if (keywords.has(name)) continue;
    if (next?.kind === '(') {
      if (!functions.has(name)) throw new Error(`${name} is no PromQL function (in ${expr})`);
      callScopes.push({ name, from: i + 1, to: closing(i + 1) });
      continue;
    }
    // A metric name, and the labels its matchers name: { label op "value", … }.
    const labels: string[] = [];
    if (next?.kind === '{') {
      const close = closing(i + 1);
      const inside = tokens.slice(i + 2, close).filter((t) => t.kind !== ',');
      for (let m = 0; m < inside.length; m += 3) {
        const [label, op, value] = [inside[m], inside[m + 1], inside[m + 2]];
        if (label?.kind !== 'ident' || op?.kind !== 'op' || value?.kind !== 'string')
          throw new Error(`a matcher of ${name} is not label op "value" in ${expr}`);
        labels.push(label.text);
      }
      selectors.push({ metric: name, labels, at: i });
      i = close;
      continue;
    }
    selectors.push({ metric: name, labels, at: i });
  }
  const within = (from: number, to: number) =>
    selectors.filter((s) => s.at > from && s.at < to).map((s) => s.metric);
  const all = selectors.map((s) => s.metric);
  return {
    selectors: selectors.map(({ metric, labels }) => ({ metric, labels })),
    groupings: [
      ...aggregationScopes.map((a) => ({ name: a.name, labels: a.labels, metrics: within(a.from, a.to) })),
      ...binaryClauses.map((c) => ({ ...c, metrics: all })),
    ],
    calls: callScopes.map((c) => ({ name: c.name, labels: [], metrics: within(c.from, c.to) })),
  };
}

// --- what the processes export ---------------------------------------------------------------------

type Kind = 'counter' | 'gauge' | 'histogram' | 'summary' | 'target';
interface Known {
  kind: Kind;
  labels: Set<string>;
}

/** Labels the Prometheus Operator gives every target's series. */
const targetLabels = ['namespace', 'pod', 'instance', 'job'];
const histogramSeries = ['_bucket', '_sum', '_count'];

/**
 * Every series name a Pixelflow process exports, with its kind and labels: the catalogue's metrics
 * (each accessor called, its name and labels read off the prom-client metric it returns), Node's
 * default metrics as the processes collect them (collectProcessMetrics), and Prometheus's `up`.
 */
async function exported(): Promise<Map<string, Known>> {
  const known = new Map<string, Known>();
  const add = (name: string, kind: Kind, labels: readonly string[]) => {
    const withTarget = new Set([...labels, ...targetLabels]);
    if (kind !== 'histogram') {
      known.set(name, { kind, labels: withTarget });
      return;
    }
    for (const suffix of histogramSeries) {
      const series = new Set(withTarget);
      if (suffix === '_bucket') series.add('le');
      known.set(`${name}${suffix}`, { kind, labels: series });
    }
  };
  /** What prom-client keeps on each metric, though its types do not say so. */
  const describe = async (metric: { get(): Promise<{ name: string; type: unknown }> }) => {
    const { name, type } = await metric.get();
    const labels = (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    return { name, kind: String(type) as Kind, labels };
  };
  for (const make of Object.values(metrics)) {
    const metric = make();
    const fields = metric as unknown as { name?: unknown };
    expect(typeof fields.name, 'a catalogue metric has a name').toBe('string');
    const { name, kind, labels } = await describe(metric);
    expect(fields.name).toBe(name);
    add(name, kind, labels);
  }
  collectProcessMetrics('dashboard-test');
  for (const { name } of await registry.getMetricsAsJSON()) {
    if (known.has(name) || known.has(`${name}_bucket`)) continue;
    const metric = registry.getSingleMetric(name);
    if (metric) {
      const { kind, labels } = await describe(metric);
      add(name, kind, labels);
    }
  }
  add('up', 'target', []);
  return known;
}

// --- the dashboard ----------------------------------------------------------------------------------

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  definition?: string;
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(
  readFileSync(new URL('../helm/pixelflow/dashboards/pixelflow.json', import.meta.url), 'utf8'),
) as Dashboard;
/** Every panel, those inside collapsed rows too. */
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queried = panels.filter((p) => p.type !== 'row' && p.type !== 'text');
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable, as the dashboard writes it.
const datasource = '${datasource}';

/** What is wrong with one expression against what the processes export. */
function problemsOf(expr: string, known: Map<string, Known>): string[] {
  const found: string[] = [];
  let reading: Reading;
  try {
    reading = readPromQL(expr);
  } catch (error) {
    return [(error as Error).message];
  }
  if (reading.selectors.length === 0) found.push('reads no metric');
  for (const { metric, labels } of reading.selectors) {
    const entry = known.get(metric);
    if (!entry) {
      found.push(`${metric} is no metric the processes export`);
      continue;
    }
    for (const label of labels) {
      if (!entry.labels.has(label)) found.push(`${metric} has no label ${label}`);
    }
  }
  for (const { name, labels, metrics: scope } of reading.groupings) {
    for (const metric of scope) {
      for (const label of labels) {
        const entry = known.get(metric);
        if (entry && !entry.labels.has(label))
          found.push(`${name} (${label}): ${metric} has no label ${label}`);
      }
    }
  }
  for (const { name, metrics: scope } of reading.calls) {
    for (const metric of scope) {
      const entry = known.get(metric);
      if (!entry) continue;
      const cumulative = entry.kind === 'counter' || histogramSeries.some((s) => metric.endsWith(s));
      if (['rate', 'irate', 'increase'].includes(name) && !cumulative)
        found.push(`${name}(${metric}): a ${entry.kind} never only rises`);
      if (name === 'histogram_quantile' && !metric.endsWith('_bucket'))
        found.push(`histogram_quantile over ${metric}, not a histogram's buckets`);
    }
  }
  return found;
}

describe('readPromQL', () => {
  it('reads metric names, matchers, groupings and calls, not functions, keywords or labels', () => {
    const reading = readPromQL(
      'histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{service="gateway", status=~"5.."}[$__rate_interval])))\n' +
        '/ on (route) group_left max(b{x!="1"}) by (route) > bool 0 or vector(0)',
    );
    expect(reading.selectors).toEqual([
      { metric: 'a_bucket', labels: ['service', 'status'] },
      { metric: 'b', labels: ['x'] },
    ]);
    expect(reading.groupings).toEqual([
      { name: 'sum by', labels: ['le', 'route'], metrics: ['a_bucket'] },
      { name: 'max by', labels: ['route'], metrics: ['b'] },
      { name: 'on', labels: ['route'], metrics: ['a_bucket', 'b'] },
      { name: 'group_left', labels: [], metrics: ['a_bucket', 'b'] },
    ]);
    expect(reading.calls.map((c) => [c.name, c.metrics])).toEqual([
      ['histogram_quantile', ['a_bucket']],
      ['rate', ['a_bucket']],
      ['vector', []],
    ]);
  });

  it('refuses what it cannot read', () => {
    expect(() => readPromQL('rat(a[5m])')).toThrow('rat is no PromQL function');
    expect(() => readPromQL('sum(rate(a[5m])')).toThrow('unbalanced');
    expect(() => readPromQL('{__name__="a"}')).toThrow('without a metric name');
    expect(() => readPromQL('a{b}')).toThrow('not label op "value"');
  });
});

describe('the Grafana dashboard (helm/pixelflow/dashboards/pixelflow.json)', () => {
  it('picks a Prometheus data source, then a namespace and services by label values', () => {
    expect(dashboard.uid).toBeTruthy();
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['namespace', 'service']) {
      const variable = variables.get(name);
      expect(variable, name).toMatchObject({ type: 'query', datasource: { uid: datasource } });
      expect(variable?.definition, name).toMatch(new RegExp(`^label_values\\(.+, ${name}\\)$`));
    }
  });

  it('gives every panel a title, an id of its own and the chosen data source', () => {
    const ids = panels.map((p) => p.id);
    expect(ids.every((id) => typeof id === 'number')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) expect(panel.title?.trim(), `panel ${panel.id}`).toBeTruthy();
    for (const panel of queried) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: datasource });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr?.trim(), `${panel.title} ${target.refId}`).toBeTruthy();
        if (target.datasource) expect(target.datasource.uid, panel.title).toBe(datasource);
      }
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
  });

  it('asks only for metrics the processes export, by labels they have', async () => {
    const known = await exported();
    const problems: string[] = [];
    for (const panel of queried) {
      for (const target of panel.targets ?? []) {
        for (const problem of problemsOf(target.expr ?? '', known))
          problems.push(`${panel.title} (${target.refId}): ${problem}`);
      }
    }
    // The variables' label_values(selector, label) too.
    for (const variable of dashboard.templating.list) {
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(variable.type === 'query' ? (query ?? '') : '');
      if (!match) continue;
      const [, selector = '', label = ''] = match;
      const found = problemsOf(selector, known);
      for (const { metric } of readPromQL(selector).selectors) {
        if (known.get(metric) && !known.get(metric)?.labels.has(label))
          found.push(`${metric} has no label ${label}`);
      }
      problems.push(...found.map((problem) => `variable ${variable.name}: ${problem}`));
    }
    expect(problems).toEqual([]);
  });
});

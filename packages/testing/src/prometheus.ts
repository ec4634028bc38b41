// A strict reader of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for the tests that scrape
// /metrics: every line must be a comment, a HELP or TYPE line, or a sample of a declared family,
// with well-formed names, escaped label values and numeric values; a histogram's buckets must be
// cumulative and end with +Inf equal to its _count. (The npm parser parse-prometheus-text-format
// merges a histogram's labelled series into one and drops their labels, _sum and _count.)

export interface Sample {
  /** the sample's own name (`x_bucket`, `x_sum`, `x_count` for a histogram `x`) */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`bad value "${text}" in: ${line}`);
  return Number(text);
}

/** `{a="x",b="y"}` from `at` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, at: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let index = at + 1;
  while (line[index] !== '}') {
    const equals = line.indexOf('=', index);
    const name = line.slice(index, equals).trim();
    if (equals < 0 || !LABEL_NAME.test(name)) throw new Error(`bad label name in: ${line}`);
    if (line[equals + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let value = '';
    index = equals + 2;
    for (;;) {
      const char = line[index];
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (char === '"') break;
      if (char === '\\') {
        const escaped = line[index + 1];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`bad escape in: ${line}`);
        index += 2;
      } else {
        value += char;
        index += 1;
      }
    }
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name] = value;
    index += 1;
    if (line[index] === ',') index += 1;
    else if (line[index] !== '}') throw new Error(`expected , or } in: ${line}`);
  }
  return [labels, index + 1];
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${sample.name} without le`);
      entry.buckets.push([parseValue(le, `le="${le}"`), sample.value]);
    } else if (sample.name.endsWith('_count')) entry.count = sample.value;
  }
  for (const [key, { buckets, count }] of series) {
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]![1] < sorted[i - 1]![1]) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    const last = sorted.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY || last[1] !== count)
      throw new Error(`${family.name}${key}: no +Inf bucket equal to _count`);
  }
}

/** The metric families of an exposition, by name; throws naming the first line that breaks the format. */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const familyOf = (name: string) => {
    let family = families.get(name);
    if (!family) {
      family = { name, help: '', type: 'untyped', samples: [] };
      families.set(name, family);
    }
    return family;
  };
  if (text.length > 0 && !text.endsWith('\n'))
    throw new Error('the exposition does not end with a line feed');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) continue; // a plain comment
      const [, keyword, name, rest] = match as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      const family = familyOf(name);
      if (keyword === 'HELP') family.help = rest;
      else {
        if (!TYPES.has(rest)) throw new Error(`unknown type in: ${line}`);
        if (family.samples.length > 0) throw new Error(`TYPE after samples in: ${line}`);
        family.type = rest as MetricFamily['type'];
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    const name = line.slice(0, nameEnd);
    if (nameEnd < 0 || !METRIC_NAME.test(name)) throw new Error(`bad sample name in: ${line}`);
    let labels: Record<string, string> = {};
    let index = nameEnd;
    if (line[index] === '{') [labels, index] = parseLabels(line, index);
    const parts = line.slice(index).trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])))
      throw new Error(`bad value or timestamp in: ${line}`);
    const value = parseValue(parts[0]!, line);
    const base =
      [...families.values()].find((family) =>
        (SUFFIXES[family.type] ?? []).some((suffix) => name === family.name + suffix),
      )?.name ?? name;
    familyOf(base).samples.push({ name, labels, value });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The samples named `name` (a family's, or `x_bucket`/`x_count`/`x_sum`) whose labels include `labels`. */
export function samplesOf(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return [...families.values()]
    .flatMap((family) => family.samples)
    .filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
}

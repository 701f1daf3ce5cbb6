/**
 * A strict parser of Prometheus's text exposition format (version 0.0.4), for
 * tests that scrape `/metrics`: it checks what a Prometheus server would refuse
 * (and a little more), so a scrape that parses here is one Prometheus takes.
 *
 * - `# HELP name text` (escapes `\\` and `\n`) and `# TYPE name type`, each at
 *   most once per family, the TYPE before the family's first sample;
 * - sample lines `name{label="value",…} value [timestamp]` with valid metric and
 *   label names, label values escaped (`\\`, `\"`, `\n`), no label twice, no
 *   sample twice, a family's samples together;
 * - histograms: `_bucket` samples with `le`, in increasing `le` order ending at
 *   `+Inf`, counts not decreasing, the `+Inf` bucket equal to `_count`, and a
 *   `_sum` for each label set; counters not negative.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, … for a histogram `x`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string | undefined;
  type: MetricType;
  samples: Sample[];
}

export interface HistogramSeries {
  labels: Record<string, string>;
  /** `le` → cumulative count, in increasing `le` order (the last is `Infinity`). */
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

/** Thrown with the 1-based line number of the first problem. */
export class PromTextError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'PromTextError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    throw new PromTextError(line, `bad escape \\${c} in HELP`);
  });
}

/** A value as Go's `strconv.ParseFloat` reads it (what Prometheus uses): `NaN`, `±Inf` in any case, decimals. */
function parseValue(text: string, line: number): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2]?.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new PromTextError(line, `bad value ${JSON.stringify(text)}`);
  return Number(text);
}

/** Reads `{a="x",b="y"}` from `text` at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (!nameMatch) throw new PromTextError(line, `bad label name at column ${i + 1}`);
    const name = nameMatch[0];
    i += name.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=') throw new PromTextError(line, `expected = after label ${name}`);
    i++;
    while (text[i] === ' ') i++;
    if (text[i] !== '"') throw new PromTextError(line, `label ${name}: value must be quoted`);
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new PromTextError(line, `label ${name}: unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new PromTextError(line, `label ${name}: bad escape \\${next ?? ''}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++;
    if (name in labels) throw new PromTextError(line, `label ${name} given twice`);
    if (name.startsWith('__')) throw new PromTextError(line, `label ${name} is reserved`);
    labels[name] = value;
    while (text[i] === ' ') i++;
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '}') return { labels, end: i + 1 };
    throw new PromTextError(line, `expected , or } after label ${name}`);
  }
}

/** A label set as a stable key (sorted names). */
export function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/** The family a sample name belongs to, given the families declared so far. */
function familyOf(name: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const own = families.get(name);
  if (own) return own;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base && (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  return undefined;
}

/** Parses a whole scrape, or throws `PromTextError` at the first problem. */
export function parsePromText(text: string): Map<string, MetricFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new PromTextError(text.split('\n').length, 'the text must end with a newline');
  const families = new Map<string, MetricFamily>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  let current: MetricFamily | undefined;
  const closed = new Set<string>();
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(raw);
      if (!m) return; // any other comment
      const [, keyword, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new PromTextError(line, `bad metric name ${JSON.stringify(name)}`);
      if (keyword === 'HELP') {
        if (helps.has(name)) throw new PromTextError(line, `second HELP for ${name}`);
        if (seen.has(name)) throw new PromTextError(line, `HELP for ${name} after its samples`);
        helps.set(name, unescapeHelp(rest, line));
        const family = families.get(name);
        if (family) family.help = helps.get(name);
        return;
      }
      if (!TYPES.includes(rest as MetricType)) throw new PromTextError(line, `bad type ${JSON.stringify(rest)} for ${name}`);
      if (families.has(name)) throw new PromTextError(line, `second TYPE for ${name}`);
      if (seen.has(name)) throw new PromTextError(line, `TYPE for ${name} after its samples`);
      const family: MetricFamily = { name, help: helps.get(name), type: rest as MetricType, samples: [] };
      families.set(name, family);
      if (current) closed.add(current.name);
      current = family;
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) throw new PromTextError(line, 'a sample must start with a metric name');
    const name = nameMatch[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (raw[i] === '{') ({ labels, end: i } = parseLabels(raw, i, line));
    const tail = raw.slice(i);
    const parts = tail.trim().split(/[ \t]+/);
    if (!/^[ \t]/.test(tail) || parts.length < 1 || parts.length > 2 || parts[0] === '') throw new PromTextError(line, `expected " value [timestamp]" after ${name}`);
    const value = parseValue(parts[0] ?? '', line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new PromTextError(line, `bad timestamp ${JSON.stringify(parts[1])}`);
    let family = familyOf(name, families);
    if (!family) {
      family = { name, help: helps.get(name), type: 'untyped', samples: [] };
      families.set(name, family);
    }
    if (family !== current) {
      if (closed.has(family.name) || (current && family.samples.length > 0)) throw new PromTextError(line, `samples of ${family.name} are not together`);
      if (current) closed.add(current.name);
      current = family;
    }
    const key = `${name}${labelKey(labels)}`;
    if (seen.has(key)) throw new PromTextError(line, `sample ${name} ${labelKey(labels)} given twice`);
    seen.add(key);
    seen.add(name);
    if (family.type === 'counter' && !(value >= 0)) throw new PromTextError(line, `counter ${name} is ${value}`);
    family.samples.push({ name, labels, value });
  });
  for (const family of families.values()) if (family.type === 'histogram') histogramSeries(family);
  return families;
}

/** The series of a histogram family, checked for consistency. */
export function histogramSeries(family: MetricFamily): HistogramSeries[] {
  const fail = (message: string) => {
    throw new PromTextError(0, `histogram ${family.name}: ${message}`);
  };
  const series = new Map<string, HistogramSeries & { hasSum: boolean; hasCount: boolean }>();
  const seriesOf = (labels: Record<string, string>) => {
    const key = labelKey(labels);
    let entry = series.get(key);
    if (!entry) {
      entry = { labels, buckets: [], sum: NaN, count: NaN, hasSum: false, hasCount: false };
      series.set(key, entry);
    }
    return entry;
  };
  for (const sample of family.samples) {
    if (sample.name === `${family.name}_bucket`) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) fail('a _bucket sample has no le');
      const bound = parseValue(le ?? '', 0);
      if (Number.isNaN(bound)) fail(`le ${le} is not a number`);
      seriesOf(rest).buckets.push({ le: bound, count: sample.value });
    } else if (sample.name === `${family.name}_sum`) {
      const entry = seriesOf(sample.labels);
      entry.sum = sample.value;
      entry.hasSum = true;
    } else if (sample.name === `${family.name}_count`) {
      const entry = seriesOf(sample.labels);
      entry.count = sample.value;
      entry.hasCount = true;
    } else {
      fail(`unexpected sample ${sample.name}`);
    }
  }
  return [...series.values()].map(({ hasSum, hasCount, ...entry }) => {
    const what = labelKey(entry.labels);
    if (!hasSum || !hasCount) fail(`${what} lacks _sum or _count`);
    if (entry.buckets.length === 0) fail(`${what} has no buckets`);
    for (let i = 1; i < entry.buckets.length; i++) {
      const [prev, next] = [entry.buckets[i - 1], entry.buckets[i]];
      if (!prev || !next) continue;
      if (!(next.le > prev.le)) fail(`${what}: le ${next.le} after ${prev.le}`);
      if (next.count < prev.count) fail(`${what}: bucket le=${next.le} (${next.count}) below le=${prev.le} (${prev.count})`);
    }
    const last = entry.buckets.at(-1);
    if (last?.le !== Infinity) fail(`${what}: the last bucket is not le="+Inf"`);
    if (last?.count !== entry.count) fail(`${what}: the +Inf bucket (${last?.count}) differs from _count (${entry.count})`);
    return entry;
  });
}

/** The value of one sample (labels matched exactly), or undefined. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(name, families);
  const key = labelKey(labels);
  return family?.samples.find((s) => s.name === name && labelKey(s.labels) === key)?.value;
}

/** One series of a histogram (labels matched exactly), or undefined. */
export function histogramOf(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): HistogramSeries | undefined {
  const family = families.get(name);
  if (!family || family.type !== 'histogram') return undefined;
  const key = labelKey(labels);
  return histogramSeries(family).find((s) => labelKey(s.labels) === key);
}

/**
 * Parses benchmark results: `{ "name": number }`, the `[{name, value, unit}]`
 * array of github-action-benchmark's custom format, or Bencher's metric format
 * `{ "bench": { "measure": { "value": n } } }` (named `bench/measure`).
 */
import { gateReason } from '../reasons.ts';
import type { BenchmarkReport, BenchmarkValue, ParseResult } from '../report.ts';
import { inputText, type ReportInput } from './report-input.ts';

const FORMAT = 'benchmark JSON';
const MAX_BENCHMARKS = 10_000;

/** Benchmark values by name; names are kept in a Map (they are attacker-chosen). */
export function parseBenchmark(input: ReportInput): ParseResult<BenchmarkReport> {
  let json: unknown;
  try {
    json = JSON.parse(inputText(input));
  } catch (error) {
    return invalid((error as Error).message);
  }
  const values = new Map<string, BenchmarkValue>();
  const add = (name: string, value: unknown, unit: unknown): string | null => {
    if (name.length === 0 || name.length > 256) return `a benchmark name must have 1 to 256 characters`;
    if (typeof value !== 'number' || !Number.isFinite(value)) return `'${name.slice(0, 80)}' has no finite numeric value`;
    if (values.size >= MAX_BENCHMARKS) return `more than ${MAX_BENCHMARKS} benchmarks`;
    values.set(name, { value, unit: typeof unit === 'string' ? unit : null });
    return null;
  };
  let problem: string | null = null;
  if (Array.isArray(json)) {
    for (const [index, item] of json.entries()) {
      if (typeof item !== 'object' || item === null || typeof (item as { name?: unknown }).name !== 'string') {
        problem = `item ${index} is not {name, value, unit}`;
      } else {
        const { name, value, unit } = item as { name: string; value?: unknown; unit?: unknown };
        problem = add(name, value, unit);
      }
      if (problem !== null) break;
    }
  } else if (typeof json === 'object' && json !== null) {
    for (const [name, value] of Object.entries(json)) {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [measure, metric] of Object.entries(value)) {
          const inner = typeof metric === 'object' && metric !== null ? (metric as { value?: unknown }).value : undefined;
          problem = add(`${name}/${measure}`, inner, measure);
          if (problem !== null) break;
        }
      } else problem = add(name, value, null);
      if (problem !== null) break;
    }
  } else problem = 'expected {"name": number} or [{name, value, unit}]';
  if (problem !== null) return invalid(problem);
  return { ok: true, report: { kind: 'benchmark', values } };
}

function invalid(error: string): ParseResult<BenchmarkReport> {
  return { ok: false, reason: gateReason('report.invalid', { format: FORMAT, error: error.slice(0, 300) }) };
}

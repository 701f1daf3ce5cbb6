/** Parses istanbul's `coverage-summary.json` (the `json-summary` reporter of istanbul, nyc, c8, jest, vitest). */
import { z } from 'zod';
import { gateReason } from '../reasons.ts';
import type { CoverageReport, ParseResult } from '../report.ts';
import { inputText, type ReportInput } from './report-input.ts';

const countsSchema = z.object({
  total: z.number().int().min(0),
  covered: z.number().int().min(0),
  // `pct` is a number or the string "Unknown" (0 of 0); it is never used: coverage is recomputed from the counts.
  pct: z.union([z.number(), z.string()]).optional(),
});
const metricsSchema = z.object({ lines: countsSchema, branches: countsSchema.optional() });

/**
 * The line (and branch) totals of an istanbul summary. Per-file entries are
 * summed only when `total` is missing; file keys are never used as object keys
 * of ours (they are attacker-chosen), and a summary has no per-line hits.
 */
export function parseIstanbulSummary(input: ReportInput): ParseResult<CoverageReport> {
  let json: unknown;
  try {
    json = JSON.parse(inputText(input));
  } catch (error) {
    return { ok: false, reason: gateReason('report.invalid', { format: 'istanbul coverage-summary.json', error: (error as Error).message }) };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: gateReason('report.invalid', { format: 'istanbul coverage-summary.json', error: 'expected an object of metrics by file' }) };
  }
  const entries = new Map(Object.entries(json));
  const total = entries.get('total');
  const sources = total === undefined ? [...entries.values()] : [total];
  let lines = { covered: 0, valid: 0 };
  let branches = { covered: 0, valid: 0 };
  for (const source of sources) {
    const parsed = metricsSchema.safeParse(source);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.')}: ${issue.message}` : 'unexpected shape';
      return { ok: false, reason: gateReason('report.invalid', { format: 'istanbul coverage-summary.json', error: where }) };
    }
    const { lines: l, branches: b } = parsed.data;
    if (l.covered > l.total) {
      return { ok: false, reason: gateReason('report.invalid', { format: 'istanbul coverage-summary.json', error: `lines.covered ${l.covered} exceeds lines.total ${l.total}` }) };
    }
    lines = { covered: lines.covered + l.covered, valid: lines.valid + l.total };
    if (b !== undefined) branches = { covered: branches.covered + Math.min(b.covered, b.total), valid: branches.valid + b.total };
  }
  return { ok: true, report: { kind: 'coverage', format: 'istanbul', lines, branches, files: null } };
}

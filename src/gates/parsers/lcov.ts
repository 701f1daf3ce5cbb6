/**
 * Parses LCOV tracefiles (`SF/DA/LF/LH/BRDA…`, LCOV 1.x and 2.x), line by line.
 * A file that appears in several records is merged (highest hits per line, per
 * branch); LF/LH are recomputed from the DA lines and used only for a record without any.
 */
import { gateReason } from '../reasons.ts';
import type { CoverageReport, LineHits, ParseResult } from '../report.ts';
import { repoPathOrRaw } from '../repo-path.ts';
import { lineTotals, mergeLineHit } from './line-hits.ts';
import { inputLines, type ReportInput } from './report-input.ts';

const FORMAT = 'LCOV';

/** Per-line hits and totals of an LCOV tracefile; `SF` paths are made repository-relative where possible. */
export function parseLcov(input: ReportInput): ParseResult<CoverageReport> {
  const files = new Map<string, LineHits>();
  const branches = new Map<string, number>();
  const summaryOnly = { covered: 0, valid: 0 };
  let current: string | null = null;
  let recordHasLines = false;
  let recordSummary = { found: 0, hit: 0 };
  let number = 0;
  let sawRecord = false;
  let sawContent = false;
  const invalid = (error: string): ParseResult<CoverageReport> => ({ ok: false, reason: gateReason('report.invalid', { format: FORMAT, error: `line ${number}: ${error}` }) });
  for (const raw of inputLines(input)) {
    number += 1;
    const line = raw.trim();
    if (line.length === 0) continue;
    sawContent = true;
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (tag === 'SF') {
      current = repoPathOrRaw(value.trim());
      sawRecord = true;
      recordHasLines = false;
      recordSummary = { found: 0, hit: 0 };
    } else if (tag === 'end_of_record') {
      if (current !== null && !recordHasLines) {
        summaryOnly.valid += recordSummary.found;
        summaryOnly.covered += Math.min(recordSummary.hit, recordSummary.found);
      }
      current = null;
    } else if (tag === 'DA' || tag === 'BRDA' || tag === 'LF' || tag === 'LH') {
      if (current === null) return invalid(`${tag} outside an SF record`);
      const fields = value.split(',');
      if (tag === 'DA') {
        const lineNumber = Number(fields[0]);
        const hits = Number(fields[1]);
        if (!Number.isInteger(lineNumber) || !Number.isFinite(hits) || hits < 0) return invalid(`DA:${value} is not DA:<line>,<count>`);
        recordHasLines = true;
        // Line 0 is written by some tools and means nothing.
        if (lineNumber > 0) mergeLineHit(files, current, lineNumber, hits);
      } else if (tag === 'BRDA') {
        if (fields.length < 4) return invalid(`BRDA:${value} is not BRDA:<line>,<block>,<branch>,<taken>`);
        // The branch id may be a string (LCOV 2: BRDA:10,0,!enable,0); only `taken` is numeric, '-' meaning never run.
        const taken = fields[fields.length - 1] === '-' ? 0 : Number(fields[fields.length - 1]);
        if (!Number.isFinite(taken) || taken < 0) return invalid(`BRDA:${value} has taken '${fields[fields.length - 1]}'`);
        const key = `${current}\0${fields.slice(0, -1).join(',')}`;
        branches.set(key, Math.max(branches.get(key) ?? 0, taken));
      } else {
        const count = Number(fields[0]);
        if (!Number.isInteger(count) || count < 0) return invalid(`${tag}:${value} is not a count`);
        if (tag === 'LF') recordSummary.found = count;
        else recordSummary.hit = count;
      }
    }
    // TN, VER, FN, FNL, FNA, FNDA, FNF, FNH, BRF, BRH, MCDC and unknown records do not count lines.
  }
  if (!sawRecord && sawContent) return invalid('no SF record: this is not an LCOV tracefile');
  const totals = lineTotals(files);
  let branchCovered = 0;
  for (const taken of branches.values()) if (taken > 0) branchCovered += 1;
  return {
    ok: true,
    report: {
      kind: 'coverage',
      format: 'lcov',
      lines: { covered: totals.covered + summaryOnly.covered, valid: totals.valid + summaryOnly.valid },
      branches: branches.size > 0 ? { covered: branchCovered, valid: branches.size } : null,
      files,
    },
  };
}

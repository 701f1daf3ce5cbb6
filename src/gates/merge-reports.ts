/**
 * Combines the reports of one gate found in several files of an artifact:
 * JUnit and SARIF counts are added, benchmark values joined, per-line coverage
 * merged by the highest hits of each line (never an average of percentages).
 */
import { gateReason, type GateReason } from './reasons.ts';
import { lineTotals, mergeLineHit } from './parsers/line-hits.ts';
import {
  MAX_KEPT_TESTS,
  type BenchmarkReport,
  type BenchmarkValue,
  type CoverageReport,
  type JunitReport,
  type LineHits,
  type Report,
  type SarifReport,
} from './report.ts';

/** A parsed file of an artifact. */
export interface NamedReport {
  readonly name: string;
  readonly report: Report;
}

/** The combined report, or why the files cannot be combined. */
export type MergedReport = { readonly ok: true; readonly report: Report } | { readonly ok: false; readonly reason: GateReason };

/** Per-line formats, the preferred first, when an artifact holds the same coverage in several formats. */
const LINE_FORMATS = ['lcov', 'cobertura'] as const;

/**
 * One report from the reports of several files of one gate type. Coverage
 * written in several formats (c8 and jest write a summary, LCOV and Cobertura
 * side by side) is taken from one format only, per-line first, so the same
 * lines are never counted twice; several summaries cannot be added up.
 */
export function mergeReports(reports: readonly NamedReport[]): MergedReport {
  const first = reports[0];
  if (first === undefined) throw new Error('mergeReports needs at least one report');
  if (reports.length === 1) return { ok: true, report: first.report };
  switch (first.report.kind) {
    case 'coverage':
      return mergeCoverage(reports.flatMap((r) => (r.report.kind === 'coverage' ? [{ name: r.name, report: r.report }] : [])));
    case 'junit':
      return { ok: true, report: mergeJunit(reports.flatMap((r) => (r.report.kind === 'junit' ? [r.report] : []))) };
    case 'sarif':
      return { ok: true, report: mergeSarif(reports.flatMap((r) => (r.report.kind === 'sarif' ? [r.report] : []))) };
    case 'benchmark':
      return { ok: true, report: mergeBenchmarks(reports.flatMap((r) => (r.report.kind === 'benchmark' ? [r.report] : []))) };
    case 'duration':
      return { ok: true, report: first.report };
  }
}

function mergeCoverage(reports: ReadonlyArray<{ name: string; report: CoverageReport }>): MergedReport {
  for (const format of LINE_FORMATS) {
    const chosen = reports.filter((r) => r.report.format === format && r.report.files !== null);
    if (chosen.length === 0) continue;
    const only = chosen[0];
    if (chosen.length === 1 && only !== undefined) return { ok: true, report: only.report };
    const files = new Map<string, LineHits>();
    for (const { report } of chosen) {
      for (const [path, lines] of report.files ?? []) for (const [line, hits] of lines) mergeLineHit(files, path, line, hits);
    }
    // Branch counts cannot be merged line by line from the totals; line coverage is what the gates read.
    return { ok: true, report: { kind: 'coverage', format, lines: lineTotals(files), branches: null, files } };
  }
  const summary = reports[0];
  if (reports.length === 1 && summary !== undefined) return { ok: true, report: summary.report };
  return { ok: false, reason: gateReason('artifact.several-summaries', { files: reports.map((r) => r.name) }) };
}

function mergeJunit(reports: readonly JunitReport[]): JunitReport {
  const sum = (pick: (r: JunitReport) => number) => reports.reduce((total, r) => total + pick(r), 0);
  return {
    kind: 'junit',
    tests: sum((r) => r.tests),
    passed: sum((r) => r.passed),
    failures: sum((r) => r.failures),
    errors: sum((r) => r.errors),
    skipped: sum((r) => r.skipped),
    flaky: sum((r) => r.flaky),
    seconds: sum((r) => r.seconds),
    failed: reports.flatMap((r) => r.failed).slice(0, MAX_KEPT_TESTS),
    flakyTests: reports.flatMap((r) => r.flakyTests).slice(0, MAX_KEPT_TESTS),
  };
}

function mergeSarif(reports: readonly SarifReport[]): SarifReport {
  const levels = { error: 0, warning: 0, note: 0, none: 0 };
  const severities = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const report of reports) {
    for (const key of Object.keys(levels) as Array<keyof typeof levels>) levels[key] += report.levels[key];
    for (const key of Object.keys(severities) as Array<keyof typeof severities>) severities[key] += report.severities[key];
  }
  return {
    kind: 'sarif',
    runs: reports.reduce((total, r) => total + r.runs, 0),
    levels,
    severities,
    suppressed: reports.reduce((total, r) => total + r.suppressed, 0),
    findings: reports.flatMap((r) => r.findings),
  };
}

function mergeBenchmarks(reports: readonly BenchmarkReport[]): BenchmarkReport {
  const values = new Map<string, BenchmarkValue>();
  for (const report of reports) for (const [name, value] of report.values) if (!values.has(name)) values.set(name, value);
  return { kind: 'benchmark', values };
}

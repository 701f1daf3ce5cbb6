/**
 * What a gate's evaluation keeps for later (SPEC §5a), as pure functions: the
 * values a baseline is made of (coverage %, benchmark values, SARIF
 * fingerprints), the failed tests a re-run compares with, and the baseline a
 * gate is evaluated against, built from stored rows.
 */
import type { GateBaseline } from './gate-spec.ts';
import type { JunitReport, Report } from './report.ts';

/** The JSON a gate result keeps in `data`. */
export interface GateData {
  /** Line coverage in percent. */
  coveragePercent?: number;
  /** Benchmark values by name. */
  benchmarks?: Record<string, number>;
  /** SARIF fingerprints of the unsuppressed findings. */
  fingerprints?: string[];
  /** Ids (`classname › name`) of the tests that failed, for flaky detection across attempts. */
  failedTests?: string[];
}

/** Fingerprints kept per SARIF baseline (a log with more is cut, and the rest count as new). */
export const MAX_BASELINE_FINGERPRINTS = 20_000;

/** A test's id across attempts. */
export function testId(test: { classname: string; name: string }): string {
  return test.classname.length > 0 ? `${test.classname} › ${test.name}` : test.name;
}

/** What a parsed report leaves in a gate result's `data`. */
export function gateData(report: Report): GateData {
  switch (report.kind) {
    case 'coverage':
      return report.lines.valid > 0 ? { coveragePercent: Math.round((report.lines.covered / report.lines.valid) * 10_000) / 100 } : {};
    case 'benchmark':
      return { benchmarks: Object.fromEntries([...report.values].map(([name, { value }]) => [name, value])) };
    case 'sarif':
      return { fingerprints: [...new Set(report.findings.map((finding) => finding.fingerprint))].slice(0, MAX_BASELINE_FINGERPRINTS) };
    case 'junit':
      return { failedTests: report.failed.map(testId) };
    case 'duration':
      return {};
  }
}

/**
 * A JUnit report of a re-run attempt, with the tests that failed in the
 * previous attempt and did not fail now marked flaky (SPEC §5a: a test that
 * failed and then passed across workflow-run attempts is flaky, counted as passed).
 */
export function withFlakyFromPreviousAttempt(report: JunitReport, previouslyFailed: readonly string[]): JunitReport {
  const failingNow = new Set(report.failed.map(testId));
  const known = new Set(report.flakyTests.map(testId));
  const recovered = [...new Set(previouslyFailed)].filter((id) => !failingNow.has(id) && !known.has(id));
  if (recovered.length === 0) return report;
  return {
    ...report,
    flaky: report.flaky + recovered.length,
    flakyTests: [...report.flakyTests, ...recovered.map((id) => ({ name: id, classname: '', file: null }))],
  };
}

/** A stored baseline row, as far as {@link baselineFrom} needs it (newest first). */
export interface StoredBaseline {
  readonly sha: string;
  readonly data: unknown;
}

/**
 * The baseline a gate compares with, from the stored rows newest first: the
 * newest one's coverage and fingerprints, and each benchmark's values over the
 * last five (oldest first). Null when there is none.
 */
export function baselineFrom(rows: readonly StoredBaseline[]): GateBaseline | null {
  const newest = rows[0];
  if (newest === undefined) return null;
  const data = asGateData(newest.data);
  const benchmarks = new Map<string, number[]>();
  for (const row of [...rows.slice(0, 5)].reverse()) {
    for (const [name, value] of Object.entries(asGateData(row.data).benchmarks ?? {})) {
      const values = benchmarks.get(name) ?? [];
      values.push(value);
      benchmarks.set(name, values);
    }
  }
  return {
    sha: newest.sha,
    ...(data.coveragePercent !== undefined ? { coveragePercent: data.coveragePercent } : {}),
    ...(data.fingerprints !== undefined ? { fingerprints: new Set(data.fingerprints) } : {}),
    ...(benchmarks.size > 0 ? { benchmarks } : {}),
  };
}

/** Reads stored `data` back, keeping only well-typed fields (rows are data, never trusted shapes). */
export function asGateData(value: unknown): GateData {
  if (value === null || typeof value !== 'object') return {};
  const raw = value as Record<string, unknown>;
  const data: GateData = {};
  if (typeof raw.coveragePercent === 'number' && Number.isFinite(raw.coveragePercent)) data.coveragePercent = raw.coveragePercent;
  if (raw.benchmarks !== null && typeof raw.benchmarks === 'object' && !Array.isArray(raw.benchmarks)) {
    const entries = Object.entries(raw.benchmarks as Record<string, unknown>).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]));
    data.benchmarks = Object.fromEntries(entries);
  }
  if (Array.isArray(raw.fingerprints)) data.fingerprints = raw.fingerprints.filter((f): f is string => typeof f === 'string');
  if (Array.isArray(raw.failedTests)) data.failedTests = raw.failedTests.filter((f): f is string => typeof f === 'string');
  return data;
}

/** Whether a gate's data holds anything a baseline keeps. */
export function hasBaselineValues(data: GateData): boolean {
  return data.coveragePercent !== undefined || (data.benchmarks !== undefined && Object.keys(data.benchmarks).length > 0) || data.fingerprints !== undefined;
}

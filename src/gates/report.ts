/**
 * The reports shipgate's gates read, once parsed: small, normalised records
 * (counts, per-line hits, findings) whatever tool wrote them.
 */
import type { GateReason } from './reasons.ts';

/** Coverage report formats. */
export type CoverageFormat = 'istanbul' | 'cobertura' | 'lcov';

/** Covered and valid (coverable) items. */
export interface Counts {
  readonly covered: number;
  readonly valid: number;
}

/** Line hits of one file: line number → hits. */
export type LineHits = Map<number, number>;

/** A coverage report: totals, and per-line hits when the format has them. */
export interface CoverageReport {
  readonly kind: 'coverage';
  readonly format: CoverageFormat;
  /** Lines, summed over files (coverage is covered ÷ valid of these). */
  readonly lines: Counts;
  readonly branches: Counts | null;
  /** Repository-relative (where it could be made so) path → line hits; null for summary formats. */
  readonly files: ReadonlyMap<string, LineHits> | null;
}

/** A test that failed or errored. */
export interface FailedTest {
  readonly name: string;
  readonly classname: string;
  readonly suite: string;
  readonly kind: 'failure' | 'error';
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
}

/** A test that failed, then passed on a rerun. */
export interface FlakyTest {
  readonly name: string;
  readonly classname: string;
  readonly file: string | null;
}

/** A JUnit report, counted from its test cases. */
export interface JunitReport {
  readonly kind: 'junit';
  readonly tests: number;
  readonly passed: number;
  /** Tests whose final outcome is a failure (`failures`). */
  readonly failures: number;
  /** Tests whose final outcome is an error (`errors`). */
  readonly errors: number;
  readonly skipped: number;
  /** Tests that failed and then passed (counted in `passed`). */
  readonly flaky: number;
  readonly seconds: number;
  /** The first failed tests (at most {@link MAX_KEPT_TESTS}). */
  readonly failed: FailedTest[];
  readonly flakyTests: FlakyTest[];
}

/** How many failed or flaky tests a JUnit report keeps in detail. */
export const MAX_KEPT_TESTS = 1000;

/** SARIF result levels. */
export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

/** security-severity bands. */
export type SecuritySeverity = 'critical' | 'high' | 'medium' | 'low';

/** One (unsuppressed) SARIF result. */
export interface SarifFinding {
  readonly tool: string;
  readonly ruleId: string;
  readonly level: SarifLevel;
  readonly severity: SecuritySeverity | null;
  readonly message: string;
  /** Repository-relative path, or null when the location does not map into the repository. */
  readonly path: string | null;
  readonly line: number | null;
  readonly endLine: number | null;
  /** partialFingerprints, else fingerprints, else rule + path + line. */
  readonly fingerprint: string;
}

/** A SARIF log, all runs together. */
export interface SarifReport {
  readonly kind: 'sarif';
  /** Runs in the log (a log without runs reports nothing). */
  readonly runs: number;
  readonly levels: Readonly<Record<SarifLevel, number>>;
  readonly severities: Readonly<Record<SecuritySeverity, number>>;
  readonly suppressed: number;
  readonly findings: SarifFinding[];
}

/** One benchmark's value. */
export interface BenchmarkValue {
  readonly value: number;
  readonly unit: string | null;
}

/** Benchmark results by name. */
export interface BenchmarkReport {
  readonly kind: 'benchmark';
  readonly values: ReadonlyMap<string, BenchmarkValue>;
}

/** The wall time of the pipeline or job, from shipgate's own records. */
export interface DurationReport {
  readonly kind: 'duration';
  /** Null when start or end is not recorded. */
  readonly ms: number | null;
}

/** Any parsed report. */
export type Report = CoverageReport | JunitReport | SarifReport | BenchmarkReport | DurationReport;

/** What a parser returns. */
export type ParseResult<R> = { readonly ok: true; readonly report: R } | { readonly ok: false; readonly reason: GateReason };

/**
 * What evaluation needs of a gate (SPEC §5a): every option of each type. The
 * gates parsed by src/repo-config/schema-gates.ts are assignable to these.
 */
import type { SarifLevel, SecuritySeverity } from './report.ts';

/** A coverage gate's thresholds. */
export interface CoverageGateSpec {
  readonly name: string;
  readonly type: 'coverage';
  /** Minimum line coverage in percent. */
  readonly min?: number;
  /** Most percentage points below the baseline. */
  readonly 'max-drop'?: number;
  /** Minimum percent of the pull request's added coverable lines that are covered. */
  readonly 'patch-min'?: number;
}

/** A JUnit gate's thresholds. */
export interface JunitGateSpec {
  readonly name: string;
  readonly type: 'junit';
  /** Failed plus errored tests allowed (default 0). */
  readonly 'max-failures'?: number;
  /** Fewest tests that must have run. */
  readonly 'min-tests'?: number;
}

/** A SARIF gate's thresholds. */
export interface SarifGateSpec {
  readonly name: string;
  readonly type: 'sarif';
  /** Findings allowed by level (and, as the repo-config schema writes them, by security-severity band). */
  readonly max?: Partial<Record<Exclude<SarifLevel, 'none'> | SecuritySeverity, number | undefined>>;
  /** Findings allowed by security-severity band. */
  readonly 'max-severity'?: Partial<Record<SecuritySeverity, number | undefined>>;
  /** Count only findings whose fingerprint is not in the baseline. */
  readonly 'new-only'?: boolean;
}

/** A benchmark gate's thresholds. */
export interface BenchmarkGateSpec {
  readonly name: string;
  readonly type: 'benchmark';
  /** Largest regression against the baseline median, as `10%` or a number of percent. */
  readonly 'max-regression': string | number;
  readonly 'higher-is-better'?: boolean;
}

/** A duration gate's limit. */
export interface DurationGateSpec {
  readonly name: string;
  readonly type: 'duration';
  /** Longest wall time, as a duration (`30m`) or milliseconds. */
  readonly max: string | number;
}

/** Any gate. */
export type GateSpec = CoverageGateSpec | JunitGateSpec | SarifGateSpec | BenchmarkGateSpec | DurationGateSpec;

/** What earlier successful default-branch runs left behind for a gate. */
export interface GateBaseline {
  /** The commit the baseline comes from. */
  readonly sha?: string;
  /** Line coverage in percent. */
  readonly coveragePercent?: number;
  /** SARIF fingerprints. */
  readonly fingerprints?: ReadonlySet<string>;
  /** Benchmark values by name, oldest first (the last 5 count). */
  readonly benchmarks?: ReadonlyMap<string, readonly number[]>;
}

/** A file of the pull request, as the files API gives it. */
export interface DiffFile {
  readonly filename: string;
  readonly status?: string;
  /** Hunks; missing when GitHub omits it (binary, too large, or the diff was cut). */
  readonly patch?: string | null;
}

/** The pull request's diff; `truncated` when GitHub gave fewer files than changed (over 3,000). */
export interface PullRequestDiff {
  readonly files: readonly DiffFile[];
  readonly truncated?: boolean;
}

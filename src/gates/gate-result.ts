/** The outcome of one gate, as the gates table and the annotations show it. */
import type { GateReason } from './reasons.ts';

/** A gate's result (`overridden` is applied later, by an override). */
export type GateOutcome = 'pass' | 'fail' | 'neutral' | 'error';

/** Something to point at: a failed test, a finding, uncovered added lines. */
export interface GateFinding {
  readonly level: 'failure' | 'warning' | 'notice';
  /** Repository-relative path, or null when the finding has no place in the repository. */
  readonly path: string | null;
  readonly startLine: number | null;
  readonly endLine: number | null;
  readonly title: string;
  readonly message: string;
}

/** One threshold's verdict. */
export interface GateCheck {
  readonly result: GateOutcome;
  readonly reason: GateReason;
}

/** The result of a gate. */
export interface GateResult {
  readonly result: GateOutcome;
  /** What was measured, for the table (e.g. `82.35%`, `3 failed of 120`). */
  readonly measured: string | null;
  /** The thresholds, for the table (e.g. `≥ 80%`). */
  readonly threshold: string;
  /** The baseline compared with, for the table, or null. */
  readonly baseline: string | null;
  /** At most {@link MAX_FINDINGS}, the most severe first. */
  readonly findings: GateFinding[];
  /** The reason of the deciding check. */
  readonly reason: GateReason;
  /** Every threshold's verdict, the deciding one first. */
  readonly checks: GateCheck[];
}

/** Findings kept per gate. */
export const MAX_FINDINGS = 1000;

const RANK: Record<GateOutcome, number> = { error: 3, fail: 2, pass: 1, neutral: 0 };

/** Combines the checks of a gate: the worst decides (error, fail, pass, then neutral). */
export function combineChecks(checks: GateCheck[]): { result: GateOutcome; reason: GateReason; checks: GateCheck[] } {
  const ordered = [...checks].sort((a, b) => RANK[b.result] - RANK[a.result]);
  const first = ordered[0];
  if (first === undefined) throw new Error('a gate has at least one check');
  return { result: first.result, reason: first.reason, checks: ordered };
}

/** A percentage for display, with at most two decimals. */
export function percent(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A result decided by its reason alone, with nothing measured: an `error` (nothing to read) or a `neutral` (not evaluated). */
export function unmeasuredResult(result: 'error' | 'neutral', reason: GateReason): GateResult {
  return { result, measured: null, threshold: '', baseline: null, findings: [], reason, checks: [{ result, reason }] };
}

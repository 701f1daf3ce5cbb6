/**
 * What `/override GATE reason` does to a run (SPEC §5a), as a pure function of
 * the recorded history: refused when the gate is unknown or not failing;
 * otherwise the override is recorded and, when the run ended badly only
 * because of gates, the run is reopened so the pipeline's conclusion is
 * computed again — a stage that failed only on its gates completes anew, and
 * the stages it held back run.
 */
import { isSuccessful } from './plan.ts';
import { reason, type Reason } from './reasons.ts';

export interface OverrideRun {
  id: number;
  pipeline: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  cancelRequested: boolean;
}

export interface OverrideStage {
  id: number;
  stage: string;
  status: 'pending' | 'running' | 'completed' | 'skipped';
  conclusion: string | null;
  /** The stored skip reason's code, when skipped. */
  skipCode: string | null;
}

export interface OverrideAttempt {
  stageRunId: number;
  job: string;
  attempt: number;
  conclusion: string | null;
}

/** The latest evaluation of each gate, as the plan needs it. */
export interface OverrideGate {
  name: string;
  stage: string | null;
  result: 'pass' | 'fail' | 'neutral' | 'error' | 'pending' | null;
  /** Already overridden for this commit. */
  overridden: boolean;
}

export type OverridePlan =
  | { kind: 'refuse'; reason: Reason }
  | { kind: 'override'; gate: string; reopen: boolean; reopenStages: number[]; resetSkippedStages: number[] };

/** Skips that an earlier failure caused (and so are undone when the failure is set aside). */
const CAUSED_BY_FAILURE = new Set(['stage.needs-failed', 'stage.needs-skipped', 'stage.pipeline-stopped']);

/**
 * The override of `gate` on `run`. `continueOnError(stage, job)` says which
 * jobs may fail without failing their stage. Every other gate's state is in
 * `gates`: the run is reopened only when, with this override, no failing gate
 * and no failed job explains a stage's failure.
 */
export function planGateOverride(
  run: OverrideRun,
  stages: readonly OverrideStage[],
  attempts: readonly OverrideAttempt[],
  gates: readonly OverrideGate[],
  gate: string,
  continueOnError: (stage: string, job: string) => boolean,
): OverridePlan {
  const target = gates.find((g) => g.name === gate);
  if (!target) return { kind: 'refuse', reason: reason('command.override-unknown-gate', { gate, pipeline: run.pipeline, known: gates.map((g) => g.name) }) };
  if (target.result !== 'fail' && target.result !== 'error') {
    return { kind: 'refuse', reason: reason('command.override-not-failing', { gate, result: target.overridden ? 'overridden' : (target.result ?? 'not evaluated yet') }) };
  }
  const ended = run.status === 'completed' && run.conclusion !== 'success' && !run.cancelRequested && run.conclusion !== 'cancelled';
  if (!ended) return { kind: 'override', gate, reopen: false, reopenStages: [], resetSkippedStages: [] };
  // Any other failing gate keeps the run failed: reopening would run held-back stages (a deploy) for a run that fails anyway.
  const otherGateFailing = gates.some((g) => g.name !== gate && !g.overridden && (g.result === 'fail' || g.result === 'error'));
  if (otherGateFailing) return { kind: 'override', gate, reopen: false, reopenStages: [], resetSkippedStages: [] };
  const reopenStages: number[] = [];
  for (const stage of stages) {
    if (stage.status !== 'completed' || isSuccessful(stage.conclusion)) continue;
    if (stage.stage !== target.stage) continue;
    const latest = new Map<string, OverrideAttempt>();
    for (const attempt of attempts) {
      if (attempt.stageRunId !== stage.id) continue;
      const current = latest.get(attempt.job);
      if (!current || attempt.attempt > current.attempt) latest.set(attempt.job, attempt);
    }
    const jobsFine = [...latest.values()].every((a) => isSuccessful(a.conclusion) || continueOnError(stage.stage, a.job));
    if (jobsFine) reopenStages.push(stage.id);
  }
  const pipelineLevel = target.stage === null;
  if (reopenStages.length === 0 && !pipelineLevel) return { kind: 'override', gate, reopen: false, reopenStages: [], resetSkippedStages: [] };
  // Any other stage that failed keeps the run failed: reopening would only write the same verdict again.
  const otherFailures = stages.some((s) => s.status === 'completed' && !isSuccessful(s.conclusion) && !reopenStages.includes(s.id));
  if (otherFailures) return { kind: 'override', gate, reopen: false, reopenStages: [], resetSkippedStages: [] };
  const resetSkippedStages = stages.filter((s) => s.status === 'skipped' && s.skipCode !== null && CAUSED_BY_FAILURE.has(s.skipCode)).map((s) => s.id);
  return { kind: 'override', gate, reopen: true, reopenStages, resetSkippedStages };
}

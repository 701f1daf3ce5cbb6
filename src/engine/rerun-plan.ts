/**
 * What a re-run does, as pure functions of the durable history: "Re-run
 * failed" (the check-run button, later `/retry`) re-runs only the failed jobs
 * of a finished run; "Re-run" (`check_run.rerequested`) starts a new run of the
 * same plan; "Cancel" stops a run that is still going. No path dispatches a
 * fork's sha that nobody allowed with `/ok-to-test`.
 */
import { isSuccessful } from './plan.ts';
import { reason, type Reason } from './reasons.ts';

export interface RerunRun {
  id: number;
  pipeline: string;
  sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  fromFork: boolean;
}

export interface RerunStage {
  id: number;
  stage: string;
  status: 'pending' | 'running' | 'completed' | 'skipped';
  conclusion: string | null;
}

export interface RerunAttempt {
  stageRunId: number;
  job: string;
  attempt: number;
  conclusion: string | null;
  workflowRunId: number | null;
}

export interface RerunFacts {
  /** `/ok-to-test` was given for the run's sha. */
  forkApproved: boolean;
  /** Only these jobs (`stage/job` or `job`), when the user named some (`/retry PIPELINE JOB…`). */
  onlyJobs?: readonly string[];
  /** Jobs (`stage/job`) that succeeded but whose gate failed (not overridden): they run again too, in a new workflow run. */
  gateFailedJobs?: readonly string[];
  /** Stages with `environment:`: never re-run (their deployment request has ended; a new `/deploy` decides anew). */
  deployingStages?: readonly string[];
}

/** One failed job to run again: the next attempt of its latest one. */
export interface RetryJob {
  stageRunId: number;
  stage: string;
  job: string;
  attempt: number;
  /** Same workflow run re-run (`rerun-failed-jobs`), or null: it never started, dispatch again. */
  workflowRunId: number | null;
}

export type RerunPlan =
  | { kind: 'refuse'; reason: Reason }
  | { kind: 'rerun-failed'; retry: RetryJob[]; reopenStages: number[]; resetSkippedStages: number[] };

/** "Re-run failed" for one run. */
export function planRerunFailed(run: RerunRun, stages: readonly RerunStage[], attempts: readonly RerunAttempt[], facts: RerunFacts): RerunPlan {
  if (run.fromFork && !facts.forkApproved) return { kind: 'refuse', reason: reason('refuse.fork-not-approved', { sha: run.sha }) };
  if (run.status !== 'completed') return { kind: 'refuse', reason: reason('refuse.run-still-going', { runId: run.id, pipeline: run.pipeline }) };
  if (run.conclusion === 'success') return { kind: 'refuse', reason: reason('refuse.nothing-failed', { runId: run.id, pipeline: run.pipeline }) };
  const retry: RetryJob[] = [];
  const reopenStages: number[] = [];
  const resetSkippedStages: number[] = [];
  const heldBack: string[] = [];
  for (const stage of stages) {
    if (stage.status === 'skipped') {
      resetSkippedStages.push(stage.id);
      continue;
    }
    if (stage.status !== 'completed' || isSuccessful(stage.conclusion)) continue;
    if (facts.deployingStages?.includes(stage.stage)) {
      heldBack.push(stage.stage);
      continue;
    }
    const latest = new Map<string, RerunAttempt>();
    for (const attempt of attempts) {
      if (attempt.stageRunId !== stage.id) continue;
      const current = latest.get(attempt.job);
      if (!current || attempt.attempt > current.attempt) latest.set(attempt.job, attempt);
    }
    let reopened = false;
    for (const attempt of latest.values()) {
      const gateFailed = isSuccessful(attempt.conclusion) && (facts.gateFailedJobs ?? []).includes(`${stage.stage}/${attempt.job}`);
      if (isSuccessful(attempt.conclusion) && !gateFailed) continue;
      if (facts.onlyJobs && !facts.onlyJobs.includes(attempt.job) && !facts.onlyJobs.includes(`${stage.stage}/${attempt.job}`)) continue;
      // A job that succeeded has no failed jobs to re-run: its gate is judged on a fresh workflow run.
      retry.push({ stageRunId: stage.id, stage: stage.stage, job: attempt.job, attempt: attempt.attempt + 1, workflowRunId: gateFailed ? null : attempt.workflowRunId });
      reopened = true;
    }
    if (reopened) reopenStages.push(stage.id);
  }
  if (retry.length === 0 && heldBack.length > 0) return { kind: 'refuse', reason: reason('refuse.deploy-stage-retry', { stages: heldBack }) };
  if (retry.length === 0) return { kind: 'refuse', reason: reason('refuse.nothing-failed', { runId: run.id, pipeline: run.pipeline }) };
  return { kind: 'rerun-failed', retry, reopenStages, resetSkippedStages };
}

export type CancelPlan = { kind: 'refuse'; reason: Reason } | { kind: 'cancel' };

/** "Cancel" for one run. */
export function planCancel(run: Pick<RerunRun, 'id' | 'status'>): CancelPlan {
  if (run.status === 'completed') return { kind: 'refuse', reason: reason('refuse.run-already-ended', { runId: run.id }) };
  return { kind: 'cancel' };
}

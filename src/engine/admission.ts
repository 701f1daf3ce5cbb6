/**
 * Admission, as pure functions: whether a pipeline run may start, must wait
 * (and why), or starts by cancelling the runs it supersedes. The callers hold
 * the concurrency key's lock while they decide and record, so two events
 * processed at once behave as if processed one after the other.
 */
import { reason, type Reason } from './reasons.ts';

/** A run as admission sees it. */
export interface AdmissionRun {
  id: number;
  status: 'queued' | 'in_progress' | 'completed';
  /** Why a queued run waits, if it does. */
  waiting: Reason | null;
  cancelRequested: boolean;
}

/** What governs admission for one run. */
export interface AdmissionPolicy {
  pipeline: string;
  concurrency: 'none' | 'queue' | 'cancel-in-progress';
  /** The run is for a fork's commit. */
  fromFork: boolean;
  /** The sha the run is for. */
  sha: string;
  /** A user with write access said `/ok-to-test` for this sha. */
  forkApproved: boolean;
}

export type Admission =
  | { kind: 'start' }
  | { kind: 'wait'; reason: Reason }
  | { kind: 'cancel-others'; runIds: number[]; reason: Reason };

/**
 * Admits `run` given the other unfinished runs of its concurrency key. Fork
 * gating comes first: nothing of a fork's sha starts without `/ok-to-test` for
 * that sha. Then `queue` waits behind any older unfinished run (the oldest
 * waiting run is the next to go, so runs go strictly one after another), and
 * `cancel-in-progress` cancels every older run that is not being cancelled yet.
 */
export function admit(run: AdmissionRun, others: readonly AdmissionRun[], policy: AdmissionPolicy): Admission {
  if (policy.fromFork && !policy.forkApproved) return { kind: 'wait', reason: reason('wait.fork-needs-ok-to-test', { sha: policy.sha }) };
  const older = others.filter((other) => other.id < run.id && other.status !== 'completed');
  if (policy.concurrency === 'queue') {
    // A run being cancelled still holds the queue until it has ended.
    const ahead = older.filter((other) => other.status === 'in_progress' || other.cancelRequested || other.waiting?.code === 'wait.concurrency-queue' || other.waiting === null);
    const behind = ahead.at(-1);
    if (behind) return { kind: 'wait', reason: reason('wait.concurrency-queue', { behind: behind.id, pipeline: policy.pipeline }) };
    return { kind: 'start' };
  }
  if (policy.concurrency === 'cancel-in-progress') {
    const toCancel = older.filter((other) => !other.cancelRequested).map((other) => other.id);
    if (toCancel.length > 0) return { kind: 'cancel-others', runIds: toCancel, reason: reason('cancel.superseded', { newer: run.id }) };
  }
  return { kind: 'start' };
}

/**
 * Which waiting runs of one concurrency key may start now, oldest first: each
 * waiting run is admitted again against the runs ahead of it, counting the
 * ones released before it in this same pass.
 */
export function releasable(runs: readonly AdmissionRun[], policyOf: (run: AdmissionRun) => AdmissionPolicy): number[] {
  const state = runs.map((run) => ({ ...run })).sort((a, b) => a.id - b.id);
  const released: number[] = [];
  for (const run of state) {
    if (run.status !== 'queued' || run.waiting === null || run.cancelRequested) continue;
    const admission = admit(run, state, policyOf(run));
    if (admission.kind === 'wait') {
      run.waiting = admission.reason;
      continue;
    }
    run.waiting = null;
    run.status = 'in_progress';
    released.push(run.id);
  }
  return released;
}

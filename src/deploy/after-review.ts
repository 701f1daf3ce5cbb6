/** What follows the commit of a transaction that decided an environment's queue again. */
import { afterCommit, advanceRun } from '../engine/advance.ts';
import type { EngineDeps } from '../engine/deps.ts';
import type { ReviewOutcome } from './queue.ts';

/**
 * After the commit of a transaction that reviewed an environment: engine
 * wake-ups and the effect runner, then the runs whose deploying stage can
 * move. `started` is a run the transaction created (it is advanced first).
 * A failure to advance is logged, not thrown: the request is recorded, and
 * the periodic reconciliation moves the run.
 */
export async function afterReview(deps: EngineDeps, review: ReviewOutcome, started: number | null): Promise<void> {
  afterCommit(deps, { runId: started, events: [], wakes: started === null ? [] : review.wakes.filter((w) => w.runId === started).map((w) => w.at) });
  for (const wake of review.wakes) if (wake.runId !== started) deps.wakeAt?.(wake.runId, wake.at);
  const runs = [...new Set([...(started === null ? [] : [started]), ...review.advance])];
  for (const runId of runs) {
    try {
      await advanceRun(deps, runId);
    } catch (err) {
      deps.log.error({ err, runId }, 'advancing a run after a deployment decision failed');
    }
  }
}


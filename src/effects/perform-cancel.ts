import { cancelWorkflowRun } from '../github/runs.ts';
import { statusOf } from '../github/client.ts';
import type { EngineDeps } from '../engine/deps.ts';
import type { Effect } from '../store/schema/index.ts';
import type { PerformOutcome, Performer } from './runner.ts';

/**
 * Cancels one workflow run, until GitHub confirms: a 2xx, a 409 (it already
 * finished) or a 404 (it is gone) settle it; a 5xx or a lost answer is tried
 * again with backoff, so a timed-out or superseded job never keeps running.
 */
export function cancelPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const { owner, repo, workflowRunId } = effect.payload;
    if (typeof owner !== 'string' || typeof repo !== 'string' || typeof workflowRunId !== 'number' || effect.installation_id === null) {
      return { kind: 'failed', error: 'malformed cancel effect' };
    }
    const octokit = await deps.github(effect.installation_id);
    try {
      await cancelWorkflowRun(octokit, { owner, repo }, workflowRunId);
    } catch (err) {
      if (statusOf(err) === 404) return { kind: 'done' };
      throw err;
    }
    return { kind: 'done' };
  };
}

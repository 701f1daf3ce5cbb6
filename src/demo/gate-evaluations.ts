/**
 * The demo reads what shipgate recorded about the gates of one pipeline run
 * (`gate_results`), to judge whether the gates story happened.
 */
import type { DbOrTrx } from '../store/db.ts';
import type { GateEvaluation } from './outcome.ts';

/** Which pipeline run: the repository, the pipeline, the commit and what started it. */
export interface PipelineRunKey {
  /** `owner/name`. */
  repo: string;
  pipeline: string;
  sha: string;
  trigger: 'push' | 'pull_request';
}

/**
 * The id of the newest pipeline run matching `key` (a commit pushed twice has
 * a run each; the story judges the last), undefined when there is none. What
 * the demo reads of one run (its gates, its job attempts) starts here.
 */
export async function findPipelineRunId(db: DbOrTrx, key: PipelineRunKey): Promise<number | undefined> {
  const [owner = '', name = ''] = key.repo.split('/');
  const run = await db
    .selectFrom('pipeline_runs')
    .select('id')
    .where('owner', '=', owner)
    .where('repo', '=', name)
    .where('pipeline', '=', key.pipeline)
    .where('sha', '=', key.sha)
    .where('trigger', '=', key.trigger)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return run?.id;
}

/** Every gate evaluation of the newest matching pipeline run, by attempt then gate order of creation. */
export async function readGateEvaluations(db: DbOrTrx, key: PipelineRunKey): Promise<GateEvaluation[]> {
  const runId = await findPipelineRunId(db, key);
  if (runId === undefined) return [];
  return db
    .selectFrom('gate_results')
    .select(['gate', 'attempt', 'status', 'result', 'measured'])
    .where('pipeline_run_id', '=', runId)
    .orderBy('attempt')
    .orderBy('id')
    .execute();
}

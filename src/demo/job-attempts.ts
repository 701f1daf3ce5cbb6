/**
 * The demo reads the job attempts shipgate recorded for one pipeline run
 * (`job_attempts`), to judge that each attempt on another CI system started
 * exactly one build or pipeline there (matched by its correlation id).
 */
import type { DbOrTrx } from '../store/db.ts';
import { findPipelineRunId, type PipelineRunKey } from './gate-evaluations.ts';

/** One job attempt as the verdict reads it. */
export interface RecordedJobAttempt {
  stage: string;
  job: string;
  attempt: number;
  provider: string;
  /** The `SHIPGATE_RUN` it sent. */
  correlationId: string;
  status: string;
  conclusion: string | null;
  /** The page shipgate links for it (the build, the pipeline, the workflow run). */
  htmlUrl: string | null;
}

/** Every job attempt of the newest matching pipeline run, by stage, job and attempt. */
export async function readJobAttempts(db: DbOrTrx, key: PipelineRunKey): Promise<RecordedJobAttempt[]> {
  const runId = await findPipelineRunId(db, key);
  if (runId === undefined) return [];
  const rows = await db
    .selectFrom('job_attempts')
    .innerJoin('stage_runs', 'stage_runs.id', 'job_attempts.stage_run_id')
    .select(['stage_runs.stage as stage', 'job_attempts.job', 'job_attempts.attempt', 'job_attempts.provider', 'job_attempts.correlation_id', 'job_attempts.status', 'job_attempts.conclusion', 'job_attempts.html_url'])
    .where('job_attempts.pipeline_run_id', '=', runId)
    .orderBy('stage_runs.stage')
    .orderBy('job_attempts.job')
    .orderBy('job_attempts.attempt')
    .execute();
  return rows.map((row) => ({
    stage: row.stage,
    job: row.job,
    attempt: row.attempt,
    provider: row.provider,
    correlationId: row.correlation_id,
    status: row.status,
    conclusion: row.conclusion,
    htmlUrl: row.html_url,
  }));
}

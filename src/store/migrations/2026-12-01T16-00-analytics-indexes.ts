import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app.

/**
 * Indexes for delivery statistics (SPEC §12, `src/insight/stats.ts`):
 * - the finished pipeline runs of a repository by when they completed: every
 *   figure starts from the window's runs;
 * - a run's job attempts with the columns the statistics read (job, status,
 *   conclusion, stage run, dispatch/start/completion): the attempts of the
 *   window's runs come from the index alone. It replaces the plain
 *   `job_attempts (pipeline_run_id)` index, which it serves as well;
 * - a run's stage runs likewise (stage, status, conclusion, start, completion);
 * - the deployments of an environment by completion (DORA).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('pipeline_runs_completed_idx').on('pipeline_runs').columns(['owner', 'repo', 'completed_at']).where('completed_at', 'is not', null).execute();
  await sql`create index job_attempts_run_stats_idx on job_attempts (pipeline_run_id)
    include (job, status, conclusion, stage_run_id, dispatched_at, started_at, completed_at)`.execute(db);
  await db.schema.dropIndex('job_attempts_pipeline_run_idx').execute();
  await sql`create index stage_runs_run_stats_idx on stage_runs (pipeline_run_id)
    include (stage, status, conclusion, started_at, completed_at)`.execute(db);
  await db.schema.createIndex('deployments_completed_idx').on('deployments').columns(['owner', 'repo', 'environment', 'completed_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deployments_completed_idx').execute();
  await db.schema.dropIndex('stage_runs_run_stats_idx').execute();
  await db.schema.createIndex('job_attempts_pipeline_run_idx').on('job_attempts').column('pipeline_run_id').execute();
  await db.schema.dropIndex('job_attempts_run_stats_idx').execute();
  await db.schema.dropIndex('pipeline_runs_completed_idx').execute();
}

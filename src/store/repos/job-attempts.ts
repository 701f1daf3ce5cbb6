import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { Conclusion, JobAttempt, JobAttemptStatus, JobProviderName, JsonObject } from '../schema/index.ts';

/** A new job attempt (see `JobAttemptTable` for the fields); it starts `pending`. */
export interface JobAttemptInput {
  pipeline_run_id: number;
  stage_run_id: number;
  job: string;
  attempt: number;
  workflow: string;
  correlation_id: string;
  inputs?: JsonObject | null;
  /** The CI system it runs on (default `actions`). */
  provider?: JobProviderName;
  /** A retry reruns the same workflow run. */
  workflow_run_id?: number | null;
  /** A retry of a provider that retries in place (GitLab) reruns the same pipeline. */
  external_id?: string | null;
  external?: JsonObject | null;
  deadline_at?: Date | null;
  next_retry_at?: Date | null;
  /** The clock's time (shipgate stamps every row from its one clock, never the database's). */
  now: Date;
}

/** Fields of a job attempt that change as GitHub reports on it. */
export interface JobAttemptChanges {
  status?: JobAttemptStatus;
  conclusion?: Conclusion | null;
  inputs?: JsonObject | null;
  workflow_run_id?: number | null;
  run_attempt?: number | null;
  external_id?: string | null;
  external?: JsonObject | null;
  html_url?: string | null;
  dispatched_at?: Date | null;
  started_at?: Date | null;
  completed_at?: Date | null;
  deadline_at?: Date | null;
  next_retry_at?: Date | null;
  last_event_at?: Date | null;
  cancel_requested_at?: Date | null;
  error?: string | null;
  /** The reason code of `error` (see `engine/reasons.ts`). */
  error_reason?: JsonObject | null;
}

/** Statuses in which an attempt waits on GitHub (reconciliation polls these). */
export const unfinishedJobAttemptStatuses = ['dispatching', 'queued', 'in_progress'] as const;

/**
 * Creates a job attempt once: when `(stage_run_id, job, attempt)` exists it is
 * returned with `created: false`. A `correlation_id` already used by another
 * attempt is an error (unique violation).
 */
export async function createJobAttempt(
  db: DbOrTrx,
  input: JobAttemptInput,
): Promise<{ jobAttempt: JobAttempt; created: boolean }> {
  const now = input.now;
  const inserted = await db
    .insertInto('job_attempts')
    .values({
      pipeline_run_id: input.pipeline_run_id,
      stage_run_id: input.stage_run_id,
      job: input.job,
      attempt: input.attempt,
      workflow: input.workflow,
      correlation_id: input.correlation_id,
      inputs: input.inputs == null ? null : toJsonb(input.inputs),
      workflow_run_id: input.workflow_run_id ?? null,
      ...(input.provider !== undefined ? { provider: input.provider } : {}),
      external_id: input.external_id ?? null,
      external: input.external == null ? null : toJsonb(input.external),
      deadline_at: input.deadline_at ?? null,
      next_retry_at: input.next_retry_at ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['stage_run_id', 'job', 'attempt']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { jobAttempt: inserted, created: true };
  const existing = await db
    .selectFrom('job_attempts')
    .selectAll()
    .where('stage_run_id', '=', input.stage_run_id)
    .where('job', '=', input.job)
    .where('attempt', '=', input.attempt)
    .executeTakeFirstOrThrow();
  return { jobAttempt: existing, created: false };
}

export async function getJobAttempt(db: DbOrTrx, id: number): Promise<JobAttempt | undefined> {
  return db.selectFrom('job_attempts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The attempts of a pipeline run, in creation order. */
export async function listJobAttempts(db: DbOrTrx, pipelineRunId: number): Promise<JobAttempt[]> {
  return db.selectFrom('job_attempts').selectAll().where('pipeline_run_id', '=', pipelineRunId).orderBy('id').execute();
}

/**
 * Claims a `pending` attempt for dispatch: one atomic
 * `update ... set status = 'dispatching' where status = 'pending' returning *`.
 * Of any number of concurrent callers (replicas, duplicate webhooks) exactly
 * one gets the attempt back and may dispatch it; the others get undefined.
 * Stamps `dispatched_at` and `last_event_at`, so an attempt stuck in
 * `dispatching` after a crash is found by `quietJobAttempts`.
 */
export async function claimJobAttemptForDispatch(
  db: DbOrTrx,
  id: number,
  now: Date,
): Promise<JobAttempt | undefined> {
  const at = now;
  return db
    .updateTable('job_attempts')
    .set({ status: 'dispatching', dispatched_at: at, last_event_at: at, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/**
 * Applies `changes` and stamps `updated_at`. With `onlyIf.status`, only while
 * the attempt is in one of those statuses (a late `in_progress` cannot undo
 * `completed`). Returns undefined when nothing was updated.
 */
export async function updateJobAttempt(
  db: DbOrTrx,
  id: number,
  changes: JobAttemptChanges,
  options: { onlyIf?: { status: readonly JobAttemptStatus[] }; now: Date },
): Promise<JobAttempt | undefined> {
  const { inputs, error_reason: errorReason, external, ...rest } = changes;
  let query = db
    .updateTable('job_attempts')
    .set({
      ...rest,
      ...(inputs !== undefined ? { inputs: inputs === null ? null : toJsonb(inputs) } : {}),
      ...(errorReason !== undefined ? { error_reason: errorReason === null ? null : toJsonb(errorReason) } : {}),
      ...(external !== undefined ? { external: external === null ? null : toJsonb(external) } : {}),
      updated_at: options.now,
    })
    .where('id', '=', id);
  if (options.onlyIf) query = query.where('status', 'in', options.onlyIf.status);
  return query.returningAll().executeTakeFirst();
}

/** The attempt dispatched with this `shipgate_run` correlation id. */
export async function findJobAttemptByCorrelation(
  db: DbOrTrx,
  correlationId: string,
): Promise<JobAttempt | undefined> {
  return db.selectFrom('job_attempts').selectAll().where('correlation_id', '=', correlationId).executeTakeFirst();
}

/**
 * The attempt tracking a workflow run. Retries rerun the same workflow run, so
 * several attempts share its id: with `runAttempt`, the attempt recorded for
 * that run attempt (or the newest one not yet told its run attempt); without
 * it, the newest attempt.
 */
export async function findJobAttemptByWorkflowRun(
  db: DbOrTrx,
  workflowRunId: number,
  runAttempt?: number,
): Promise<JobAttempt | undefined> {
  let query = db.selectFrom('job_attempts').selectAll().where('workflow_run_id', '=', workflowRunId).where('provider', '=', 'actions');
  if (runAttempt !== undefined) {
    query = query.where((eb) => eb.or([eb('run_attempt', '=', runAttempt), eb('run_attempt', 'is', null)]));
    // An exact match wins over one still waiting to learn its run attempt.
    query = query.orderBy(sql`run_attempt is null`);
  }
  return query.orderBy('attempt', 'desc').limit(1).executeTakeFirst();
}

/**
 * The attempt a provider's run belongs to (a GitLab pipeline, a Jenkins build):
 * several attempts share a pipeline a retry reran in place, so the newest.
 */
export async function findJobAttemptByExternalId(db: DbOrTrx, provider: JobProviderName, externalId: string): Promise<JobAttempt | undefined> {
  return db.selectFrom('job_attempts').selectAll().where('provider', '=', provider).where('external_id', '=', externalId).orderBy('attempt', 'desc').limit(1).executeTakeFirst();
}

/**
 * Records one status report of a webhook job by its `webhook-id`; false when
 * that id was recorded before (a replay).
 */
export async function recordStatusReceipt(db: DbOrTrx, receipt: { webhookId: string; attemptId: number; status: string; now: Date }): Promise<boolean> {
  const inserted = await db
    .insertInto('job_status_receipts')
    .values({ webhook_id: receipt.webhookId, job_attempt_id: receipt.attemptId, status: receipt.status, received_at: receipt.now })
    .onConflict((oc) => oc.column('webhook_id').doNothing())
    .returning('webhook_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Unfinished attempts (`dispatching`, `queued`, `in_progress`) that no event
 * has touched since `quietSince` (or ever), quietest first: candidates for a
 * poll of the Actions API (missed webhooks, a crash between dispatch and
 * recording). Set `last_event_at` whenever GitHub reports on an attempt.
 */
export async function quietJobAttempts(
  db: DbOrTrx,
  options: { quietSince: Date; limit?: number },
): Promise<JobAttempt[]> {
  return db
    .selectFrom('job_attempts')
    .selectAll()
    .where('status', 'in', unfinishedJobAttemptStatuses)
    .where((eb) => eb.or([eb('last_event_at', '<', options.quietSince), eb('last_event_at', 'is', null)]))
    .orderBy('last_event_at', (ob) => ob.nullsFirst())
    .orderBy('id')
    .limit(options.limit ?? 100)
    .execute();
}

/** The newest attempt of each job of one stage run, by job id (from a run's attempts). */
export function latestAttemptPerJob(attempts: readonly JobAttempt[], stageRunId: number): Map<string, JobAttempt> {
  const latest = new Map<string, JobAttempt>();
  for (const attempt of attempts) {
    if (attempt.stage_run_id !== stageRunId) continue;
    const current = latest.get(attempt.job);
    if (!current || attempt.attempt > current.attempt) latest.set(attempt.job, attempt);
  }
  return latest;
}

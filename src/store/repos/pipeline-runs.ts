import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type {
  Conclusion,
  JsonObject,
  PipelineRun,
  PipelineRunStatus,
  PipelineTrigger,
} from '../schema/index.ts';

/** A new pipeline run (see `PipelineRunTable` for the fields). */
export interface PipelineRunInput {
  installation_id: number;
  owner: string;
  repo: string;
  pipeline: string;
  delivery_id?: string | null;
  trigger: PipelineTrigger;
  ref: string;
  sha: string;
  pr_number?: number | null;
  actor?: string | null;
  concurrency_key: string;
  plan: JsonObject;
  /** A fork's commit: nothing is dispatched without `/ok-to-test` for its sha. */
  from_fork?: boolean;
  /** The clock's time (shipgate stamps every row from its one clock, never the database's). */
  now: Date;
}

/** Fields of a pipeline run that change while it runs. */
export interface PipelineRunChanges {
  status?: PipelineRunStatus;
  conclusion?: Conclusion | null;
  check_run_id?: number | null;
  error?: string | null;
  waiting_for?: string | null;
  /** The reason code of a wait (see `engine/reasons.ts`). */
  waiting_reason?: JsonObject | null;
  error_reason?: JsonObject | null;
  cancel_requested_at?: Date | null;
  /** Asks for (a date) or clears (null) the run's next advance; see `PipelineRunTable.advance_due_at`. */
  advance_due_at?: Date | null;
  started_at?: Date | null;
  completed_at?: Date | null;
}

/**
 * Creates the run of `pipeline` for a delivery, once: when the same delivery
 * already made a run of this pipeline, that run is returned with `created: false`.
 */
export async function createPipelineRun(
  db: DbOrTrx,
  input: PipelineRunInput,
): Promise<{ pipelineRun: PipelineRun; created: boolean }> {
  const now = input.now;
  const inserted = await db
    .insertInto('pipeline_runs')
    .values({
      installation_id: input.installation_id,
      owner: input.owner,
      repo: input.repo,
      pipeline: input.pipeline,
      delivery_id: input.delivery_id ?? null,
      trigger: input.trigger,
      ref: input.ref,
      sha: input.sha,
      pr_number: input.pr_number ?? null,
      actor: input.actor ?? null,
      concurrency_key: input.concurrency_key,
      plan: toJsonb(input.plan),
      from_fork: input.from_fork ?? false,
      advance_due_at: now,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['delivery_id', 'pipeline']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { pipelineRun: inserted, created: true };
  // Only a (delivery_id, pipeline) conflict gets here, so delivery_id is set.
  const existing = await db
    .selectFrom('pipeline_runs')
    .selectAll()
    .where('delivery_id', '=', input.delivery_id as string)
    .where('pipeline', '=', input.pipeline)
    .executeTakeFirstOrThrow();
  return { pipelineRun: existing, created: false };
}

export async function getPipelineRun(db: DbOrTrx, id: number): Promise<PipelineRun | undefined> {
  return db.selectFrom('pipeline_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks the run's row until the transaction ends (`select ... for update`): one writer per run. */
export async function lockPipelineRun(db: DbOrTrx, id: number): Promise<PipelineRun | undefined> {
  return db.selectFrom('pipeline_runs').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Applies `changes` and stamps `updated_at`. With `onlyIf.status`, the update
 * happens only while the run is in one of those statuses (so a late event
 * cannot move a run backwards); returns undefined when nothing was updated.
 */
export async function updatePipelineRun(
  db: DbOrTrx,
  id: number,
  changes: PipelineRunChanges,
  options: { onlyIf?: { status: readonly PipelineRunStatus[] }; now: Date },
): Promise<PipelineRun | undefined> {
  const { waiting_reason: waitingReason, error_reason: errorReason, ...rest } = changes;
  let query = db
    .updateTable('pipeline_runs')
    .set({
      ...rest,
      ...(waitingReason !== undefined ? { waiting_reason: waitingReason === null ? null : toJsonb(waitingReason) } : {}),
      ...(errorReason !== undefined ? { error_reason: errorReason === null ? null : toJsonb(errorReason) } : {}),
      updated_at: options.now,
    })
    .where('id', '=', id);
  if (options.onlyIf) query = query.where('status', 'in', options.onlyIf.status);
  return query.returningAll().executeTakeFirst();
}

/** The runs on a commit, oldest first (for the `shipgate` roll-up check). */
export async function findPipelineRunsBySha(
  db: DbOrTrx,
  key: { owner: string; repo: string; sha: string },
): Promise<PipelineRun[]> {
  return db
    .selectFrom('pipeline_runs')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('sha', '=', key.sha)
    .orderBy('id')
    .execute();
}

/** The runs of a pull request, newest first. */
export async function findPipelineRunsByPullRequest(
  db: DbOrTrx,
  key: { owner: string; repo: string; pr_number: number },
): Promise<PipelineRun[]> {
  return db
    .selectFrom('pipeline_runs')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('pr_number', '=', key.pr_number)
    .orderBy('id', 'desc')
    .execute();
}

/** Unfinished runs sharing a concurrency key, oldest first (for `cancel-in-progress` and `queue`). */
export async function findActivePipelineRuns(db: DbOrTrx, concurrencyKey: string): Promise<PipelineRun[]> {
  return db
    .selectFrom('pipeline_runs')
    .selectAll()
    .where('concurrency_key', '=', concurrencyKey)
    .where('status', 'in', ['queued', 'in_progress'])
    .orderBy('id')
    .execute();
}

/** Asks for the run's next advance (see `PipelineRunTable.advance_due_at`); reconciliation does it if nobody else does. */
export async function markAdvanceDue(db: DbOrTrx, id: number, now: Date): Promise<void> {
  await db.updateTable('pipeline_runs').set({ advance_due_at: now }).where('id', '=', id).where('status', '!=', 'completed').execute();
}

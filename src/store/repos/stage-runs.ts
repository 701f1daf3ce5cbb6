import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { Conclusion, JsonObject, StageRun, StageRunStatus } from '../schema/index.ts';

/** Fields of a stage run that change while it runs. */
export interface StageRunChanges {
  status?: StageRunStatus;
  conclusion?: Conclusion | null;
  reason?: string | null;
  /** The reason code the `reason` sentence renders (see `engine/reasons.ts`). */
  skip_reason?: JsonObject | null;
  started_at?: Date | null;
  completed_at?: Date | null;
}

/**
 * Creates the `pending` stage runs of a pipeline run (stages that already
 * exist are left as they are) and returns all of the run's stages in creation order.
 */
export async function createStageRuns(
  db: DbOrTrx,
  pipelineRunId: number,
  stages: readonly string[],
): Promise<StageRun[]> {
  if (stages.length > 0) {
    await db
      .insertInto('stage_runs')
      .values(stages.map((stage) => ({ pipeline_run_id: pipelineRunId, stage })))
      .onConflict((oc) => oc.columns(['pipeline_run_id', 'stage']).doNothing())
      .execute();
  }
  return listStageRuns(db, pipelineRunId);
}

export async function getStageRun(db: DbOrTrx, id: number): Promise<StageRun | undefined> {
  return db.selectFrom('stage_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The stages of a pipeline run in creation order. */
export async function listStageRuns(db: DbOrTrx, pipelineRunId: number): Promise<StageRun[]> {
  return db.selectFrom('stage_runs').selectAll().where('pipeline_run_id', '=', pipelineRunId).orderBy('id').execute();
}

/**
 * Applies `changes`; with `onlyIf.status`, only while the stage is in one of
 * those statuses. Returns undefined when nothing was updated.
 */
export async function updateStageRun(
  db: DbOrTrx,
  id: number,
  changes: StageRunChanges,
  options: { onlyIf?: { status: readonly StageRunStatus[] } } = {},
): Promise<StageRun | undefined> {
  const { skip_reason: skipReason, ...rest } = changes;
  const set = { ...rest, ...(skipReason !== undefined ? { skip_reason: skipReason === null ? null : toJsonb(skipReason) } : {}) };
  let query = db.updateTable('stage_runs').set(set).where('id', '=', id);
  if (options.onlyIf) query = query.where('status', 'in', options.onlyIf.status);
  return query.returningAll().executeTakeFirst();
}

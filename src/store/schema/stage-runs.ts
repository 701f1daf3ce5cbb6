import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Conclusion, IdentityKey, JsonObject, NullableJsonb, NullableTimestamp } from './columns.ts';

export const stageRunStatuses = ['pending', 'running', 'completed', 'skipped'] as const;
export type StageRunStatus = (typeof stageRunStatuses)[number];

/** One stage of a pipeline run; `(pipeline_run_id, stage)` is unique. */
export interface StageRunTable {
  id: IdentityKey;
  pipeline_run_id: number;
  /** The stage id from the config. */
  stage: string;
  status: Generated<StageRunStatus>;
  conclusion: Conclusion | null;
  /** Why the stage was skipped or failed without a job (`if` was false, a `needs` failed, ...). */
  reason: string | null;
  /** The reason code (and parameters) the `reason` sentence is rendered from. */
  skip_reason: NullableJsonb<JsonObject>;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

export type StageRun = Selectable<StageRunTable>;
export type NewStageRun = Insertable<StageRunTable>;
export type StageRunUpdate = Updateable<StageRunTable>;

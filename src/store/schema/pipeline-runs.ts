import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Conclusion, CreatedAt, IdentityKey, Jsonb, JsonObject, NullableJsonb, NullableTimestamp } from './columns.ts';

/** What started a pipeline run. */
export const pipelineTriggers = ['push', 'tag', 'pull_request', 'manual', 'rerun', 'deploy'] as const;
export type PipelineTrigger = (typeof pipelineTriggers)[number];

export const pipelineRunStatuses = ['queued', 'in_progress', 'completed'] as const;
export type PipelineRunStatus = (typeof pipelineRunStatuses)[number];

/**
 * One run of one pipeline for one event. `(delivery_id, pipeline)` is unique,
 * so a duplicate webhook cannot start a second run of the same pipeline.
 * The database enforces that `conclusion` is set exactly when `status` is `completed`.
 */
export interface PipelineRunTable {
  id: IdentityKey;
  installation_id: number;
  owner: string;
  repo: string;
  /** The pipeline id from `.github/shipgate.yml`. */
  pipeline: string;
  /** The delivery that started the run; null for runs started without one (tests, the simulator). */
  delivery_id: string | null;
  trigger: PipelineTrigger;
  /** The full ref the workflows are dispatched on (`refs/heads/main`, `refs/tags/v1`, or the PR head ref). */
  ref: string;
  sha: string;
  pr_number: number | null;
  /** Who caused the run (pusher, PR author, commenter); null when GitHub does not say. */
  actor: string | null;
  /** pipeline + PR or branch: runs sharing it are subject to the pipeline's `concurrency` policy. */
  concurrency_key: string;
  status: Generated<PipelineRunStatus>;
  conclusion: Conclusion | null;
  /** The `shipgate/<pipeline>` check run. */
  check_run_id: number | null;
  /** Snapshot of the pipeline config and the expression context, so the run never re-reads config. */
  plan: Jsonb<JsonObject>;
  /** Why the run failed outside of any job (config error, 4xx from GitHub), shown on the check run. */
  error: string | null;
  /**
   * Why a `queued` run has not started: `ok-to-test: …` (a fork PR waiting for a
   * write user's /ok-to-test) or `queue: …` (`concurrency: queue` behind an older
   * run). Null for a run that may start.
   */
  waiting_for: string | null;
  /** The reason code (and parameters) of `waiting_for`: `wait.fork-needs-ok-to-test`, `wait.concurrency-queue`. */
  waiting_reason: NullableJsonb<JsonObject>;
  /** The reason code of `error`, when the run failed outside of any job. */
  error_reason: NullableJsonb<JsonObject>;
  /** The run is for a fork's commit: nothing is dispatched without `/ok-to-test` for its sha (`fork_approvals`). */
  from_fork: Generated<boolean>;
  /**
   * Set when something happened that the run must decide on (created, released,
   * a job ended, a cancel asked for) and cleared by the transaction that
   * decides: a crash in between leaves it set, and reconciliation advances the run.
   */
  advance_due_at: NullableTimestamp;
  /** When a cancel was asked for (button, command, `cancel-in-progress`); the engine then cancels its jobs. */
  cancel_requested_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  /** When the first stage started. */
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

export type PipelineRun = Selectable<PipelineRunTable>;
export type NewPipelineRun = Insertable<PipelineRunTable>;
export type PipelineRunUpdate = Updateable<PipelineRunTable>;

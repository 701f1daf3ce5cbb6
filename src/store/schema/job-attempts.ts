import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Conclusion, CreatedAt, IdentityKey, JsonObject, NullableJsonb, NullableTimestamp } from './columns.ts';

/**
 * `pending` → `dispatching` (claimed by exactly one process) → `queued` →
 * `in_progress` → `completed`.
 */
export const jobAttemptStatuses = ['pending', 'dispatching', 'queued', 'in_progress', 'completed'] as const;
export type JobAttemptStatus = (typeof jobAttemptStatuses)[number];

/** The CI systems a job may run on (SPEC §13). */
export const jobProviderNames = ['actions', 'jenkins', 'gitlab', 'webhook'] as const;
export type JobProviderName = (typeof jobProviderNames)[number];

/**
 * One attempt at one job: one workflow dispatch (attempt 1) or one
 * `rerun-failed-jobs` of the same workflow run (attempt 2+, same
 * `workflow_run_id`, next `run_attempt`). `(stage_run_id, job, attempt)` and
 * `correlation_id` are unique; the database enforces that `conclusion` is set
 * exactly when `status` is `completed`.
 */
export interface JobAttemptTable {
  id: IdentityKey;
  pipeline_run_id: number;
  stage_run_id: number;
  /** The job id from the config. */
  job: string;
  /** 1 for the first dispatch, then one more per retry. */
  attempt: number;
  /** The workflow file name, e.g. `build.yml`. */
  workflow: string;
  /** The `shipgate_run` input (and advised `run-name`) that finds the workflow run again. */
  correlation_id: string;
  status: Generated<JobAttemptStatus>;
  conclusion: Conclusion | null;
  /** The inputs sent with the dispatch, so a re-dispatch after a crash sends the same. */
  inputs: NullableJsonb<JsonObject>;
  /** The CI system the attempt runs on (SPEC §13); `actions` for a GitHub Actions workflow run. */
  provider: Generated<JobProviderName>;
  /** The provider's id of the attempt's run: a Jenkins `queue:N` or `build:N`, a GitLab pipeline id (null for Actions, which uses `workflow_run_id`). */
  external_id: string | null;
  /** What the provider needs to find the run again (Jenkins job path, GitLab project, the webhook job's hashed callback token). */
  external: NullableJsonb<JsonObject>;
  /** The GitHub Actions workflow run (Actions attempts only). */
  workflow_run_id: number | null;
  run_attempt: number | null;
  html_url: string | null;
  /** When the attempt was claimed for dispatch (set by `claimJobAttemptForDispatch`). */
  dispatched_at: NullableTimestamp;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  /** When the job times out (`timeout` from the config). */
  deadline_at: NullableTimestamp;
  /** When a failed attempt's retry is due (exponential backoff). */
  next_retry_at: NullableTimestamp;
  /** Last webhook or poll that told us something; reconciliation polls attempts that went quiet. */
  last_event_at: NullableTimestamp;
  /** When shipgate cancelled this attempt (fail-fast, a cancelled run): it is not retried. */
  cancel_requested_at: NullableTimestamp;
  error: string | null;
  /** The reason code (and parameters) of `error`. */
  error_reason: NullableJsonb<JsonObject>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export type JobAttempt = Selectable<JobAttemptTable>;

/**
 * A status report a webhook job sent (`POST /api/v1/jobs/{id}/status`), by its
 * Standard Webhooks `webhook-id`: the same id twice is a replay and is refused.
 */
export interface JobStatusReceiptTable {
  webhook_id: string;
  job_attempt_id: number;
  status: string;
  received_at: Date;
}
export type NewJobAttempt = Insertable<JobAttemptTable>;
export type JobAttemptUpdate = Updateable<JobAttemptTable>;

import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { IdentityKey, JsonObject, NullableJsonb } from './columns.ts';

export const protectionRequestStatuses = ['pending', 'approved', 'rejected'] as const;
export type ProtectionRequestStatus = (typeof protectionRequestStatuses)[number];

/**
 * One `deployment_protection_rule.requested` event: a native Actions job waits
 * for shipgate to answer through `callback_url` (SPEC §6). Its deployment
 * request (`deployment_id`, source `protection`) goes through the same policy
 * and queue as any other; `(owner, repo, workflow_run_id, environment,
 * github_deployment_id)` is unique, so a redelivered event is the same request
 * and a re-run (same run id, a new deployment) a new one.
 */
export interface ProtectionRequestTable {
  id: IdentityKey;
  deployment_id: number;
  installation_id: number;
  owner: string;
  repo: string;
  environment: string;
  workflow_run_id: number;
  /** GitHub's deployment of the held job (a re-run of the workflow keeps the run id, with a new deployment). */
  github_deployment_id: number;
  /** `deployment_callback_url` of the event (`…/actions/runs/{run_id}/deployment_protection_rule`). */
  callback_url: string;
  /** `pending` until the answer is recorded; the answer itself goes out through the effect outbox. */
  status: Generated<ProtectionRequestStatus>;
  /** Status reports recorded so far (GitHub keeps at most 10 per deployment). */
  reports: Generated<number>;
  /** The text of the last status report, so the same wait is not reported twice. */
  last_report: string | null;
  /** The answer as sent (state and comment). */
  answer: NullableJsonb<JsonObject>;
  created_at: ColumnType<Date, Date, Date>;
  updated_at: ColumnType<Date, Date, Date>;
}

export type ProtectionRequest = Selectable<ProtectionRequestTable>;
export type NewProtectionRequest = Insertable<ProtectionRequestTable>;
export type ProtectionRequestUpdate = Updateable<ProtectionRequestTable>;

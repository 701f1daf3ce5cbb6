import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { Approval, ApprovalChannel, ApprovalCommentKind, ApprovalRequest, ApprovalRequestStatus, JsonObject } from '../schema/index.ts';

/** A new approval request (see `ApprovalRequestTable`); it starts `pending`. */
export interface ApprovalRequestInput {
  deployment_id: number;
  owner: string;
  repo: string;
  environment: string;
  sha: string;
  required: number;
  expires_at: Date | null;
  requested_by: string;
  approvers: readonly string[];
  allow_self_approval: boolean;
  comment_kind: ApprovalCommentKind;
  command_prefix?: string;
  issue_number?: number | null;
  comment_id?: number | null;
  now?: Date;
}

/** Fields of an approval request that change. */
export interface ApprovalRequestChanges {
  status?: ApprovalRequestStatus;
  comment_id?: number | null;
  issue_number?: number | null;
  reactions_polled_at?: Date | null;
  resolved_at?: Date | null;
  approved_at?: Date | null;
  reason?: JsonObject | null;
  resolved_by?: string | null;
  polls?: number;
  comment_kind?: ApprovalCommentKind;
}

/**
 * Creates the approval request of a deployment once: when the deployment has
 * one, it is returned with `created: false`.
 */
export async function createApprovalRequest(
  db: DbOrTrx,
  input: ApprovalRequestInput,
): Promise<{ approvalRequest: ApprovalRequest; created: boolean }> {
  const now = input.now ?? sql<Date>`now()`;
  const inserted = await db
    .insertInto('approval_requests')
    .values({
      deployment_id: input.deployment_id,
      owner: input.owner,
      repo: input.repo,
      environment: input.environment,
      sha: input.sha,
      required: input.required,
      expires_at: input.expires_at,
      requested_by: input.requested_by,
      approvers: toJsonb([...input.approvers]),
      allow_self_approval: input.allow_self_approval,
      comment_kind: input.comment_kind,
      command_prefix: input.command_prefix ?? '/',
      issue_number: input.issue_number ?? null,
      comment_id: input.comment_id ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('deployment_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { approvalRequest: inserted, created: true };
  const existing = await findApprovalRequestByDeployment(db, input.deployment_id);
  if (!existing) throw new Error(`approval request of deployment ${input.deployment_id} vanished`);
  return { approvalRequest: existing, created: false };
}

export async function getApprovalRequest(db: DbOrTrx, id: number): Promise<ApprovalRequest | undefined> {
  return db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findApprovalRequestByDeployment(
  db: DbOrTrx,
  deploymentId: number,
): Promise<ApprovalRequest | undefined> {
  return db.selectFrom('approval_requests').selectAll().where('deployment_id', '=', deploymentId).executeTakeFirst();
}

/** The pending approval requests of a repository, oldest first (optionally of one PR or environment). */
export async function listPendingApprovalRequests(
  db: DbOrTrx,
  key: { owner: string; repo: string; issue_number?: number; environment?: string },
): Promise<ApprovalRequest[]> {
  let query = db
    .selectFrom('approval_requests')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('status', '=', 'pending');
  if (key.issue_number !== undefined) query = query.where('issue_number', '=', key.issue_number);
  if (key.environment !== undefined) query = query.where('environment', '=', key.environment);
  return query.orderBy('id').execute();
}

/**
 * Applies `changes` and stamps `updated_at`; with `onlyIf.status`, only while
 * the request is in one of those statuses. Returns undefined when nothing was updated.
 */
export async function updateApprovalRequest(
  db: DbOrTrx,
  id: number,
  changes: ApprovalRequestChanges,
  options: { onlyIf?: { status: readonly ApprovalRequestStatus[] }; now?: Date } = {},
): Promise<ApprovalRequest | undefined> {
  let query = db
    .updateTable('approval_requests')
    .set({ ...changes, reason: changes.reason === undefined ? undefined : changes.reason === null ? null : toJsonb(changes.reason), updated_at: options.now ?? sql<Date>`now()` })
    .where('id', '=', id);
  if (options.onlyIf) query = query.where('status', 'in', options.onlyIf.status);
  return query.returningAll().executeTakeFirst();
}

/**
 * Records an approval once per approver: approving again (a second `/approve`,
 * a 👍 after a `/approve`) keeps the first and returns `recorded: false`.
 */
export async function recordApproval(
  db: DbOrTrx,
  approval: { approval_request_id: number; approver: string; sha: string; via: ApprovalChannel; now?: Date },
): Promise<{ approval: Approval; recorded: boolean }> {
  const inserted = await db
    .insertInto('approvals')
    .values({
      approval_request_id: approval.approval_request_id,
      approver: approval.approver,
      sha: approval.sha,
      via: approval.via,
      created_at: approval.now ?? sql<Date>`now()`,
    })
    .onConflict((oc) => oc.columns(['approval_request_id', 'approver']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { approval: inserted, recorded: true };
  const existing = await db
    .selectFrom('approvals')
    .selectAll()
    .where('approval_request_id', '=', approval.approval_request_id)
    .where('approver', '=', approval.approver)
    .executeTakeFirstOrThrow();
  return { approval: existing, recorded: false };
}

/** The approvals of a request, in the order they came. */
export async function listApprovals(db: DbOrTrx, approvalRequestId: number): Promise<Approval[]> {
  return db
    .selectFrom('approvals')
    .selectAll()
    .where('approval_request_id', '=', approvalRequestId)
    .orderBy('id')
    .execute();
}

/** Removes one approval (a 👍 taken back, an approver who no longer qualifies); returns whether there was one. */
export async function removeApproval(db: DbOrTrx, approvalRequestId: number, approver: string): Promise<boolean> {
  const removed = await db.deleteFrom('approvals').where('approval_request_id', '=', approvalRequestId).where('approver', '=', approver).returning('id').executeTakeFirst();
  return removed !== undefined;
}

/** Locks an approval request's row for the rest of the caller's transaction and returns it. */
export async function lockApprovalRequest(db: DbOrTrx, id: number): Promise<ApprovalRequest | undefined> {
  return db.selectFrom('approval_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * The approval request of a deployment (SPEC §6) inside the queue's
 * transactions: opened once when the policy first asks for approvals (its
 * comment and the polling of its reactions are recorded as effects), its facts
 * read for the policy, and settled (approved, rejected, expired, voided) by
 * the one function that ends it. Every change re-arms the comment.
 */
import type { Transaction } from 'kysely';
import { recordApprovalComment, recordReactionPolling } from '../effects/kinds.ts';
import { isReason, type Reason } from '../engine/reasons.ts';
import { parseDuration } from '../repo-config/duration.ts';
import type { DbOrTrx } from '../store/db.ts';
import { createApprovalRequest, findApprovalRequestByDeployment, getApprovalRequest, listApprovals, updateApprovalRequest } from '../store/repos/approvals.ts';
import { getDeployment } from '../store/repos/deployments.ts';
import type { Approval, ApprovalRequest, ApprovalRequestStatus, Database, Deployment, JsonObject } from '../store/schema/index.ts';
import type { ApprovalView } from './approval-view.ts';
import type { CommentPlace } from '../github/approval-comments.ts';
import { readSnapshot, type EnvironmentSnapshot } from './environment-policy.ts';
import type { ApprovalFacts } from './policy.ts';
import { recordApprovalNotification } from '../notify/record.ts';

/** Delays between two polls of a request comment's reactions: fast while people are likely to react, then every 5 minutes. */
export const REACTION_POLL_DELAYS_MS = [5_000, 5_000, 10_000, 15_000, 30_000, 30_000, 60_000, 60_000, 120_000, 300_000] as const;

/**
 * When to poll a request comment's reactions next, after `polls` polls: the
 * delay grows with the count ({@link REACTION_POLL_DELAYS_MS}, the last one
 * repeating). With an expiry, the last look is a second before it (a 👍 given
 * in the last minutes still counts), then one at the expiry itself, which
 * expires the request; none after (null).
 */
export function nextReactionPoll(polls: number, now: number, expiresAt: number | null): number | null {
  if (expiresAt !== null && now >= expiresAt) return null;
  const delay = REACTION_POLL_DELAYS_MS[Math.min(Math.max(0, polls), REACTION_POLL_DELAYS_MS.length - 1)] ?? 300_000;
  const at = now + delay;
  if (expiresAt === null) return at;
  const lastLook = expiresAt - 1_000;
  if (now < lastLook) return Math.min(at, lastLook);
  return expiresAt;
}

/** A deployment's approval request with what the policy needs of it. */
export async function approvalFacts(trx: Transaction<Database>, deploymentId: number): Promise<{ id: number; facts: ApprovalFacts } | null> {
  const request = await findApprovalRequestByDeployment(trx, deploymentId);
  if (!request) return null;
  const given = (await listApprovals(trx, request.id)).length;
  return {
    id: request.id,
    facts: {
      status: request.status,
      given,
      approvedAt: request.approved_at?.getTime() ?? null,
      expiresAt: request.expires_at?.getTime() ?? null,
      endReason: isReason(request.reason) ? request.reason : null,
    },
  };
}

/**
 * Opens the approval request of `deployment` (once: a second call finds the
 * first): it expires after the environment's `approval-timeout` (never without
 * one); its comment goes on the deployment's pull request, or (found when it is
 * written) the commit's; its reactions are polled from the first delay on.
 */
export async function openApprovalRequest(trx: Transaction<Database>, deployment: Deployment, policy: EnvironmentSnapshot, now: Date): Promise<void> {
  const expiresAt = policy.approvalTimeout !== undefined ? new Date(now.getTime() + parseDuration(policy.approvalTimeout)) : null;
  const { approvalRequest, created } = await createApprovalRequest(trx, {
    deployment_id: deployment.id,
    owner: deployment.owner,
    repo: deployment.repo,
    environment: deployment.environment,
    sha: deployment.sha,
    required: policy.approvals,
    expires_at: expiresAt,
    requested_by: deployment.requested_by,
    approvers: policy.approvers,
    allow_self_approval: policy.allowSelfApproval,
    comment_kind: 'issue',
    command_prefix: policy.commandPrefix ?? '/',
    issue_number: deployment.pr_number ?? deployment.issue_number,
    now,
  });
  if (!created) return;
  await recordApprovalNotification(trx, approvalRequest, deployment, now);
  await recordApprovalComment(trx, { approvalRequestId: approvalRequest.id, installationId: deployment.installation_id, now });
  const first = nextReactionPoll(0, now.getTime(), expiresAt?.getTime() ?? null);
  if (first !== null) await recordReactionPolling(trx, { approvalRequestId: approvalRequest.id, installationId: deployment.installation_id, now, at: new Date(first) });
}

/**
 * Ends (or approves) a pending approval request: `approved` stamps when the
 * last required approval arrived (the wait timer counts from it); the others
 * keep why and by whom. Returns whether it was still pending. Its comment is re-armed.
 */
export async function settleApprovalRequest(
  trx: Transaction<Database>,
  id: number,
  change: { status: Exclude<ApprovalRequestStatus, 'pending'>; reason: Reason | null; by: string | null; now: Date; from?: readonly ApprovalRequestStatus[] },
): Promise<boolean> {
  const updated = await updateApprovalRequest(
    trx,
    id,
    {
      status: change.status,
      ...(change.status === 'approved' ? { approved_at: change.now } : { resolved_at: change.now, resolved_by: change.by, reason: change.reason ? ({ ...change.reason } as JsonObject) : null }),
    },
    { onlyIf: { status: change.from ?? ['pending'] }, now: change.now },
  );
  if (!updated) return false;
  const deployment = await trx.selectFrom('deployments').select('installation_id').where('id', '=', updated.deployment_id).executeTakeFirst();
  await recordApprovalComment(trx, { approvalRequestId: id, installationId: deployment?.installation_id ?? null, now: change.now });
  return true;
}

/** A request's approvers as stored (a JSON column: anything but strings is dropped). */
export function approversOf(request: Pick<ApprovalRequest, 'approvers'>): string[] {
  return Array.isArray(request.approvers) ? request.approvers.filter((a): a is string => typeof a === 'string') : [];
}

/** Where a request's comment is (or goes): the commit's, or its issue's; null while a push's commit has no place yet. */
export function commentPlaceOf(request: Pick<ApprovalRequest, 'comment_kind' | 'sha' | 'issue_number'>): CommentPlace | null {
  if (request.comment_kind === 'commit') return { kind: 'commit', sha: request.sha };
  return request.issue_number !== null ? { kind: 'issue', issue: request.issue_number } : null;
}

/** An approval request with what its comment and check show, read from the store; undefined when it is gone. */
export async function loadApprovalView(db: DbOrTrx, approvalRequestId: number): Promise<{ request: ApprovalRequest; deployment: Deployment; view: ApprovalView } | undefined> {
  const request = await getApprovalRequest(db, approvalRequestId);
  if (!request) return undefined;
  const deployment = await getDeployment(db, request.deployment_id);
  if (!deployment) return undefined;
  return { request, deployment, view: approvalViewOf(request, deployment, await listApprovals(db, request.id)) };
}

/** The view of a request from its rows (pure). */
export function approvalViewOf(request: ApprovalRequest, deployment: Deployment, approvals: readonly Approval[]): ApprovalView {
  const policy = readSnapshot(deployment.policy, deployment.environment);
  const why = isReason(deployment.reason) ? deployment.reason : null;
  const position = why?.code === 'deploy.queued' ? why.position : null;
  const waitUntil = request.approved_at && policy.wait !== undefined ? new Date(request.approved_at.getTime() + parseDuration(policy.wait)) : null;
  return {
    requestId: request.id,
    deploymentId: deployment.id,
    environment: request.environment,
    sha: request.sha,
    required: request.required,
    approvers: approversOf(request),
    allowSelfApproval: request.allow_self_approval,
    requestedBy: request.requested_by,
    prefix: request.command_prefix,
    onCommit: request.comment_kind === 'commit',
    status: request.status,
    expiresAt: request.expires_at,
    approvals: approvals.map((a) => ({ approver: a.approver, via: a.via, at: a.created_at })),
    endReason: isReason(request.reason) ? request.reason : null,
    waitUntil,
    deployment: { status: deployment.status, reason: why, queuePosition: position, logUrl: deployment.log_url },
  };
}

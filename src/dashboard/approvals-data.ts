/**
 * The approvals page's data: the pending approval requests of every
 * repository, oldest first, with the approvals counted so far (those given for
 * the request's sha; a push voids the others).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import type { ApprovalsPageView, PendingApprovalView } from './approvals-page.ts';

/** Pending requests shown at most. */
export const MAX_PENDING = 200;

/** The approvals page's data. */
export async function loadApprovalsPage(db: Kysely<Database>, now: Date): Promise<ApprovalsPageView> {
  const requests = await db.selectFrom('approval_requests').selectAll().where('status', '=', 'pending').orderBy('created_at').orderBy('id').limit(MAX_PENDING).execute();
  const approvals =
    requests.length === 0
      ? []
      : await db
          .selectFrom('approvals')
          .select(['approval_request_id', 'approver', 'sha', 'via', 'created_at'])
          .where(
            'approval_request_id',
            'in',
            requests.map((request) => request.id),
          )
          .orderBy('created_at')
          .orderBy('id')
          .execute();
  const pending: PendingApprovalView[] = requests.map((request) => ({
    id: request.id,
    deploymentId: request.deployment_id,
    owner: request.owner,
    repo: request.repo,
    environment: request.environment,
    sha: request.sha,
    requestedBy: request.requested_by,
    approvers: request.approvers,
    allowSelfApproval: request.allow_self_approval,
    required: request.required,
    approvals: approvals
      .filter((approval) => approval.approval_request_id === request.id && approval.sha === request.sha)
      .map((approval) => ({ approver: approval.approver, via: approval.via, at: approval.created_at })),
    createdAt: request.created_at,
    expiresAt: request.expires_at,
    issueNumber: request.issue_number,
  }));
  return { pending, now };
}

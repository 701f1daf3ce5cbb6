/**
 * An approval request of SPEC §6 as the request comment and the
 * `shipgate/deploy/<env>` check show it. The engine builds it from the
 * recorded request, its approvals and its deployment; `approval-comment.ts`
 * renders it, as pure functions.
 */
import type { Reason } from '../engine/reasons.ts';

/** How an approval arrived: an `approve` comment, a 👍 on the request comment, or the check's **Approve** button. */
export type ApprovalChannelName = 'command' | 'reaction' | 'check_run';

/** An approval request as the request comment and the `shipgate/deploy/<env>` check show it. */
export interface ApprovalView {
  requestId: number; // the approval request's id
  deploymentId: number; // shipgate's deployment request id (#N in texts)
  environment: string;
  sha: string; // 40 hex
  required: number; // distinct approvals needed (>= 1)
  approvers: string[]; // as configured: user logins and teams '@org/slug'
  allowSelfApproval: boolean;
  requestedBy: string; // login of whoever asked for the deployment
  prefix: string; // command prefix, '/' or e.g. 'shipgate '
  /** The request comment is on a commit (no pull request): commands are not read there. */
  onCommit?: boolean;
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  expiresAt: Date | null; // null: no approval-timeout
  approvals: Array<{ approver: string; via: ApprovalChannelName; at: Date }>; // counted approvals, in order
  /** Why the request ended (rejected: reason with `by` and optional `reason` params; cancelled: e.g. a new push; expired) — null while pending/approved. */
  endReason: Reason | null;
  /** After the last required approval: when the wait timer ends (null: no timer or not reached). */
  waitUntil: Date | null;
  /** What the deployment itself does now: its status (requested|waiting|queued|deploying|succeeded|failed|cancelled|refused|rejected|expired|rolled-back), why (a reason) and its queue position when queued. */
  deployment: { status: string; reason: Reason | null; queuePosition: number | null; logUrl: string | null };
}

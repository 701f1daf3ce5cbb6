import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, IdentityKey, NullableTimestamp } from './columns.ts';

export const approvalRequestStatuses = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalRequestStatus = (typeof approvalRequestStatuses)[number];

/** The approval request of one deployment (at most one per deployment). */
export interface ApprovalRequestTable {
  id: IdentityKey;
  deployment_id: number;
  owner: string;
  repo: string;
  environment: string;
  /** Approvals count only for this sha: a new push voids them. */
  sha: string;
  /** Distinct approvals required. */
  required: number;
  /** The PR (or issue) the request comment is on. */
  issue_number: number | null;
  /** The request comment, whose 👍 reactions are polled. */
  comment_id: number | null;
  status: Generated<ApprovalRequestStatus>;
  expires_at: Date;
  /** Last poll of the request comment's reactions. */
  reactions_polled_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  resolved_at: NullableTimestamp;
}

export type ApprovalRequest = Selectable<ApprovalRequestTable>;
export type NewApprovalRequest = Insertable<ApprovalRequestTable>;
export type ApprovalRequestUpdate = Updateable<ApprovalRequestTable>;

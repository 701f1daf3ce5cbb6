import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ColumnType } from 'kysely';
import type { CreatedAt, IdentityKey, JsonObject, NullableJsonb, NullableTimestamp } from './columns.ts';

export const approvalRequestStatuses = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;
export type ApprovalRequestStatus = (typeof approvalRequestStatuses)[number];

/** Where the request comment is: on a pull request (or issue), or on the commit itself. */
export const approvalCommentKinds = ['issue', 'commit'] as const;
export type ApprovalCommentKind = (typeof approvalCommentKinds)[number];

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
  /** When the request expires (`approval-timeout`); null: never. */
  expires_at: Date | null;
  /** Last poll of the request comment's reactions. */
  reactions_polled_at: NullableTimestamp;
  /** Who asked for the deployment (may not approve it unless `allow_self_approval`). */
  requested_by: ColumnType<string, string | undefined, string>;
  /** The environment's `approvers` when the request was made (users and `@org/slug` teams). */
  approvers: ColumnType<string[], string | undefined, string>;
  allow_self_approval: ColumnType<boolean, boolean | undefined, boolean>;
  comment_kind: ColumnType<ApprovalCommentKind, ApprovalCommentKind | undefined, ApprovalCommentKind>;
  /** When the last required approval arrived (the wait timer counts from here). */
  approved_at: NullableTimestamp;
  /** Why it ended (a reason code: rejected, expired, a new push). */
  reason: NullableJsonb<JsonObject>;
  /** Who ended it (a rejecting approver; `shipgate` for an expiry or a new push). */
  resolved_by: string | null;
  /** How many times its comment's reactions were polled (the poll interval grows with it). */
  polls: Generated<number>;
  /** The repository's command prefix when the request was made (the comment's instructions use it). */
  command_prefix: ColumnType<string, string | undefined, string>;
  /** Reactions (`login#reactionId`) judged and refused (not an approver, a bot, the requester): not asked about again while they stay; given anew, they are. */
  refused_reactors: ColumnType<string[], string | undefined, string>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  resolved_at: NullableTimestamp;
}

export type ApprovalRequest = Selectable<ApprovalRequestTable>;
export type NewApprovalRequest = Insertable<ApprovalRequestTable>;
export type ApprovalRequestUpdate = Updateable<ApprovalRequestTable>;

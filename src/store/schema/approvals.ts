import type { Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, IdentityKey } from './columns.ts';

export const approvalChannels = ['command', 'reaction', 'check_run'] as const;
export type ApprovalChannel = (typeof approvalChannels)[number];

/** One approver's approval of a request; `(approval_request_id, approver)` is unique. */
export interface ApprovalTable {
  id: IdentityKey;
  approval_request_id: number;
  /** The approver's login. */
  approver: string;
  /** The sha approved (the request's sha at the time). */
  sha: string;
  via: ApprovalChannel;
  created_at: CreatedAt;
}

export type Approval = Selectable<ApprovalTable>;
export type NewApproval = Insertable<ApprovalTable>;
export type ApprovalUpdate = Updateable<ApprovalTable>;

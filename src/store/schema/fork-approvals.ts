import type { Insertable, Selectable } from 'kysely';

/** `/ok-to-test` on a fork's commit: the runs of that sha may dispatch. One row per sha. */
export interface ForkApprovalTable {
  owner: string;
  repo: string;
  sha: string;
  pr_number: number | null;
  /** The login with write access who allowed it. */
  approved_by: string;
  approved_at: Date;
}

export type ForkApproval = Selectable<ForkApprovalTable>;
export type NewForkApproval = Insertable<ForkApprovalTable>;

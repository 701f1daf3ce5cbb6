import type { Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt } from './columns.ts';

/** An environment lock (`/lock ENV`): blocks deployments by anyone but its holder. */
export interface LockTable {
  owner: string;
  repo: string;
  environment: string;
  /** The login holding the lock. */
  holder: string;
  reason: string | null;
  /** The pull request and commit it was taken from, when taken with `/lock` on a pull request. */
  pr_number: number | null;
  sha: string | null;
  created_at: CreatedAt;
}

export type Lock = Selectable<LockTable>;
export type NewLock = Insertable<LockTable>;
export type LockUpdate = Updateable<LockTable>;

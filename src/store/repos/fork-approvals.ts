import type { DbOrTrx } from '../db.ts';
import type { ForkApproval } from '../schema/index.ts';

/** Whether `/ok-to-test` was given for this commit of the repository. */
export async function isForkApproved(db: DbOrTrx, commit: { owner: string; repo: string; sha: string }): Promise<boolean> {
  const row = await db
    .selectFrom('fork_approvals')
    .select('sha')
    .where('owner', '=', commit.owner)
    .where('repo', '=', commit.repo)
    .where('sha', '=', commit.sha)
    .executeTakeFirst();
  return row !== undefined;
}

/** Records `/ok-to-test` for a fork's commit (once per sha; the first approver is kept). */
export async function approveFork(
  db: DbOrTrx,
  approval: { owner: string; repo: string; sha: string; prNumber: number | null; approvedBy: string; now: Date },
): Promise<ForkApproval> {
  await db
    .insertInto('fork_approvals')
    .values({ owner: approval.owner, repo: approval.repo, sha: approval.sha, pr_number: approval.prNumber, approved_by: approval.approvedBy, approved_at: approval.now })
    .onConflict((oc) => oc.columns(['owner', 'repo', 'sha']).doNothing())
    .execute();
  return db
    .selectFrom('fork_approvals')
    .selectAll()
    .where('owner', '=', approval.owner)
    .where('repo', '=', approval.repo)
    .where('sha', '=', approval.sha)
    .executeTakeFirstOrThrow();
}

/** The `/ok-to-test` of a fork's commit (who allowed it, when), if it was given. */
export async function findForkApproval(db: DbOrTrx, commit: { owner: string; repo: string; sha: string }): Promise<ForkApproval | undefined> {
  return db
    .selectFrom('fork_approvals')
    .selectAll()
    .where('owner', '=', commit.owner)
    .where('repo', '=', commit.repo)
    .where('sha', '=', commit.sha)
    .executeTakeFirst();
}

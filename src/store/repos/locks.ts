import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import type { Lock } from '../schema/index.ts';

/** An environment of a repository. */
export interface LockKey {
  owner: string;
  repo: string;
  environment: string;
}

export type AcquireLockResult = { acquired: true; lock: Lock } | { acquired: false; heldBy: Lock };

/**
 * Locks an environment for `holder`. Succeeds when it is free or already held
 * by `holder` (then the reason is updated); fails, returning the current lock,
 * when someone else holds it. Logins compare case-insensitively, like GitHub's.
 */
export async function acquireLock(
  db: DbOrTrx,
  lock: LockKey & { holder: string; reason?: string | null; prNumber?: number | null; sha?: string | null; now?: Date },
): Promise<AcquireLockResult> {
  // A lock released between the insert and the read is retried; it takes a
  // release racing every round to get past three.
  for (let round = 0; round < 3; round++) {
    const result = await tryAcquireLock(db, lock);
    if (result) return result;
  }
  throw new Error(`could not lock ${lock.owner}/${lock.repo} ${lock.environment}: it keeps changing hands`);
}

async function tryAcquireLock(
  db: DbOrTrx,
  lock: LockKey & { holder: string; reason?: string | null; prNumber?: number | null; sha?: string | null; now?: Date },
): Promise<AcquireLockResult | undefined> {
  const acquired = await db
    .insertInto('locks')
    .values({
      owner: lock.owner,
      repo: lock.repo,
      environment: lock.environment,
      holder: lock.holder,
      reason: lock.reason ?? null,
      pr_number: lock.prNumber ?? null,
      sha: lock.sha ?? null,
      created_at: lock.now ?? sql<Date>`now()`,
    })
    .onConflict((oc) =>
      oc
        .columns(['owner', 'repo', 'environment'])
        .doUpdateSet((eb) => ({ reason: eb.ref('excluded.reason') }))
        .where(sql<boolean>`lower(locks.holder) = lower(excluded.holder)`),
    )
    .returningAll()
    .executeTakeFirst();
  if (acquired) return { acquired: true, lock: acquired };
  const heldBy = await getLock(db, lock);
  return heldBy ? { acquired: false, heldBy } : undefined;
}

/**
 * Unlocks an environment. With `holder`, only that holder's lock is removed
 * (someone else's stays and is returned as `heldBy`); without, any lock is
 * (admins). `released` is false when nothing was removed.
 */
export async function releaseLock(
  db: DbOrTrx,
  key: LockKey,
  options: { holder?: string } = {},
): Promise<{ released: true; lock: Lock } | { released: false; heldBy?: Lock }> {
  let query = db
    .deleteFrom('locks')
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('environment', '=', key.environment);
  if (options.holder !== undefined) {
    query = query.where(sql<boolean>`lower(holder) = lower(${options.holder})`);
  }
  const released = await query.returningAll().executeTakeFirst();
  if (released) return { released: true, lock: released };
  const heldBy = await getLock(db, key);
  return heldBy ? { released: false, heldBy } : { released: false };
}

export async function getLock(db: DbOrTrx, key: LockKey): Promise<Lock | undefined> {
  return db
    .selectFrom('locks')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('environment', '=', key.environment)
    .executeTakeFirst();
}

/** The locks of a repository, by environment. */
export async function listLocks(db: DbOrTrx, repo: { owner: string; repo: string }): Promise<Lock[]> {
  return db
    .selectFrom('locks')
    .selectAll()
    .where('owner', '=', repo.owner)
    .where('repo', '=', repo.repo)
    .orderBy('environment')
    .execute();
}

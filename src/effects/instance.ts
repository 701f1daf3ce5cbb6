import { randomInt } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import type { Store } from '../store/db.ts';
import { INSTANCE_LOCK_CLASS } from '../store/repos/effects.ts';

/** This process among the replicas: an id held as a session advisory lock while the process lives. */
export interface Instance {
  id: number;
  /** Lets go of the lock (on stop); a process that dies lets go with its connection. */
  release(): Promise<void>;
}

/**
 * Takes a fresh instance id and holds `pg_advisory_lock(INSTANCE_LOCK_CLASS, id)`
 * on a session of its own (PostgreSQL: a dedicated connection; PGlite: its one
 * session). Effects a process claimed carry its id: when its lock is gone, the
 * process is gone, and another replica takes the effects over at once instead
 * of waiting for their lease to run out.
 */
export async function registerInstance(store: Store): Promise<Instance> {
  for (let tries = 0; tries < 5; tries++) {
    const id = randomInt(1, 2 ** 31 - 1);
    if (store.kind === 'pglite') {
      const row = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${INSTANCE_LOCK_CLASS}::int, ${id}::int) as locked`.execute(store.db);
      if (!row.rows[0]?.locked) continue;
      return {
        id,
        release: async () => {
          if (store.pglite?.closed) return;
          await sql`select pg_advisory_unlock(${INSTANCE_LOCK_CLASS}::int, ${id}::int)`.execute(store.db).catch(() => {});
        },
      };
    }
    const url = store.pool?.options.connectionString;
    if (!url) throw new Error('the PostgreSQL store has no connection string for the instance lock');
    const client = new pg.Client({ connectionString: url, application_name: 'shipgate-instance' });
    client.on('error', () => {});
    await client.connect();
    const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::int, $2::int) as locked', [INSTANCE_LOCK_CLASS, id]);
    if (!result.rows[0]?.locked) {
      await client.end();
      continue;
    }
    return { id, release: () => client.end().catch(() => {}) };
  }
  throw new Error('could not take an instance id after 5 tries');
}

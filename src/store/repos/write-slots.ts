import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';

/**
 * Takes the next write slot of `lane`, atomically across every process on the
 * database: the slot is the later of the lane's `next_at` and `nowMs`, and
 * `next_at` moves to one interval after it. Returns the slot (ms since the
 * epoch): the caller waits until then and sends. Times come from the caller's
 * clock, never the database's `now()`, so tests drive them and every replica
 * paces on the clock it sends by.
 */
export async function takeWriteSlot(db: DbOrTrx, lane: string, nowMs: number, intervalMs: number): Promise<number> {
  const now = new Date(nowMs);
  const row = await db
    .insertInto('write_slots')
    .values({ lane, next_at: new Date(nowMs + intervalMs) })
    .onConflict((oc) =>
      oc.column('lane').doUpdateSet({
        next_at: sql<Date>`greatest(write_slots.next_at, ${now}::timestamptz) + ${intervalMs}::double precision * interval '1 millisecond'`,
      }),
    )
    .returning('next_at')
    .executeTakeFirstOrThrow();
  return row.next_at.getTime() - intervalMs;
}

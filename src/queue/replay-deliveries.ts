import type { PgBoss } from 'pg-boss';
import type { DbOrTrx } from '../store/db.ts';
import { deliveryStatusesOf, failedDeliveries, reopenFailedDeliveries } from '../store/repos/deliveries.ts';
import { QUEUES } from './boss.ts';

const BATCH = 500;

/**
 * Replays failed deliveries: queues each one again as a new job on the
 * delivery queue (pg-boss on the same database, so whichever process works the
 * queue — the running app on PostgreSQL, or the app's next start on the
 * embedded database — picks it up), then moves it back to `received`.
 *
 * Queued first, reopened second: a job that runs before the reopen still
 * processes the delivery (the worker skips only processed and ignored ones),
 * and a crash in between leaves a queued job, never an open delivery that
 * nothing will pick up. The job gets a fresh id: the delivery's own id is taken
 * by the job that failed. Returns the ids replayed; ids that are not failed
 * are left alone (check them first for a useful message).
 */
export async function replayDeliveries(db: DbOrTrx, boss: PgBoss, ids: readonly string[] | 'all-failed'): Promise<string[]> {
  if (ids !== 'all-failed') return replayBatch(db, boss, [...new Set(ids)]);
  const replayed: string[] = [];
  for (;;) {
    const batch = (await failedDeliveries(db, { limit: BATCH })).map((delivery) => delivery.id);
    const reopened = await replayBatch(db, boss, batch);
    replayed.push(...reopened);
    // Reopened ones are no longer failed, so the next page holds the next ones.
    if (batch.length < BATCH || reopened.length === 0) return replayed;
  }
}

async function replayBatch(db: DbOrTrx, boss: PgBoss, ids: readonly string[]): Promise<string[]> {
  const statuses = await deliveryStatusesOf(db, ids);
  const failed = ids.filter((id) => statuses.get(id) === 'failed');
  for (const deliveryId of failed) await boss.send(QUEUES.delivery, { deliveryId });
  return reopenFailedDeliveries(db, failed);
}

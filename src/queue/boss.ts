import { PgBoss, fromPglite } from 'pg-boss';
import type { Logger } from 'pino';
import type { Store } from '../store/db.ts';

/** Names of shipgate's queues; one place, so producers and workers agree. */
export const QUEUES = {
  /** A recorded webhook delivery waiting to be processed. */
  delivery: 'shipgate-delivery',
  /** A pipeline run to advance at a time: a retry or a deadline falls due. */
  wake: 'shipgate-wake',
  /** The periodic reconciliation (every minute, and once at start). */
  reconcile: 'shipgate-reconcile',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * Starts pg-boss on the store's own database: the PostgreSQL connection string,
 * or the embedded PGlite through pg-boss's `fromPglite` adapter.
 */
export async function startQueue(store: Store, options: { log: Logger }): Promise<PgBoss> {
  const boss =
    store.kind === 'pglite' && store.pglite
      ? new PgBoss({ db: fromPglite(store.pglite), backend: 'pglite', useListenNotify: true, schema: 'pgboss', instanceName: 'shipgate' })
      : new PgBoss({ connectionString: connectionStringOf(store), useListenNotify: true, schema: 'pgboss', max: 4, instanceName: 'shipgate' });
  boss.on('error', (err: unknown) => options.log.error({ err }, 'queue error'));
  await boss.start();
  // A worker that dies mid-job stops its heartbeat; pg-boss then hands the job to another.
  const retrying = { retryLimit: 8, retryDelay: 2, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 600, heartbeatSeconds: 15, notify: true } as const;
  await boss.createQueue(QUEUES.delivery, retrying);
  await boss.createQueue(QUEUES.wake, retrying);
  await boss.createQueue(QUEUES.reconcile, { retryLimit: 0, expireInSeconds: 300, policy: 'singleton' });
  return boss;
}

/** The queue uses its own small pool on the store's database. */
function connectionStringOf(store: Store): string {
  const url = store.pool?.options.connectionString;
  if (!url) throw new Error('the PostgreSQL store has no connection string for the queue');
  return url;
}

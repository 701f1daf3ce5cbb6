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

/** How the delivery and wake queues retry a failed job (pg-boss queue options). */
export interface QueueRetry {
  /** Retries after the first try; the try after the last retry is the last (default 8). */
  retryLimit: number;
  /** Seconds before the first retry (default 2), doubled each time up to 300 s when `retryBackoff`. */
  retryDelay: number;
  retryBackoff: boolean;
}

/** shipgate's retry policy for deliveries and wake-ups: 9 tries over about 10 minutes. */
export const DEFAULT_QUEUE_RETRY: QueueRetry = { retryLimit: 8, retryDelay: 2, retryBackoff: true };

/**
 * Starts pg-boss on the store's own database: the PostgreSQL connection string,
 * or the embedded PGlite through pg-boss's `fromPglite` adapter. `retry`
 * applies when the queues are first created (tests shorten it).
 */
export async function startQueue(store: Store, options: { log: Logger; retry?: Partial<QueueRetry> | undefined }): Promise<PgBoss> {
  const boss =
    store.kind === 'pglite' && store.pglite
      ? new PgBoss({ db: fromPglite(store.pglite), backend: 'pglite', useListenNotify: true, schema: 'pgboss', instanceName: 'shipgate' })
      : new PgBoss({ connectionString: connectionStringOf(store), useListenNotify: true, schema: 'pgboss', max: 4, instanceName: 'shipgate' });
  boss.on('error', (err: unknown) => options.log.error({ err }, 'queue error'));
  await boss.start();
  // A worker that dies mid-job stops its heartbeat; pg-boss then hands the job to another.
  const retry = { ...DEFAULT_QUEUE_RETRY, ...options.retry };
  const retrying = { ...retry, ...(retry.retryBackoff ? { retryDelayMax: 300 } : {}), expireInSeconds: 600, heartbeatSeconds: 15, notify: true } as const;
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

import type { PgBoss } from 'pg-boss';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema/index.ts';
import { QUEUES } from './boss.ts';
import { enqueueDelivery } from '../intake/receive-delivery.ts';
import { getDelivery, markDelivery, pendingDeliveries } from '../store/repos/deliveries.ts';
import { processDelivery } from '../engine/process-delivery.ts';
import type { EngineDeps } from '../engine/deps.ts';

export interface DeliveryWorkerDeps {
  boss: PgBoss;
  engine: EngineDeps;
  log: Logger;
}

/**
 * Works the delivery queue: takes deliveries in batches (and keeps fetching
 * while batches come back full), processes a batch's deliveries concurrently,
 * and settles each job on its own, so one failing delivery is retried (with
 * pg-boss's backoff) without holding back the others. A failed try that will
 * be retried leaves the delivery `received` with its error; the last one
 * (pg-boss's `retryLimit` reached) leaves it `failed` and is logged once, at
 * error level, for `shipgate deliveries replay`.
 */
export async function startDeliveryWorker(deps: DeliveryWorkerDeps): Promise<string> {
  const options = {
    batchSize: 8,
    localConcurrency: 2,
    burstWhenBatchFull: true,
    pollingIntervalSeconds: 1,
    notifyPollingIntervalSeconds: 1,
    perJobResults: true,
    includeMetadata: true,
  } as const;
  return deps.boss.work<{ deliveryId: string }, unknown, typeof options>(
    QUEUES.delivery,
    options,
    async (jobs) =>
      Promise.all(
        jobs.map(async (job) => {
          try {
            await processOne(deps, job.data.deliveryId, { lastTry: job.retryCount >= job.retryLimit });
            return { id: job.id, status: 'completed' as const };
          } catch (err) {
            return { id: job.id, status: 'failed' as const, output: { error: (err as Error).message } };
          }
        }),
      ),
  );
}

async function processOne(deps: DeliveryWorkerDeps, deliveryId: string, options: { lastTry: boolean }): Promise<void> {
  const delivery = await getDelivery(deps.engine.db, deliveryId);
  if (!delivery) {
    deps.log.warn({ delivery: deliveryId }, 'queued delivery is not in the store');
    return;
  }
  if (delivery.status === 'processed' || delivery.status === 'ignored') return;
  const log = deps.log.child({ delivery: deliveryId, event: delivery.event });
  try {
    await markDelivery(deps.engine.db, deliveryId, 'processing');
    const outcome = await processDelivery({ ...deps.engine, log }, delivery);
    await markDelivery(deps.engine.db, deliveryId, outcome === 'ignored' ? 'ignored' : 'processed');
    deps.engine.metrics?.observeDelivery(delivery.event, outcome);
  } catch (err) {
    deps.engine.metrics?.observeDelivery(delivery.event, options.lastTry ? 'failed' : 'retried');
    const message = (err as Error).message;
    if (options.lastTry) {
      const failed = await markDelivery(deps.engine.db, deliveryId, 'failed', message, new Date(deps.engine.clock.now()));
      log.error(
        { err, action: delivery.action, repository: delivery.repository, attempts: failed?.attempts ?? delivery.attempts + 1 },
        `delivery failed on its last try; see \`shipgate deliveries --failed\`, replay it with \`shipgate deliveries replay ${deliveryId}\``,
      );
    } else {
      log.warn({ err }, 'delivery processing failed; it will be retried');
      await markDelivery(deps.engine.db, deliveryId, 'received', message);
    }
    throw err;
  }
}

/**
 * Deliveries recorded but never processed (the process died between recording
 * and queueing, or while processing) are queued again at start.
 */
export async function requeueUnprocessedDeliveries(
  db: Kysely<Database>,
  boss: PgBoss,
  options: { olderThan?: Date; fresh?: boolean } = {},
): Promise<number> {
  const pending = await pendingDeliveries(db, options.olderThan ? { olderThan: options.olderThan } : {});
  for (const delivery of pending) await enqueueDelivery(boss, delivery.id, { fresh: options.fresh === true });
  return pending.length;
}

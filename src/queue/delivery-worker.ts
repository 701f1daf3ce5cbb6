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
 * Works the delivery queue: loads the recorded delivery, hands it to the engine,
 * and marks the outcome. A throw leaves the job to pg-boss's retry with backoff.
 */
export async function startDeliveryWorker(deps: DeliveryWorkerDeps): Promise<string> {
  return deps.boss.work<{ deliveryId: string }>(
    QUEUES.delivery,
    { batchSize: 1, localConcurrency: 4, pollingIntervalSeconds: 1 },
    async ([job]) => {
      if (!job) return;
      const { deliveryId } = job.data;
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
      } catch (err) {
        log.error({ err }, 'delivery processing failed; it will be retried');
        await markDelivery(deps.engine.db, deliveryId, 'failed', (err as Error).message);
        throw err;
      }
    },
  );
}

/**
 * Deliveries recorded but never processed (the process died between recording
 * and queueing, or while processing) are queued again at start.
 */
export async function requeueUnprocessedDeliveries(db: Kysely<Database>, boss: PgBoss): Promise<number> {
  const pending = await pendingDeliveries(db, {});
  for (const delivery of pending) await enqueueDelivery(boss, delivery.id);
  return pending.length;
}

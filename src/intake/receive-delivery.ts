import type { PgBoss } from 'pg-boss';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { recordDelivery } from '../store/repos/deliveries.ts';
import { QUEUES } from '../queue/boss.ts';

/** A webhook that passed signature verification, as Probot hands it over. */
export interface VerifiedDelivery {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

export type IntakeOutcome = { kind: 'recorded' } | { kind: 'duplicate' };

/**
 * The webhook path of SPEC §8, before acknowledgement: record the delivery once
 * (a redelivered `X-GitHub-Delivery` is acknowledged and ignored). One write:
 * the caller queues it right after the answer went out (`enqueueDelivery`). If
 * this throws, the webhook is answered 500; GitHub does not redeliver on its
 * own, so `redeliverMissedDeliveries` (every reconciliation pass) asks it to;
 * a delivery recorded but never queued (the process died in between) is queued
 * by `requeueUnprocessedDeliveries`, at start and on every reconciliation pass.
 */
export async function receiveDelivery(db: Kysely<Database>, delivery: VerifiedDelivery, now: Date): Promise<IntakeOutcome> {
  const payload = delivery.payload;
  const installation = payload.installation as { id?: number } | undefined;
  const repository = payload.repository as { full_name?: string } | undefined;
  const action = typeof payload.action === 'string' ? payload.action : null;
  const { inserted } = await recordDelivery(db, {
    id: delivery.id,
    event: delivery.name,
    action,
    installation_id: installation?.id ?? null,
    repository: repository?.full_name ?? null,
    payload,
    received_at: now,
  });
  return inserted ? { kind: 'recorded' } : { kind: 'duplicate' };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Queues one delivery. GitHub's delivery ids are UUIDs, so they double as the
 * job id and a second enqueue of the same delivery is a no-op; processing is
 * idempotent besides, for ids of any other shape.
 */
export async function enqueueDelivery(boss: PgBoss, deliveryId: string, options: { fresh?: boolean } = {}): Promise<string | null> {
  // At start, a job of this delivery may still be `active` for a process that died (pg-boss would
  // only notice after its heartbeat times out): a fresh job id queues it again now.
  if (options.fresh) return boss.send(QUEUES.delivery, { deliveryId });
  return boss.send(QUEUES.delivery, { deliveryId }, UUID.test(deliveryId) ? { id: deliveryId.toLowerCase() } : {});
}

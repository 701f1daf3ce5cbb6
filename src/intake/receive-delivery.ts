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

export type IntakeOutcome = { kind: 'recorded'; jobId: string | null } | { kind: 'duplicate' };

/**
 * The webhook path of SPEC §8, before acknowledgement: record the delivery once
 * (a redelivered `X-GitHub-Delivery` is acknowledged and ignored) and queue it
 * for processing. If this throws, the webhook is answered 500 and GitHub keeps it
 * for redelivery; if the process dies after recording but before queueing,
 * `requeueUnprocessedDeliveries` picks it up at the next start.
 */
export async function receiveDelivery(
  db: Kysely<Database>,
  boss: PgBoss,
  delivery: VerifiedDelivery,
  now: Date,
): Promise<IntakeOutcome> {
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
  if (!inserted) return { kind: 'duplicate' };
  const jobId = await enqueueDelivery(boss, delivery.id);
  return { kind: 'recorded', jobId };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Queues one delivery. GitHub's delivery ids are UUIDs, so they double as the
 * job id and a second enqueue of the same delivery is a no-op; processing is
 * idempotent besides, for ids of any other shape.
 */
export async function enqueueDelivery(boss: PgBoss, deliveryId: string): Promise<string | null> {
  return boss.send(QUEUES.delivery, { deliveryId }, UUID.test(deliveryId) ? { id: deliveryId.toLowerCase() } : {});
}

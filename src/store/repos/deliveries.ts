import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { Delivery, DeliveryStatus } from '../schema/index.ts';

/** A webhook delivery as received (see `DeliveryTable` for the fields). */
export interface DeliveryInput {
  id: string;
  event: string;
  action?: string | null;
  installation_id?: number | null;
  repository?: string | null;
  payload: unknown;
  /** Default: the database's `now()`. */
  received_at?: Date;
}

/**
 * Records a delivery once. A redelivery of the same `X-GitHub-Delivery` id
 * (or the same one arriving twice at once) is not recorded again:
 * `inserted` is false and the first record stays as it was.
 */
export async function recordDelivery(db: DbOrTrx, delivery: DeliveryInput): Promise<{ inserted: boolean }> {
  const row = await db
    .insertInto('deliveries')
    .values({
      id: delivery.id,
      event: delivery.event,
      action: delivery.action ?? null,
      installation_id: delivery.installation_id ?? null,
      repository: delivery.repository ?? null,
      payload: toJsonb(delivery.payload),
      ...(delivery.received_at ? { received_at: delivery.received_at } : {}),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return { inserted: row !== undefined };
}

/** The delivery with this id, if recorded. */
export async function getDelivery(db: DbOrTrx, id: string): Promise<Delivery | undefined> {
  return db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Moves a delivery to `status`. Moving to `processing` counts an attempt;
 * `processed`, `failed` and `ignored` stamp `processed_at`. `error` is stored as
 * given (pass nothing to clear it). Returns the updated delivery, or undefined
 * when there is no such delivery.
 */
export async function markDelivery(
  db: DbOrTrx,
  id: string,
  status: DeliveryStatus,
  error?: string,
  now?: Date,
): Promise<Delivery | undefined> {
  const finished = status === 'processed' || status === 'failed' || status === 'ignored';
  return db
    .updateTable('deliveries')
    .set((eb) => ({
      status,
      error: error ?? null,
      attempts: status === 'processing' ? eb('attempts', '+', 1) : eb.ref('attempts'),
      processed_at: finished ? (now ?? sql<Date>`now()`) : null,
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Deliveries acknowledged but not finished (`received` or `processing`),
 * oldest first: what a crash left behind. `olderThan` leaves out the ones
 * received since (likely still in someone's hands); `limit` caps the batch.
 */
export async function pendingDeliveries(
  db: DbOrTrx,
  options: { olderThan?: Date | undefined; limit?: number | undefined } = {},
): Promise<Delivery[]> {
  let query = db
    .selectFrom('deliveries')
    .selectAll()
    .where('status', 'in', ['received', 'processing'])
    .orderBy('received_at')
    .orderBy('id');
  if (options.olderThan !== undefined) query = query.where('received_at', '<', options.olderThan);
  if (options.limit !== undefined) query = query.limit(options.limit);
  return query.execute();
}

/**
 * Deletes finished deliveries received before `before` (retention); pipeline
 * runs they started stay, with `delivery_id` set to null. Keep deliveries for
 * longer than GitHub allows redelivering them, or a late redelivery would be
 * taken for a new event. Returns how many were deleted.
 */
export async function pruneDeliveries(db: DbOrTrx, options: { before: Date }): Promise<number> {
  const result = await db
    .deleteFrom('deliveries')
    .where('status', 'in', ['processed', 'failed', 'ignored'])
    .where('received_at', '<', options.before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * How many deliveries are still to be processed: received, in processing, or
 * failed and due a retry. Zero means the app has caught up.
 */
export async function countOpenDeliveries(db: DbOrTrx): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', ['received', 'processing', 'failed'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

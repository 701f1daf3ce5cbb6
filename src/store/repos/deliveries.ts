import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import { deliveryStatuses, type Delivery, type DeliveryStatus } from '../schema/index.ts';

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
 * given (pass nothing to clear it): a failed try that will be retried moves
 * back to `received` with its error, the last failed try moves to `failed`. Returns the updated delivery, or undefined
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
 * The statuses of an **open** delivery: one the queue still has in hand —
 * `received` (waiting for its first try, or for its next one after a failed
 * try: `error` then says why) or `processing`. Every other status is finished:
 * `processed`, `ignored`, or `failed` (its last try failed too; nothing retries
 * it until someone runs `shipgate deliveries replay`). The crash sweep, the
 * retention sweep, `countOpenDeliveries` and `shipgate deliveries` all use
 * this one definition.
 */
export const OPEN_DELIVERY_STATUSES = ['received', 'processing'] as const satisfies readonly DeliveryStatus[];

/** The finished statuses: the complement of `OPEN_DELIVERY_STATUSES`. */
export const FINISHED_DELIVERY_STATUSES = ['processed', 'ignored', 'failed'] as const satisfies readonly DeliveryStatus[];

/**
 * Open deliveries (see `OPEN_DELIVERY_STATUSES`), oldest first: what a crash
 * left behind. `olderThan` leaves out the ones received since (likely still in
 * someone's hands); `limit` caps the batch.
 */
export async function pendingDeliveries(
  db: DbOrTrx,
  options: { olderThan?: Date | undefined; limit?: number | undefined } = {},
): Promise<Delivery[]> {
  let query = db
    .selectFrom('deliveries')
    .selectAll()
    .where('status', 'in', OPEN_DELIVERY_STATUSES)
    .orderBy('received_at')
    .orderBy('id');
  if (options.olderThan !== undefined) query = query.where('received_at', '<', options.olderThan);
  if (options.limit !== undefined) query = query.limit(options.limit);
  return query.execute();
}

/**
 * Deletes up to `limit` (default 500) finished deliveries received before
 * `before` (retention), oldest first; open ones are never deleted. Pipeline
 * runs they started stay, with `delivery_id` set to null. Keep deliveries for
 * longer than GitHub allows redelivering them (3 days), or a late redelivery
 * would be taken for a new event. Returns how many were deleted: call again
 * while it returns `limit`.
 */
export async function pruneDeliveries(db: DbOrTrx, options: { before: Date; limit?: number }): Promise<number> {
  const batch = db
    .selectFrom('deliveries')
    .select('id')
    .where('status', 'in', FINISHED_DELIVERY_STATUSES)
    .where('received_at', '<', options.before)
    .orderBy('received_at')
    .limit(options.limit ?? 500);
  const result = await db.deleteFrom('deliveries').where('id', 'in', batch).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * How many deliveries are open (see `OPEN_DELIVERY_STATUSES`): zero means the
 * queue has caught up. Failed deliveries are not counted: nothing will
 * process them until they are replayed.
 */
export async function countOpenDeliveries(db: DbOrTrx): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', OPEN_DELIVERY_STATUSES)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** How many deliveries have each status (every status present, zero when none). */
export async function countDeliveriesByStatus(db: DbOrTrx): Promise<Record<DeliveryStatus, number>> {
  const rows = await db
    .selectFrom('deliveries')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const counts = Object.fromEntries(deliveryStatuses.map((status) => [status, 0])) as Record<DeliveryStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** A failed delivery as `shipgate deliveries --failed` shows it (no payload). */
export type FailedDelivery = Pick<Delivery, 'id' | 'event' | 'action' | 'repository' | 'attempts' | 'error' | 'received_at' | 'processed_at'>;

/** Failed deliveries, most recently received first, at most `limit` (default 50). */
export async function failedDeliveries(db: DbOrTrx, options: { limit?: number } = {}): Promise<FailedDelivery[]> {
  return db
    .selectFrom('deliveries')
    .select(['id', 'event', 'action', 'repository', 'attempts', 'error', 'received_at', 'processed_at'])
    .where('status', '=', 'failed')
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
}

/** The ids and statuses of those of `ids` that are recorded (any status). */
export async function deliveryStatusesOf(db: DbOrTrx, ids: readonly string[]): Promise<Map<string, DeliveryStatus>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('deliveries').select(['id', 'status']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.status]));
}

/**
 * Moves failed deliveries back to `received` (error and `processed_at`
 * cleared, attempts kept), so that queueing them again processes them. Only
 * `failed` ones move; returns the ids that did. `ids: 'all-failed'` takes
 * every failed delivery.
 */
export async function reopenFailedDeliveries(db: DbOrTrx, ids: readonly string[] | 'all-failed'): Promise<string[]> {
  if (ids !== 'all-failed' && ids.length === 0) return [];
  let query = db.updateTable('deliveries').set({ status: 'received', error: null, processed_at: null }).where('status', '=', 'failed');
  if (ids !== 'all-failed') query = query.where('id', 'in', ids);
  const rows = await query.returning('id').execute();
  return rows.map((row) => row.id);
}

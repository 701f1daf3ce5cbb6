import type { Store } from '../src/store/db.ts';
import type { DeliveryTimesResult } from './results.ts';
import { summarize } from './stats.ts';

/** Deliveries that took longer than this from receipt to the end of processing are counted apart. */
export const SLOW_DELIVERY_MS = 5_000;

/**
 * How long recorded deliveries took from receipt (`received_at`, stamped by
 * the app) to the end of processing (`processed_at`, stamped by the
 * database): time waiting in the queue plus processing, which includes
 * waiting for paced writes. Both clocks are this machine's.
 */
export async function deliveryTimes(store: Store): Promise<DeliveryTimesResult> {
  const rows = await store.db.selectFrom('deliveries').select(['received_at', 'processed_at']).where('processed_at', 'is not', null).execute();
  const ms = rows.flatMap((row) => (row.processed_at ? [row.processed_at.getTime() - row.received_at.getTime()] : []));
  const unfinished = await store.db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('processed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { receivedToProcessed: summarize(ms), slower: ms.filter((value) => value > SLOW_DELIVERY_MS).length, slowerThanMs: SLOW_DELIVERY_MS, unfinished: Number(unfinished.n) };
}

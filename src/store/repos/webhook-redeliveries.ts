import type { DbOrTrx } from '../db.ts';
import type { NewWebhookRedelivery, WebhookRedelivery } from '../schema/index.ts';

/**
 * Claims the redelivery of one event: true for the one caller (replica) that
 * records it first, false when it was asked for already. Claim before asking
 * GitHub, so two replicas never both ask.
 */
export async function claimRedelivery(db: DbOrTrx, redelivery: NewWebhookRedelivery): Promise<boolean> {
  const row = await db
    .insertInto('webhook_redeliveries')
    .values(redelivery)
    .onConflict((oc) => oc.column('guid').doNothing())
    .returning('guid')
    .executeTakeFirst();
  return row !== undefined;
}

/** Gives a claim back (GitHub refused or did not answer), so a later pass asks again. */
export async function releaseRedelivery(db: DbOrTrx, guid: string): Promise<void> {
  await db.deleteFrom('webhook_redeliveries').where('guid', '=', guid).execute();
}

/** The guids among `guids` whose redelivery was claimed already. */
export async function claimedRedeliveries(db: DbOrTrx, guids: readonly string[]): Promise<Set<string>> {
  if (guids.length === 0) return new Set();
  const rows = await db.selectFrom('webhook_redeliveries').select('guid').where('guid', 'in', guids).execute();
  return new Set(rows.map((row) => row.guid));
}

/** Every claimed redelivery, oldest first (tests, `shipgate deliveries`). */
export async function listRedeliveries(db: DbOrTrx): Promise<WebhookRedelivery[]> {
  return db.selectFrom('webhook_redeliveries').selectAll().orderBy('requested_at').orderBy('guid').execute();
}

/** Deletes claims made before `before` (retention), at most `limit` (default 500); returns how many. */
export async function pruneRedeliveries(db: DbOrTrx, options: { before: Date; limit?: number }): Promise<number> {
  const batch = db
    .selectFrom('webhook_redeliveries')
    .select('guid')
    .where('requested_at', '<', options.before)
    .orderBy('requested_at')
    .limit(options.limit ?? 500);
  const result = await db.deleteFrom('webhook_redeliveries').where('guid', 'in', batch).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Where the next scan of the list `name` starts, if one ran before. */
export async function redeliveryScanFrom(db: DbOrTrx, name: string): Promise<Date | undefined> {
  const row = await db.selectFrom('webhook_redelivery_scans').select('scanned_from').where('name', '=', name).executeTakeFirst();
  return row?.scanned_from;
}

/** Records where the next scan of the list `name` starts. */
export async function setRedeliveryScanFrom(db: DbOrTrx, name: string, from: Date): Promise<void> {
  await db
    .insertInto('webhook_redelivery_scans')
    .values({ name, scanned_from: from })
    .onConflict((oc) => oc.column('name').doUpdateSet({ scanned_from: from }))
    .execute();
}

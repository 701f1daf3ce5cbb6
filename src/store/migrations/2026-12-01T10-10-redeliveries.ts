import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app and repeats the status lists.

/**
 * - `webhook_redeliveries`: the GitHub deliveries shipgate asked GitHub to
 *   redeliver (`POST /app/hook/deliveries/{id}/attempts`), one row per event
 *   guid, so that each is asked for once across replicas and restarts.
 * - `webhook_redelivery_scans`: how far back the last look at GitHub's list of
 *   the app's deliveries went, so the next one starts there.
 * - `deliveries_finished_idx`: the retention sweep deletes finished deliveries
 *   oldest first.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_redeliveries')
    .addColumn('guid', 'text', (col) => col.primaryKey())
    .addColumn('hook_delivery_id', 'bigint', (col) => col.notNull())
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('action', 'text')
    .addColumn('status_code', 'integer', (col) => col.notNull())
    .addColumn('requested_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('webhook_redeliveries_requested_idx').on('webhook_redeliveries').column('requested_at').execute();

  await db.schema
    .createTable('webhook_redelivery_scans')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('scanned_from', 'timestamptz', (col) => col.notNull())
    .execute();

  await db.schema
    .createIndex('deliveries_finished_idx')
    .on('deliveries')
    .column('received_at')
    .where(sql.ref('status'), 'in', ['processed', 'failed', 'ignored'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deliveries_finished_idx').execute();
  await db.schema.dropTable('webhook_redelivery_scans').execute();
  await db.schema.dropTable('webhook_redeliveries').execute();
}

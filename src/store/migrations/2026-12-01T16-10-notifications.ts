import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app and repeats the value lists.

/**
 * Notifications (SPEC §12): `notification_endpoints` names a receiver by the
 * hash of its URL (never the URL: Slack's is a secret) and keeps when and why
 * it was disabled (it answered 410 Gone); `notification_outcomes` keeps the
 * last outcome of each pipeline on each ref, so a success after a failure is
 * told as a recovery, whichever run came before. Slack's one message per
 * second per URL is paced in `write_slots` (lane `slack:<hash>`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_endpoints')
    .addColumn('hash', 'text', (col) => col.primaryKey())
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('slack', 'webhook')`))
    .addColumn('origin', 'text', (col) => col.notNull())
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('disabled_reason', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('notification_outcomes')
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull())
    .addColumn('ref', 'text', (col) => col.notNull())
    .addColumn('conclusion', 'text', (col) => col.notNull())
    .addColumn('run_id', 'bigint', (col) => col.notNull())
    .addColumn('completed_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('notification_outcomes_pkey', ['owner', 'repo', 'pipeline', 'ref'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_outcomes').execute();
  await db.schema.dropTable('notification_endpoints').execute();
}

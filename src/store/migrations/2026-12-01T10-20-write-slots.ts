import type { Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app.

/**
 * `write_slots`: the next free write slot of each GitHub token (one row per
 * installation, and one for the app itself), so that every replica paces its
 * writes against the same schedule.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('write_slots')
    .addColumn('lane', 'text', (col) => col.primaryKey())
    .addColumn('next_at', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('write_slots').execute();
}

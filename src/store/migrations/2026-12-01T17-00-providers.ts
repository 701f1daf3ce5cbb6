import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app and repeats the value lists.

/**
 * Other CI providers (SPEC §13). A job attempt names the provider it runs on
 * (`actions` for every attempt written before), the provider's id of its run
 * (`external_id`: a Jenkins queue item or build, a GitLab pipeline) and what
 * else the provider needs to find it again (`external`: the Jenkins job path,
 * the GitLab project, the webhook job's hashed callback token). Attempts of one
 * provider are found by their run's id through `(provider, external_id)`.
 *
 * `job_status_receipts` keeps the `webhook-id` of every status report a
 * webhook job sent to `POST /api/v1/jobs/{id}/status`: a replayed report (same
 * id) is refused, whatever its signature says.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('job_attempts')
    .addColumn('provider', 'text', (col) => col.notNull().defaultTo('actions').check(sql`provider in ('actions', 'jenkins', 'gitlab', 'webhook')`))
    .execute();
  await db.schema.alterTable('job_attempts').addColumn('external_id', 'text').execute();
  await db.schema.alterTable('job_attempts').addColumn('external', 'jsonb').execute();
  await db.schema.createIndex('job_attempts_provider_external_idx').on('job_attempts').columns(['provider', 'external_id']).where(sql.ref('external_id'), 'is not', null).execute();

  await db.schema
    .createTable('job_status_receipts')
    .addColumn('webhook_id', 'text', (col) => col.primaryKey())
    .addColumn('job_attempt_id', 'bigint', (col) => col.notNull().references('job_attempts.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_status_receipts').execute();
  await db.schema.dropIndex('job_attempts_provider_external_idx').execute();
  await db.schema.alterTable('job_attempts').dropColumn('external').execute();
  await db.schema.alterTable('job_attempts').dropColumn('external_id').execute();
  await db.schema.alterTable('job_attempts').dropColumn('provider').execute();
}

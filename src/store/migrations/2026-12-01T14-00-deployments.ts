import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app and repeats the value lists.

function oneOf(column: string, values: readonly string[]) {
  return sql<boolean>`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/**
 * Deployments (SPEC §6): the request's own state machine (requested →
 * waiting → queued → deploying → succeeded | failed | cancelled | refused |
 * rolled-back; rejected and expired for approvals), where it came from, why
 * it is where it is (reason code), what GitHub was last told; every
 * transition as a row of `deployment_events`; and the commit and pull
 * request a lock was taken from. The first migration's `deployments` table was
 * never written to outside tests; its status list is replaced.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('approval_requests').execute();
  await db.deleteFrom('deployments').execute();
  await db.schema.alterTable('deployments').dropConstraint('deployments_status_check').execute();
  await db.schema
    .alterTable('deployments')
    .addCheckConstraint(
      'deployments_status_check',
      oneOf('status', ['requested', 'waiting', 'queued', 'deploying', 'succeeded', 'failed', 'cancelled', 'refused', 'rolled-back', 'rejected', 'expired']),
    )
    .execute();
  await db.schema.alterTable('deployments').alterColumn('status', (col) => col.setDefault('requested')).execute();
  await db.schema
    .alterTable('deployments')
    .addColumn('installation_id', 'bigint')
    .addColumn('pr_number', 'integer')
    .addColumn('source', 'text', (col) => col.notNull().defaultTo('command'))
    .addColumn('stage', 'text')
    .addColumn('reason', 'jsonb')
    .addColumn('github_state', 'text')
    .addColumn('log_url', 'text')
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('ref_branches', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('policy', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .alterTable('deployments')
    .addCheckConstraint('deployments_source_check', oneOf('source', ['stage', 'command', 'rollback', 'auto-rollback']))
    .execute();

  await db.schema
    .createTable('deployment_events')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('deployment_id', 'bigint', (col) => col.notNull().references('deployments.id').onDelete('cascade'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (col) => col.notNull())
    .addColumn('reason', 'jsonb')
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('deployment_events_deployment_idx').on('deployment_events').columns(['deployment_id', 'id']).execute();

  await db.schema.alterTable('locks').addColumn('pr_number', 'integer').addColumn('sha', 'text').execute();

  // `/deploy` and rollbacks run as pipeline runs of their own (pipeline `deploy/<env>`).
  await db.schema.alterTable('pipeline_runs').dropConstraint('pipeline_runs_trigger_check').execute();
  await db.schema
    .alterTable('pipeline_runs')
    .addCheckConstraint('pipeline_runs_trigger_check', oneOf('trigger', ['push', 'tag', 'pull_request', 'manual', 'rerun', 'deploy']))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('pipeline_runs').dropConstraint('pipeline_runs_trigger_check').execute();
  await db.schema.alterTable('pipeline_runs').addCheckConstraint('pipeline_runs_trigger_check', oneOf('trigger', ['push', 'tag', 'pull_request', 'manual', 'rerun'])).execute();
  await db.schema.alterTable('locks').dropColumn('pr_number').dropColumn('sha').execute();
  await db.schema.dropTable('deployment_events').execute();
  await db.schema.alterTable('deployments').dropConstraint('deployments_source_check').execute();
  await db.schema
    .alterTable('deployments')
    .dropColumn('installation_id')
    .dropColumn('pr_number')
    .dropColumn('source')
    .dropColumn('stage')
    .dropColumn('reason')
    .dropColumn('github_state')
    .dropColumn('log_url')
    .dropColumn('started_at')
    .dropColumn('completed_at')
    .dropColumn('ref_branches')
    .dropColumn('policy')
    .execute();
}

import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app and repeats the status lists.

function oneOf(column: string, values: readonly string[]) {
  return sql<boolean>`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/**
 * The durable effect outbox (every GitHub write is a row before it is a
 * request), reason codes beside the prose columns, fork state on runs, and
 * `/ok-to-test` approvals by sha.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('effects')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull().unique())
    .addColumn('installation_id', 'bigint')
    .addColumn('pipeline_run_id', 'bigint')
    .addColumn('priority', 'integer', (col) => col.notNull().defaultTo(5))
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (col) => col.notNull())
    .addColumn('locked_by', 'integer')
    .addColumn('locked_until', 'timestamptz')
    .addColumn('rearmed', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .addColumn('done_at', 'timestamptz')
    .addCheckConstraint('effects_status_check', oneOf('status', ['pending', 'running', 'done', 'failed']))
    .execute();
  await db.schema
    .createIndex('effects_due_idx')
    .on('effects')
    .columns(['next_attempt_at', 'priority'])
    .where(sql.ref('status'), 'in', ['pending', 'running'])
    .execute();
  await db.schema.createIndex('effects_run_idx').on('effects').column('pipeline_run_id').execute();

  await db.schema
    .alterTable('pipeline_runs')
    .addColumn('from_fork', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('waiting_reason', 'jsonb')
    .addColumn('error_reason', 'jsonb')
    .addColumn('advance_due_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('pipeline_runs_advance_due_idx')
    .on('pipeline_runs')
    .column('advance_due_at')
    .where(sql.ref('advance_due_at'), 'is not', null)
    .execute();
  await db.schema.alterTable('stage_runs').addColumn('skip_reason', 'jsonb').execute();
  await db.schema.alterTable('job_attempts').addColumn('error_reason', 'jsonb').execute();
  await db.schema
    .createIndex('pipeline_runs_active_key_idx')
    .on('pipeline_runs')
    .columns(['concurrency_key', 'id'])
    .where(sql.ref('status'), 'in', ['queued', 'in_progress'])
    .execute();

  await db.schema
    .createTable('fork_approvals')
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('sha', 'text', (col) => col.notNull())
    .addColumn('pr_number', 'integer')
    .addColumn('approved_by', 'text', (col) => col.notNull())
    .addColumn('approved_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('fork_approvals_pk', ['owner', 'repo', 'sha'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('fork_approvals').execute();
  await db.schema.dropIndex('pipeline_runs_active_key_idx').execute();
  await db.schema.alterTable('job_attempts').dropColumn('error_reason').execute();
  await db.schema.alterTable('stage_runs').dropColumn('skip_reason').execute();
  await db.schema.dropIndex('pipeline_runs_advance_due_idx').execute();
  await db.schema.alterTable('pipeline_runs').dropColumn('from_fork').dropColumn('waiting_reason').dropColumn('error_reason').dropColumn('advance_due_at').execute();
  await db.schema.dropTable('effects').execute();
}

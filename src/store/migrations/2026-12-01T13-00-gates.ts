import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app and repeats the value lists.

function oneOf(column: string, values: readonly string[]) {
  return sql<boolean>`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/**
 * Quality gates (SPEC §5a): one result per gate and job attempt (a re-run is
 * evaluated again, the earlier verdict kept), overrides bound to a commit,
 * baselines from successful default-branch runs (they outlive artifact
 * retention), and how many annotations a check run already carries. The
 * `gate_results` table of the first migration was never written to; it is
 * replaced.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('gate_results').ifExists().execute();
  await sql`create sequence gate_results_completed_seq`.execute(db);
  await db.schema
    .createTable('gate_results')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('pipeline_run_id', 'bigint', (col) => col.notNull().references('pipeline_runs.id').onDelete('cascade'))
    .addColumn('gate', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('stage', 'text')
    .addColumn('job', 'text')
    // The job's attempt evaluated (0: a pipeline-level gate).
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('job_attempt_id', 'bigint')
    .addColumn('workflow_run_id', 'bigint')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('result', 'text')
    .addColumn('measured', 'text')
    .addColumn('threshold', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('baseline', 'text')
    .addColumn('reason', 'jsonb')
    .addColumn('detail', 'text')
    .addColumn('findings', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('data', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('artifact', 'text')
    .addColumn('run_url', 'text')
    .addColumn('untrusted_producer', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('evaluated_at', 'timestamptz')
    // Completion order across replicas (annotations are appended in it, so it must never change for a check run).
    .addColumn('completed_seq', 'bigint')
    .addUniqueConstraint('gate_results_run_gate_attempt_key', ['pipeline_run_id', 'gate', 'attempt'])
    .addCheckConstraint('gate_results_status_check', oneOf('status', ['pending', 'completed']))
    .addCheckConstraint('gate_results_result_check', sql<boolean>`result is null or ${oneOf('result', ['pass', 'fail', 'neutral', 'error'])}`)
    .execute();

  await db.schema
    .createTable('gate_overrides')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('sha', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull())
    .addColumn('gate', 'text', (col) => col.notNull())
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addUniqueConstraint('gate_overrides_commit_gate_key', ['owner', 'repo', 'sha', 'pipeline', 'gate'])
    .execute();

  await db.schema
    .createTable('gate_baselines')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull())
    .addColumn('gate', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('sha', 'text', (col) => col.notNull())
    .addColumn('branch', 'text', (col) => col.notNull())
    .addColumn('committed_at', 'timestamptz', (col) => col.notNull())
    .addColumn('pipeline_run_id', 'bigint')
    .addColumn('data', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addUniqueConstraint('gate_baselines_gate_sha_key', ['owner', 'repo', 'pipeline', 'gate', 'sha'])
    .execute();
  await db.schema.createIndex('gate_baselines_latest_idx').on('gate_baselines').columns(['owner', 'repo', 'pipeline', 'gate', 'committed_at']).execute();

  await db.schema.alterTable('check_runs').addColumn('annotations_sent', 'integer', (col) => col.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('check_runs').dropColumn('annotations_sent').execute();
  await db.schema.dropTable('gate_baselines').execute();
  await db.schema.dropTable('gate_overrides').execute();
  await db.schema.dropTable('gate_results').execute();
  await sql`drop sequence gate_results_completed_seq`.execute(db);
}

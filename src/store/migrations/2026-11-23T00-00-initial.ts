import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app and repeats the status lists.

function oneOf(column: string, values: readonly string[]) {
  return sql<boolean>`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

const conclusions = [
  'success',
  'failure',
  'neutral',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
  'stale',
  'startup_failure',
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('action', 'text')
    .addColumn('installation_id', 'bigint')
    .addColumn('repository', 'text')
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('received'))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('processed_at', 'timestamptz')
    .addColumn('error', 'text')
    .addCheckConstraint(
      'deliveries_status_check',
      oneOf('status', ['received', 'processing', 'processed', 'failed', 'ignored']),
    )
    .execute();
  // The sweep for acknowledged deliveries that were never processed.
  await db.schema
    .createIndex('deliveries_unfinished_idx')
    .on('deliveries')
    .column('received_at')
    .where(sql.ref('status'), 'in', ['received', 'processing'])
    .execute();

  await db.schema
    .createTable('pipeline_runs')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('installation_id', 'bigint', (col) => col.notNull())
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('pipeline', 'text', (col) => col.notNull())
    .addColumn('delivery_id', 'text', (col) => col.references('deliveries.id').onDelete('set null'))
    .addColumn('trigger', 'text', (col) => col.notNull())
    .addColumn('ref', 'text', (col) => col.notNull())
    .addColumn('sha', 'text', (col) => col.notNull())
    .addColumn('pr_number', 'integer')
    .addColumn('actor', 'text')
    .addColumn('concurrency_key', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('queued'))
    .addColumn('conclusion', 'text')
    .addColumn('check_run_id', 'bigint')
    .addColumn('plan', 'jsonb', (col) => col.notNull())
    .addColumn('error', 'text')
    .addColumn('waiting_for', 'text')
    .addColumn('cancel_requested_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addUniqueConstraint('pipeline_runs_delivery_pipeline_key', ['delivery_id', 'pipeline'])
    .addCheckConstraint('pipeline_runs_trigger_check', oneOf('trigger', ['push', 'tag', 'pull_request', 'manual', 'rerun']))
    .addCheckConstraint('pipeline_runs_status_check', oneOf('status', ['queued', 'in_progress', 'completed']))
    .addCheckConstraint('pipeline_runs_conclusion_check', oneOf('conclusion', conclusions))
    .addCheckConstraint('pipeline_runs_completed_check', sql`(status = 'completed') = (conclusion is not null)`)
    .execute();
  await db.schema.createIndex('pipeline_runs_sha_idx').on('pipeline_runs').columns(['owner', 'repo', 'sha']).execute();
  await db.schema
    .createIndex('pipeline_runs_concurrency_idx')
    .on('pipeline_runs')
    .columns(['concurrency_key', 'status'])
    .execute();
  await db.schema
    .createIndex('pipeline_runs_pr_idx')
    .on('pipeline_runs')
    .columns(['owner', 'repo', 'pr_number'])
    .where('pr_number', 'is not', null)
    .execute();
  // Active runs stay few while finished ones pile up: keep their index small.
  await db.schema
    .createIndex('pipeline_runs_active_idx')
    .on('pipeline_runs')
    .column('created_at')
    .where(sql.ref('status'), '<>', 'completed')
    .execute();

  await db.schema
    .createTable('stage_runs')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('pipeline_run_id', 'bigint', (col) =>
      col.notNull().references('pipeline_runs.id').onDelete('cascade'),
    )
    .addColumn('stage', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('conclusion', 'text')
    .addColumn('reason', 'text')
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addUniqueConstraint('stage_runs_pipeline_run_stage_key', ['pipeline_run_id', 'stage'])
    .addCheckConstraint('stage_runs_status_check', oneOf('status', ['pending', 'running', 'completed', 'skipped']))
    .addCheckConstraint('stage_runs_conclusion_check', oneOf('conclusion', conclusions))
    .execute();

  await db.schema
    .createTable('job_attempts')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('pipeline_run_id', 'bigint', (col) =>
      col.notNull().references('pipeline_runs.id').onDelete('cascade'),
    )
    .addColumn('stage_run_id', 'bigint', (col) => col.notNull().references('stage_runs.id').onDelete('cascade'))
    .addColumn('job', 'text', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull().check(sql`attempt >= 1`))
    .addColumn('workflow', 'text', (col) => col.notNull())
    .addColumn('correlation_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('conclusion', 'text')
    .addColumn('inputs', 'jsonb')
    .addColumn('workflow_run_id', 'bigint')
    .addColumn('run_attempt', 'integer')
    .addColumn('html_url', 'text')
    .addColumn('dispatched_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('deadline_at', 'timestamptz')
    .addColumn('next_retry_at', 'timestamptz')
    .addColumn('last_event_at', 'timestamptz')
    .addColumn('cancel_requested_at', 'timestamptz')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('job_attempts_correlation_id_key', ['correlation_id'])
    .addUniqueConstraint('job_attempts_stage_run_job_attempt_key', ['stage_run_id', 'job', 'attempt'])
    .addCheckConstraint(
      'job_attempts_status_check',
      oneOf('status', ['pending', 'dispatching', 'queued', 'in_progress', 'completed']),
    )
    .addCheckConstraint('job_attempts_conclusion_check', oneOf('conclusion', conclusions))
    .addCheckConstraint('job_attempts_completed_check', sql`(status = 'completed') = (conclusion is not null)`)
    .execute();
  await db.schema
    .createIndex('job_attempts_pipeline_run_idx')
    .on('job_attempts')
    .column('pipeline_run_id')
    .execute();
  await db.schema
    .createIndex('job_attempts_workflow_run_idx')
    .on('job_attempts')
    .column('workflow_run_id')
    .where('workflow_run_id', 'is not', null)
    .execute();
  await db.schema
    .createIndex('job_attempts_reconcile_idx')
    .on('job_attempts')
    .columns(['status', 'last_event_at'])
    .execute();

  await db.schema
    .createTable('gate_results')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('pipeline_run_id', 'bigint', (col) =>
      col.notNull().references('pipeline_runs.id').onDelete('cascade'),
    )
    .addColumn('gate', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('conclusion', 'text')
    .addColumn('summary', 'text')
    .addColumn('details', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('overridden_by', 'text')
    .addColumn('override_reason', 'text')
    .addColumn('overridden_at', 'timestamptz')
    .addColumn('evaluated_at', 'timestamptz')
    .addUniqueConstraint('gate_results_pipeline_run_gate_key', ['pipeline_run_id', 'gate'])
    .addCheckConstraint('gate_results_status_check', oneOf('status', ['pending', 'completed']))
    .addCheckConstraint('gate_results_conclusion_check', oneOf('conclusion', ['passed', 'failed', 'error']))
    .execute();

  await db.schema
    .createTable('check_runs')
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('head_sha', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('check_run_id', 'bigint', (col) => col.notNull())
    .addColumn('pipeline_run_id', 'bigint', (col) => col.references('pipeline_runs.id').onDelete('set null'))
    .addColumn('last_written', 'jsonb', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('check_runs_pkey', ['owner', 'repo', 'head_sha', 'name'])
    .addUniqueConstraint('check_runs_check_run_id_key', ['check_run_id'])
    .execute();
  await db.schema
    .createIndex('check_runs_pipeline_run_idx')
    .on('check_runs')
    .column('pipeline_run_id')
    .where('pipeline_run_id', 'is not', null)
    .execute();

  await db.schema
    .createTable('deployments')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('ref', 'text', (col) => col.notNull())
    .addColumn('sha', 'text', (col) => col.notNull())
    .addColumn('github_deployment_id', 'bigint')
    .addColumn('pipeline_run_id', 'bigint', (col) => col.references('pipeline_runs.id').onDelete('set null'))
    .addColumn('stage_run_id', 'bigint', (col) => col.references('stage_runs.id').onDelete('set null'))
    .addColumn('requested_by', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('rollback_of', 'bigint', (col) => col.references('deployments.id').onDelete('set null'))
    .addColumn('workflow_run_id', 'bigint')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('succeeded_at', 'timestamptz')
    .addUniqueConstraint('deployments_github_deployment_id_key', ['github_deployment_id'])
    .addCheckConstraint(
      'deployments_status_check',
      oneOf('status', [
        'pending',
        'waiting',
        'queued',
        'in_progress',
        'success',
        'failure',
        'inactive',
        'cancelled',
        'rejected',
        'expired',
      ]),
    )
    .execute();
  // Queue and rollback: the deployments of one environment in order.
  await db.schema
    .createIndex('deployments_environment_idx')
    .on('deployments')
    .columns(['owner', 'repo', 'environment', 'created_at'])
    .execute();
  // `after:` — did this sha deploy successfully to that environment?
  await db.schema
    .createIndex('deployments_sha_idx')
    .on('deployments')
    .columns(['owner', 'repo', 'sha', 'environment'])
    .execute();
  await db.schema
    .createIndex('deployments_pipeline_run_idx')
    .on('deployments')
    .column('pipeline_run_id')
    .where('pipeline_run_id', 'is not', null)
    .execute();

  await db.schema
    .createTable('approval_requests')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('deployment_id', 'bigint', (col) => col.notNull().references('deployments.id').onDelete('cascade'))
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('sha', 'text', (col) => col.notNull())
    .addColumn('required', 'integer', (col) => col.notNull().check(sql`required >= 0`))
    .addColumn('issue_number', 'integer')
    .addColumn('comment_id', 'bigint')
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('reactions_polled_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('resolved_at', 'timestamptz')
    .addUniqueConstraint('approval_requests_deployment_id_key', ['deployment_id'])
    .addCheckConstraint(
      'approval_requests_status_check',
      oneOf('status', ['pending', 'approved', 'rejected', 'expired', 'cancelled']),
    )
    .execute();
  await db.schema
    .createIndex('approval_requests_comment_idx')
    .on('approval_requests')
    .column('comment_id')
    .where('comment_id', 'is not', null)
    .execute();
  await db.schema
    .createIndex('approval_requests_pending_idx')
    .on('approval_requests')
    .columns(['owner', 'repo', 'expires_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  await db.schema
    .createTable('approvals')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('approval_request_id', 'bigint', (col) =>
      col.notNull().references('approval_requests.id').onDelete('cascade'),
    )
    .addColumn('approver', 'text', (col) => col.notNull())
    .addColumn('sha', 'text', (col) => col.notNull())
    .addColumn('via', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('approvals_request_approver_key', ['approval_request_id', 'approver'])
    .addCheckConstraint('approvals_via_check', oneOf('via', ['command', 'reaction', 'check_run']))
    .execute();

  await db.schema
    .createTable('locks')
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('holder', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('locks_pkey', ['owner', 'repo', 'environment'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('owner', 'text')
    .addColumn('repo', 'text')
    .addColumn('target', 'text')
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('details', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_log_repo_idx').on('audit_log').columns(['owner', 'repo', 'at']).execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();

  await db.schema
    .createTable('workflow_definitions')
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('blob_sha', 'text', (col) => col.notNull())
    .addColumn('path', 'text', (col) => col.notNull())
    .addColumn('inputs', 'jsonb', (col) => col.notNull())
    .addColumn('fetched_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workflow_definitions_pkey', ['owner', 'repo', 'blob_sha'])
    .execute();
  // A blob sha names the content: the same workflow file in another repository is found by it.
  await db.schema.createIndex('workflow_definitions_blob_idx').on('workflow_definitions').column('blob_sha').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'workflow_definitions',
    'audit_log',
    'locks',
    'approvals',
    'approval_requests',
    'deployments',
    'check_runs',
    'gate_results',
    'job_attempts',
    'stage_runs',
    'pipeline_runs',
    'deliveries',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

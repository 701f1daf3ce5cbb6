import { sql, type Kysely } from 'kysely';

// Frozen in time: this file must keep producing the schema it produced when it
// shipped, so it imports nothing from the app and repeats the value lists.

function oneOf(column: string, values: readonly string[]) {
  return sql<boolean>`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

/**
 * Approvals (SPEC §6): an approval request keeps who may approve, who asked,
 * whether self-approval is allowed, where its comment is (a pull request's, or
 * a commit's), when the last required approval arrived (the wait timer counts
 * from there), why it ended and how often its 👍 reactions were polled; an
 * approval request without `approval-timeout` never expires. Deployments gain
 * the source `protection` (a native Actions job held by shipgate's custom
 * deployment protection rule), whose callback state lives in
 * `protection_requests`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('approval_requests').alterColumn('expires_at', (col) => col.dropNotNull()).execute();
  await db.schema
    .alterTable('approval_requests')
    .addColumn('requested_by', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('approvers', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('allow_self_approval', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('comment_kind', 'text', (col) => col.notNull().defaultTo('issue'))
    .addColumn('approved_at', 'timestamptz')
    .addColumn('reason', 'jsonb')
    .addColumn('resolved_by', 'text')
    .addColumn('polls', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('command_prefix', 'text', (col) => col.notNull().defaultTo('/'))
    .addColumn('refused_reactors', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema.alterTable('approval_requests').addCheckConstraint('approval_requests_comment_kind_check', oneOf('comment_kind', ['issue', 'commit'])).execute();

  await db.schema.alterTable('deployments').dropConstraint('deployments_source_check').execute();
  await db.schema
    .alterTable('deployments')
    .addCheckConstraint('deployments_source_check', oneOf('source', ['stage', 'command', 'rollback', 'auto-rollback', 'protection']))
    .execute();
  // The issue a `/deploy` was asked on (its approval request comment goes there); for a pull request it is `pr_number`.
  await db.schema.alterTable('deployments').addColumn('issue_number', 'integer').execute();

  await db.schema
    .createTable('protection_requests')
    .addColumn('id', 'bigint', (col) => col.generatedByDefaultAsIdentity().primaryKey())
    .addColumn('deployment_id', 'bigint', (col) => col.notNull().references('deployments.id').onDelete('cascade'))
    .addColumn('installation_id', 'bigint', (col) => col.notNull())
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('repo', 'text', (col) => col.notNull())
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('workflow_run_id', 'bigint', (col) => col.notNull())
    // GitHub's deployment of the held job: a re-run of the workflow keeps the run id but makes a new deployment.
    .addColumn('github_deployment_id', 'bigint', (col) => col.notNull())
    .addColumn('callback_url', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('pending'))
    .addColumn('reports', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_report', 'text')
    .addColumn('answer', 'jsonb')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .addUniqueConstraint('protection_requests_run_env_key', ['owner', 'repo', 'workflow_run_id', 'environment', 'github_deployment_id'])
    .addUniqueConstraint('protection_requests_deployment_key', ['deployment_id'])
    .addCheckConstraint('protection_requests_status_check', oneOf('status', ['pending', 'approved', 'rejected']))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('protection_requests').execute();
  await db.schema.alterTable('deployments').dropColumn('issue_number').execute();
  await db.deleteFrom('deployments').where('source', '=', 'protection').execute();
  await db.schema.alterTable('deployments').dropConstraint('deployments_source_check').execute();
  await db.schema.alterTable('deployments').addCheckConstraint('deployments_source_check', oneOf('source', ['stage', 'command', 'rollback', 'auto-rollback'])).execute();
  await db.schema.alterTable('approval_requests').dropConstraint('approval_requests_comment_kind_check').execute();
  await db.schema
    .alterTable('approval_requests')
    .dropColumn('requested_by')
    .dropColumn('approvers')
    .dropColumn('allow_self_approval')
    .dropColumn('comment_kind')
    .dropColumn('approved_at')
    .dropColumn('reason')
    .dropColumn('resolved_by')
    .dropColumn('polls')
    .dropColumn('command_prefix')
    .dropColumn('refused_reactors')
    .execute();
  await db.deleteFrom('approval_requests').where('expires_at', 'is', null).execute();
  await db.schema.alterTable('approval_requests').alterColumn('expires_at', (col) => col.setNotNull()).execute();
}

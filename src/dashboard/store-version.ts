/**
 * The store's change version, as the live updates compare it: a short hash of
 * what moves when a run, a job, a gate, a deployment, an approval or a lock
 * changes. It is read from the database, so every replica sees every change
 * whichever replica made it, and it stays cheap as history grows: the newest
 * ids (primary keys), and the rows of what is still going (active runs with
 * their stages, jobs and gates, open deployments, pending approval requests),
 * which stay few however much has finished.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { openDeploymentStatuses } from '../store/repos/deployments.ts';
import type { Database } from '../store/schema/index.ts';

interface VersionRow {
  [column: string]: string | number | null;
}

/** Reads the change version (16 hex digits). */
export async function readStoreVersion(db: Kysely<Database>): Promise<string> {
  const open = sql.join([...openDeploymentStatuses]);
  const { rows } = await sql<VersionRow>`
    with active as (select id, updated_at from pipeline_runs where status <> 'completed')
    select
      (select max(id) from pipeline_runs) as runs,
      (select max(id) from job_attempts) as attempts,
      (select max(id) from gate_results) as gates,
      (select max(id) from deployments) as deployments,
      (select max(id) from deployment_events) as deployment_events,
      (select max(id) from approval_requests) as approval_requests,
      (select max(id) from approvals) as approvals,
      (select count(*)::text || '/' || coalesce(max(created_at)::text, '') from locks) as locks,
      (select string_agg(id::text || '@' || updated_at::text, ',' order by id) from active) as active_runs,
      (select string_agg(id::text || s.status::text || coalesce(s.conclusion::text, ''), ',' order by id) from stage_runs s where s.pipeline_run_id in (select id from active)) as stages,
      (select max(updated_at)::text || '/' || count(*)::text from job_attempts j where j.pipeline_run_id in (select id from active)) as jobs,
      (select count(*)::text || '/' || coalesce(max(completed_seq), 0)::text from gate_results g where g.pipeline_run_id in (select id from active)) as active_gates,
      (select string_agg(id::text || '@' || updated_at::text, ',' order by id) from deployments where status in (${open})) as open_deployments,
      (select string_agg(id::text || '@' || updated_at::text, ',' order by id) from approval_requests where status = 'pending') as pending_approvals
  `.execute(db);
  const row = rows[0] ?? {};
  const text = Object.keys(row)
    .sort()
    .map((key) => `${key}=${String(row[key] ?? '')}`)
    .join(';');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

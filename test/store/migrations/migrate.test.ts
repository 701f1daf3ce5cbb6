import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { migrateToLatest } from '../../../src/store/migrations/migrate.ts';
import { migrations } from '../../../src/store/migrations/index.ts';
import {
  approvalChannels,
  approvalRequestStatuses,
  conclusions,
  deliveryStatuses,
  deploymentSources,
  deploymentStatuses,
  effectStatuses,
  gateResultValues,
  gateResultStatuses,
  jobAttemptStatuses,
  pipelineRunStatuses,
  pipelineTriggers,
  stageRunStatuses,
} from '../../../src/store/schema/index.ts';
import { databaseTargets } from '../../helpers/databases.ts';

const TABLES = [
  'approval_requests',
  'approvals',
  'audit_log',
  'check_runs',
  'deliveries',
  'deployment_events',
  'deployments',
  'effects',
  'fork_approvals',
  'gate_baselines',
  'gate_overrides',
  'gate_results',
  'job_attempts',
  'job_status_receipts',
  'locks',
  'notification_endpoints',
  'notification_outcomes',
  'pipeline_runs',
  'protection_requests',
  'stage_runs',
  'webhook_redeliveries',
  'webhook_redelivery_scans',
  'workflow_definitions',
  'write_slots',
];

describe.each(databaseTargets())('migrateToLatest on $name', (target) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function tables(s: Store): Promise<string[]> {
    const tables = await s.db.introspection.getTables();
    return tables.map((table) => table.name).sort();
  }

  it('applies every migration to an empty database, then has nothing to do', async () => {
    store = await target.open({ migrate: false });
    expect(await tables(store)).toEqual([]);
    const logged: string[] = [];

    expect(await migrateToLatest(store.db, (name) => logged.push(name))).toEqual(Object.keys(migrations).sort());
    expect(logged).toEqual(Object.keys(migrations).sort());
    expect(await tables(store)).toEqual(TABLES);

    expect(await migrateToLatest(store.db, (name) => logged.push(name))).toEqual([]);
    expect(logged).toHaveLength(Object.keys(migrations).length);
  });

  it('lets replicas starting together migrate once', async () => {
    store = await target.open({ migrate: false });
    const runs = await Promise.all([migrateToLatest(store.db), migrateToLatest(store.db), migrateToLatest(store.db)]);
    expect(runs.flat()).toEqual(Object.keys(migrations).sort());
    expect(await tables(store)).toEqual(TABLES);
  });

  it('names the failed migration, keeps the cause and leaves nothing half-applied', async () => {
    store = await target.open({ migrate: false });
    await sql`create table deliveries (id text)`.execute(store.db);

    const error = await migrateToLatest(store.db).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain('2026-11-23T00-00-initial');
    expect(error?.message).toContain('rolled back');
    expect((error?.cause as Error).message).toMatch(/"deliveries" already exists/);
    expect(await tables(store)).toEqual(['deliveries']);
  });

  it('constrains every status column to the values the code knows', async () => {
    store = await target.open();
    const lists: Record<string, readonly string[]> = {
      deliveries_status_check: deliveryStatuses,
      pipeline_runs_trigger_check: pipelineTriggers,
      pipeline_runs_status_check: pipelineRunStatuses,
      pipeline_runs_conclusion_check: conclusions,
      stage_runs_status_check: stageRunStatuses,
      stage_runs_conclusion_check: conclusions,
      job_attempts_status_check: jobAttemptStatuses,
      job_attempts_conclusion_check: conclusions,
      gate_results_status_check: gateResultStatuses,
      gate_results_result_check: gateResultValues,
      deployments_status_check: deploymentStatuses,
      deployments_source_check: deploymentSources,
      approval_requests_status_check: approvalRequestStatuses,
      approvals_via_check: approvalChannels,
      effects_status_check: effectStatuses,
    };
    const { rows } = await sql<{ name: string; definition: string }>`
      select conname as name, pg_get_constraintdef(oid) as definition
      from pg_constraint where contype = 'c' and conname = any(${Object.keys(lists)})
    `.execute(store.db);
    expect(rows.map((row) => row.name).sort()).toEqual(Object.keys(lists).sort());
    for (const { name, definition } of rows) {
      const allowed = [...definition.matchAll(/'([^']+)'/g)].map((match) => match[1]).sort();
      expect(allowed, name).toEqual([...(lists[name] ?? [])].sort());
    }
  });
});

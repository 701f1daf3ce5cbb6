/**
 * Gate results (SPEC §5a): one row per gate and job attempt, written pending
 * in the transaction of the decision that asks for the evaluation and
 * completed by the evaluation's effect (or in the same transaction for gates
 * that need nothing from GitHub, like `duration`).
 */
import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { GateResultRow, GateResultValue, JsonObject, JsonValue } from '../schema/index.ts';

/** A gate evaluation asked for. */
export interface PendingGate {
  pipeline_run_id: number;
  gate: string;
  type: string;
  stage: string | null;
  job: string | null;
  attempt: number;
  job_attempt_id: number | null;
  workflow_run_id: number | null;
  artifact: string | null;
  run_url: string | null;
  now: Date;
}

/** Records that a gate is to be evaluated for an attempt; returns the row and whether it is new (once per gate and attempt). */
export async function createPendingGate(db: DbOrTrx, gate: PendingGate): Promise<{ row: GateResultRow; created: boolean }> {
  const inserted = await db
    .insertInto('gate_results')
    .values({
      pipeline_run_id: gate.pipeline_run_id,
      gate: gate.gate,
      type: gate.type,
      stage: gate.stage,
      job: gate.job,
      attempt: gate.attempt,
      job_attempt_id: gate.job_attempt_id,
      workflow_run_id: gate.workflow_run_id,
      artifact: gate.artifact,
      run_url: gate.run_url,
      status: 'pending',
      created_at: gate.now,
    })
    .onConflict((oc) => oc.columns(['pipeline_run_id', 'gate', 'attempt']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  const row = await db
    .selectFrom('gate_results')
    .selectAll()
    .where('pipeline_run_id', '=', gate.pipeline_run_id)
    .where('gate', '=', gate.gate)
    .where('attempt', '=', gate.attempt)
    .executeTakeFirstOrThrow();
  return { row, created: false };
}

/** What an evaluation found. */
export interface GateVerdict {
  result: GateResultValue;
  measured: string | null;
  threshold: string;
  baseline: string | null;
  reason: JsonObject;
  detail: string;
  findings: JsonValue[];
  data: JsonObject;
  untrusted_producer: boolean;
  now: Date;
}

/** Completes a pending evaluation; returns undefined when it was already completed (another replica, an earlier try). */
export async function completeGate(db: DbOrTrx, id: number, verdict: GateVerdict): Promise<GateResultRow | undefined> {
  return db
    .updateTable('gate_results')
    .set({
      status: 'completed',
      result: verdict.result,
      measured: verdict.measured,
      threshold: verdict.threshold,
      baseline: verdict.baseline,
      reason: toJsonb(verdict.reason),
      detail: verdict.detail,
      findings: toJsonb(verdict.findings),
      data: toJsonb(verdict.data),
      untrusted_producer: verdict.untrusted_producer,
      evaluated_at: verdict.now,
      completed_seq: sql<number>`nextval('gate_results_completed_seq')`,
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

export async function getGateResult(db: DbOrTrx, id: number): Promise<GateResultRow | undefined> {
  return db.selectFrom('gate_results').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every gate evaluation of a run, oldest first. */
export async function listGateResults(db: DbOrTrx, pipelineRunId: number): Promise<GateResultRow[]> {
  return db.selectFrom('gate_results').selectAll().where('pipeline_run_id', '=', pipelineRunId).orderBy('id').execute();
}

/** The latest evaluation of each gate of a run (the highest attempt), by gate name. */
export function latestGateResults(rows: readonly GateResultRow[]): Map<string, GateResultRow> {
  const latest = new Map<string, GateResultRow>();
  for (const row of rows) {
    const current = latest.get(row.gate);
    if (!current || row.attempt > current.attempt) latest.set(row.gate, row);
  }
  return latest;
}

/** The completed evaluation of a gate for an earlier attempt of its job, if any (for flaky tests across attempts). */
export async function previousGateResult(db: DbOrTrx, row: Pick<GateResultRow, 'pipeline_run_id' | 'gate' | 'attempt'>): Promise<GateResultRow | undefined> {
  return db
    .selectFrom('gate_results')
    .selectAll()
    .where('pipeline_run_id', '=', row.pipeline_run_id)
    .where('gate', '=', row.gate)
    .where('attempt', '<', row.attempt)
    .where('status', '=', 'completed')
    .orderBy('attempt', 'desc')
    .limit(1)
    .executeTakeFirst();
}

import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { GateConclusion, GateResult, GateResultStatus, JsonObject } from '../schema/index.ts';

/** The result of one gate of one pipeline run. */
export interface GateResultInput {
  pipeline_run_id: number;
  gate: string;
  type: string;
  status: GateResultStatus;
  conclusion?: GateConclusion | null;
  summary?: string | null;
  details?: JsonObject;
  evaluated_at?: Date | null;
}

/**
 * Records a gate's result, replacing an earlier evaluation of the same gate in
 * the same run (a re-run re-evaluates). An override stays in place.
 */
export async function upsertGateResult(db: DbOrTrx, result: GateResultInput): Promise<GateResult> {
  return db
    .insertInto('gate_results')
    .values({
      pipeline_run_id: result.pipeline_run_id,
      gate: result.gate,
      type: result.type,
      status: result.status,
      conclusion: result.conclusion ?? null,
      summary: result.summary ?? null,
      details: toJsonb(result.details ?? {}),
      evaluated_at: result.evaluated_at ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['pipeline_run_id', 'gate']).doUpdateSet((eb) => ({
        type: eb.ref('excluded.type'),
        status: eb.ref('excluded.status'),
        conclusion: eb.ref('excluded.conclusion'),
        summary: eb.ref('excluded.summary'),
        details: eb.ref('excluded.details'),
        evaluated_at: eb.ref('excluded.evaluated_at'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The gate results of a pipeline run, in creation order. */
export async function listGateResults(db: DbOrTrx, pipelineRunId: number): Promise<GateResult[]> {
  return db.selectFrom('gate_results').selectAll().where('pipeline_run_id', '=', pipelineRunId).orderBy('id').execute();
}

/**
 * Records `/override GATE reason`: the conclusion stays what it was, the gate
 * no longer fails the run. Returns undefined when the run has no such gate.
 */
export async function overrideGateResult(
  db: DbOrTrx,
  override: { pipeline_run_id: number; gate: string; by: string; reason: string; now?: Date },
): Promise<GateResult | undefined> {
  return db
    .updateTable('gate_results')
    .set({
      overridden_by: override.by,
      override_reason: override.reason,
      overridden_at: override.now ?? sql<Date>`now()`,
    })
    .where('pipeline_run_id', '=', override.pipeline_run_id)
    .where('gate', '=', override.gate)
    .returningAll()
    .executeTakeFirst();
}

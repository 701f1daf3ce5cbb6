import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { IdentityKey, Jsonb, JsonObject, NullableTimestamp } from './columns.ts';

export const gateResultStatuses = ['pending', 'completed'] as const;
export type GateResultStatus = (typeof gateResultStatuses)[number];

/** `error`: the gate could not be evaluated (artifact missing, unparseable); it fails like `failed`. */
export const gateConclusions = ['passed', 'failed', 'error'] as const;
export type GateConclusion = (typeof gateConclusions)[number];

/**
 * The result of one gate of one pipeline run; `(pipeline_run_id, gate)` is
 * unique. An override keeps the original conclusion and records who and why.
 */
export interface GateResultTable {
  id: IdentityKey;
  pipeline_run_id: number;
  /** The gate `name` from the config. */
  gate: string;
  /** The gate `type` from the config (`coverage`, `junit`, `sarif`, `benchmark`, `duration`). */
  type: string;
  status: Generated<GateResultStatus>;
  conclusion: GateConclusion | null;
  /** One line for the check run's gates table, e.g. `coverage 78.2% < 80%`. */
  summary: string | null;
  /** Measurements and findings, as the evaluator returns them. */
  details: Jsonb<JsonObject>;
  overridden_by: string | null;
  override_reason: string | null;
  overridden_at: NullableTimestamp;
  evaluated_at: NullableTimestamp;
}

export type GateResult = Selectable<GateResultTable>;
export type NewGateResult = Insertable<GateResultTable>;
export type GateResultUpdate = Updateable<GateResultTable>;

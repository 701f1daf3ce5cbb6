import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { IdentityKey, Jsonb, JsonObject, JsonValue, NullableJsonb, NullableTimestamp } from './columns.ts';

export const gateResultStatuses = ['pending', 'completed'] as const;
export type GateResultStatus = (typeof gateResultStatuses)[number];

/** What an evaluation found (`overridden` is never stored here: it comes from `gate_overrides`). */
export const gateResultValues = ['pass', 'fail', 'neutral', 'error'] as const;
export type GateResultValue = (typeof gateResultValues)[number];

/**
 * The evaluation of one gate for one attempt of its job (`attempt` 0: a
 * pipeline-level gate); `(pipeline_run_id, gate, attempt)` is unique, so a
 * re-run is evaluated again while the earlier verdict stays on record.
 */
export interface GateResultTable {
  id: IdentityKey;
  pipeline_run_id: number;
  /** The gate `name` from the config. */
  gate: string;
  /** `coverage`, `junit`, `sarif`, `benchmark` or `duration`. */
  type: string;
  /** The stage of the gate's job, or null for a pipeline-level gate. */
  stage: string | null;
  job: string | null;
  attempt: number;
  job_attempt_id: number | null;
  /** The workflow run whose artifacts were read. */
  workflow_run_id: number | null;
  status: GateResultStatus;
  result: GateResultValue | null;
  /** Table cells, e.g. `82.35%`, `≥ 80%`, `81.2% at abc1234`. */
  measured: string | null;
  threshold: ColumnType<string, string | undefined, string>;
  baseline: string | null;
  /** The deciding reason code (`src/gates/reasons.ts`). */
  reason: NullableJsonb<JsonObject>;
  /** The reason as a sentence naming the artifact, the file and the run when they are at fault. */
  detail: string | null;
  /** Findings with a path and line become annotations (at most 1,000 kept). */
  findings: ColumnType<JsonValue[], string | undefined, string>;
  /** Values a baseline keeps (coverage %, benchmark values, SARIF fingerprints, failed test ids). */
  data: ColumnType<JsonObject, string | undefined, string>;
  artifact: string | null;
  /** The workflow run's page. */
  run_url: string | null;
  /** The producing workflow file at the run's sha differs from the default branch's. */
  untrusted_producer: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Date;
  evaluated_at: NullableTimestamp;
  /** Completion order (a database sequence): annotations are appended in it. */
  completed_seq: number | null;
}

export type GateResultRow = Selectable<GateResultTable>;
export type NewGateResult = Insertable<GateResultTable>;
export type GateResultUpdate = Updateable<GateResultTable>;

/** `/override GATE reason`: a gate's failure set aside for one commit of one pipeline. */
export interface GateOverrideTable {
  id: IdentityKey;
  owner: string;
  repo: string;
  sha: string;
  pipeline: string;
  gate: string;
  actor: string;
  reason: string;
  created_at: Date;
}

export type GateOverride = Selectable<GateOverrideTable>;

/** What a successful default-branch run left for later comparisons, per gate and commit. */
export interface GateBaselineTable {
  id: IdentityKey;
  owner: string;
  repo: string;
  pipeline: string;
  gate: string;
  type: string;
  sha: string;
  branch: string;
  /** The commit's date: baselines are chosen by it (the latest at or before a PR's merge-base). */
  committed_at: Date;
  pipeline_run_id: number | null;
  /** `{coveragePercent}`, `{benchmarks: {name: value}}` or `{fingerprints: [...]}`. */
  data: Jsonb<JsonObject>;
  created_at: Date;
}

export type GateBaselineRow = Selectable<GateBaselineTable>;

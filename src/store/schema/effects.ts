import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { IdentityKey, Jsonb, JsonObject, NullableTimestamp } from './columns.ts';

export const effectStatuses = ['pending', 'running', 'done', 'failed'] as const;
export type EffectStatus = (typeof effectStatuses)[number];

/**
 * The effect outbox: one row per effect on GitHub (a dispatch, a cancel, a
 * check-run write, …), written in the transaction of the decision that calls
 * for it and performed by the effect runner. `key` is the idempotency key: a
 * decision recorded twice records one effect. A row is `done` only after
 * GitHub answered; a failure is retried with backoff until it is `failed`.
 */
export interface EffectTable {
  id: IdentityKey;
  /** Which performer does it (`dispatch`, `cancel-workflow-run`, `check-run`, …). */
  kind: string;
  /** Unique: the same effect is recorded once (a coalescing kind re-arms its row instead). */
  key: string;
  installation_id: number | null;
  pipeline_run_id: number | null;
  /** Lower goes first among effects due at the same time (dispatches before cosmetic writes). */
  priority: Generated<number>;
  payload: Jsonb<JsonObject>;
  status: Generated<EffectStatus>;
  /** How many times a performer started on it. */
  attempts: Generated<number>;
  next_attempt_at: Date;
  /** The process (instance id) performing it while `running`. */
  locked_by: number | null;
  /** A `running` row whose lease ended (its performer hung or died) is taken over. */
  locked_until: NullableTimestamp;
  /** Asked for again while running: performed once more after the current try. */
  rearmed: Generated<boolean>;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  done_at: NullableTimestamp;
}

export type Effect = Selectable<EffectTable>;
export type NewEffect = Insertable<EffectTable>;
export type EffectUpdate = Updateable<EffectTable>;

import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { Effect, JsonObject } from '../schema/index.ts';

/** Advisory-lock class under which each running process holds its instance id (see `effects/instance.ts`). */
export const INSTANCE_LOCK_CLASS = 21319;

/** An effect a decision calls for (see `EffectTable`). */
export interface EffectInput {
  kind: string;
  key: string;
  installationId?: number | null;
  pipelineRunId?: number | null;
  priority?: number;
  payload: JsonObject;
  now: Date;
  /**
   * Coalescing kinds (a check-run write renders the latest state): asking
   * again re-arms the row — a finished one is due again, a running one runs
   * once more after the current try — and replaces its payload. Without it a
   * second record of the same key is a no-op.
   */
  rearm?: boolean;
  /** With `rearm`: keep the recorded payload (a sibling asks for the effect again without knowing its details). */
  keepPayload?: boolean;
  /**
   * Asks again only for a settled (`done`/`failed`) row; a pending or running one is left as it
   * is (its own retry schedule stands): for idempotent performers asked "just in case".
   */
  ifSettled?: boolean;
  /** When it is first due (default `now`): a poll scheduled for later. */
  dueAt?: Date;
}

/** Records an effect in the caller's transaction; returns whether a row was inserted or re-armed. */
export async function recordEffect(db: DbOrTrx, input: EffectInput): Promise<boolean> {
  const row = {
    kind: input.kind,
    key: input.key,
    installation_id: input.installationId ?? null,
    pipeline_run_id: input.pipelineRunId ?? null,
    priority: input.priority ?? 5,
    payload: toJsonb(input.payload),
    next_attempt_at: input.dueAt ?? input.now,
    created_at: input.now,
    updated_at: input.now,
  };
  const query = db.insertInto('effects').values(row);
  if (input.ifSettled) {
    const written = await query
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ status: 'pending', attempts: 0, next_attempt_at: input.now, done_at: null, updated_at: input.now })
          .where('effects.status', 'in', ['done', 'failed']),
      )
      .returning('id')
      .executeTakeFirst();
    return written !== undefined;
  }
  if (!input.rearm) {
    const inserted = await query.onConflict((oc) => oc.column('key').doNothing()).returning('id').executeTakeFirst();
    return inserted !== undefined;
  }
  const written = await query
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        payload: input.keepPayload ? eb.ref('effects.payload') : eb.ref('excluded.payload'),
        updated_at: eb.ref('excluded.updated_at'),
        rearmed: sql<boolean>`effects.status = 'running'`,
        attempts: sql<number>`case when effects.status in ('done', 'failed') then 0 else effects.attempts end`,
        next_attempt_at: sql<Date>`case when effects.status = 'pending' then least(effects.next_attempt_at, excluded.next_attempt_at) when effects.status = 'running' then effects.next_attempt_at else excluded.next_attempt_at end`,
        status: sql<Effect['status']>`case when effects.status = 'running' then 'running' else 'pending' end`,
        done_at: sql<Date | null>`case when effects.status = 'running' then effects.done_at else null end`,
      })),
    )
    .returning('id')
    .executeTakeFirst();
  return written !== undefined;
}

/**
 * Claims up to `limit` due effects for this process (`for update skip locked`,
 * so replicas never claim the same row): each becomes `running`, leased to
 * `instance` until `now + leaseMs`, with its attempt counted.
 */
export async function claimDueEffects(
  db: DbOrTrx,
  options: { now: Date; instance: number; leaseMs: number; limit: number },
): Promise<Effect[]> {
  const due = db
    .selectFrom('effects')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', options.now)
    .orderBy('priority')
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(options.limit)
    .forUpdate()
    .skipLocked();
  const claimed = await db
    .updateTable('effects')
    .set((eb) => ({
      status: 'running',
      locked_by: options.instance,
      locked_until: new Date(options.now.getTime() + options.leaseMs),
      attempts: eb('attempts', '+', 1),
      rearmed: false,
      updated_at: options.now,
    }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return claimed.sort((a, b) => a.priority - b.priority || a.id - b.id);
}

/** How a performer's try ended. */
export type EffectSettlement =
  | { kind: 'done' }
  | { kind: 'retry'; at: Date; error: string }
  /** Done for now, due again at `at` (a poll): tries start again from zero. */
  | { kind: 'again'; at: Date }
  | { kind: 'failed'; error: string };

/**
 * Settles a claimed effect, only while this process still holds it. A row
 * re-armed during the try is due again at once whatever the outcome.
 */
export async function settleEffect(db: DbOrTrx, id: number, instance: number, settlement: EffectSettlement, now: Date): Promise<boolean> {
  const later = settlement.kind === 'retry' || settlement.kind === 'again';
  const next = later ? sql<Date>`case when rearmed then ${now}::timestamptz else ${settlement.at}::timestamptz end` : now;
  const status = later ? sql<Effect['status']>`'pending'` : sql<Effect['status']>`case when rearmed then 'pending' else ${settlement.kind} end`;
  const updated = await db
    .updateTable('effects')
    .set({
      status,
      next_attempt_at: next,
      locked_by: null,
      locked_until: null,
      rearmed: false,
      last_error: settlement.kind === 'done' || settlement.kind === 'again' ? null : settlement.error,
      done_at: settlement.kind === 'done' ? now : null,
      attempts: settlement.kind === 'retry' ? sql<number>`attempts` : settlement.kind === 'again' ? 0 : sql<number>`case when rearmed then 0 else attempts end`,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('locked_by', '=', instance)
    .returning('id')
    .executeTakeFirst();
  return updated !== undefined;
}

/**
 * Hands back `running` effects whose performer is gone: the lease ran out, or
 * the process that claimed them no longer holds its instance lock (it died).
 * Returns how many were taken back.
 */
export async function reclaimAbandonedEffects(db: DbOrTrx, options: { now: Date; self: number }): Promise<number> {
  const rows = await db
    .updateTable('effects')
    .set({ status: 'pending', locked_by: null, locked_until: null, next_attempt_at: options.now, updated_at: options.now })
    .where('status', '=', 'running')
    .where((eb) =>
      eb.or([
        eb('locked_until', '<', options.now),
        eb('locked_by', 'is', null),
        eb.and([
          eb('locked_by', '!=', options.self),
          eb.not(
            eb.exists(
              eb
                .selectFrom(sql<{ locktype: string; classid: number; objid: number; granted: boolean }>`pg_locks`.as('l'))
                .select(sql.lit(1).as('one'))
                .where(sql.ref('l.locktype'), '=', 'advisory')
                .where(sql`l.classid::bigint`, '=', INSTANCE_LOCK_CLASS)
                .where(sql`l.objid::bigint`, '=', sql.ref('effects.locked_by'))
                .where(sql.ref('l.granted'), '=', true),
            ),
          ),
        ]),
      ]),
    )
    .returning('id')
    .execute();
  return rows.length;
}

/** Effects due now or being performed: what a test waits for before it looks. */
export async function countOpenEffects(db: DbOrTrx, now: Date): Promise<number> {
  const row = await db
    .selectFrom('effects')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)])]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** When the next pending effect falls due, if any. */
export async function nextEffectDueAt(db: DbOrTrx): Promise<Date | undefined> {
  const row = await db
    .selectFrom('effects')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  const at: unknown = row?.at;
  return at instanceof Date ? at : typeof at === 'string' ? new Date(at) : undefined;
}

/** One effect by key (tests, and performers that look at a sibling). */
export async function getEffectByKey(db: DbOrTrx, key: string): Promise<Effect | undefined> {
  return db.selectFrom('effects').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Whether any effect of `kind` whose key starts with `prefix` is not finished yet. */
export async function hasUnfinishedEffects(db: DbOrTrx, kind: string, keyPrefix: string): Promise<boolean> {
  const row = await db
    .selectFrom('effects')
    .select('id')
    .where('kind', '=', kind)
    .where('key', 'like', `${keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    .where('status', 'in', ['pending', 'running'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Effects that failed for good, newest first (for operators; docs/operations.md has the SQL). */
export async function listFailedEffects(db: DbOrTrx, limit = 50): Promise<Effect[]> {
  return db.selectFrom('effects').selectAll().where('status', '=', 'failed').orderBy('updated_at', 'desc').limit(limit).execute();
}

/**
 * Deletes settled effects: `done` ones finished before `doneBefore`, `failed` ones before
 * `failedBefore` (kept longer, for operators). At most `limit` rows per call; returns how many.
 */
export async function pruneSettledEffects(db: DbOrTrx, options: { doneBefore: Date; failedBefore: Date; limit?: number }): Promise<number> {
  const old = db
    .selectFrom('effects')
    .select('id')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'done'), eb('updated_at', '<', options.doneBefore)]),
        eb.and([eb('status', '=', 'failed'), eb('updated_at', '<', options.failedBefore)]),
      ]),
    )
    .limit(options.limit ?? 1000);
  const deleted = await db.deleteFrom('effects').where('id', 'in', old).returning('id').execute();
  return deleted.length;
}

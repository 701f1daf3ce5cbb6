/**
 * The rows notifications keep (migration `2026-12-01T16-10-notifications`):
 * `notification_endpoints` (a receiver that answered 410 is disabled),
 * `notification_outcomes` (each pipeline's last outcome per ref, for
 * `recovery`), and Slack's pacing in `write_slots` (lane `slack:<url hash>`).
 */
import type { DbOrTrx } from '../store/db.ts';
import type { NotificationEndpoint } from '../store/schema/index.ts';

/** A pipeline on a ref of a repository. */
export interface OutcomeKey {
  owner: string;
  repo: string;
  pipeline: string;
  ref: string;
}

/**
 * Records the newest outcome of a pipeline on a ref and returns the one it
 * replaces (undefined the first time), in the caller's transaction: the row is
 * locked first, so two runs ending at once see one another in order.
 */
export async function swapRunOutcome(db: DbOrTrx, key: OutcomeKey, outcome: { conclusion: string; runId: number; at: Date }): Promise<{ conclusion: string; runId: number } | undefined> {
  const ndb = db;
  const previous = await ndb
    .selectFrom('notification_outcomes')
    .select(['conclusion', 'run_id'])
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('pipeline', '=', key.pipeline)
    .where('ref', '=', key.ref)
    .forUpdate()
    .executeTakeFirst();
  await ndb
    .insertInto('notification_outcomes')
    .values({ ...key, conclusion: outcome.conclusion, run_id: outcome.runId, completed_at: outcome.at })
    .onConflict((oc) =>
      oc.columns(['owner', 'repo', 'pipeline', 'ref']).doUpdateSet({ conclusion: outcome.conclusion, run_id: outcome.runId, completed_at: outcome.at }),
    )
    .execute();
  return previous ? { conclusion: previous.conclusion, runId: Number(previous.run_id) } : undefined;
}

/** The endpoint's row when it is disabled. */
export async function disabledEndpoint(db: DbOrTrx, hash: string): Promise<NotificationEndpoint | undefined> {
  return db.selectFrom('notification_endpoints').selectAll().where('hash', '=', hash).where('disabled_at', 'is not', null).executeTakeFirst();
}

/** Disables an endpoint (a 410): later sends to it are skipped. */
export async function disableEndpoint(db: DbOrTrx, endpoint: { hash: string; kind: 'slack' | 'webhook'; origin: string; reason: string; now: Date }): Promise<void> {
  await db
    .insertInto('notification_endpoints')
    .values({ hash: endpoint.hash, kind: endpoint.kind, origin: endpoint.origin, disabled_at: endpoint.now, disabled_reason: endpoint.reason, created_at: endpoint.now, updated_at: endpoint.now })
    .onConflict((oc) => oc.column('hash').doUpdateSet({ disabled_at: endpoint.now, disabled_reason: endpoint.reason, updated_at: endpoint.now }))
    .execute();
}

/** Whether a send may go now, or when the lane's next one may. */
export type SlotAnswer = { ok: true } | { ok: false; at: number };

/**
 * Takes the lane's slot only if it is free at `nowMs` (one atomic upsert on
 * `write_slots`, so replicas together send at most one message per interval
 * per lane); a taken slot says when the next is free. Unlike GitHub's write
 * pacing nothing is reserved ahead: a waiting notification asks again then.
 */
export async function takeFreeSlot(db: DbOrTrx, lane: string, nowMs: number, intervalMs: number): Promise<SlotAnswer> {
  const now = new Date(nowMs);
  const next = new Date(nowMs + intervalMs);
  const taken = await db
    .insertInto('write_slots')
    .values({ lane, next_at: next })
    .onConflict((oc) => oc.column('lane').doUpdateSet({ next_at: next }).where('write_slots.next_at', '<=', now))
    .returning('next_at')
    .executeTakeFirst();
  if (taken) return { ok: true };
  const row = await db.selectFrom('write_slots').select('next_at').where('lane', '=', lane).executeTakeFirst();
  return { ok: false, at: row ? row.next_at.getTime() : nowMs };
}

/** For tests and operators: the disabled endpoints, newest first. */
export async function listDisabledEndpoints(db: DbOrTrx): Promise<NotificationEndpoint[]> {
  return db.selectFrom('notification_endpoints').selectAll().where('disabled_at', 'is not', null).orderBy('disabled_at', 'desc').orderBy('hash').execute();
}

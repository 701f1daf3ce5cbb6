/**
 * Watches what shipgate records about deployments, which no engine event
 * tells: each transition of a deployment request (`deployment_events`, with
 * its reason and actor) and the environment locks (`locks`); and how many
 * effects on GitHub its outbox still holds (check-run writes are paced
 * behind deployments, statuses and replies, so a step of the story is over
 * only once they are written). The demo's database is the app's own
 * embedded one, so a short poll of three small tables sees every transition
 * in the order it was recorded.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import { isReason, type Reason } from '../engine/reasons.ts';
import type { DbOrTrx } from '../store/db.ts';
import type { DeploymentSource, DeploymentStatus } from '../store/schema/index.ts';

/** One recorded transition of a deployment request, with what the timeline says about its request. */
export interface DeploymentTransition {
  /** The `deployment_events` row. */
  eventId: number;
  deploymentId: number;
  environment: string;
  sha: string;
  /** What was asked for: a branch, or the sha itself. */
  ref: string;
  source: DeploymentSource;
  /** The stage whose jobs deploy (a pipeline's stage with `environment:`, or `deploy` of a `/deploy` run). */
  stage: string | null;
  requestedBy: string;
  /** The deployment this one rolls back. */
  rollbackOf: number | null;
  from: DeploymentStatus | null;
  to: DeploymentStatus;
  /** Why (waits, refusals, ends), when the engine gave a reason this version knows. */
  reason: Reason | null;
  actor: string;
  /** When it was recorded (ms since the epoch). */
  at: number;
}

/** Something shipgate recorded about deployments. */
export type DeploymentRecordChange =
  | { kind: 'transition'; transition: DeploymentTransition }
  | { kind: 'locked'; environment: string; holder: string; reason: string | null; since: number }
  | { kind: 'unlocked'; environment: string; holder: string }
  /** The outbox's count of effects not yet performed (pending or running, of any repository: the demo's database serves one) changed. */
  | { kind: 'outbox'; pending: number };

export interface WatchDeploymentsOptions {
  /** `owner/name`: only this repository's deployments and locks. */
  repo: string;
  clock: Clock;
  /** How often to look (default 100 ms). */
  intervalMs?: number;
  onChange(change: DeploymentRecordChange): void;
  /** A poll that failed (the database closing under it); the watch goes on. */
  onError?: (error: unknown) => void;
}

/** A running watch: `poll()` looks now and resolves once seen (e.g. before judging the end), `stop()` ends it. */
export interface DeploymentWatch {
  poll(): Promise<void>;
  stop(): void;
}

/** The lock part of a change: who holds which environment, and since when. */
interface LockSeen {
  holder: string;
  reason: string | null;
  since: number;
}

/**
 * The changes between the locks seen before and now, by environment: a new
 * or re-taken lock is `locked`, a gone one `unlocked`, environments in name order.
 */
export function lockChanges(before: ReadonlyMap<string, LockSeen>, now: ReadonlyMap<string, LockSeen>): DeploymentRecordChange[] {
  const changes: DeploymentRecordChange[] = [];
  const environments = [...new Set([...before.keys(), ...now.keys()])].sort();
  for (const environment of environments) {
    const was = before.get(environment);
    const is = now.get(environment);
    if (is && (!was || was.holder !== is.holder || was.since !== is.since || was.reason !== is.reason)) changes.push({ kind: 'locked', environment, ...is });
    else if (was && !is) changes.push({ kind: 'unlocked', environment, holder: was.holder });
  }
  return changes;
}

/** Starts polling `db`; changes are reported in the order they were recorded. */
export function watchDeployments(db: DbOrTrx, options: WatchDeploymentsOptions): DeploymentWatch {
  const [owner = '', repo = ''] = options.repo.split('/');
  let lastEventId = 0;
  let locks = new Map<string, LockSeen>();
  let pending: number | undefined;
  let timer: TimerHandle | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const look = async () => {
    const rows = await db
      .selectFrom('deployment_events as e')
      .innerJoin('deployments as d', 'd.id', 'e.deployment_id')
      .select(['e.id as eventId', 'e.deployment_id', 'e.from_status', 'e.to_status', 'e.reason', 'e.actor', 'e.at', 'd.environment', 'd.sha', 'd.ref', 'd.source', 'd.stage', 'd.requested_by', 'd.rollback_of'])
      .where('d.owner', '=', owner)
      .where('d.repo', '=', repo)
      .where('e.id', '>', lastEventId)
      .orderBy('e.id')
      .execute();
    const held = await db.selectFrom('locks').select(['environment', 'holder', 'reason', 'created_at']).where('owner', '=', owner).where('repo', '=', repo).execute();
    const outbox = await db.selectFrom('effects').select((eb) => eb.fn.countAll<number>().as('count')).where('status', 'in', ['pending', 'running']).executeTakeFirst();
    if (stopped) return;
    for (const row of rows) {
      lastEventId = Math.max(lastEventId, row.eventId);
      options.onChange({
        kind: 'transition',
        transition: {
          eventId: row.eventId,
          deploymentId: row.deployment_id,
          environment: row.environment,
          sha: row.sha,
          ref: row.ref,
          source: row.source,
          stage: row.stage,
          requestedBy: row.requested_by,
          rollbackOf: row.rollback_of,
          from: row.from_status,
          to: row.to_status,
          reason: isReason(row.reason) ? row.reason : null,
          actor: row.actor,
          at: row.at.getTime(),
        },
      });
    }
    const now = new Map(held.map((lock) => [lock.environment, { holder: lock.holder, reason: lock.reason, since: lock.created_at.getTime() }]));
    for (const change of lockChanges(locks, now)) options.onChange(change);
    locks = now;
    const count = Number(outbox?.count ?? 0);
    if (count !== pending) options.onChange({ kind: 'outbox', pending: count });
    pending = count;
  };
  /** One look at a time, in order; a failed look is reported and the next one tries again. */
  const poll = () => {
    running = running.then(look).catch((error: unknown) => options.onError?.(error));
    return running;
  };
  const schedule = () => {
    timer = options.clock.setTimeout(() => {
      if (stopped) return;
      void poll().then(() => {
        if (!stopped) schedule();
      });
    }, options.intervalMs ?? 100);
  };
  schedule();

  return {
    poll,
    stop() {
      stopped = true;
      if (timer) options.clock.clearTimeout(timer);
    },
  };
}

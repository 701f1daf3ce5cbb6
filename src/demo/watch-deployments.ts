/**
 * Watches what shipgate records about deployments, which no engine event
 * tells: each transition of a deployment request (`deployment_events`, with
 * its reason and actor), the environment locks (`locks`), each approval
 * request (`approval_requests`: opened, its comment written, approved or
 * ended) and each approval counted (`approvals`: who, through which
 * channel); and how many effects on GitHub its outbox still holds (check-run
 * writes are paced behind deployments, statuses and replies, so a step of
 * the story is over only once they are written). The demo's database is the
 * app's own embedded one, so a short poll of a few small tables sees every
 * change in the order it was recorded.
 */
import type { Clock } from '../clock.ts';
import { readSnapshot } from '../deploy/environment-policy.ts';
import { isReason, type Reason } from '../engine/reasons.ts';
import { parseDuration } from '../repo-config/duration.ts';
import type { DbOrTrx } from '../store/db.ts';
import type { ApprovalChannel, ApprovalRequestStatus, DeploymentSource, DeploymentStatus } from '../store/schema/index.ts';
import { pollEvery } from './poll-loop.ts';

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

/** An approval request as recorded now (SPEC §6): whose deployment, who may approve, how far it got. */
export interface ApprovalRequestState {
  requestId: number;
  deploymentId: number;
  environment: string;
  sha: string;
  /** Distinct approvals it needs. */
  required: number;
  /** The environment's `approvers` (users and `@org/team`s). */
  approvers: string[];
  /** Who asked for the deployment (who may not approve it, unless self-approval is allowed). */
  requestedBy: string;
  allowSelfApproval: boolean;
  status: ApprovalRequestStatus;
  /** The issue or pull request its comment is on, and the comment once written. */
  issueNumber: number | null;
  commentId: number | null;
  /** When the last required approval arrived (ms since the epoch). */
  approvedAt: number | null;
  /** The environment's wait timer after the last approval, in ms (null: none). */
  waitMs: number | null;
  /** When it was opened (ms since the epoch). */
  at: number;
}

/** One approval counted for a request. */
export interface ApprovalSeen {
  approvalId: number;
  requestId: number;
  deploymentId: number;
  environment: string;
  approver: string;
  via: ApprovalChannel;
  /** The commit it approves. */
  sha: string;
  /** Approvals of the request counted so far, this one included, and how many it needs. */
  given: number;
  required: number;
  at: number;
}

/** Something shipgate recorded about deployments. */
export type DeploymentRecordChange =
  | { kind: 'transition'; transition: DeploymentTransition }
  /** A request seen for the first time, or its status or comment changed. */
  | { kind: 'approval-request'; request: ApprovalRequestState }
  | { kind: 'approval'; approval: ApprovalSeen }
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

/** What of an approval request makes a change worth reporting: a new status, its comment written. */
function approvalRequestKey(request: ApprovalRequestState): string {
  return `${request.status}/${request.commentId ?? ''}`;
}

/**
 * The changes of one look, in the order they were recorded: by time, and at
 * the same moment (one transaction) an approval before the transition it
 * causes, and a transition before the approval request it opened or settled.
 */
export function orderChanges(changes: ReadonlyArray<{ at: number; change: DeploymentRecordChange }>): DeploymentRecordChange[] {
  const rank = (change: DeploymentRecordChange) => (change.kind === 'approval' ? 0 : change.kind === 'transition' ? 1 : 2);
  return changes
    .map((entry, index) => ({ ...entry, index }))
    .sort((a, b) => a.at - b.at || rank(a.change) - rank(b.change) || a.index - b.index)
    .map((entry) => entry.change);
}

/** The wait timer of a deployment's policy snapshot, in ms (null: none, or one this version cannot read). */
function waitOf(policy: unknown, environment: string): number | null {
  const wait = readSnapshot(policy, environment).wait;
  if (wait === undefined) return null;
  try {
    return parseDuration(wait);
  } catch {
    return null;
  }
}

/** Starts polling `db`; changes are reported in the order they were recorded. */
export function watchDeployments(db: DbOrTrx, options: WatchDeploymentsOptions): DeploymentWatch {
  const [owner = '', repo = ''] = options.repo.split('/');
  let lastEventId = 0;
  let lastApprovalId = 0;
  const requestsSeen = new Map<number, string>();
  let locks = new Map<string, LockSeen>();
  let pending: number | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const look = async () => {
    // Asked at once: the embedded database answers them in turn, with no round trip through the event loop between them.
    const [rows, requests, approvals, held, outbox] = await Promise.all([
      db
        .selectFrom('deployment_events as e')
        .innerJoin('deployments as d', 'd.id', 'e.deployment_id')
        .select(['e.id as eventId', 'e.deployment_id', 'e.from_status', 'e.to_status', 'e.reason', 'e.actor', 'e.at', 'd.environment', 'd.sha', 'd.ref', 'd.source', 'd.stage', 'd.requested_by', 'd.rollback_of'])
        .where('d.owner', '=', owner)
        .where('d.repo', '=', repo)
        .where('e.id', '>', lastEventId)
        .orderBy('e.id')
        .execute(),
      db
        .selectFrom('approval_requests as r')
        .innerJoin('deployments as d', 'd.id', 'r.deployment_id')
        .select([
          'r.id',
          'r.deployment_id',
          'r.environment',
          'r.sha',
          'r.required',
          'r.approvers',
          'r.requested_by',
          'r.allow_self_approval',
          'r.status',
          'r.issue_number',
          'r.comment_id',
          'r.approved_at',
          'r.created_at',
          'r.updated_at',
          'd.policy',
        ])
        .where('r.owner', '=', owner)
        .where('r.repo', '=', repo)
        .orderBy('r.id')
        .execute(),
      db
        .selectFrom('approvals as a')
        .innerJoin('approval_requests as r', 'r.id', 'a.approval_request_id')
        .select(['a.id', 'a.approval_request_id', 'a.approver', 'a.via', 'a.sha', 'a.created_at', 'r.deployment_id', 'r.environment', 'r.required'])
        .where('r.owner', '=', owner)
        .where('r.repo', '=', repo)
        .orderBy('a.id')
        .execute(),
      db.selectFrom('locks').select(['environment', 'holder', 'reason', 'created_at']).where('owner', '=', owner).where('repo', '=', repo).execute(),
      db.selectFrom('effects').select((eb) => eb.fn.countAll<number>().as('count')).where('status', 'in', ['pending', 'running']).executeTakeFirst(),
    ]);
    if (stopped) return;
    const changes: Array<{ at: number; change: DeploymentRecordChange }> = [];
    for (const row of rows) {
      lastEventId = Math.max(lastEventId, row.eventId);
      const transition: DeploymentTransition = {
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
      };
      changes.push({ at: transition.at, change: { kind: 'transition', transition } });
    }
    for (const row of requests) {
      const request: ApprovalRequestState = {
        requestId: row.id,
        deploymentId: row.deployment_id,
        environment: row.environment,
        sha: row.sha,
        required: row.required,
        approvers: Array.isArray(row.approvers) ? row.approvers.filter((a): a is string => typeof a === 'string') : [],
        requestedBy: row.requested_by,
        allowSelfApproval: row.allow_self_approval,
        status: row.status,
        issueNumber: row.issue_number,
        commentId: row.comment_id,
        approvedAt: row.approved_at?.getTime() ?? null,
        waitMs: waitOf(row.policy, row.environment),
        at: row.created_at.getTime(),
      };
      const key = approvalRequestKey(request);
      if (requestsSeen.get(request.requestId) === key) continue;
      // A new request is placed at its opening, a change at its last update.
      const at = requestsSeen.has(request.requestId) ? row.updated_at.getTime() : request.at;
      requestsSeen.set(request.requestId, key);
      changes.push({ at, change: { kind: 'approval-request', request } });
    }
    for (const row of approvals) {
      if (row.id <= lastApprovalId) continue;
      lastApprovalId = row.id;
      const given = approvals.filter((a) => a.approval_request_id === row.approval_request_id && a.id <= row.id).length;
      changes.push({
        at: row.created_at.getTime(),
        change: {
          kind: 'approval',
          approval: {
            approvalId: row.id,
            requestId: row.approval_request_id,
            deploymentId: row.deployment_id,
            environment: row.environment,
            approver: row.approver,
            via: row.via,
            sha: row.sha,
            given,
            required: row.required,
            at: row.created_at.getTime(),
          },
        },
      });
    }
    for (const change of orderChanges(changes)) options.onChange(change);
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
  const loop = pollEvery(options.clock, options.intervalMs ?? 100, poll);

  return {
    poll,
    stop() {
      stopped = true;
      loop.stop();
    },
  };
}

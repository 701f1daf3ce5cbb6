/**
 * The deployment policy of SPEC §6, as one pure function: whether a deployment
 * request may go now, must wait (and why, and until when), or is refused. The
 * caller gathers the facts (branches of the sha, deployments, pipeline runs,
 * lock, queue) and decides once when the request is made and again when it
 * reaches the head of its environment's queue, right before anything is
 * dispatched. The rules run in the SPEC's order and the first one that objects
 * decides: branches, `after:`, pipelines, lock, approvals, wait timer, queue.
 */
import { reason, type Reason } from '../engine/reasons.ts';
import { matchFilters } from '../matching/patterns.ts';
import { parseDuration } from '../repo-config/duration.ts';

/**
 * Where a request comes from: a pipeline stage with `environment:`, a `/deploy`
 * command, a `/rollback` command, or the automatic rollback after a failed deploy.
 */
export type DeploySource = 'stage' | 'command' | 'rollback' | 'auto-rollback';

/** A deployment request as the policy sees it. */
export interface DeployRequestView {
  /** Shipgate's id of the request. */
  id: number;
  /** The environment it deploys to. */
  environment: string;
  /** The commit it deploys. */
  sha: string;
  /** What the requester named: a branch, or a sha (then `ref` is that sha). */
  ref: string;
  refKind: 'branch' | 'sha';
  source: DeploySource;
  /** The login of whoever asked (for an automatic rollback: whoever made the deployment that failed). */
  requestedBy: string;
  /** When the request was made, in ms since the epoch; the wait timer counts from here. */
  requestedAt: number;
}

/** The parts of an environment's config the policy reads. */
export interface EnvironmentPolicy {
  /** Filter patterns (SPEC §4, `!` negates, last match wins) the deployed branch must match; unset or empty allows any branch. */
  branches?: readonly string[];
  /** Another environment the sha must already be deployed to successfully. */
  after?: string;
  /** How many approvals a deployment needs. */
  approvals: number;
  /** How long a request waits after it is made (or, with approvals, after the last one), as a duration like `10m`. */
  wait?: string;
}

/** What the caller found out about the request's world when it decides. */
export interface DeployFacts {
  /** 'request': deciding on a new request (a lock refuses); 'queue': re-deciding a request already accepted (a lock makes it wait). */
  phase: 'request' | 'queue';
  /** Branches the request's ref is (refKind branch: [ref]) or that contain the sha (refKind sha). */
  branches: readonly string[];
  /** Whether the sha has a deployment to `environment.after` whose latest status is success. */
  afterSucceeded: boolean;
  /** The sha's pipelines (latest run of each pipeline, deploy runs excluded), by name. */
  pipelines: { running: readonly string[]; failed: readonly string[] };
  /** The environment's sticky lock, if any (`since` in ms since the epoch). */
  lock: { holder: string; reason: string | null; since: number } | null;
  /** Approvals given (slot for the next issue; unused while approvals > 0 is refused). */
  approvals: { given: number };
  /** Other requests of the environment: the one deploying now (id or null) and the open ones created before this one, oldest first. */
  queue: { deploying: number | null; ahead: readonly number[] };
  /** The current time, in ms since the epoch. */
  now: number;
}

/**
 * The policy's answer. `wait` is re-decided later (when a pipeline ends, a lock
 * is released, the queue moves, or at `until` for the wait timer); `refuse` ends
 * the request.
 */
export type DeployDecision =
  | { kind: 'allow' }
  | { kind: 'wait'; reason: Reason; /** When to decide again (ms since the epoch), for the wait timer. */ until?: number }
  | { kind: 'refuse'; reason: Reason };

/** A rule's verdict: `null` when it has no objection. */
type RuleVerdict = Exclude<DeployDecision, { kind: 'allow' }> | null;
type Rule = (request: DeployRequestView, environment: EnvironmentPolicy, facts: DeployFacts) => RuleVerdict;

/**
 * Decides a deployment request under SPEC §6's policy, rules in this order (the
 * first objection wins):
 *
 * 1. branches: the ref (or a branch containing the sha) matches `environment.branches`;
 *    a sha on no branch at all is refused even when `branches` is unset;
 * 2. `after:` (not for rollbacks): the sha is deployed successfully to that environment;
 * 3. pipelines (only for `/deploy`): none failed (refuse), none running (wait);
 * 4. lock: not locked by someone else (refuse a new request, make a queued one wait);
 * 5. approvals (not for rollbacks): `approvals > 0` is refused until approvals land;
 * 6. wait timer (not for rollbacks): `requestedAt + wait` has passed;
 * 7. queue: nothing else of the environment deploys or is ahead in the queue.
 *
 * Branch patterns are assumed valid (the config was validated); an invalid one throws.
 */
export function decideDeployment(request: DeployRequestView, environment: EnvironmentPolicy, facts: DeployFacts): DeployDecision {
  for (const rule of RULES) {
    const verdict = rule(request, environment, facts);
    if (verdict) return verdict;
  }
  return { kind: 'allow' };
}

/**
 * A time as the policy's sentences show it: the UTC minute, `2026-12-01 12:00 UTC`
 * (seconds are dropped, not rounded). Throws a `RangeError` for a value that is no time.
 */
export function formatUtcMinute(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Whether a request returns to an earlier state, and so skips `after:`, pipelines, approvals and the wait timer. */
function isRollback(request: DeployRequestView): boolean {
  return request.source === 'rollback' || request.source === 'auto-rollback';
}

const checkBranches: Rule = (request, environment, facts) => {
  if (request.refKind === 'sha' && facts.branches.length === 0) {
    return { kind: 'refuse', reason: reason('deploy.sha-not-on-branch', { sha: request.sha, environment: request.environment }) };
  }
  const patterns = environment.branches ?? [];
  if (patterns.length === 0) return null;
  if (facts.branches.some((branch) => matchFilters(branch, patterns))) return null;
  const ref = request.refKind === 'branch' ? request.ref : request.sha.slice(0, 7);
  return { kind: 'refuse', reason: reason('deploy.ref-not-allowed', { ref, environment: request.environment, patterns: [...patterns] }) };
};

const checkAfter: Rule = (request, environment, facts) => {
  if (isRollback(request) || environment.after === undefined || facts.afterSucceeded) return null;
  return { kind: 'refuse', reason: reason('deploy.after-missing', { environment: request.environment, after: environment.after, sha: request.sha }) };
};

const checkPipelines: Rule = (request, _environment, facts) => {
  if (request.source !== 'command') return null;
  const { failed, running } = facts.pipelines;
  if (failed.length > 0) return { kind: 'refuse', reason: reason('deploy.pipelines-failed', { sha: request.sha, pipelines: [...failed] }) };
  if (running.length > 0) return { kind: 'wait', reason: reason('deploy.pipelines-running', { sha: request.sha, pipelines: [...running] }) };
  return null;
};

const checkLock: Rule = (request, _environment, facts) => {
  const lock = facts.lock;
  // GitHub logins are case-insensitive.
  if (lock === null || lock.holder.toLowerCase() === request.requestedBy.toLowerCase()) return null;
  const locked = reason('deploy.locked', { environment: request.environment, holder: lock.holder, reason: lock.reason, since: formatUtcMinute(lock.since) });
  return facts.phase === 'request' ? { kind: 'refuse', reason: locked } : { kind: 'wait', reason: locked };
};

const checkApprovals: Rule = (request, environment) => {
  if (isRollback(request) || environment.approvals <= 0) return null;
  return { kind: 'refuse', reason: reason('deploy.approvals-unsupported', { environment: request.environment, approvals: environment.approvals }) };
};

const checkWaitTimer: Rule = (request, environment, facts) => {
  // With approvals the timer starts at the last approval; that case is refused above until approvals land.
  if (isRollback(request) || environment.approvals > 0 || environment.wait === undefined) return null;
  const until = request.requestedAt + parseDuration(environment.wait);
  if (facts.now >= until) return null;
  return { kind: 'wait', reason: reason('deploy.wait-timer', { environment: request.environment, until: formatUtcMinute(until) }), until };
};

/**
 * The queue: `ahead` in the reason is the deploying request (unless it is also
 * listed ahead, or is this one) followed by the open requests ahead, oldest
 * first; `position` is 1 + that count, so the request right behind the one
 * deploying is number 2.
 */
const checkQueue: Rule = (request, _environment, facts) => {
  const { deploying } = facts.queue;
  const waiting = facts.queue.ahead.filter((id) => id !== request.id);
  const ahead = deploying !== null && deploying !== request.id && !waiting.includes(deploying) ? [deploying, ...waiting] : waiting;
  if (ahead.length === 0) return null;
  return { kind: 'wait', reason: reason('deploy.queued', { environment: request.environment, position: ahead.length + 1, ahead }) };
};

const RULES: readonly Rule[] = [checkBranches, checkAfter, checkPipelines, checkLock, checkApprovals, checkWaitTimer, checkQueue];

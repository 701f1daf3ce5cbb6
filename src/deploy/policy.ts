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
export type DeploySource = 'stage' | 'command' | 'rollback' | 'auto-rollback' | 'protection';

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
  /** Who may approve (shown in the sentence of a request that waits for approvals). */
  approvers?: readonly string[];
  /** How long a request waits after it is made (or, with approvals, after the last required one), as a duration like `10m`. */
  wait?: string;
}

/** The request's approval request as the policy sees it (SPEC §6). */
export interface ApprovalFacts {
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  /** Distinct approvals that count now. */
  given: number;
  /** When the last required approval arrived (ms since the epoch), once there are enough. */
  approvedAt: number | null;
  /** When it expires (ms since the epoch); null: never. */
  expiresAt: number | null;
  /** Why it ended (rejected, a new push), for an ended request. */
  endReason: Reason | null;
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
  /** The request's approval request; null while none exists (the caller opens one when the policy asks for approvals). */
  approvals: ApprovalFacts | null;
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
 * 5. approvals (not for rollbacks): with `approvals > 0`, enough distinct approvals
 *    (wait until then, at most until the request expires; a rejected, expired or
 *    voided request is refused);
 * 6. wait timer (not for rollbacks): `wait` has passed since the request was made, or
 *    with approvals since the last required one arrived;
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

const checkApprovals: Rule = (request, environment, facts) => {
  if (isRollback(request) || environment.approvals <= 0) return null;
  const approvals = facts.approvals;
  const needed = () => reason('deploy.approvals-needed', { environment: request.environment, given: approvals?.given ?? 0, required: environment.approvals, approvers: [...(environment.approvers ?? [])] });
  if (approvals === null) return { kind: 'wait', reason: needed() };
  switch (approvals.status) {
    case 'approved':
      return null;
    case 'rejected':
      return { kind: 'refuse', reason: approvals.endReason ?? reason('deploy.approval-rejected', { environment: request.environment, by: 'an approver', reason: null }) };
    case 'cancelled':
      return { kind: 'refuse', reason: approvals.endReason ?? reason('deploy.cancelled', { by: 'shipgate' }) };
    case 'expired':
      return { kind: 'refuse', reason: expired(request, approvals.expiresAt ?? facts.now) };
    case 'pending':
      if (approvals.expiresAt !== null && facts.now >= approvals.expiresAt) return { kind: 'refuse', reason: expired(request, approvals.expiresAt) };
      if (approvals.given >= environment.approvals) return null;
      return approvals.expiresAt !== null ? { kind: 'wait', reason: needed(), until: approvals.expiresAt } : { kind: 'wait', reason: needed() };
  }
};

function expired(request: DeployRequestView, at: number): Reason {
  return reason('deploy.approval-expired', { environment: request.environment, at: formatUtcMinute(at) });
}

const checkWaitTimer: Rule = (request, environment, facts) => {
  if (isRollback(request) || environment.wait === undefined) return null;
  const withApprovals = environment.approvals > 0;
  // With approvals the timer starts when the last required one arrived (the rule above let the request through only then).
  const from = withApprovals ? (facts.approvals?.approvedAt ?? facts.now) : request.requestedAt;
  const until = from + parseDuration(environment.wait);
  if (facts.now >= until) return null;
  const code = withApprovals ? 'deploy.approval-wait-timer' : 'deploy.wait-timer';
  return { kind: 'wait', reason: reason(code, { environment: request.environment, until: formatUtcMinute(until) }), until };
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

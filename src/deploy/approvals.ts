/**
 * Approving and rejecting deployments (SPEC §6). Every channel — an
 * `/approve` comment, a 👍 on the request comment, the check run's Approve
 * button — goes through {@link approveRequest}, and every rejection (`/reject`,
 * 👎) through {@link rejectRequest}. Both check, when they are decided, that
 * the user is no bot, is listed in `approvers` or an active member of a listed
 * team, is not the requester (unless self-approval is allowed), still has read
 * access, and that the request is pending and still for the same commit. The
 * count and the decision it leads to are made under the environment's lock, so
 * approvals arriving at the same moment on several replicas deploy once.
 */
import type { Transaction } from 'kysely';
import { isApprover } from '../commands/approvers.ts';
import { isBotAuthor, roleLookupFor, teamLookupFor, type RoleLookup, type TeamLookup } from '../commands/authorize.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { isReason, reason, type Reason } from '../engine/reasons.ts';
import type { GitHubClient } from '../github/client.ts';
import { githubMessage } from '../github/client.ts';
import { pullRequestHead } from '../github/issue-comments.ts';
import { hasRole, type Role } from '../github/permissions.ts';
import { withTransaction } from '../store/db.ts';
import { listApprovals, listPendingApprovalRequests, lockApprovalRequest, recordApproval, removeApproval } from '../store/repos/approvals.ts';
import { appendAudit } from '../store/repos/audit-log.ts';
import { getDeployment, transitionDeployment } from '../store/repos/deployments.ts';
import type { ApprovalChannel, ApprovalRequest, Database, Deployment } from '../store/schema/index.ts';
import { afterReview } from './after-review.ts';
import { approversOf, commentPlaceOf, settleApprovalRequest } from './approval-requests.ts';
import { formatUtcMinute } from './policy.ts';
import { listVoteReactions } from '../github/approval-comments.ts';
import { lockEnvironment, recordDeploymentCheck, reviewEnvironment, type ReviewOutcome } from './queue.ts';

/** Who approves or rejects: a login and GitHub's account type. */
export interface Actor {
  login: string;
  type?: string | undefined;
}

/** What an approval came to. */
export type ApprovalOutcome =
  | { kind: 'counted'; given: number; required: number; deployment: Deployment }
  /** The same user had already approved (by any channel): it counts once. */
  | { kind: 'already'; given: number; required: number; deployment: Deployment }
  | { kind: 'refused'; reason: Reason };

/** What a rejection came to. */
export type RejectionOutcome = { kind: 'rejected'; deployment: Deployment } | { kind: 'refused'; reason: Reason };

/** The head of a pull request now, asked of GitHub. */
export type PullHeadLookup = (pullNumber: number) => Promise<{ sha: string; ref: string }>;

/** The lookups of one decision (a delivery, a poll): each user's role and team memberships asked once. */
export interface ApproverLookups {
  role: RoleLookup;
  teams: TeamLookup;
  /** A pull request's head, for the approval that completes a count when the caller does not know it (a 👍, a button). */
  pullHead?: PullHeadLookup;
}

export function approverLookups(octokit: GitHubClient, ref: { owner: string; repo: string }): ApproverLookups {
  const heads = new Map<number, Promise<{ sha: string; ref: string }>>();
  const pullHead: PullHeadLookup = (pullNumber) => {
    let head = heads.get(pullNumber);
    if (!head) {
      head = pullRequestHead(octokit, ref, pullNumber).then(({ sha, ref: headRef }) => ({ sha, ref: headRef }));
      head.catch(() => heads.delete(pullNumber));
      heads.set(pullNumber, head);
    }
    return head;
  };
  return { role: roleLookupFor(octokit, ref), teams: teamLookupFor(octokit), pullHead };
}

/** The facts of one user that decide whether they may approve (gathered from the API by {@link checkApprover}). */
export interface ApproverFacts {
  actor: Actor;
  listed: boolean;
  role: Role;
}

/**
 * Whether a user may approve a request (pure): no bot; not the requester
 * unless self-approval is allowed; listed (or an active member of a listed
 * team); at least read access. `forRejection` drops the self rule: whoever
 * asked may always withdraw their own request.
 */
export function judgeApprover(
  request: Pick<ApprovalRequest, 'environment' | 'requested_by' | 'allow_self_approval' | 'approvers'>,
  facts: ApproverFacts,
  options: { forRejection?: boolean } = {},
): { ok: true } | { ok: false; reason: Reason } {
  const user = facts.actor.login;
  if (isBotAuthor(facts.actor)) return { ok: false, reason: reason('approval.bot', { user }) };
  if (!options.forRejection && !request.allow_self_approval && user.toLowerCase() === request.requested_by.toLowerCase()) {
    return { ok: false, reason: reason('approval.self', { user, environment: request.environment }) };
  }
  if (!facts.listed) return { ok: false, reason: reason('approval.not-approver', { user, environment: request.environment, approvers: approversOf(request) }) };
  if (!hasRole(facts.role, 'read')) return { ok: false, reason: reason('approval.no-access', { user, has: facts.role }) };
  return { ok: true };
}



/** Asks GitHub what {@link judgeApprover} needs (bots and the requester are judged before any call). */
export async function checkApprover(
  lookups: ApproverLookups,
  request: ApprovalRequest,
  actor: Actor,
  options: { forRejection?: boolean } = {},
): Promise<{ ok: true } | { ok: false; reason: Reason }> {
  const early = judgeApprover(request, { actor, listed: true, role: 'admin' }, options);
  if (!early.ok) return early;
  try {
    const listed = await isApprover(actor.login, approversOf(request), lookups.teams);
    const role = listed ? await lookups.role(actor.login) : 'none';
    return judgeApprover(request, { actor, listed, role }, options);
  } catch (err) {
    return { ok: false, reason: reason('approval.lookup-failed', { user: actor.login, message: githubMessage(err) }) };
  }
}

/**
 * Why a request takes no approvals (or rejections) any more, or null while it
 * does: expired (when), voided by a push (the commit it moved to), or ended
 * otherwise (its status).
 */
function closedReason(request: ApprovalRequest, now: Date): Reason | null {
  if (request.status === 'expired' || (request.status === 'pending' && request.expires_at !== null && now >= request.expires_at)) {
    return reason('approval.expired', { environment: request.environment, at: formatUtcMinute((request.expires_at ?? now).getTime()) });
  }
  const ended = isReason(request.reason) ? request.reason : null;
  if (request.status === 'cancelled' && ended?.code === 'deploy.sha-changed') {
    return reason('approval.sha-changed', { environment: request.environment, sha: request.sha, head: ended.head });
  }
  if (request.status !== 'pending') return reason('approval.not-pending', { environment: request.environment, status: request.status });
  return null;
}

/** Whether a request follows its pull request's head (a `/deploy` of the PR, a PR's stage), so a new push voids it. */
export function followsPullHead(deployment: Pick<Deployment, 'pr_number' | 'ref' | 'sha'>, headRef: string): boolean {
  return deployment.pr_number !== null && deployment.ref !== deployment.sha && deployment.ref === headRef;
}

interface Context {
  deps: EngineDeps;
  lookups: ApproverLookups;
  now: Date;
  /** The pull request's head now, when the caller knows it (a comment's PR): a moved head voids the request. */
  head?: { sha: string; ref: string } | undefined;
  /** What the audit log names as the target (`pull/12`, `check_run:5`). */
  target: string;
  /** The 👍 users on the request comment now (lower case), when the caller has just read them (the poller); else read when needed. */
  thumbsUp?: ReadonlySet<string> | undefined;
  /** The installation's client, to read the request comment's reactions when the count completes. */
  octokit?: GitHubClient | undefined;
}

/** Who has a 👍 on the request comment now, or null when that cannot be known (no comment yet, no client, GitHub failed). */
async function presentThumbsUp(context: Context, request: ApprovalRequest): Promise<ReadonlySet<string> | null> {
  if (context.thumbsUp) return context.thumbsUp;
  if (!context.octokit || request.comment_id === null) return null;
  const place = commentPlaceOf(request);
  if (!place) return null;
  try {
    const reactions = await listVoteReactions(context.octokit, { owner: request.owner, repo: request.repo }, place, request.comment_id);
    return new Set(reactions.filter((r) => r.content === '+1').map((r) => r.user.toLowerCase()));
  } catch {
    return null;
  }
}

/**
 * Counts `actor`'s approval of `request` through `channel`. When it would
 * complete the count, the earlier approvers are checked again (one who left
 * the team or lost access drops out), and so is the pull request's head when
 * the caller did not bring it (a 👍, a button press): a push whose webhook has
 * not arrived yet voids the request rather than letting it deploy the old
 * commit. Then the environment's queue is decided again: the deployment may
 * wait for its timer, queue, or start.
 */
export async function approveRequest(context: Context, request: ApprovalRequest, actor: Actor, channel: ApprovalChannel): Promise<ApprovalOutcome> {
  const { deps, now } = context;
  const refuse = async (why: Reason): Promise<ApprovalOutcome> => {
    await audit(context, actor.login, 'approval.approve', why.code, request, { via: channel, reason: why });
    return { kind: 'refused', reason: why };
  };
  const closed = closedReason(request, now);
  if (closed) {
    if (closed.code === 'approval.expired') await reviewRequestEnvironment(deps, request, now);
    return refuse(closed);
  }
  const voided = await voidIfHeadMoved(context, request);
  if (voided) return refuse(voided);
  const eligible = await checkApprover(context.lookups, request, actor);
  if (!eligible.ok) return refuse(eligible.reason);

  let review: ReviewOutcome = { advance: [], wakes: [] };
  let result: ApprovalOutcome | 'again' = 'again';
  // The completing approval's checks run on the approvals as they are; if others arrived meanwhile (another replica), look again.
  for (let round = 0; round < 3 && result === 'again'; round++) {
    const others = (await listApprovals(deps.db, request.id)).filter((a) => a.approver.toLowerCase() !== actor.login.toLowerCase());
    const completes = others.length + 1 >= request.required;
    if (completes && context.head === undefined) {
      const head = await pullHeadOf(context, request, actor);
      if (!head.ok) return refuse(head.reason);
      const moved = head.head ? await voidIfHeadMoved({ ...context, head: head.head }, request) : null;
      if (moved) return refuse(moved);
    }
    const dropped: Array<{ approver: string; reason: Reason }> = [];
    if (completes) {
      // A 👍 counts only while it is there: one taken back since the last poll drops out now.
      const present = others.some((a) => a.via === 'reaction') ? await presentThumbsUp(context, request) : null;
      for (const other of others) {
        if (present !== null && other.via === 'reaction' && !present.has(other.approver.toLowerCase())) {
          dropped.push({ approver: other.approver, reason: reason('approval.not-pending', { environment: request.environment, status: 'withdrawn (👍 taken back)' }) });
          continue;
        }
        const still = await checkApprover(context.lookups, request, { login: other.approver });
        // A lookup that failed says nothing about the approver: the approval stays.
        if (!still.ok && still.reason.code !== 'approval.lookup-failed') dropped.push({ approver: other.approver, reason: still.reason });
      }
    }
    const checked = new Set(others.map((a) => a.approver.toLowerCase()));
    result = await withTransaction(deps.db, async (trx): Promise<ApprovalOutcome | 'again'> => {
      await lockEnvironment(trx, request);
      const current = await lockApprovalRequest(trx, request.id);
      const stillClosed = current ? closedReason(current, now) : reason('approval.not-pending', { environment: request.environment, status: 'gone' });
      if (!current || stillClosed) return { kind: 'refused', reason: stillClosed ?? reason('approval.not-pending', { environment: request.environment, status: 'gone' }) };
      const othersNow = (await listApprovals(trx, current.id)).filter((a) => a.approver.toLowerCase() !== actor.login.toLowerCase());
      if (othersNow.length + 1 >= current.required && othersNow.some((a) => !checked.has(a.approver.toLowerCase()))) return 'again';
      for (const drop of dropped) if (await removeApproval(trx, current.id, drop.approver)) await audit(context, drop.approver, 'approval.dropped', drop.reason.code, current, { reason: drop.reason }, trx);
      const { recorded } = await recordApproval(trx, { approval_request_id: current.id, approver: actor.login, sha: current.sha, via: channel, now });
      const given = (await listApprovals(trx, current.id)).length;
      review = await reviewEnvironment(trx, current, now, actor.login);
      const deployment = await getDeployment(trx, current.deployment_id);
      if (!deployment) throw new Error(`deployment ${current.deployment_id} of approval request ${current.id} is gone`);
      if (recorded || dropped.length > 0) await recordDeploymentCheck(trx, deployment, now);
      await audit(context, actor.login, 'approval.approve', recorded ? 'ok' : 'approval.already', current, { via: channel, given, required: current.required }, trx);
      return { kind: recorded ? 'counted' : 'already', given, required: current.required, deployment };
    });
  }
  if (result === 'again') return refuse(reason('approval.lookup-failed', { user: actor.login, message: 'approvals kept arriving while this one was checked' }));
  await afterReview(deps, review, null);
  return result;
}

/**
 * `actor` rejects `request` (`/reject`, 👎): it ends, and so does its
 * deployment (status `rejected`, with the reason), whose stage fails.
 */
export async function rejectRequest(context: Context, request: ApprovalRequest, actor: Actor, why: string | null, channel: ApprovalChannel): Promise<RejectionOutcome> {
  const { deps, now } = context;
  const refuse = async (r: Reason): Promise<RejectionOutcome> => {
    await audit(context, actor.login, 'approval.reject', r.code, request, { via: channel, reason: r });
    return { kind: 'refused', reason: r };
  };
  const closed = closedReason(request, now);
  if (closed) {
    if (closed.code === 'approval.expired') await reviewRequestEnvironment(deps, request, now);
    return refuse(closed);
  }
  const eligible = await checkApprover(context.lookups, request, actor, { forRejection: true });
  if (!eligible.ok) return refuse(eligible.reason);
  let review: ReviewOutcome = { advance: [], wakes: [] };
  const result = await withTransaction(deps.db, async (trx): Promise<RejectionOutcome> => {
    await lockEnvironment(trx, request);
    const current = await lockApprovalRequest(trx, request.id);
    const stillClosed = current ? closedReason(current, now) : null;
    if (!current || stillClosed) return { kind: 'refused', reason: stillClosed ?? reason('approval.not-pending', { environment: request.environment, status: 'gone' }) };
    const ended = reason('deploy.approval-rejected', { environment: current.environment, by: actor.login, reason: why });
    await settleApprovalRequest(trx, current.id, { status: 'rejected', reason: ended, by: actor.login, now });
    review = await reviewEnvironment(trx, current, now, actor.login);
    const deployment = await getDeployment(trx, current.deployment_id);
    if (!deployment) throw new Error(`deployment ${current.deployment_id} of approval request ${current.id} is gone`);
    await audit(context, actor.login, 'approval.reject', 'ok', current, { via: channel, reason: why }, trx);
    return { kind: 'rejected', deployment };
  });
  await afterReview(deps, review, null);
  return result;
}

/**
 * The pull request moved on: a pending request that follows its head and is
 * for another commit is voided (the comment says a new `/deploy` is needed),
 * and its deployment is cancelled. Returns the reason when it was voided.
 */
async function voidIfHeadMoved(context: Context, request: ApprovalRequest): Promise<Reason | null> {
  const head = context.head;
  if (!head || head.sha === request.sha) return null;
  const deployment = await getDeployment(context.deps.db, request.deployment_id);
  if (!deployment || !followsPullHead(deployment, head.ref)) return null;
  await voidApprovalRequests(context.deps, [request], head.sha, context.now);
  return reason('approval.sha-changed', { environment: request.environment, sha: request.sha, head: head.sha });
}

/**
 * The head of the pull request a request follows, asked of GitHub (none for
 * a request that follows no pull request's head, or without the lookup).
 */
async function pullHeadOf(
  context: Context,
  request: ApprovalRequest,
  actor: Actor,
): Promise<{ ok: true; head: { sha: string; ref: string } | undefined } | { ok: false; reason: Reason }> {
  const lookup = context.lookups.pullHead;
  if (!lookup) return { ok: true, head: undefined };
  const deployment = await getDeployment(context.deps.db, request.deployment_id);
  if (!deployment || deployment.pr_number === null || deployment.ref === deployment.sha) return { ok: true, head: undefined };
  try {
    return { ok: true, head: await lookup(deployment.pr_number) };
  } catch (err) {
    return { ok: false, reason: reason('approval.lookup-failed', { user: actor.login, message: githubMessage(err) }) };
  }
}

/**
 * Voids pending approval requests whose commit is no longer their pull
 * request's head (`head`): the request is cancelled with `deploy.sha-changed`,
 * and so is its deployment. Approvals for one commit never deploy another.
 */
export async function voidApprovalRequests(deps: EngineDeps, requests: readonly ApprovalRequest[], head: string, now: Date): Promise<number> {
  let voided = 0;
  let review: ReviewOutcome = { advance: [], wakes: [] };
  for (const request of [...requests].sort((a, b) => a.environment.localeCompare(b.environment))) {
    if (request.sha === head) continue;
    const outcome = await withTransaction(deps.db, async (trx) => {
      await lockEnvironment(trx, request);
      const why = reason('deploy.sha-changed', { environment: request.environment, sha: request.sha, head });
      // Pending, or approved but not deploying yet (its wait timer, the queue): both are voided; a deploy that started goes on.
      if (!(await settleApprovalRequest(trx, request.id, { status: 'cancelled', reason: why, by: 'shipgate', now, from: ['pending', 'approved'] }))) return null;
      const cancelled = await transitionDeployment(trx, request.deployment_id, 'cancelled', { reason: { ...why }, actor: 'shipgate', now, from: ['requested', 'waiting', 'queued'] });
      if (!cancelled) throw new VoidTooLate();
      await recordDeploymentCheck(trx, cancelled, now);
      const again = await reviewEnvironment(trx, request, now);
      if (cancelled?.pipeline_run_id != null) again.advance.push(cancelled.pipeline_run_id);
      await appendAudit(trx, { actor: 'shipgate', action: 'approval.void', outcome: why.code, owner: request.owner, repo: request.repo, target: `approval:${request.id}`, details: { sha: request.sha, head, environment: request.environment }, at: now });
      return again;
    }).catch((err: unknown) => {
      // Its deploy started already: the transaction rolled back, nothing is voided.
      if (err instanceof VoidTooLate) return err;
      throw err;
    });
    if (outcome instanceof VoidTooLate) continue;
    if (outcome) {
      voided++;
      review = { advance: [...review.advance, ...outcome.advance], wakes: [...review.wakes, ...outcome.wakes] };
    }
  }
  await afterReview(deps, review, null);
  return voided;
}

/** Thrown to roll a void back: the request's deploy has started, so the push does not stop it. */
class VoidTooLate extends Error {}

/** Decides a request's environment again (an expiry noticed by a late approval). */
async function reviewRequestEnvironment(deps: EngineDeps, request: ApprovalRequest, now: Date): Promise<void> {
  const review = await withTransaction(deps.db, (trx) => reviewEnvironment(trx, request, now));
  await afterReview(deps, review, null);
}

async function audit(
  context: Context,
  actor: string,
  action: string,
  outcome: string,
  request: ApprovalRequest,
  details: Record<string, unknown>,
  trx?: Transaction<Database>,
): Promise<void> {
  await appendAudit(trx ?? context.deps.db, {
    actor,
    action,
    outcome,
    owner: request.owner,
    repo: request.repo,
    target: context.target,
    details: JSON.parse(JSON.stringify({ approvalRequest: request.id, deployment: request.deployment_id, environment: request.environment, sha: request.sha, ...details })),
    at: context.now,
  });
}

/**
 * `pull_request.synchronize`: the pending approval requests of the pull
 * request that follow its head branch and are for an older commit are voided.
 */
export async function voidStaleApprovals(deps: EngineDeps, payload: { number: number; pull_request: { head: { ref: string; sha: string } }; repository: { full_name: string } }): Promise<number> {
  const [owner = '', repo = ''] = payload.repository.full_name.split('/');
  const head = payload.pull_request.head;
  const pending = await deps.db
    .selectFrom('approval_requests')
    .selectAll()
    .where('owner', '=', owner)
    .where('repo', '=', repo)
    .where('issue_number', '=', payload.number)
    .where('status', 'in', ['pending', 'approved'])
    .orderBy('id')
    .execute();
  if (pending.length === 0) return 0;
  const stale: ApprovalRequest[] = [];
  for (const request of pending) {
    if (request.sha === head.sha) continue;
    const deployment = await getDeployment(deps.db, request.deployment_id);
    if (deployment && followsPullHead(deployment, head.ref)) stale.push(request);
  }
  return voidApprovalRequests(deps, stale, head.sha, new Date(deps.clock.now()));
}

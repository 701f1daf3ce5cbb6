/**
 * The approval effects (SPEC §6). `approval-comment` writes the one request
 * comment from the recorded state — on the deployment's pull request, else on
 * the commit's pull request, else on the commit — and edits it in place on
 * every change. `approval-reactions` polls that comment's 👍 and 👎 (GitHub
 * sends no reaction webhooks): each 👍 goes through the same `approveRequest`
 * as `/approve`, a 👎 through `rejectRequest`, a 👍 taken back before the
 * request was approved stops counting; the next poll is scheduled later and
 * later, and none after the request ends or expires. A poll GitHub fails (a
 * rate limit, a 5xx) is tried again later and later too, but never given up
 * while the request is pending: no 👍 is lost to an outage.
 */
import { z } from 'zod';
import { approvalCommentBody, approvalMarker } from '../deploy/approval-comment.ts';
import { commentPlaceOf, loadApprovalView, nextReactionPoll, REACTION_POLL_DELAYS_MS } from '../deploy/approval-requests.ts';
import { approverLookups, approveRequest, rejectRequest } from '../deploy/approvals.ts';
import { isBotAuthor } from '../commands/authorize.ts';
import { lockEnvironment, reviewEnvironment } from '../deploy/queue.ts';
import { afterReview } from '../deploy/after-review.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { githubMessage, statusOf } from '../github/client.ts';
import { createPlacedComment, findPlacedComment, listVoteReactions, pullRequestOfCommit, updatePlacedComment, type CommentPlace, type CommentReaction } from '../github/approval-comments.ts';
import { withTransaction } from '../store/db.ts';
import { toJsonb } from '../store/json.ts';
import { getApprovalRequest, listApprovals, removeApproval, updateApprovalRequest } from '../store/repos/approvals.ts';
import { appendAudit } from '../store/repos/audit-log.ts';
import type { ApprovalRequest, Effect } from '../store/schema/index.ts';
import type { PerformOutcome, Performer } from './runner.ts';
import { recordApprovalComment } from './kinds.ts';

const payloadSchema = z.object({ approvalRequestId: z.number().int().positive() });

/** Writes an approval request's comment: created once (a lost answer is found by its marker), then edited in place. */
export function approvalCommentPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = payloadSchema.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed approval-comment effect: ${parsed.error.message}` };
    if (effect.installation_id === null) return { kind: 'failed', error: 'approval-comment effect without an installation' };
    const loaded = await loadApprovalView(deps.db, parsed.data.approvalRequestId);
    if (!loaded) return { kind: 'done' };
    let { request } = loaded;
    const octokit = await deps.github(effect.installation_id);
    const ref = { owner: request.owner, repo: request.repo };
    let place = commentPlaceOf(request);
    if (place === null) {
      // A push's commit: its pull request if it has one, else the commit itself.
      const pull = await pullRequestOfCommit(octokit, ref, request.sha);
      place = pull !== null ? { kind: 'issue', issue: pull } : { kind: 'commit', sha: request.sha };
      request =
        (await updateApprovalRequest(deps.db, request.id, place.kind === 'issue' ? { issue_number: place.issue, comment_kind: 'issue' } : { comment_kind: 'commit' }, { now: new Date(deps.clock.now()) })) ?? request;
    }
    const body = approvalCommentBody(loaded.view, new Date(deps.clock.now()));
    if (request.comment_id !== null) {
      await updatePlacedComment(octokit, ref, place, request.comment_id, body);
      return { kind: 'done' };
    }
    const found = effect.attempts > 1 ? await findPlacedComment(octokit, ref, place, approvalMarker(request.id)) : undefined;
    const id = found ?? (await createPlacedComment(octokit, ref, place, body));
    if (found !== undefined) await updatePlacedComment(octokit, ref, place, found, body);
    await updateApprovalRequest(deps.db, request.id, { comment_id: id }, { now: new Date(deps.clock.now()) });
    return { kind: 'done' };
  };
}

/** Whether a failed poll may succeed later (a 5xx, a rate limit, the network), as the effect runner judges failures. */
function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status >= 500 || status === 429 || (status === 403 && /rate limit/i.test(githubMessage(err)));
}

/** Longest wait between two tries of a failing poll: the steady poll interval. */
const FAILED_POLL_MAX_DELAY_MS = REACTION_POLL_DELAYS_MS.at(-1) ?? 300_000;

/**
 * When to try a poll that failed again (pure): after as long as it has been
 * since the last poll that worked (so the gap doubles while GitHub keeps
 * failing), at least the first poll delay and at most the steady interval; at
 * the expiry at the latest, whose poll ends the request.
 */
function failedPollRetry(lastPollAt: number, now: number, expiresAt: number | null): number {
  const delay = Math.min(FAILED_POLL_MAX_DELAY_MS, Math.max(REACTION_POLL_DELAYS_MS[0], now - lastPollAt));
  return expiresAt !== null ? Math.min(now + delay, Math.max(now, expiresAt)) : now + delay;
}

/** Polls an approval request's comment reactions once, acts on them, and says when to poll again. */
export function approvalReactionsPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = payloadSchema.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed approval-reactions effect: ${parsed.error.message}` };
    if (effect.installation_id === null) return { kind: 'failed', error: 'approval-reactions effect without an installation' };
    const request = await getApprovalRequest(deps.db, parsed.data.approvalRequestId);
    if (!request || request.status !== 'pending') return { kind: 'done' };
    const now = new Date(deps.clock.now());
    const expiresAt = request.expires_at?.getTime() ?? null;
    if (expiresAt !== null && now.getTime() >= expiresAt) {
      // Its time ran out: the queue expires it (and says so), no poll after.
      const review = await withTransaction(deps.db, (trx) => reviewEnvironment(trx, request, now));
      await afterReview(deps, review, null);
      return { kind: 'done' };
    }
    const place = commentPlaceOf(request);
    // The comment is not written yet: look again, soon at first, then less often (its write may have failed for good).
    if (place === null || request.comment_id === null) {
      const waited = now.getTime() - request.created_at.getTime();
      return { kind: 'again', at: new Date(now.getTime() + (waited < 60_000 ? 5_000 : waited < 600_000 ? 60_000 : 300_000)) };
    }

    const octokit = await deps.github(effect.installation_id);
    const ref = { owner: request.owner, repo: request.repo };
    let reactions: CommentReaction[];
    try {
      reactions = await listVoteReactions(octokit, ref, place, request.comment_id);
    } catch (err) {
      // Someone deleted the request comment: it is written again, and polled from there.
      if (statusOf(err) === 404) {
        await withTransaction(deps.db, async (trx) => {
          await updateApprovalRequest(trx, request.id, { comment_id: null }, { now });
          await recordApprovalComment(trx, { approvalRequestId: request.id, installationId: effect.installation_id, now });
        });
        deps.log.warn({ approvalRequest: request.id }, 'the approval request comment is gone; writing it again');
        return { kind: 'again', at: new Date(now.getTime() + 5_000) };
      }
      // A rate limit or an outage lasts as long as it lasts: polling backs off but never gives up while the request is pending.
      if (!isTransient(err)) throw err;
      deps.log.warn({ approvalRequest: request.id, message: githubMessage(err) }, 'polling reactions failed; trying again later');
      const lastPoll = (request.reactions_polled_at ?? request.created_at).getTime();
      return { kind: 'again', at: new Date(failedPollRetry(lastPoll, now.getTime(), expiresAt)) };
    }
    const polls = request.polls + 1;
    await updateApprovalRequest(deps.db, request.id, { polls, reactions_polled_at: now }, { now });

    // Reactions judged before and refused (by reaction id: one taken back and given again is judged anew).
    const refused = new Set((Array.isArray(request.refused_reactors) ? request.refused_reactors : []).map((key) => String(key).toLowerCase()));
    const keyOf = (r: { id: number; user: string }) => `${r.user.toLowerCase()}#${r.id}`;
    const thumbsUp = new Set(reactions.filter((r) => r.content === '+1').map((r) => r.user.toLowerCase()));
    const context = { deps, lookups: approverLookups(octokit, ref), octokit, thumbsUp, now, target: `comment:${request.comment_id}` };
    const newlyRefused: string[] = [];
    const ups = reactions.filter((r) => r.content === '+1');
    const downs = reactions.filter((r) => r.content === '-1');

    for (const down of downs) {
      if (isBotAuthor({ login: down.user, type: down.userType }) || refused.has(keyOf(down))) continue;
      const outcome = await rejectRequest(context, request, { login: down.user, type: down.userType }, null, 'reaction');
      if (outcome.kind === 'rejected') return { kind: 'done' };
      if (outcome.reason.code === 'approval.not-pending' || outcome.reason.code === 'approval.expired') return { kind: 'done' };
      if (outcome.reason.code !== 'approval.lookup-failed') newlyRefused.push(keyOf(down));
    }

    // A 👍 taken back stops counting while the request is still pending.
    const present = new Set(ups.map((r) => r.user.toLowerCase()));
    const counted = await listApprovals(deps.db, request.id);
    const withdrawn = counted.filter((a) => a.via === 'reaction' && !present.has(a.approver.toLowerCase()));
    if (withdrawn.length > 0) {
      let withdrawnReview: Awaited<ReturnType<typeof reviewEnvironment>> | null = null;
      await withTransaction(deps.db, async (trx) => {
        await lockEnvironment(trx, request);
        const current = await trx.selectFrom('approval_requests').select('status').where('id', '=', request.id).forUpdate().executeTakeFirst();
        if (current?.status !== 'pending') return;
        for (const approval of withdrawn) {
          if (!(await removeApproval(trx, request.id, approval.approver))) continue;
          await appendAudit(trx, { actor: approval.approver, action: 'approval.withdrawn', outcome: 'ok', owner: request.owner, repo: request.repo, target: context.target, details: { approvalRequest: request.id, via: 'reaction' }, at: now });
        }
        await recordApprovalComment(trx, { approvalRequestId: request.id, installationId: effect.installation_id, now });
        // The count went down: the request's reason, check run and any held job's report say so.
        withdrawnReview = await reviewEnvironment(trx, request, now);
      });
      if (withdrawnReview) await afterReview(deps, withdrawnReview, null);
    }

    const already = new Set(counted.map((a) => a.approver.toLowerCase()));
    for (const up of ups) {
      const login = up.user.toLowerCase();
      if (already.has(login) || refused.has(keyOf(up))) continue;
      const outcome = await approveRequest(context, request, { login: up.user, type: up.userType }, 'reaction');
      if (outcome.kind === 'counted' || outcome.kind === 'already') continue;
      if (outcome.reason.code === 'approval.not-pending' || outcome.reason.code === 'approval.expired' || outcome.reason.code === 'approval.sha-changed') return { kind: 'done' };
      if (outcome.reason.code !== 'approval.lookup-failed') newlyRefused.push(keyOf(up));
    }
    if (newlyRefused.length > 0) {
      await deps.db
        .updateTable('approval_requests')
        .set({ refused_reactors: toJsonb([...new Set([...refused, ...newlyRefused])]) })
        .where('id', '=', request.id)
        .execute();
    }
    const after = await getApprovalRequest(deps.db, request.id);
    if (!after || after.status !== 'pending') return { kind: 'done' };
    const next = nextReactionPoll(polls, now.getTime(), expiresAt);
    return next === null ? { kind: 'done' } : { kind: 'again', at: new Date(next) };
  };
}

/**
 * `/lock ENV [reason…]` and `/unlock ENV` (SPEC §6, §7): a sticky lock that
 * blocks every deployment to ENV except its holder's. Taking or releasing it
 * and deciding the environment's queue again happen in one transaction, so
 * queued requests say at once that they wait behind the lock (or deploy when
 * it is gone).
 */
import { githubMessage } from '../../github/client.ts';
import { hasRole } from '../../github/permissions.ts';
import { reason } from '../../engine/reasons.ts';
import { formatUtcMinute } from '../../deploy/policy.ts';
import { lockEnvironment, reviewEnvironment } from '../../deploy/queue.ts';
import { withTransaction } from '../../store/db.ts';
import type { EnvironmentKey } from '../../store/repos/deployments.ts';
import { acquireLock, getLock, releaseLock } from '../../store/repos/locks.ts';
import { roleLookupFor } from '../authorize.ts';
import type { CommandContext } from '../context.ts';
import type { CommandResult } from '../registry.ts';
import { afterReview } from '../../deploy/after-review.ts';
import { defaultBranchEnvironment } from './deploy-commands.ts';

/** The reason a lock is taken with: the words after ENV, or null when there are none. */
export function lockReason(words: readonly string[]): string | null {
  const text = words.join(' ').trim();
  return text === '' ? null : text;
}

/** `/lock ENV [reason…]`: takes (or, for its holder, re-words) ENV's lock; refused while someone else holds it. */
export async function runLock(context: CommandContext): Promise<CommandResult> {
  const [name = '', ...words] = context.args;
  const found = await defaultBranchEnvironment(context, name, { needsWorkflow: false });
  if (!found.ok) return { kind: 'refused', reason: found.reason };
  const why = lockReason(words);
  const head = context.issue.isPullRequest ? await context.pullHead() : undefined;
  const now = new Date(context.deps.clock.now());
  const key: EnvironmentKey = { owner: context.owner, repo: context.repo, environment: name };
  const outcome = await withTransaction(context.deps.db, async (trx) => {
    await lockEnvironment(trx, key);
    const taken = await acquireLock(trx, {
      ...key,
      holder: context.actor,
      reason: why,
      prNumber: context.issue.isPullRequest ? context.issue.number : null,
      sha: head?.sha ?? null,
      now,
    });
    if (!taken.acquired) return { kind: 'held', lock: taken.heldBy } as const;
    return { kind: 'acquired', lock: taken.lock, review: await reviewEnvironment(trx, key, now, context.actor) } as const;
  });
  const sha = head ? { sha: head.sha } : {};
  if (outcome.kind === 'held') {
    const { lock } = outcome;
    return { kind: 'refused', reason: reason('lock.held', { environment: name, holder: lock.holder, reason: lock.reason, since: formatUtcMinute(lock.created_at.getTime()) }), ...sha };
  }
  await afterReview(context.deps, outcome.review, null);
  return {
    kind: 'done',
    reply: true,
    ...sha,
    message: `${name} is locked by @${context.actor}${why ? ` (${why})` : ''}`,
    details: { environment: name, holder: outcome.lock.holder, reason: why, since: outcome.lock.created_at.toISOString() },
  };
}

/**
 * `/unlock ENV`: releases ENV's lock, for its holder or a repository admin;
 * the queue is decided again, so the next request may deploy now. The
 * environment need not still be in the config: a lock left on a removed
 * environment can be released.
 */
export async function runUnlock(context: CommandContext): Promise<CommandResult> {
  const name = context.args[0] ?? '';
  const key: EnvironmentKey = { owner: context.owner, repo: context.repo, environment: name };
  const lock = await getLock(context.deps.db, key);
  if (!lock) return { kind: 'refused', reason: reason('lock.not-locked', { environment: name }) };
  const isHolder = lock.holder.toLowerCase() === context.actor.toLowerCase();
  if (!isHolder) {
    let admin: boolean;
    try {
      admin = hasRole(await roleLookupFor(context.octokit, { owner: context.owner, repo: context.repo })(context.actor), 'admin');
    } catch (error) {
      return { kind: 'refused', reason: reason('refuse.permission-unknown', { user: context.actor, message: githubMessage(error) }) };
    }
    if (!admin) return { kind: 'refused', reason: reason('lock.not-holder', { environment: name, holder: lock.holder }) };
  }
  const now = new Date(context.deps.clock.now());
  const outcome = await withTransaction(context.deps.db, async (trx) => {
    await lockEnvironment(trx, key);
    // The holder releases only their own lock; an admin releases whichever is there.
    const released = await releaseLock(trx, key, isHolder ? { holder: context.actor } : {});
    if (!released.released) return { kind: 'kept', heldBy: released.heldBy } as const;
    return { kind: 'released', lock: released.lock, review: await reviewEnvironment(trx, key, now, context.actor) } as const;
  });
  if (outcome.kind === 'kept') {
    // Someone else released it (and perhaps re-locked it) between the read and the release.
    return outcome.heldBy
      ? { kind: 'refused', reason: reason('lock.not-holder', { environment: name, holder: outcome.heldBy.holder }) }
      : { kind: 'refused', reason: reason('lock.not-locked', { environment: name }) };
  }
  await afterReview(context.deps, outcome.review, null);
  const released = outcome.lock;
  return {
    kind: 'done',
    reply: true,
    message: `${name} is unlocked${isHolder ? '' : ` (it was locked by @${released.holder} since ${formatUtcMinute(released.created_at.getTime())})`}`,
    details: { environment: name, holder: released.holder, reason: released.reason, byAdmin: !isHolder },
  };
}

/**
 * The feedback of comment commands, as effects: reactions to the command
 * comment and the one reply comment. Recorded in the caller's transaction,
 * performed by the runner; both are safe to perform again.
 */
import { z } from 'zod';
import type { DbOrTrx } from '../store/db.ts';
import { recordEffect } from '../store/repos/effects.ts';
import type { Effect } from '../store/schema/index.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { addCommentReaction, createIssueComment, findAppCommentWithMarker, findCommentWithMarker, updateIssueComment, type CommandReaction } from '../github/issue-comments.ts';
import { EFFECT_KINDS, EFFECT_PRIORITY } from './kinds.ts';
import type { PerformOutcome, Performer } from './runner.ts';

/** A comment of a repository's issue or pull request. */
export interface CommentTarget {
  owner: string;
  repo: string;
  issue: number;
  commentId: number;
}

/** The hidden marker a reply carries, so a create whose answer was lost is found instead of repeated. */
export function replyMarker(key: string): string {
  return `<!-- shipgate:reply:${key} -->`;
}

/** Asks for a reaction to the command comment (one per comment and content). */
export async function recordCommentReaction(
  db: DbOrTrx,
  args: { target: CommentTarget; content: CommandReaction; installationId: number; now: Date },
): Promise<void> {
  const { owner, repo, commentId } = args.target;
  await recordEffect(db, {
    kind: EFFECT_KINDS.commentReaction,
    key: `reaction:${owner}/${repo}:${commentId}:${args.content}`,
    installationId: args.installationId,
    priority: EFFECT_PRIORITY.reaction,
    payload: { owner, repo, commentId, content: args.content },
    now: args.now,
  });
}

/** Asks for the reply to a command comment; `key` (the delivery id) makes it one reply however often it is asked for. */
export async function recordCommandReply(
  db: DbOrTrx,
  args: { target: CommentTarget; key: string; body: string; installationId: number; now: Date },
): Promise<void> {
  const { owner, repo, issue } = args.target;
  await recordEffect(db, {
    kind: EFFECT_KINDS.commandReply,
    key: `reply:${args.key}`,
    installationId: args.installationId,
    priority: EFFECT_PRIORITY.reply,
    payload: { owner, repo, issue, body: `${args.body}\n\n${replyMarker(args.key)}`, marker: replyMarker(args.key) },
    now: args.now,
  });
}

const reactionPayload = z.object({ owner: z.string(), repo: z.string(), commentId: z.number().int(), content: z.enum(['eyes', 'rocket', 'confused']) });
const replyPayload = z.object({ owner: z.string(), repo: z.string(), issue: z.number().int(), body: z.string(), marker: z.string() });

/** Performs a reaction: GitHub keeps one reaction per user and content, so repeating it is harmless. */
export function commentReactionPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = reactionPayload.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed reaction effect: ${parsed.error.message}` };
    if (effect.installation_id === null) return { kind: 'failed', error: 'reaction effect without an installation' };
    const { owner, repo, commentId, content } = parsed.data;
    await addCommentReaction(await deps.github(effect.installation_id), { owner, repo }, commentId, content);
    return { kind: 'done' };
  };
}

/**
 * Performs a reply: created once. A try after one whose answer never came
 * (5xx, a crash) first looks for the reply's marker among the issue's comments.
 */
export function commandReplyPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = replyPayload.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed reply effect: ${parsed.error.message}` };
    if (effect.installation_id === null) return { kind: 'failed', error: 'reply effect without an installation' };
    const { owner, repo, issue, body, marker } = parsed.data;
    const octokit = await deps.github(effect.installation_id);
    if (effect.attempts > 1 && (await findCommentWithMarker(octokit, { owner, repo }, issue, marker)) !== undefined) return { kind: 'done' };
    await createIssueComment(octokit, { owner, repo }, issue, body);
    return { kind: 'done' };
  };
}

/** The hidden marker of an issue's or pull request's `/status` reply: the one comment `/status` updates in place. */
export function statusMarker(issue: number): string {
  return `<!-- shipgate:status:${issue} -->`;
}

/**
 * Asks for the `/status` reply of an issue or pull request to say `body`:
 * one effect per issue, re-armed by every `/status` with the latest body, so
 * two quick `/status` end in one write of the newer text.
 */
export async function recordStatusReply(db: DbOrTrx, args: { owner: string; repo: string; issue: number; body: string; installationId: number; now: Date }): Promise<void> {
  const { owner, repo, issue } = args;
  await recordEffect(db, {
    kind: EFFECT_KINDS.statusReply,
    key: `status:${owner}/${repo}:${issue}`,
    installationId: args.installationId,
    priority: EFFECT_PRIORITY.reply,
    payload: { owner, repo, issue, body: `${args.body}\n\n${statusMarker(issue)}`, marker: statusMarker(issue) },
    now: args.now,
    rearm: true,
  });
}

/**
 * Performs a `/status` reply: the app's comment with the issue's status marker
 * is updated (it keeps its id), or created when there is none yet. Repeating
 * it after a lost answer finds the comment it created.
 */
export function statusReplyPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = replyPayload.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed status effect: ${parsed.error.message}` };
    if (effect.installation_id === null) return { kind: 'failed', error: 'status effect without an installation' };
    const { owner, repo, issue, body, marker } = parsed.data;
    const octokit = await deps.github(effect.installation_id);
    const existing = await findAppCommentWithMarker(octokit, { owner, repo }, issue, marker);
    if (existing !== undefined) await updateIssueComment(octokit, { owner, repo }, existing, body);
    else await createIssueComment(octokit, { owner, repo }, issue, body);
    return { kind: 'done' };
  };
}

/**
 * `issue_comment.created`: the commands of a comment, run in order. Receipt
 * is acknowledged with 👀 before anything runs; each command is checked
 * (known, arguments, rate limit, the author's role from the API), run and
 * audited; then 🚀 when all were done, or 😕 and one combined reply saying
 * why. Feedback goes through the effect outbox, so it survives crashes and
 * is written once. A delivery processed again skips the commands it already
 * audited and records the same (idempotent) feedback.
 */
import { sql } from 'kysely';
import type { EngineDeps } from '../engine/deps.ts';
import { isReason, reason, renderReason, type Reason } from '../engine/reasons.ts';
import { recordCommandReply, recordCommentReaction, type CommentTarget } from '../effects/command-feedback.ts';
import { pullRequestHead } from '../github/issue-comments.ts';
import type { IssueCommentPayload } from '../intake/payloads.ts';
import { loadRepoConfig } from '../repo-config/load-from-repo.ts';
import { withTransaction } from '../store/db.ts';
import { appendAudit } from '../store/repos/audit-log.ts';
import { authorize, isBotAuthor, roleLookupFor } from './authorize.ts';
import type { CommandContext } from './context.ts';
import { parseCommentCommands, type ParsedComment } from './parse.ts';
import { argumentProblem, findCommand, helpText, type CommandResult } from './registry.ts';

/** At most this many commands run from one comment. */
export const MAX_COMMANDS_PER_COMMENT = 10;
/** At most this many commands per user and repository in `RATE_WINDOW_MINUTES`. */
export const RATE_LIMIT_COMMANDS = 20;
export const RATE_WINDOW_MINUTES = 10;


interface Outcome {
  text: string;
  result: CommandResult;
  /** The command was in the registry (an unknown one gets the help text). */
  known: boolean;
}

/** Handles one `issue_comment` delivery; returns 'ignored' for anything that is not a command comment. */
export async function handleIssueComment(deps: EngineDeps, deliveryId: string, installationId: number, payload: IssueCommentPayload): Promise<'processed' | 'ignored'> {
  if (payload.action !== 'created') return 'ignored';
  if (isBotAuthor(payload.comment.user) || isBotAuthor(payload.sender)) return 'ignored';
  const body = payload.comment.body ?? '';
  const [owner = '', repo = ''] = payload.repository.full_name.split('/');
  const actor = payload.comment.user?.login ?? payload.sender.login;
  const octokit = await deps.github(installationId);
  const defaultBranch = payload.repository.default_branch ?? 'main';
  const config = await loadRepoConfig(octokit, { owner, repo, ref: defaultBranch });
  if (config.ok === 'missing') return 'ignored';
  // An invalid file on the default branch still leaves the commands usable with the default prefix.
  const prefix = config.ok === true ? config.config.commands.prefix : '/';
  const parsed = parseCommentCommands(body, prefix);
  if (parsed.entries.length === 0) return 'ignored';

  const target: CommentTarget = { owner, repo, issue: payload.issue.number, commentId: payload.comment.id };
  const now = () => new Date(deps.clock.now());
  await recordCommentReaction(deps.db, { target, content: 'eyes', installationId, now: now() });
  deps.effects?.kick();

  const isPullRequest = payload.issue.pull_request !== undefined && payload.issue.pull_request !== null;
  const help = helpText(prefix);
  const lookup = roleLookupFor(octokit, { owner, repo });
  let head: Promise<{ sha: string; ref: string; fromFork: boolean }> | undefined;
  const base: Omit<CommandContext, 'args'> = {
    deps,
    octokit,
    owner,
    repo,
    installationId,
    deliveryId,
    actor,
    issue: { number: payload.issue.number, isPullRequest },
    prefix,
    defaultBranch,
    payload: { ...payload },
    pullHead: () => (head ??= pullRequestHead(octokit, { owner, repo }, payload.issue.number)),
  };
  const audited = await auditedCommands(deps, deliveryId);
  const audit = (index: number, action: string, text: string, args: readonly string[], result: CommandResult) =>
    appendAudit(deps.db, {
      actor,
      action,
      outcome: result.kind === 'done' ? 'ok' : result.reason.code,
      owner,
      repo,
      target: `${isPullRequest ? 'pull' : 'issue'}/${payload.issue.number}`,
      details: {
        delivery: deliveryId,
        index,
        comment: payload.comment.id,
        command: shorten(text),
        args: args.map(shorten),
        pr: isPullRequest ? payload.issue.number : null,
        sha: result.sha ?? null,
        message: messageOf(result),
        reason: result.kind === 'refused' ? result.reason : null,
        showHelp: result.kind === 'done' && result.showHelp === true,
        result: result.kind === 'done' ? (result.details ?? {}) : {},
      },
      at: now(),
    });

  const outcomes: Outcome[] = [];
  if (parsed.entries.length > MAX_COMMANDS_PER_COMMENT) {
    const result: CommandResult = { kind: 'refused', reason: reason('command.too-many', { count: parsed.entries.length, max: MAX_COMMANDS_PER_COMMENT }) };
    if (!audited.has(0)) await audit(0, 'command.too-many', firstLine(parsed), [], result);
    outcomes.push({ text: `${parsed.entries.length} commands`, result, known: true });
  } else {
    let recent = await recentCommandCount(deps, { actor, owner, repo, deliveryId });
    for (const [index, entry] of parsed.entries.entries()) {
      const text = entry.kind === 'command' ? entry.command.text : entry.error.text;
      const name = entry.kind === 'command' ? entry.command.name : entry.error.name;
      const spec = findCommand(name);
      const done = audited.get(index);
      if (done) {
        outcomes.push({ text, result: done, known: spec !== undefined });
        continue;
      }
      const args = entry.kind === 'command' ? entry.command.args : [];
      let result: CommandResult;
      if (recent >= RATE_LIMIT_COMMANDS) {
        result = { kind: 'refused', reason: reason('command.rate-limited', { user: actor, max: RATE_LIMIT_COMMANDS, minutes: RATE_WINDOW_MINUTES }) };
      } else if (entry.kind === 'error') {
        result = { kind: 'refused', reason: reason('command.unterminated-quote', { text: shorten(text) }) };
      } else if (!spec) {
        result = { kind: 'refused', reason: reason('command.unknown', { command: `${prefix}${name}` }) };
      } else {
        const problem = argumentProblem(spec, args);
        const allowed = problem === undefined ? await authorize(lookup, actor, spec.permission) : true;
        if (problem !== undefined) result = { kind: 'refused', reason: reason('command.bad-arguments', { problem, usage: `${prefix}${spec.arguments.usage}` }) };
        else if (allowed !== true) result = { kind: 'refused', reason: allowed };
        else result = await runSafely(deps, { ...base, args }, spec.run, name);
      }
      recent++;
      await audit(index, `command.${spec?.name ?? 'unknown'}`, text, args, result);
      outcomes.push({ text, result, known: spec !== undefined });
    }
  }

  const refused = outcomes.some((o) => o.result.kind === 'refused');
  const replyBody = renderReply(actor, outcomes, help);
  await withTransaction(deps.db, async (trx) => {
    await recordCommentReaction(trx, { target, content: refused ? 'confused' : 'rocket', installationId, now: now() });
    if (replyBody !== undefined) await recordCommandReply(trx, { target, key: deliveryId, body: replyBody, installationId, now: now() });
  });
  deps.effects?.kick();
  deps.log.info({ delivery: deliveryId, actor, repo: payload.repository.full_name, commands: outcomes.map((o) => [o.text.slice(0, 40), messageOf(o.result)]) }, 'comment commands handled');
  return 'processed';
}

/** Runs a handler; a failure (GitHub down after retries, a bug) is told to the user instead of retrying the whole comment. */
async function runSafely(deps: EngineDeps, context: CommandContext, run: (context: CommandContext) => Promise<CommandResult>, name: string): Promise<CommandResult> {
  try {
    return await run(context);
  } catch (err) {
    deps.log.error({ err, delivery: context.deliveryId, command: name }, 'command failed');
    return { kind: 'refused', reason: reason('command.failed', { message: err instanceof Error ? err.message : String(err) }) };
  }
}

/** The reply: one line per command when any was refused or has something to say (help, a deployment's place in its queue); undefined when 🚀 says it all. */
export function renderReply(actor: string, outcomes: readonly Outcome[], help: string): string | undefined {
  const refused = outcomes.some((o) => o.result.kind === 'refused');
  const helpAsked = outcomes.some((o) => o.result.kind === 'done' && o.result.showHelp === true);
  const worthSaying = outcomes.some((o) => o.result.kind === 'done' && o.result.reply === true);
  if (!refused && !helpAsked && !worthSaying) return undefined;
  const lines = outcomes.map((o) => {
    const what = `\`${shorten(o.text)}\``;
    if (o.result.kind === 'done') return `- ${what}: ${o.result.message ?? 'done'}`;
    return `- ${what}: **refused** (\`${o.result.reason.code}\`): ${renderReason(o.result.reason)}`;
  });
  const withHelp = helpAsked || outcomes.some((o) => !o.known);
  return [`@${actor}`, '', ...lines, ...(withHelp ? ['', help] : [])].join('\n');
}

function messageOf(result: CommandResult): string {
  return result.kind === 'done' ? (result.message ?? 'done') : renderReason(result.reason);
}

function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

function firstLine(parsed: ParsedComment): string {
  const entry = parsed.entries[0];
  return entry === undefined ? '' : entry.kind === 'command' ? entry.command.text : entry.error.text;
}

/** The results of this delivery's commands that an earlier try already ran and audited, by index. */
async function auditedCommands(deps: EngineDeps, deliveryId: string): Promise<Map<number, CommandResult>> {
  const rows = await deps.db
    .selectFrom('audit_log')
    .select(['outcome', 'details'])
    .where('action', 'like', 'command.%')
    .where(sql<string>`details->>'delivery'`, '=', deliveryId)
    .execute();
  const results = new Map<number, CommandResult>();
  for (const row of rows) {
    const details = row.details as { index?: unknown; message?: unknown; sha?: unknown; reason?: unknown; showHelp?: unknown };
    if (typeof details.index !== 'number') continue;
    const message = typeof details.message === 'string' ? details.message : 'done';
    const sha = typeof details.sha === 'string' ? { sha: details.sha } : {};
    const refusal: Reason = isReason(details.reason) ? details.reason : reason('command.failed', { message });
    results.set(details.index, row.outcome === 'ok' ? { kind: 'done', message, showHelp: details.showHelp === true, ...sha } : { kind: 'refused', reason: refusal, ...sha });
  }
  return results;
}

/** Commands the user sent to the repository in the rate window, other deliveries only. */
async function recentCommandCount(deps: EngineDeps, key: { actor: string; owner: string; repo: string; deliveryId: string }): Promise<number> {
  const since = new Date(deps.clock.now() - RATE_WINDOW_MINUTES * 60_000);
  const row = await deps.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('actor', '=', key.actor)
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('action', 'like', 'command.%')
    .where('at', '>=', since)
    .where(sql<string>`coalesce(details->>'delivery', '')`, '!=', key.deliveryId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

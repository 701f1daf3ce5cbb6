/**
 * What an approval request of SPEC §6 says, as pure functions of an
 * `ApprovalView`: the one request comment the bot posts on the pull request
 * (or commit) and then edits as approvals arrive and the deployment moves,
 * and the "Approvals" section of the `shipgate/deploy/<env>` check with its
 * **Approve** button. Text that users wrote or named (logins, reasons,
 * environment names) is escaped so it shows literally and cannot break the
 * Markdown around it.
 */
import { CHECK_ACTIONS, type CheckRunAction } from '../engine/check-output.ts';
import { renderReason, type Reason } from '../engine/reasons.ts';
import type { ApprovalChannelName, ApprovalView } from './approval-view.ts';
import { formatUtcMinute } from './policy.ts';

/** GitHub's limit on the body of an issue or commit comment. */
export const MAX_COMMENT_LENGTH = 65_536;
/** Rows of the comment's approvals table at most; the rest are counted below it. */
export const MAX_APPROVAL_ROWS = 100;
/** Approvals the check section lists at most. */
export const MAX_CHECK_APPROVALS = 50;
/** Approvers named at most in "who may approve". */
const MAX_APPROVERS_NAMED = 50;
/** A user's text (a rejection reason, a login) is cut to this many characters. */
const MAX_USER_TEXT = 1_000;
/** A rendered reason is cut to this many characters. */
const MAX_REASON_TEXT = 2_000;
/** The check section's length at most, so the rest of the check summary fits under GitHub's 65,535. */
const MAX_CHECK_SECTION = 16_000;
/** GitHub's limits on a check-run action. */
const MAX_ACTION_DESCRIPTION = 40;

const VIA: Record<ApprovalChannelName, string> = { command: 'comment', reaction: '👍 reaction', check_run: 'Approve button' };

/** The hidden marker of an approval request's comment, by which a comment whose create answer was lost is found again. */
export function approvalMarker(requestId: number): string {
  return `<!-- shipgate:approval:${requestId} -->`;
}

/**
 * User text as Markdown prose or a table cell that shows it literally: line
 * breaks become spaces, Markdown punctuation (`\`, backtick, `*`, `_`, `[`,
 * `]`, `|`, `~`, `#`) is backslash-escaped, and `&`, `<`, `>` become entities,
 * so no HTML, link, code span or table column comes out of it.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Text as one inline code span (not for table cells): line breaks become
 * spaces, and the fence is one backtick longer than the longest run of
 * backticks inside, padded with a space where CommonMark would otherwise eat
 * one or join the fence. `<` and `>` are literal inside a code span.
 */
export function inlineCode(text: string): string {
  const flat = text.replace(/\r\n?|\n/g, ' ');
  if (flat.length === 0) return '` `';
  const longest = Math.max(0, ...Array.from(flat.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const stripped = flat.startsWith(' ') && flat.endsWith(' ') && flat.trim() !== '';
  const pad = flat.startsWith('`') || flat.endsWith('`') || stripped ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Cuts text to at most `max` UTF-16 units, ending in `…`, never splitting a character. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = '';
  for (const char of text) {
    if (kept.length + char.length > max - 1) break;
    kept += char;
  }
  return `${kept}…`;
}

/** A login as a mention. */
function mention(login: string): string {
  return `@${escapeMarkdown(clip(login, MAX_USER_TEXT))}`;
}

/** A configured approver: a user login as `@login`, a team as its `@org/slug`. */
function approverName(approver: string): string {
  return approver.startsWith('@') ? escapeMarkdown(clip(approver, MAX_USER_TEXT)) : mention(approver);
}

/** A reason's sentence on one line, with no HTML coming out of the user text in its parameters (its own code spans stay). */
function reasonSentence(value: Reason): string {
  return clip(renderReason(value).replace(/\r\n?|\n/g, ' ').replace(/</g, '&lt;'), MAX_REASON_TEXT);
}

/** A string parameter of a reason, read by name whatever its code (a rejection's `by` and `reason`). */
function textParam(value: Reason, key: string): string | null {
  const params: Readonly<Record<string, unknown>> = value;
  const found = params[key];
  return typeof found === 'string' && found.trim() !== '' ? found : null;
}

/** A link to an http(s) URL, or nothing for anything else. */
function link(label: string, url: string | null): string {
  if (url === null || !/^https?:\/\//.test(url)) return '';
  return ` — [${label}](${url.replace(/[\s()<>]/g, (c) => encodeURIComponent(c))})`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function time(at: Date): string {
  return formatUtcMinute(at.getTime());
}

/** How the request ended, as one line (without heading marks): who rejected it and why, when it expired, why it was cancelled. */
function endLine(view: ApprovalView): string | null {
  const why = view.endReason;
  switch (view.status) {
    case 'rejected': {
      const by = why ? textParam(why, 'by') : null;
      if (by === null) return `❌ Rejected${why ? `: ${reasonSentence(why)}` : ''}`;
      const text = why ? textParam(why, 'reason') : null;
      return `❌ Rejected by ${mention(by)}${text !== null ? ` — “${escapeMarkdown(clip(text, MAX_USER_TEXT))}”` : ''}`;
    }
    case 'expired':
      if (view.expiresAt !== null) return `⌛ Expired at ${time(view.expiresAt)}`;
      return `⌛ Expired${why ? `: ${reasonSentence(why)}` : ''}`;
    case 'cancelled':
      return `🚫 Cancelled${why ? `: ${reasonSentence(why)}` : ''}`;
    default:
      return null;
  }
}

/** Who may approve: the configured approvers, and whether the requester's own approval counts. */
function whoMayApprove(view: ApprovalView): string {
  const named = view.approvers.slice(0, MAX_APPROVERS_NAMED).map(approverName);
  const more = view.approvers.length - named.length;
  const list = named.length === 0 ? 'nobody is listed in `approvers`' : `${named.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}`;
  const self = view.allowSelfApproval
    ? `self-approval is allowed, so ${mention(view.requestedBy)}, who requested it, counts too if listed`
    : `not ${mention(view.requestedBy)}, who requested it`;
  return `${list} — ${self}`;
}

/** Reasons whose sentence is the wait timer, which the comment shows on its own line. */
const WAIT_TIMER_CODES: ReadonlySet<string> = new Set(['deploy.approval-wait-timer', 'deploy.wait-timer']);
/** Cancellations whose sentence already says what to do next (or where a newer request already exists). */
const CANCEL_SAYS_NEXT: ReadonlySet<string> = new Set(['deploy.sha-changed', 'deploy.superseded']);

/** What the deployment does now, once the request is approved (null: only the wait timer, already shown). */
function deploymentLine(view: ApprovalView): string | null {
  const d = view.deployment;
  const target = `${inlineCode(view.sha.slice(0, 7))} to **${escapeMarkdown(view.environment)}**`;
  const why = d.reason ? reasonSentence(d.reason) : null;
  const log = link('workflow run', d.logUrl);
  switch (d.status) {
    case 'requested':
    case 'waiting':
      if (d.reason && WAIT_TIMER_CODES.has(d.reason.code) && view.waitUntil !== null) return null;
      return `⏳ The deployment waits${why ? `: ${why}` : ' for its turn'}.`;
    case 'queued': {
      const position = d.queuePosition !== null ? ` at position ${d.queuePosition} in **${escapeMarkdown(view.environment)}**'s queue` : '';
      const extra = why && d.reason?.code !== 'deploy.queued' ? ` (${why})` : '';
      return `🚶 Queued${position}${extra}.`;
    }
    case 'deploying':
      return `🚀 Deploying ${target}${log}.`;
    case 'succeeded':
      return `✅ Deployed ${target}${log}.`;
    case 'failed':
      return `❌ Deploying ${target} failed${why ? `: ${why}` : ''}${log}.`;
    case 'rolled-back':
      return `↩️ Deploying ${target} failed and was rolled back${why ? `: ${why}` : ''}${log}.`;
    default:
      return `⚠️ The deployment is ${escapeMarkdown(d.status)}${why ? `: ${why}` : ''}${log}.`;
  }
}

/** The approvals given so far, as a table (at most `MAX_APPROVAL_ROWS` rows, the rest counted). */
function approvalsTable(view: ApprovalView): string {
  const shown = view.approvals.slice(0, MAX_APPROVAL_ROWS);
  const rows = shown.map((a) => `| ${mention(a.approver)} | ${VIA[a.via]} | ${time(a.at)} |`);
  const more = view.approvals.length - shown.length;
  const lines = ['| Approver | How | When |', '| --- | --- | --- |', ...rows];
  return more > 0 ? `${lines.join('\n')}\n\n_… and ${count(more)} more approvals._` : lines.join('\n');
}

/** The wait timer after the last approval: until when it runs, or when it ended. */
function waitTimerLine(waitUntil: Date, now: Date): string {
  return now.getTime() < waitUntil.getTime()
    ? `⏲️ The wait timer runs until ${time(waitUntil)}; the deployment starts no earlier.`
    : `⏲️ The wait timer ended at ${time(waitUntil)}.`;
}

/**
 * The Markdown of the one request comment the bot posts and then edits:
 * first line the request's state (needed, approved, rejected by whom and why,
 * expired when, cancelled why), then what is deployed where and by whose
 * request, approvals given of needed, who may approve and the three ways to
 * (while pending), the expiry, the approvals so far, and once approved the
 * wait timer and the deployment's state. The marker is the last line; the
 * whole stays within `MAX_COMMENT_LENGTH`.
 */
export function approvalCommentBody(view: ApprovalView, now: Date): string {
  const env = escapeMarkdown(view.environment);
  const short = inlineCode(view.sha.slice(0, 7));
  const given = `${view.approvals.length} of ${view.required}`;
  const parts: string[] = [];

  const ended = endLine(view);
  if (ended !== null) parts.push(`### ${ended}`);
  else if (view.status === 'approved') parts.push(`### ✅ Approved: deploy ${short} to ${env}`);
  else parts.push(`### ⏳ Approval needed: deploy ${short} to ${env}`);

  parts.push(`Deployment #${view.deploymentId}: ${short} to **${env}**, requested by ${mention(view.requestedBy)} (commit ${inlineCode(view.sha)}).`);

  if (view.status === 'pending') {
    const missing = Math.max(0, view.required - view.approvals.length);
    parts.push(
      `**Approvals: ${given}**${missing > 0 ? ` — ${missing} more needed` : ''}. They count for ${short} only: a new push voids them.`,
      `**Who may approve:** ${whoMayApprove(view)}. Each person counts once; bots never count.`,
      [
        '**To approve**, any one of:',
        // Commands are read on pull requests and issues only; on a commit, 👍 and the button remain.
        ...(view.onCommit ? [] : [`- comment ${inlineCode(`${view.prefix}approve ${view.environment}`)} (a new comment: editing an earlier one never counts)`]),
        '- react 👍 to this comment',
        `- press **Approve** on the ${inlineCode(`shipgate/deploy/${view.environment}`)} check`,
      ].join('\n'),
      view.onCommit
        ? '**To reject**, an approver reacts 👎 to this comment (commands are not read on commit comments).'
        : `**To reject**, an approver comments ${inlineCode(`${view.prefix}reject ${view.environment} [reason]`)} or reacts 👎 to this comment.`,
      view.expiresAt === null
        ? 'This request does not expire.'
        : `${now.getTime() < view.expiresAt.getTime() ? 'Expires' : 'Expired'} at ${time(view.expiresAt)} unless approved before.`,
    );
  } else {
    parts.push(`**Approvals: ${given}**`);
  }

  if (view.approvals.length > 0) parts.push(approvalsTable(view));

  if (view.status === 'approved') {
    if (view.waitUntil !== null) parts.push(waitTimerLine(view.waitUntil, now));
    const deployment = deploymentLine(view);
    if (deployment !== null) parts.push(deployment);
  }
  const saysNext = view.endReason !== null && CANCEL_SAYS_NEXT.has(view.endReason.code);
  if ((view.status === 'cancelled' && !saysNext) || view.status === 'expired') {
    parts.push(`The approvals given here no longer count; a new ${inlineCode(`${view.prefix}deploy ${view.environment}`)} is needed to deploy.`);
  }

  return fit(parts, approvalMarker(view.requestId));
}

/** Joins the parts and the marker, cutting the text before the marker if the whole would pass GitHub's limit. */
function fit(parts: string[], marker: string): string {
  const body = [...parts, marker].join('\n\n');
  if (body.length <= MAX_COMMENT_LENGTH) return body;
  return `${clip(parts.join('\n\n'), MAX_COMMENT_LENGTH - marker.length - 2)}\n\n${marker}`;
}

/**
 * The "Approvals" section of the `shipgate/deploy/<env>` check summary: given
 * of needed and the request's state, the approvals by whom and how, who may
 * approve and how (while pending), the expiry and the wait timer's end; and
 * while the request is pending, the **Approve** button.
 */
export function approvalCheckSection(view: ApprovalView): { text: string; actions: CheckRunAction[] } {
  const given = `${view.approvals.length} of ${view.required}`;
  const missing = Math.max(0, view.required - view.approvals.length);
  const ended = endLine(view);
  const state =
    ended !== null
      ? `**${ended}** (${given} approvals).`
      : view.status === 'approved'
        ? `**✅ Approved:** ${given} approvals.`
        : `**${given}** approvals given${missing > 0 ? ` — ${missing} more needed` : ''}.`;
  const lines = ['### Approvals', '', state];

  const shown = view.approvals.slice(0, MAX_CHECK_APPROVALS);
  if (shown.length > 0) {
    const more = view.approvals.length - shown.length;
    lines.push('', ...shown.map((a) => `- ${mention(a.approver)} by ${VIA[a.via]}, ${time(a.at)}`));
    if (more > 0) lines.push(`- … and ${count(more)} more`);
  }

  if (view.status === 'pending') {
    lines.push(
      '',
      `**Who may approve:** ${whoMayApprove(view)}.`,
      '',
      `Approve with the **Approve** button above, a ${inlineCode(`${view.prefix}approve ${view.environment}`)} comment, or 👍 on the request comment.`,
      '',
      view.expiresAt === null ? 'The request does not expire.' : `The request expires at ${time(view.expiresAt)}.`,
    );
  }
  if (view.waitUntil !== null) lines.push('', `⏲️ The wait timer ends at ${time(view.waitUntil)}.`);

  const text = clip(lines.join('\n'), MAX_CHECK_SECTION);
  if (view.status !== 'pending') return { text, actions: [] };
  return { text, actions: [{ label: 'Approve', description: approveDescription(view), identifier: CHECK_ACTIONS.approve }] };
}

/** `Approve deploying abc1234 to production`, the environment shortened with … to stay within GitHub's 40 characters. */
function approveDescription(view: ApprovalView): string {
  const lead = `Approve deploying ${view.sha.slice(0, 7)} to `;
  return `${lead}${clip(view.environment.replace(/\s+/g, ' '), MAX_ACTION_DESCRIPTION - lead.length)}`;
}

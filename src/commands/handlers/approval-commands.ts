/**
 * `/approve [ENV]` and `/reject [ENV] [reason…]` (SPEC §6, §7): for the
 * approval requests open on this pull request (or issue). Who may approve is
 * decided by `approveRequest` / `rejectRequest` — the same checks as a 👍 or
 * the check run's button — so the command itself needs only read access.
 */
import { approverLookups, approveRequest, rejectRequest } from '../../deploy/approvals.ts';
import { isReason, reason, renderReason, type Reason } from '../../engine/reasons.ts';
import { listPendingApprovalRequests } from '../../store/repos/approvals.ts';
import type { ApprovalRequest, Deployment } from '../../store/schema/index.ts';
import type { CommandContext } from '../context.ts';
import type { CommandResult } from '../registry.ts';

export const APPROVE_USAGE = 'approve [ENV]';
export const REJECT_USAGE = 'reject [ENV] [reason…]';

/** Which open request a command means: the one of the environment named first, or the only one. */
export type RequestChoice = { kind: 'found'; request: ApprovalRequest; rest: readonly string[] } | { kind: 'none'; environment: string | null } | { kind: 'ambiguous'; environments: string[] };

/**
 * Picks the request a command names (pure): the first argument is an
 * environment when a request of that name is open; without one, the only open
 * request is meant (its arguments are then all the rest, e.g. a reason). A
 * named environment with no open request is `none` for that name.
 */
export function chooseRequest(open: readonly ApprovalRequest[], args: readonly string[], options: { restIsReason: boolean; known?: ReadonlySet<string> }): RequestChoice {
  const [first, ...rest] = args;
  if (first !== undefined) {
    const named = open.filter((r) => r.environment === first);
    if (named.length > 0) return { kind: 'found', request: named.at(-1) as ApprovalRequest, rest };
    // An environment that had a request here is never taken for the first word of a reason.
    if (!options.restIsReason || options.known?.has(first)) return { kind: 'none', environment: first };
  }
  const environments = [...new Set(open.map((r) => r.environment))];
  if (open.length === 0) return { kind: 'none', environment: options.restIsReason ? null : (first ?? null) };
  if (environments.length > 1) return { kind: 'ambiguous', environments };
  return { kind: 'found', request: open.at(-1) as ApprovalRequest, rest: args };
}

function stateOf(deployment: Deployment): string {
  const why = isReason(deployment.reason) ? renderReason(deployment.reason) : null;
  switch (deployment.status) {
    case 'deploying':
      return `deploying ${deployment.sha.slice(0, 7)} to ${deployment.environment} now`;
    case 'waiting':
    case 'queued':
      return why ?? deployment.status;
    default:
      return `the deployment is ${deployment.status}${why ? `: ${why}` : ''}`;
  }
}

async function openRequests(context: CommandContext): Promise<ApprovalRequest[]> {
  return listPendingApprovalRequests(context.deps.db, { owner: context.owner, repo: context.repo, issue_number: context.issue.number });
}

/**
 * The latest request of this pull request (or issue) that has ended, of
 * `environment` (of any when null): a late `/approve` or `/reject` is told why
 * it no longer counts (expired, voided by a push, rejected, approved) rather
 * than that nothing was asked.
 */
async function latestEndedRequest(context: CommandContext, environment: string | null): Promise<ApprovalRequest | undefined> {
  let ended = context.deps.db
    .selectFrom('approval_requests')
    .selectAll()
    .where('owner', '=', context.owner)
    .where('repo', '=', context.repo)
    .where('issue_number', '=', context.issue.number)
    .where('status', '!=', 'pending');
  if (environment !== null) ended = ended.where('environment', '=', environment);
  return ended.orderBy('id', 'desc').executeTakeFirst();
}

/**
 * No open request is meant: the refusal `refuse` gives for the ended request
 * meant (the one channel-independent check says why it is closed), else
 * `approval.no-request` naming the environments that do have one open.
 */
async function noOpenRequest(
  open: readonly ApprovalRequest[],
  environment: string | null,
  ended: ApprovalRequest | undefined,
  refuse: (ended: ApprovalRequest) => Promise<Reason | null>,
): Promise<CommandResult> {
  const why = ended ? await refuse(ended) : null;
  if (ended && why) return { kind: 'refused', reason: why, sha: ended.sha };
  return { kind: 'refused', reason: reason('approval.no-request', { environment, known: [...new Set(open.map((r) => r.environment))] }) };
}

function contextFor(context: CommandContext, head: { sha: string; ref: string } | undefined) {
  return {
    deps: context.deps,
    lookups: approverLookups(context.octokit, { owner: context.owner, repo: context.repo }),
    octokit: context.octokit,
    now: new Date(context.deps.clock.now()),
    head,
    target: `${context.issue.isPullRequest ? 'pull' : 'issue'}/${context.issue.number}`,
  };
}

/** The environments of every approval request on this pull request or issue, open or ended. */
async function requestEnvironments(context: CommandContext): Promise<Set<string>> {
  const rows = await context.deps.db
    .selectFrom('approval_requests')
    .select('environment')
    .distinct()
    .where('owner', '=', context.owner)
    .where('repo', '=', context.repo)
    .where('issue_number', '=', context.issue.number)
    .execute();
  return new Set(rows.map((r) => r.environment));
}

async function headOf(context: CommandContext): Promise<{ sha: string; ref: string } | undefined> {
  if (!context.issue.isPullRequest) return undefined;
  const head = await context.pullHead();
  return { sha: head.sha, ref: head.ref };
}

export async function runApprove(context: CommandContext): Promise<CommandResult> {
  const open = await openRequests(context);
  const choice = chooseRequest(open, context.args, { restIsReason: false });
  if (choice.kind === 'none') {
    // An ended request is refused by approveRequest itself (and audited), saying why it is closed.
    return noOpenRequest(open, choice.environment, await latestEndedRequest(context, choice.environment), async (ended) => {
      const outcome = await approveRequest(contextFor(context, undefined), ended, { login: context.actor }, 'command');
      return outcome.kind === 'refused' ? outcome.reason : null;
    });
  }
  if (choice.kind === 'ambiguous') return { kind: 'refused', reason: reason('approval.ambiguous', { environments: choice.environments, usage: `${context.prefix}${APPROVE_USAGE}` }) };
  if (choice.rest.length > 0) return { kind: 'refused', reason: reason('command.bad-arguments', { problem: '`approve` takes at most the environment', usage: `${context.prefix}${APPROVE_USAGE}` }) };
  const { request } = choice;
  const outcome = await approveRequest(contextFor(context, await headOf(context)), request, { login: context.actor }, 'command');
  if (outcome.kind === 'refused') return { kind: 'refused', reason: outcome.reason, sha: request.sha };
  const counted = outcome.kind === 'counted' ? `approval counted for ${request.environment}` : `@${context.actor} had already approved ${request.environment} (an approver counts once)`;
  return {
    kind: 'done',
    message: `${counted}: ${outcome.given} of ${outcome.required}; ${stateOf(outcome.deployment)}`,
    sha: request.sha,
    details: { approvalRequest: request.id, deployment: request.deployment_id, given: outcome.given, required: outcome.required },
    reply: true,
  };
}

export async function runReject(context: CommandContext): Promise<CommandResult> {
  const open = await openRequests(context);
  const choice = chooseRequest(open, context.args, { restIsReason: true, known: await requestEnvironments(context) });
  if (choice.kind === 'none') {
    // Nothing is open: the first argument names an ended request's environment, or begins the reason.
    const [first] = context.args;
    const ended = (first !== undefined ? await latestEndedRequest(context, first) : undefined) ?? (await latestEndedRequest(context, null));
    return noOpenRequest(open, choice.environment, ended, async (request) => {
      const outcome = await rejectRequest(contextFor(context, undefined), request, { login: context.actor }, null, 'command');
      return outcome.kind === 'refused' ? outcome.reason : null;
    });
  }
  if (choice.kind === 'ambiguous') return { kind: 'refused', reason: reason('approval.ambiguous', { environments: choice.environments, usage: `${context.prefix}${REJECT_USAGE}` }) };
  const { request } = choice;
  const why = choice.rest.join(' ').trim();
  const outcome = await rejectRequest(contextFor(context, undefined), request, { login: context.actor }, why === '' ? null : why.slice(0, 500), 'command');
  if (outcome.kind === 'refused') return { kind: 'refused', reason: outcome.reason, sha: request.sha };
  return {
    kind: 'done',
    message: `rejected deployment #${request.deployment_id} of ${request.sha.slice(0, 7)} to ${request.environment}${why ? ` (“${why.slice(0, 200)}”)` : ''}`,
    sha: request.sha,
    details: { approvalRequest: request.id, deployment: request.deployment_id },
    reply: true,
  };
}

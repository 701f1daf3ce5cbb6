/**
 * `/deploy ENV [SHA|BRANCH]` and `/rollback ENV [to DEPLOYMENT_ID|SHA]` (SPEC §6, §7):
 * a deployment request with a run of its own (`deploy/<env>`), decided by the
 * environment's policy and queue. Environments come only from
 * `.github/shipgate.yml` on the default branch; the request binds to the sha
 * resolved here, and everything after it (policy, queue, GitHub deployment,
 * workflow) is the engine's.
 */
import { afterReview } from '../../deploy/after-review.ts';
import type { EngineDeps } from '../../engine/deps.ts';
import { isReason, reason, renderReason, type Reason } from '../../engine/reasons.ts';
import { createDeployRun, type DeployRunRequest } from '../../deploy/lifecycle.ts';
import { snapshotEnvironment, type EnvironmentSnapshot } from '../../deploy/environment-policy.ts';
import { lockEnvironment, type ReviewOutcome } from '../../deploy/queue.ts';
import { branchesContaining, listBranches, MAX_CONTAINING_CANDIDATES, resolveBranch, resolveCommit } from '../../github/refs.ts';
import { matchFilters } from '../../matching/patterns.ts';
import { loadRepoConfig } from '../../repo-config/load-from-repo.ts';
import type { Environment } from '../../repo-config/schema.ts';
import { withTransaction } from '../../store/db.ts';
import { getDeployment, lastSuccessfulDeployment, listOpenDeployments, type EnvironmentKey } from '../../store/repos/deployments.ts';
import type { Deployment } from '../../store/schema/index.ts';
import type { CommandContext } from '../context.ts';
import type { CommandResult } from '../registry.ts';

export const DEPLOY_USAGE = 'deploy ENV [SHA|BRANCH]';
export const ROLLBACK_USAGE = 'rollback ENV [to DEPLOYMENT_ID|SHA]';

const SHA_OR_PREFIX = /^[0-9a-f]{7,40}$/i;

/** What the second argument of `/deploy` names: nothing (the PR's head, or the default branch's), a commit, or a branch. */
export type DeployTargetArg = { kind: 'default' } | { kind: 'sha'; prefix: string } | { kind: 'branch'; branch: string };

/**
 * Reads `/deploy`'s target argument: 7 to 40 hex digits are a commit (sha or
 * prefix, as written: it may also be a branch's name), anything else a branch
 * (`refs/heads/` is dropped).
 */
export function parseDeployTarget(arg: string | undefined): DeployTargetArg {
  const text = (arg ?? '').trim();
  if (text === '') return { kind: 'default' };
  if (SHA_OR_PREFIX.test(text)) return { kind: 'sha', prefix: text };
  return { kind: 'branch', branch: text.startsWith('refs/heads/') ? text.slice('refs/heads/'.length) : text };
}

/** What `/rollback ENV …` rolls back to: the previous good commit, a deployment id, or a sha; `invalid` with the problem otherwise. */
export type RollbackTargetArg =
  | { kind: 'previous' }
  | { kind: 'deployment'; id: number }
  | { kind: 'sha'; prefix: string }
  | { kind: 'invalid'; problem: string };

/**
 * Reads the arguments after ENV of `/rollback`: none, or `to X` where X is a
 * deployment id (digits, `#` allowed) or a sha of at least 7 hex digits (lower-cased).
 * Digits only are always an id.
 */
export function parseRollbackTarget(rest: readonly string[]): RollbackTargetArg {
  if (rest.length === 0) return { kind: 'previous' };
  const [word = '', target, ...extra] = rest;
  if (word.toLowerCase() !== 'to') return { kind: 'invalid', problem: `expected \`to\` before the target, got '${word}'` };
  if (target === undefined || target === '') return { kind: 'invalid', problem: '`to` needs a deployment id or a sha' };
  if (extra.length > 0) return { kind: 'invalid', problem: 'give one target after `to`' };
  const id = target.startsWith('#') ? target.slice(1) : target;
  if (/^[0-9]+$/.test(id)) {
    const value = Number(id);
    return Number.isSafeInteger(value) && value > 0 ? { kind: 'deployment', id: value } : { kind: 'invalid', problem: `'${target}' is no deployment id` };
  }
  if (SHA_OR_PREFIX.test(target)) return { kind: 'sha', prefix: target.toLowerCase() };
  return { kind: 'invalid', problem: `'${target}' is neither a deployment id nor a sha of 7 to 40 hex digits` };
}

/**
 * The branches to ask whether they contain a commit: the default branch, then
 * the repository's branches that the environment's `branches` patterns allow
 * (all of them when it has none), at most {@link MAX_CONTAINING_CANDIDATES}.
 */
export function containingCandidates(defaultBranch: string, patterns: readonly string[], branches: readonly string[], max = MAX_CONTAINING_CANDIDATES): string[] {
  const allowed = branches.filter((branch) => patterns.length === 0 || matchFilters(branch, patterns));
  return [...new Set([defaultBranch, ...allowed])].filter((branch) => branch !== '').slice(0, Math.max(0, max));
}

/**
 * The branch a commit's deploy workflow is dispatched on: the first containing
 * branch the environment allows (so GitHub's own branch rules see an allowed
 * ref), else the first containing one, else the default branch.
 */
export function pickDispatchRef(containing: readonly string[], patterns: readonly string[], defaultBranch: string): string {
  const allowed = patterns.length === 0 ? containing[0] : containing.find((branch) => matchFilters(branch, patterns));
  return allowed ?? containing[0] ?? defaultBranch;
}

/** An environment of the default branch's config, with the snapshot a request keeps. */
export type EnvironmentLookup = { ok: true; environment: Environment; snapshot: EnvironmentSnapshot } | { ok: false; reason: Reason };

/**
 * Environment `name` as `.github/shipgate.yml` on the default branch defines
 * it (never the pull request's file). Unknown, or (with `needsWorkflow`)
 * without `workflow:`, is refused with the reason to reply with.
 */
export async function defaultBranchEnvironment(context: CommandContext, name: string, options: { needsWorkflow: boolean }): Promise<EnvironmentLookup> {
  const loaded = await loadRepoConfig(context.octokit, { owner: context.owner, repo: context.repo, ref: context.defaultBranch });
  if (loaded.ok === false) return { ok: false, reason: reason('config.invalid', { errors: loaded.errors.length }) };
  const environments = loaded.ok === true ? loaded.config.environments : {};
  const environment = Object.hasOwn(environments, name) ? environments[name] : undefined;
  if (environment === undefined) return { ok: false, reason: reason('deploy.environment-unknown', { environment: name, known: Object.keys(environments) }) };
  if (options.needsWorkflow && environment.workflow === undefined) return { ok: false, reason: reason('deploy.no-workflow', { environment: name }) };
  return { ok: true, environment, snapshot: snapshotEnvironment(name, environment, context.prefix, loaded.ok === true ? loaded.config.notifications : undefined) };
}

/** A commit to deploy, with what the policy's `branches` rule and the dispatch need. */
interface ResolvedTarget {
  sha: string;
  /** The branch asked for, or the sha itself. */
  ref: string;
  refBranches: string[];
  dispatchRef: string;
}

type TargetLookup = { ok: true; target: ResolvedTarget } | { ok: false; reason: Reason };

/** A commit named by sha: on the branches (of the base repository) that contain it. */
async function commitTarget(context: CommandContext, sha: string, patterns: readonly string[]): Promise<ResolvedTarget> {
  const repo = { owner: context.owner, repo: context.repo };
  const candidates = containingCandidates(context.defaultBranch, patterns, await listBranches(context.octokit, repo));
  const refBranches = await branchesContaining(context.octokit, repo, sha, candidates);
  return { sha, ref: sha, refBranches, dispatchRef: pickDispatchRef(refBranches, patterns, context.defaultBranch) };
}

async function branchTarget(context: CommandContext, branch: string): Promise<TargetLookup> {
  const sha = await resolveBranch(context.octokit, { owner: context.owner, repo: context.repo }, branch);
  if (sha === null) return { ok: false, reason: reason('deploy.ref-unknown', { ref: branch }) };
  return { ok: true, target: { sha, ref: branch, refBranches: [branch], dispatchRef: branch } };
}

/**
 * The commit `/deploy` deploys: the pull request's head (a fork's head branch
 * is not in this repository, so its sha counts by the branches here that
 * contain it), the default branch's head on an issue, the named commit, or
 * the named branch's head. A hex name that is no commit is tried as a branch.
 */
async function resolveDeployTarget(context: CommandContext, arg: DeployTargetArg, patterns: readonly string[]): Promise<TargetLookup> {
  if (arg.kind === 'default') {
    if (!context.issue.isPullRequest) return branchTarget(context, context.defaultBranch);
    const head = await context.pullHead();
    if (head.fromFork) return { ok: true, target: await commitTarget(context, head.sha, patterns) };
    return { ok: true, target: { sha: head.sha, ref: head.ref, refBranches: [head.ref], dispatchRef: head.ref } };
  }
  if (arg.kind === 'branch') return branchTarget(context, arg.branch);
  const sha = await resolveCommit(context.octokit, { owner: context.owner, repo: context.repo }, arg.prefix);
  if (sha !== null) return { ok: true, target: await commitTarget(context, sha, patterns) };
  const asBranch = await branchTarget(context, arg.prefix);
  return asBranch.ok ? asBranch : { ok: false, reason: reason('deploy.ref-unknown', { ref: arg.prefix }) };
}

/** What `/deploy` or `/rollback` asks for, beyond the context. */
type CommandDeployRequest = Pick<DeployRunRequest, 'environment' | 'snapshot' | 'sha' | 'ref' | 'refBranches' | 'dispatchRef' | 'rollbackOf'> & {
  source: 'command' | 'rollback';
};

/** A request's state as the command's answer says it. */
function describeRequest(deployment: Deployment, rollbackTo: Deployment | undefined): string {
  const short = deployment.sha.slice(0, 7);
  const ref = deployment.ref !== deployment.sha ? deployment.ref : undefined;
  const what = rollbackTo
    ? `rollback #${deployment.id} of ${deployment.environment} to ${short} (${[ref, `as deployed by #${rollbackTo.id}`].filter(Boolean).join(', ')})`
    : `deployment #${deployment.id} of ${short}${ref ? ` (${ref})` : ''} to ${deployment.environment}`;
  const why = isReason(deployment.reason) ? renderReason(deployment.reason) : undefined;
  switch (deployment.status) {
    case 'deploying':
      return `${what}: deploying now`;
    case 'queued':
      return `${what} is queued: ${why ?? 'waiting for its turn'}`;
    case 'waiting':
      return `${what} is waiting: ${why ?? 'waiting for its policy'}`;
    case 'requested':
      return `${what} is requested`;
    case 'succeeded':
      return `${what}: deployed`;
    default:
      return `${what} is ${deployment.status}${why ? `: ${why}` : ''}`;
  }
}

/**
 * Records the request and its run in one transaction, under the environment's
 * lock: the same sha already open for the environment is that request, not a
 * second one. After the commit the run (and any run the queue moved) is
 * advanced, and the request is read back for the answer.
 */
async function requestDeployRun(context: CommandContext, request: CommandDeployRequest, rollbackTo?: Deployment): Promise<CommandResult> {
  const now = new Date(context.deps.clock.now());
  const key: EnvironmentKey = { owner: context.owner, repo: context.repo, environment: request.environment };
  const rollback = request.source === 'rollback';
  const recorded = await withTransaction(context.deps.db, async (trx) => {
    await lockEnvironment(trx, key);
    const existing = (await listOpenDeployments(trx, key)).find((d) => d.sha === request.sha);
    if (existing) return { kind: 'duplicate', existing } as const;
    const created = await createDeployRun(trx, {
      ...request,
      installationId: context.installationId,
      owner: context.owner,
      repo: context.repo,
      requestedBy: context.actor,
      prNumber: context.issue.isPullRequest ? context.issue.number : null,
      issueNumber: context.issue.isPullRequest ? null : context.issue.number,
      rollbackOf: request.rollbackOf ?? null,
      deliveryId: context.deliveryId,
      now,
    });
    return { kind: 'created', ...created } as const;
  });
  if (recorded.kind === 'duplicate') {
    const { existing } = recorded;
    return {
      kind: 'done',
      reply: true,
      sha: existing.sha,
      message: renderReason(reason('deploy.duplicate', { id: existing.id, sha: existing.sha })),
      details: { deploymentId: existing.id, duplicate: true, environment: existing.environment, sha: existing.sha, ...(rollback ? { rollbackOf: request.rollbackOf ?? null } : {}) },
    };
  }
  await afterReview(context.deps, recorded.review, recorded.run.id);
  const deployment = (await getDeployment(context.deps.db, recorded.deployment.id)) ?? recorded.deployment;
  if (deployment.status === 'refused') {
    const why: Reason = isReason(deployment.reason) ? deployment.reason : reason('command.failed', { message: `deployment #${deployment.id} was refused` });
    return { kind: 'refused', reason: why, sha: deployment.sha };
  }
  return {
    kind: 'done',
    reply: true,
    sha: deployment.sha,
    message: describeRequest(deployment, rollbackTo),
    details: {
      deploymentId: deployment.id,
      runId: recorded.run.id,
      environment: deployment.environment,
      sha: deployment.sha,
      ref: deployment.ref,
      status: deployment.status,
      ...(rollback ? { rollbackOf: deployment.rollback_of, target: rollbackTo?.id ?? null } : {}),
    },
  };
}

/**
 * `/deploy ENV [SHA|BRANCH]`: deploys the pull request's head (on an issue:
 * the default branch's head), a commit, or a branch's head to ENV with ENV's
 * `workflow:`, through ENV's policy and queue.
 */
export async function runDeploy(context: CommandContext): Promise<CommandResult> {
  const [name = '', targetText] = context.args;
  if (name === '') return { kind: 'refused', reason: reason('deploy.environment-required', { usage: `${context.prefix}${DEPLOY_USAGE}` }) };
  const found = await defaultBranchEnvironment(context, name, { needsWorkflow: true });
  if (!found.ok) return { kind: 'refused', reason: found.reason };
  const resolved = await resolveDeployTarget(context, parseDeployTarget(targetText), found.environment.branches ?? []);
  if (!resolved.ok) return { kind: 'refused', reason: resolved.reason };
  return requestDeployRun(context, { ...resolved.target, environment: name, snapshot: found.snapshot, source: 'command', rollbackOf: null });
}

type RollbackLookup = { ok: true; target: Deployment } | { ok: false; reason: Reason };

/** The succeeded deployment of the environment that `/rollback … to X` names, or the one before `current`. */
async function findRollbackTarget(context: CommandContext, key: EnvironmentKey, arg: Exclude<RollbackTargetArg, { kind: 'invalid' }>, current: Deployment | undefined): Promise<RollbackLookup> {
  const db = context.deps.db;
  if (arg.kind === 'previous') {
    const target = current ? await lastSuccessfulDeployment(db, { ...key, excludeSha: current.sha, beforeId: current.id }) : undefined;
    return target ? { ok: true, target } : { ok: false, reason: reason('rollback.nothing', { environment: key.environment }) };
  }
  if (arg.kind === 'deployment') {
    const target = await getDeployment(db, arg.id);
    const fits = target !== undefined && target.owner === key.owner && target.repo === key.repo && target.environment === key.environment && target.succeeded_at !== null;
    return fits ? { ok: true, target } : { ok: false, reason: reason('rollback.target-unknown', { target: `#${arg.id}`, environment: key.environment }) };
  }
  // A prefix is made a full sha by GitHub, so the lookup is exact.
  const sha = arg.prefix.length === 40 ? arg.prefix : await resolveCommit(context.octokit, { owner: key.owner, repo: key.repo }, arg.prefix);
  const target = sha === null ? undefined : await lastSuccessfulDeployment(db, { ...key, sha });
  return target ? { ok: true, target } : { ok: false, reason: reason('rollback.target-unknown', { target: arg.prefix, environment: key.environment }) };
}

/**
 * `/rollback ENV [to DEPLOYMENT_ID|SHA]`: redeploys the commit of the latest
 * earlier successful deployment of ENV with another sha than the current
 * one (or the one named), with ENV's `workflow:`. The policy skips `after:`,
 * pipelines, approvals and the wait timer; locks and the queue still apply.
 */
export async function runRollback(context: CommandContext): Promise<CommandResult> {
  const [name = '', ...rest] = context.args;
  if (name === '') return { kind: 'refused', reason: reason('deploy.environment-required', { usage: `${context.prefix}${ROLLBACK_USAGE}` }) };
  const arg = parseRollbackTarget(rest);
  if (arg.kind === 'invalid') return { kind: 'refused', reason: reason('command.bad-arguments', { problem: arg.problem, usage: `${context.prefix}${ROLLBACK_USAGE}` }) };
  const found = await defaultBranchEnvironment(context, name, { needsWorkflow: true });
  if (!found.ok) return { kind: 'refused', reason: found.reason };
  const key: EnvironmentKey = { owner: context.owner, repo: context.repo, environment: name };
  const current = await lastSuccessfulDeployment(context.deps.db, key);
  const lookup = await findRollbackTarget(context, key, arg, current);
  if (!lookup.ok) return { kind: 'refused', reason: lookup.reason };
  const { target } = lookup;
  const refBranches = Array.isArray(target.ref_branches) ? target.ref_branches.filter((b): b is string => typeof b === 'string') : [target.ref];
  return requestDeployRun(
    context,
    {
      environment: name,
      snapshot: found.snapshot,
      sha: target.sha,
      ref: target.ref,
      refBranches,
      // A commit deployed by sha goes out on a branch that contains it, as `/deploy SHA` does.
      dispatchRef: target.ref !== target.sha ? target.ref : pickDispatchRef(refBranches, found.snapshot.branches ?? [], context.defaultBranch),
      source: 'rollback',
      rollbackOf: current?.id ?? null,
    },
    target,
  );
}

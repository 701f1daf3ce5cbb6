/**
 * shipgate as a custom deployment protection rule (SPEC §6): a native GitHub
 * Actions job that targets an environment waits until shipgate answers. The
 * event becomes a deployment request (source `protection`) that goes through
 * the same policy and queue as `/deploy` — branches, `after:`, locks,
 * approvals (the request comment on the run's pull request, else the
 * commit's), wait timer, one at a time — with status reports while it waits
 * and `approved` or `rejected` through the callback, all as effects. An
 * environment shipgate does not define is approved, saying no policy applies.
 * The job's workflow run ending ends the request and moves the queue.
 */
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import { recordEffect } from '../store/repos/effects.ts';
import { EFFECT_KINDS, EFFECT_PRIORITY } from '../effects/kinds.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { reason, renderReason, type Reason } from '../engine/reasons.ts';
import { loadRepoConfig } from '../repo-config/load-from-repo.ts';
import { withTransaction, type DbOrTrx } from '../store/db.ts';
import { toJsonb } from '../store/json.ts';
import { createDeployment, lockDeployment, transitionDeployment } from '../store/repos/deployments.ts';
import type { Database, Deployment } from '../store/schema/index.ts';
import { afterReview } from './after-review.ts';
import { getWorkflowRun } from '../github/runs.ts';
import { snapshotEnvironment, snapshotJson } from './environment-policy.ts';
import { lockEnvironment, recordDeploymentCheck, reviewEnvironment, type ReviewOutcome } from './queue.ts';
import { recordDeploymentNotification } from '../notify/record.ts';

/** GitHub keeps at most this many status reports per deployment; each at most this long. */
export const MAX_PROTECTION_REPORTS = 10;
export const MAX_PROTECTION_COMMENT = 1_024;

export const protectionRulePayloadSchema = z.looseObject({
  action: z.string(),
  environment: z.string(),
  event: z.string().optional(),
  deployment_callback_url: z.string(),
  deployment: z.looseObject({ id: z.number().int(), sha: z.string(), ref: z.string(), environment: z.string().optional() }).nullable().optional(),
  sha: z.string().optional(),
  ref: z.string().optional(),
  pull_requests: z.array(z.looseObject({ number: z.number().int() })).nullable().optional(),
  sender: z.looseObject({ login: z.string() }).nullable().optional(),
  repository: z.looseObject({ full_name: z.string(), default_branch: z.string().optional() }),
  installation: z.looseObject({ id: z.number().int() }).optional(),
});
export type ProtectionRulePayload = z.infer<typeof protectionRulePayloadSchema>;

/** The workflow run a callback URL answers for (`…/repos/{o}/{r}/actions/runs/{id}/deployment_protection_rule`), or null when it is no such URL. */
export function callbackRunId(url: string, owner: string, repo: string): number | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const match = /\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(path);
  if (!match || match[1]?.toLowerCase() !== owner.toLowerCase() || match[2]?.toLowerCase() !== repo.toLowerCase()) return null;
  const id = Number(match[3]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** A comment for GitHub's protection-rule API: at most 1,024 characters. */
export function protectionComment(text: string): string {
  return text.length <= MAX_PROTECTION_COMMENT ? text : `${text.slice(0, MAX_PROTECTION_COMMENT - 1)}…`;
}

/** The branch a `refs/heads/x` (or plain) ref names; a tag or sha is kept as it is. */
function branchOf(ref: string): string {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}

/** Records one callback of a protection request: a status report (no state) or the answer. */
export async function recordProtectionCallback(
  db: DbOrTrx,
  args: { owner: string; repo: string; runId: number; environment: string; installationId: number; githubDeploymentId: number | null; state?: 'approved' | 'rejected'; comment: string; key: string; protectionRequestId?: number; now: Date },
): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.protectionCallback,
    // Per GitHub deployment: a re-run of the workflow (same run id) is asked, and answered, anew.
    key: `protection:${args.owner}/${args.repo}:${args.runId}:${args.environment}:${args.githubDeploymentId ?? 'none'}:${args.key}`,
    installationId: args.installationId,
    priority: args.state ? EFFECT_PRIORITY.dispatch : EFFECT_PRIORITY.reply,
    payload: {
      owner: args.owner,
      repo: args.repo,
      runId: args.runId,
      environment: args.environment,
      comment: protectionComment(args.comment),
      ...(args.state ? { state: args.state } : {}),
      ...(args.protectionRequestId !== undefined ? { protectionRequestId: args.protectionRequestId } : {}),
    },
    now: args.now,
  });
}

/** `deployment_protection_rule.requested`: the request recorded and decided, or approved at once when no policy applies. */
export async function handleProtectionRule(deps: EngineDeps, deliveryId: string, payload: ProtectionRulePayload): Promise<'processed' | 'ignored'> {
  if (payload.action !== 'requested') return 'ignored';
  const installationId = payload.installation?.id;
  if (installationId === undefined) return 'ignored';
  const [owner = '', repo = ''] = payload.repository.full_name.split('/');
  const runId = callbackRunId(payload.deployment_callback_url, owner, repo);
  const environment = payload.environment;
  const now = new Date(deps.clock.now());
  const githubDeploymentId = payload.deployment?.id ?? null;
  if (runId === null) {
    deps.log.warn({ delivery: deliveryId, url: payload.deployment_callback_url }, 'deployment protection rule with a callback URL of another repository or shape ignored');
    return 'ignored';
  }
  const octokit = await deps.github(installationId);
  const defaultBranch = payload.repository.default_branch ?? 'main';
  const loaded = await loadRepoConfig(octokit, { owner, repo, ref: defaultBranch });
  const env = loaded.ok === true && Object.hasOwn(loaded.config.environments, environment) ? loaded.config.environments[environment] : undefined;
  if (!env) {
    const why = loaded.ok === false ? `.github/shipgate.yml on ${defaultBranch} is invalid (${loaded.errors.length} errors), so shipgate has no policy for ${environment}` : `shipgate defines no policy for environment ${environment} (no \`environments.${environment}\` in .github/shipgate.yml on ${defaultBranch}); approved`;
    // An invalid config fails closed: the rule cannot say what the policy is.
    const state = loaded.ok === false ? 'rejected' : 'approved';
    await recordProtectionCallback(deps.db, { owner, repo, runId, environment, installationId, githubDeploymentId, state, comment: `shipgate: ${why}`, key: 'no-policy', now });
    deps.effects?.kick();
    return 'processed';
  }
  if (!payload.deployment) {
    await recordProtectionCallback(deps.db, { owner, repo, runId, environment, installationId, githubDeploymentId, state: 'rejected', comment: `shipgate: the event names no deployment, so ${environment}'s policy cannot be applied; re-run the job`, key: 'no-deployment', now });
    deps.effects?.kick();
    return 'processed';
  }
  // A deploy job shipgate itself dispatched (its workflow names the environment): its request was decided already.
  const own = await ownDeployment(deps, { owner, repo, environment, sha: payload.deployment.sha, runId });
  if (own) {
    await recordProtectionCallback(deps.db, { owner, repo, runId, environment, installationId, githubDeploymentId, state: 'approved', comment: `shipgate: deployment #${own.id} of ${payload.deployment.sha.slice(0, 7)} to ${environment} is deploying this commit; its policy allowed it`, key: 'own-deployment', now });
    deps.effects?.kick();
    return 'processed';
  }
  const snapshot = snapshotEnvironment(environment, env, loaded.ok === true ? loaded.config.commands.prefix : '/', loaded.ok === true ? loaded.config.notifications : undefined);
  const githubDeployment = payload.deployment;
  const ref = branchOf(githubDeployment.ref);
  const review = await withTransaction(deps.db, async (trx): Promise<ReviewOutcome | null> => {
    await lockEnvironment(trx, { owner, repo, environment });
    const existing = await trx.selectFrom('protection_requests').select('id').where('owner', '=', owner).where('repo', '=', repo).where('workflow_run_id', '=', runId).where('environment', '=', environment).where('github_deployment_id', '=', githubDeployment.id).executeTakeFirst();
    if (existing) return null;
    const deployment = await createDeployment(trx, {
      installation_id: installationId,
      owner,
      repo,
      environment,
      ref: ref === githubDeployment.sha ? githubDeployment.sha : ref,
      sha: githubDeployment.sha,
      requested_by: payload.sender?.login ?? 'github-actions',
      source: 'protection',
      pr_number: payload.pull_requests?.[0]?.number ?? null,
      ref_branches: ref.startsWith('refs/') || ref === githubDeployment.sha ? [] : [ref],
      policy: snapshotJson(snapshot),
      now,
    });
    await trx.updateTable('deployments').set({ github_deployment_id: githubDeployment.id, workflow_run_id: runId }).where('id', '=', deployment.id).execute();
    await trx
      .insertInto('protection_requests')
      .values({ deployment_id: deployment.id, installation_id: installationId, owner, repo, environment, workflow_run_id: runId, github_deployment_id: githubDeployment.id, callback_url: payload.deployment_callback_url, created_at: now, updated_at: now })
      .execute();
    return reviewEnvironment(trx, { owner, repo, environment }, now, deployment.requested_by);
  });
  if (review) await afterReview(deps, review, null);
  deps.effects?.kick();
  return 'processed';
}

/**
 * shipgate's own deploying request whose workflow run this is: an attempt of
 * the request's pipeline run is that run, or (its run not linked yet) an
 * attempt still starting. Any other job on the same commit goes through the policy.
 */
async function ownDeployment(deps: EngineDeps, key: { owner: string; repo: string; environment: string; sha: string; runId: number }): Promise<{ id: number } | undefined> {
  const deploying = await deps.db
    .selectFrom('deployments')
    .select(['id', 'pipeline_run_id'])
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('environment', '=', key.environment)
    .where('sha', '=', key.sha)
    .where('status', '=', 'deploying')
    .where('source', '!=', 'protection')
    .where('pipeline_run_id', 'is not', null)
    .execute();
  for (const deployment of deploying) {
    const attempts = await deps.db
      .selectFrom('job_attempts')
      .select(['workflow_run_id', 'status'])
      .where('pipeline_run_id', '=', deployment.pipeline_run_id as number)
      .execute();
    if (attempts.some((a) => a.workflow_run_id === key.runId || (a.workflow_run_id === null && a.status !== 'completed'))) return { id: deployment.id };
  }
  return undefined;
}

/**
 * What the queue does for a protection request it decided (inside its
 * transaction): allowed → the answer `approved` (the job runs; GitHub's own
 * deployment statuses follow it); refused → `rejected` with the reason;
 * waiting → a status report when what it waits for changed, at most
 * {@link MAX_PROTECTION_REPORTS}.
 */
export async function answerProtectionRequest(trx: Transaction<Database>, deployment: Deployment, outcome: { kind: 'allow' } | { kind: 'wait' | 'refuse'; reason: Reason }, now: Date): Promise<void> {
  const request = await trx.selectFrom('protection_requests').selectAll().where('deployment_id', '=', deployment.id).forUpdate().executeTakeFirst();
  if (!request || request.status !== 'pending') return;
  const base = { owner: request.owner, repo: request.repo, runId: request.workflow_run_id, environment: request.environment, installationId: request.installation_id, githubDeploymentId: request.github_deployment_id, protectionRequestId: request.id, now };
  if (outcome.kind === 'wait') {
    const text = `shipgate: deployment #${deployment.id} of ${deployment.sha.slice(0, 7)} waits: ${renderReason(outcome.reason)}`;
    if (text === request.last_report || request.reports >= MAX_PROTECTION_REPORTS) return;
    await trx.updateTable('protection_requests').set({ reports: sql<number>`reports + 1`, last_report: text, updated_at: now }).where('id', '=', request.id).execute();
    await recordProtectionCallback(trx, { ...base, comment: text, key: `report:${request.reports + 1}` });
    return;
  }
  const state = outcome.kind === 'allow' ? 'approved' : 'rejected';
  const comment = outcome.kind === 'allow' ? `shipgate: deployment #${deployment.id} of ${deployment.sha.slice(0, 7)} to ${deployment.environment} is allowed by its policy` : `shipgate: ${renderReason(outcome.reason)}`;
  await trx.updateTable('protection_requests').set({ status: state, answer: toJsonb({ state, comment }), updated_at: now }).where('id', '=', request.id).execute();
  await recordProtectionCallback(trx, { ...base, state, comment, key: 'answer' });
}

/**
 * A workflow run ended: the `protection` request it was let through for
 * ends with it (succeeded, or failed with its conclusion), and its environment's queue moves on.
 */
export async function finishProtectionDeployments(deps: EngineDeps, run: { id: number; repository: string; conclusion: string | null }): Promise<boolean> {
  const [owner = '', repo = ''] = run.repository.split('/');
  const open = await deps.db.selectFrom('deployments').selectAll().where('source', '=', 'protection').where('workflow_run_id', '=', run.id).where('owner', '=', owner).where('repo', '=', repo).where('status', 'in', ['requested', 'waiting', 'queued', 'deploying']).execute();
  if (open.length === 0) return false;
  const now = new Date(deps.clock.now());
  for (const deployment of open) {
    const review = await withTransaction(deps.db, async (trx) => {
      await lockEnvironment(trx, deployment);
      // Decided on the row as it is under the lock (an approval may have let it through a moment ago).
      const current = await lockDeployment(trx, deployment.id);
      if (!current || !['requested', 'waiting', 'queued', 'deploying'].includes(current.status)) return { advance: [], wakes: [] };
      const wasDeploying = current.status === 'deploying';
      const succeeded = run.conclusion === 'success' && wasDeploying;
      const why = succeeded ? null : run.conclusion === 'cancelled' ? reason('deploy.run-cancelled') : reason('deploy.job-failed', { conclusion: run.conclusion ?? 'unknown' });
      const moved = await transitionDeployment(trx, current.id, succeeded ? 'succeeded' : wasDeploying ? 'failed' : 'cancelled', { reason: why ? { ...why } : null, actor: 'shipgate', now, from: [current.status] });
      if (moved) await recordDeploymentCheck(trx, moved, now);
      if (moved) await recordDeploymentNotification(trx, moved.id, now);
      return reviewEnvironment(trx, current, now);
    });
    await afterReview(deps, review, null);
  }
  return true;
}

/**
 * The backstop for a lost `workflow_run.completed`: protection requests let
 * through and quiet for `quietMs` have their workflow run read from GitHub;
 * one that ended ends its request. Returns how many were looked at.
 */
export async function pollQuietProtectionDeployments(deps: EngineDeps, quietMs: number): Promise<number> {
  const now = deps.clock.now();
  const quiet = await deps.db
    .selectFrom('deployments')
    .select(['id', 'owner', 'repo', 'workflow_run_id', 'installation_id'])
    .where('source', '=', 'protection')
    .where('status', '=', 'deploying')
    .where('updated_at', '<', new Date(now - quietMs))
    .orderBy('id')
    .limit(100)
    .execute();
  for (const deployment of quiet) {
    if (deployment.workflow_run_id === null || deployment.installation_id === null) continue;
    const octokit = await deps.github(deployment.installation_id);
    const run = await getWorkflowRun(octokit, { owner: deployment.owner, repo: deployment.repo }, deployment.workflow_run_id);
    if (run.status === 'completed') await finishProtectionDeployments(deps, { id: deployment.workflow_run_id, repository: `${deployment.owner}/${deployment.repo}`, conclusion: run.conclusion });
  }
  return quiet.length;
}

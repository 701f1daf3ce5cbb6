/**
 * Performs the deployment effects (SPEC §6): `create-deployment` makes the
 * GitHub deployment of a request the queue allowed — once, looked up by the
 * request id in its payload when an earlier answer may have been lost — and
 * lets the request's stage start; a 409 or 422 refuses the request with
 * GitHub's message and moves the queue on. `deployment-status` posts one
 * status, with the workflow run as `log_url` and the environment's `url`.
 */
import { z } from 'zod';
import { createDeploymentStatus, createGitHubDeployment, findGitHubDeployment, shipgatePayload } from '../github/deployments.ts';
import { githubMessage, statusOf } from '../github/client.ts';
import { withTransaction } from '../store/db.ts';
import { getDeployment, lockDeployment, transitionDeployment, updateDeploymentFields } from '../store/repos/deployments.ts';
import { updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import type { Effect } from '../store/schema/index.ts';
import { advanceRun, afterCommit } from '../engine/advance.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { reason } from '../engine/reasons.ts';
import { readSnapshot } from '../deploy/environment-policy.ts';
import { lockEnvironment, recordDeploymentCheck, reviewEnvironment } from '../deploy/queue.ts';
import { recordDeploymentStatus } from './kinds.ts';
import type { PerformOutcome, Performer } from './runner.ts';

const createSchema = z.object({ deploymentId: z.number().int().positive() });

/** Tries of a deployment create before the request is refused with GitHub's last error (the runner's backoff in between). */
export const CREATE_MAX_TRIES = 8;
const statusSchema = z.object({
  deploymentId: z.number().int().positive(),
  state: z.enum(['queued', 'in_progress', 'success', 'failure', 'error', 'inactive']),
  description: z.string(),
});

export function createDeploymentPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = createSchema.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed create-deployment effect: ${parsed.error.message}` };
    const deployment = await getDeployment(deps.db, parsed.data.deploymentId);
    if (!deployment || deployment.status !== 'deploying' || deployment.github_deployment_id !== null) return { kind: 'done' };
    if (effect.installation_id === null) return { kind: 'failed', error: 'create-deployment effect without an installation' };
    const octokit = await deps.github(effect.installation_id);
    const repo = { owner: deployment.owner, repo: deployment.repo };
    const policy = readSnapshot(deployment.policy, deployment.environment);
    let id: number | null = null;
    let refusal: { status: number; message: string } | null = null;
    try {
      if (effect.attempts > 1) id = await findGitHubDeployment(octokit, repo, { sha: deployment.sha, environment: deployment.environment, requestId: deployment.id });
      if (id === null) {
        const created = await createGitHubDeployment(octokit, repo, {
          sha: deployment.sha,
          environment: deployment.environment,
          production: policy.production,
          description: `shipgate #${deployment.id}: ${deployment.source} by @${deployment.requested_by}`,
          payload: shipgatePayload({ requestId: deployment.id, actor: deployment.requested_by, pipelineRunId: deployment.pipeline_run_id, rollbackOf: deployment.rollback_of }),
        });
        if (created.ok) id = created.id;
        else refusal = { status: created.status, message: created.message };
      }
    } catch (error) {
      // Retried while it may pass; a refusal for good (403 without deployments: write, 404) or lasting failure ends the request, never holding the environment.
      const status = statusOf(error);
      const transient = status === undefined || status >= 500 || status === 429 || (status === 403 && /rate limit/i.test(githubMessage(error)));
      if (transient && effect.attempts < CREATE_MAX_TRIES) throw error;
      refusal = { status: status ?? 0, message: githubMessage(error) };
    }
    const now = new Date(deps.clock.now());
    const advance = await withTransaction(deps.db, async (trx) => {
      // The environment first, then the request: the order every writer of an environment's requests keeps.
      await lockEnvironment(trx, deployment);
      const current = await lockDeployment(trx, deployment.id);
      if (current && current.status !== 'deploying' && current.github_deployment_id === null && id !== null) {
        // Cancelled while GitHub created it: the deployment there is told it will not run.
        await updateDeploymentFields(trx, current.id, { github_deployment_id: id }, now);
        await recordDeploymentStatus(trx, { deploymentId: current.id, state: 'error', description: 'cancelled before it ran', runId: current.pipeline_run_id, installationId: current.installation_id ?? 0, now });
        return [];
      }
      if (!current || current.status !== 'deploying' || current.github_deployment_id !== null) return [];
      if (id !== null) {
        const updated = await updateDeploymentFields(trx, deployment.id, { github_deployment_id: id }, now);
        if (updated) await recordDeploymentCheck(trx, updated, now);
        return current.pipeline_run_id !== null ? [current.pipeline_run_id] : [];
      }
      const refused = await transitionDeployment(trx, deployment.id, 'refused', {
        reason: { ...reason('deploy.github-refused', { status: refusal?.status ?? 0, message: refusal?.message ?? 'no answer' }) },
        actor: 'shipgate',
        now,
        from: ['deploying'],
      });
      if (refused) await recordDeploymentCheck(trx, refused, now);
      const review = await reviewEnvironment(trx, deployment, now);
      return [...(current.pipeline_run_id !== null ? [current.pipeline_run_id] : []), ...review.advance];
    });
    afterCommit(deps, { runId: null, events: [], wakes: [] });
    for (const runId of advance) {
      // Marked due outside the environment's lock (run rows are locked before environments, never after).
      await updatePipelineRun(deps.db, runId, { advance_due_at: now }, { now });
      await advanceRun(deps, runId);
    }
    return { kind: 'done' };
  };
}

export function deploymentStatusPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = statusSchema.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed deployment-status effect: ${parsed.error.message}` };
    const deployment = await getDeployment(deps.db, parsed.data.deploymentId);
    if (!deployment || deployment.github_deployment_id === null) return { kind: 'done' };
    // A retried `in_progress` never lands after the request's final status.
    const passing = parsed.data.state === 'queued' || parsed.data.state === 'in_progress';
    if (passing && deployment.status !== 'deploying') return { kind: 'done' };
    if (effect.installation_id === null) return { kind: 'failed', error: 'deployment-status effect without an installation' };
    const octokit = await deps.github(effect.installation_id);
    const policy = readSnapshot(deployment.policy, deployment.environment);
    const logUrl = deployment.log_url ?? (await runUrlOf(deps, deployment.pipeline_run_id));
    await createDeploymentStatus(octokit, { owner: deployment.owner, repo: deployment.repo }, deployment.github_deployment_id, {
      state: parsed.data.state,
      description: parsed.data.description,
      ...(logUrl ? { logUrl } : {}),
      ...(policy.url ? { environmentUrl: policy.url } : {}),
    });
    await updateDeploymentFields(deps.db, deployment.id, { github_state: parsed.data.state }, new Date(deps.clock.now()));
    return { kind: 'done' };
  };
}

/** The deploying job's workflow run page, once known. */
async function runUrlOf(deps: EngineDeps, runId: number | null): Promise<string | null> {
  if (runId === null) return null;
  const row = await deps.db.selectFrom('job_attempts').select('html_url').where('pipeline_run_id', '=', runId).where('html_url', 'is not', null).orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.html_url ?? null;
}

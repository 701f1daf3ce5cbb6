/**
 * A deployment request's life inside the engine's transactions (SPEC §6): it
 * is made when a stage with `environment:` is reached, or by `/deploy` and
 * `/rollback` (which start a run of their own, pipeline `deploy/<env>`); its
 * stage starts once the queue allows it and its GitHub deployment exists; the
 * stage's end decides the request's end and its deployment status; a failed
 * deploy may roll back. Every step re-decides the environment's queue.
 */
import type { Transaction } from 'kysely';
import { recordDeploymentStatus } from '../effects/kinds.ts';
import { createDeployment, listOpenDeployments, listRunDeployments, transitionDeployment, lastSuccessfulDeployment } from '../store/repos/deployments.ts';
import { createPipelineRun } from '../store/repos/pipeline-runs.ts';
import type { Database, Deployment, DeploymentSource, PipelineRun } from '../store/schema/index.ts';
import { toJsonObject } from '../store/json.ts';
import { isReason, reason, type Reason } from '../engine/reasons.ts';
import type { DeploymentState } from '../engine/plan.ts';
import type { RunPlan } from '../engine/run-plan.ts';
import { readSnapshot, snapshotJson, type EnvironmentSnapshot } from './environment-policy.ts';
import { lockEnvironment, recordDeploymentCheck, reviewEnvironment, type ReviewOutcome } from './queue.ts';
import { recordDeploymentNotification } from '../notify/record.ts';

const OPEN_BEFORE_START = ['requested', 'waiting', 'queued'] as const;

function merge(into: ReviewOutcome, from: ReviewOutcome): ReviewOutcome {
  into.advance.push(...from.advance);
  into.wakes.push(...from.wakes);
  return into;
}

/** The latest request of each deploying stage of a run, as the planner reads it. */
export async function deploymentStates(trx: Transaction<Database>, runId: number): Promise<Record<string, DeploymentState>> {
  const states: Record<string, DeploymentState> = {};
  for (const d of await listRunDeployments(trx, runId)) {
    if (d.stage === null) continue;
    // Cancelled because its stage was skipped: if the stage comes back (`/retry`, `/override`), it asks anew.
    if (d.status === 'cancelled' && isReason(d.reason) && d.reason.code === 'deploy.stage-not-reached') {
      delete states[d.stage];
      continue;
    }
    const phase: DeploymentState['phase'] =
      d.status === 'deploying' ? (d.github_deployment_id !== null ? 'ready' : 'pending') : (OPEN_BEFORE_START as readonly string[]).includes(d.status) ? 'pending' : 'ended';
    states[d.stage] = { phase, reason: phase === 'ended' ? (isReason(d.reason) ? d.reason : reason('deploy.cancelled', { by: 'shipgate' })) : null };
  }
  return states;
}

/** The branch or tag a run deploys from (what `branches` patterns are matched against). */
function runRef(run: PipelineRun, plan: RunPlan): string {
  return plan.context.shipgate.tag ?? plan.context.shipgate.branch ?? plan.dispatchRef;
}

/**
 * The request of a stage with `environment:` that the run reached. A newer
 * request of the same pull request for the environment replaces its queued
 * older one. An environment the default branch does not define is refused.
 */
export async function requestStageDeployment(trx: Transaction<Database>, run: PipelineRun, plan: RunPlan, stage: string, environment: string, now: Date): Promise<ReviewOutcome> {
  // The environment's lock before any request row: every writer of an environment's requests takes them in that order.
  await lockEnvironment(trx, { owner: run.owner, repo: run.repo, environment });
  const snapshot = plan.environments?.[environment];
  const ref = runRef(run, plan);
  // A fork's branch names say nothing about this repository's branches (a fork's `main` is not `main`).
  const fromFork = run.from_fork;
  const deployment = await createDeployment(trx, {
    installation_id: run.installation_id,
    owner: run.owner,
    repo: run.repo,
    environment,
    ref,
    sha: run.sha,
    requested_by: run.actor ?? 'shipgate',
    source: 'stage',
    pr_number: run.pr_number,
    pipeline_run_id: run.id,
    stage,
    ref_branches: fromFork ? [] : [ref],
    policy: snapshot ? snapshotJson(snapshot) : {},
    now,
  });
  if (fromFork) {
    const refused = await transitionDeployment(trx, deployment.id, 'refused', { reason: { ...reason('deploy.from-fork', { environment }) }, actor: 'shipgate', now });
    if (refused) await recordDeploymentCheck(trx, refused, now);
    return { advance: [run.id], wakes: [] };
  }
  if (!snapshot) {
    const known = Object.keys(plan.environments ?? {});
    const refused = await transitionDeployment(trx, deployment.id, 'refused', { reason: { ...reason('deploy.environment-unknown', { environment, known }) }, actor: 'shipgate', now });
    if (refused) await recordDeploymentCheck(trx, refused, now);
    return { advance: [run.id], wakes: [] };
  }
  await supersedeOlder(trx, deployment, now);
  return reviewEnvironment(trx, { owner: run.owner, repo: run.repo, environment }, now);
}

/** Cancels the not-yet-started requests of the same pull request and environment that `newer` replaces. */
export async function supersedeOlder(trx: Transaction<Database>, newer: Deployment, now: Date): Promise<number[]> {
  if (newer.pr_number === null) return [];
  const runs: number[] = [];
  for (const older of await listOpenDeployments(trx, newer)) {
    if (older.id === newer.id || older.pr_number !== newer.pr_number || !(OPEN_BEFORE_START as readonly string[]).includes(older.status)) continue;
    const cancelled = await transitionDeployment(trx, older.id, 'cancelled', { reason: { ...reason('deploy.superseded', { newer: newer.id }) }, actor: newer.requested_by, now, from: OPEN_BEFORE_START });
    if (cancelled) {
      await recordDeploymentCheck(trx, cancelled, now);
      if (cancelled.pipeline_run_id !== null) runs.push(cancelled.pipeline_run_id);
    }
  }
  return runs;
}

async function stageDeployment(trx: Transaction<Database>, runId: number, stage: string): Promise<Deployment | undefined> {
  return (await listRunDeployments(trx, runId)).filter((d) => d.stage === stage).at(-1);
}

/** The stage's jobs start: GitHub hears `in_progress`. */
export async function startStageDeployment(trx: Transaction<Database>, run: PipelineRun, stage: string, now: Date): Promise<void> {
  const deployment = await stageDeployment(trx, run.id, stage);
  if (!deployment || deployment.status !== 'deploying' || deployment.github_deployment_id === null) return;
  await recordDeploymentStatus(trx, { deploymentId: deployment.id, state: 'in_progress', description: `${deployment.environment}: deploying ${deployment.sha.slice(0, 7)}`, runId: run.id, installationId: run.installation_id, now });
}

/**
 * The deploying stage ended: the request succeeds or fails with it, GitHub
 * hears the matching status (with the workflow run as `log_url`), the queue
 * moves, and a failed deploy of an environment with `auto-rollback: true`
 * starts one rollback (never of a rollback).
 */
export async function finishStageDeployment(
  trx: Transaction<Database>,
  run: PipelineRun,
  stage: string,
  conclusion: string,
  logUrl: string | null,
  now: Date,
  /** The jobs succeeded and only the stage's gates failed it. */
  gatesOnly = false,
): Promise<ReviewOutcome> {
  const outcome: ReviewOutcome = { advance: [], wakes: [] };
  const deployment = await stageDeployment(trx, run.id, stage);
  if (!deployment || deployment.status !== 'deploying') return outcome;
  await lockEnvironment(trx, deployment);
  const succeeded = conclusion === 'success';
  const cancelled = conclusion === 'cancelled';
  const to = succeeded ? 'succeeded' : cancelled ? 'cancelled' : 'failed';
  const why: Reason | null = succeeded ? null : cancelled ? reason('deploy.run-cancelled') : gatesOnly ? reason('deploy.gates-failed') : reason('deploy.job-failed', { conclusion });
  const moved = await transitionDeployment(trx, deployment.id, to, { reason: why ? { ...why } : null, actor: 'shipgate', now, from: ['deploying'], fields: { log_url: logUrl } });
  if (!moved) return outcome;
  await recordDeploymentCheck(trx, moved, now);
  if (moved.github_deployment_id !== null) {
    await recordDeploymentStatus(trx, {
      deploymentId: moved.id,
      state: succeeded ? 'success' : cancelled ? 'error' : 'failure',
      description: succeeded ? `deployed ${moved.sha.slice(0, 7)}` : cancelled ? 'cancelled' : gatesOnly ? 'deployed, but a gate of the stage failed' : `the deploy job ended ${conclusion}`,
      runId: run.id,
      installationId: run.installation_id,
      now,
    });
  }
  const policy = readSnapshot(moved.policy, moved.environment);
  if (to === 'failed' && policy.autoRollback && moved.source !== 'rollback' && moved.source !== 'auto-rollback') {
    const target = await lastSuccessfulDeployment(trx, { owner: moved.owner, repo: moved.repo, environment: moved.environment, excludeSha: moved.sha });
    if (target && policy.workflow !== undefined) {
      const rollback = await createDeployRun(trx, {
        installationId: run.installation_id,
        owner: moved.owner,
        repo: moved.repo,
        environment: moved.environment,
        snapshot: policy,
        sha: target.sha,
        ref: target.ref,
        refBranches: Array.isArray(target.ref_branches) ? target.ref_branches : [target.ref],
        dispatchRef: target.ref === target.sha ? (plannedDispatchRef(run) ?? target.ref) : target.ref,
        // On behalf of whoever deployed: their own lock does not hold the rollback back.
        requestedBy: moved.requested_by,
        source: 'auto-rollback',
        prNumber: moved.pr_number,
        rollbackOf: moved.id,
        deliveryId: null,
        now,
      });
      await transitionDeployment(trx, moved.id, 'rolled-back', { reason: { ...reason('deploy.rolled-back', { by: rollback.deployment.id }) }, actor: 'shipgate', now, from: ['failed'] });
      outcome.advance.push(rollback.run.id);
    }
  }
  await recordDeploymentNotification(trx, moved.id, now);
  return merge(outcome, await reviewEnvironment(trx, moved, now));
}

function plannedDispatchRef(run: PipelineRun): string | null {
  const plan = run.plan as { dispatchRef?: unknown };
  return typeof plan.dispatchRef === 'string' ? plan.dispatchRef : null;
}

/** A deploying stage that will never run (skipped, its run stopped or cancelled): its request is cancelled. */
export async function abandonStageDeployment(trx: Transaction<Database>, run: PipelineRun, stage: string, why: Reason, now: Date): Promise<ReviewOutcome> {
  const deployment = await stageDeployment(trx, run.id, stage);
  if (!deployment) return { advance: [], wakes: [] };
  await lockEnvironment(trx, deployment);
  const wasDeploying = deployment.status === 'deploying';
  const moved = await transitionDeployment(trx, deployment.id, 'cancelled', { reason: { ...why }, actor: 'shipgate', now, from: [...OPEN_BEFORE_START, 'deploying'] });
  if (!moved) return { advance: [], wakes: [] };
  await recordDeploymentCheck(trx, moved, now);
  if (wasDeploying && moved.github_deployment_id !== null) {
    await recordDeploymentStatus(trx, { deploymentId: moved.id, state: 'error', description: 'cancelled before it ran', runId: run.id, installationId: run.installation_id, now });
  }
  return reviewEnvironment(trx, moved, now);
}

/** What a `/deploy`, `/rollback` or automatic rollback asks for. */
export interface DeployRunRequest {
  installationId: number;
  owner: string;
  repo: string;
  environment: string;
  snapshot: EnvironmentSnapshot;
  sha: string;
  /** The branch asked for, or the sha itself. */
  ref: string;
  refBranches: readonly string[];
  /** The branch or tag the deploy workflow is dispatched on. */
  dispatchRef: string;
  requestedBy: string;
  source: Exclude<DeploymentSource, 'stage'>;
  prNumber: number | null;
  /** The issue it was asked on, when not a pull request. */
  issueNumber?: number | null;
  rollbackOf?: number | null;
  /** The webhook delivery that asked (a `/deploy` comment), or null (an automatic rollback). */
  deliveryId: string | null;
  now: Date;
}

/** The stage and job of a `deploy/<env>` run. */
export const DEPLOY_STAGE = 'deploy';

/**
 * A request that deploys with the environment's workflow: the request, and a
 * run of pipeline `deploy/<env>` (trigger `deploy`) with one stage that
 * deploys to the environment, so dispatch, tracking, timeouts and `/cancel`
 * are the engine's own. Its queue is decided in the same transaction.
 */
export async function createDeployRun(trx: Transaction<Database>, request: DeployRunRequest): Promise<{ run: PipelineRun; deployment: Deployment; review: ReviewOutcome }> {
  const plan: RunPlan = {
    stages: {
      [DEPLOY_STAGE]: {
        needs: [],
        environment: request.environment,
        jobs: { [DEPLOY_STAGE]: { workflow: request.snapshot.workflow ?? '', inputs: { ...request.snapshot.inputs }, 'continue-on-error': false } },
      },
    },
    variables: {},
    defaults: { timeoutMs: 30 * 60_000, retries: 0 },
    context: {
      shipgate: {
        event: 'manual',
        branch: request.ref === request.sha ? null : request.ref,
        tag: null,
        ref: request.ref,
        sha: request.sha,
        pr: request.prNumber,
        pipeline: `deploy/${request.environment}`,
        actor: request.requestedBy,
        labels: [],
      },
      github: { sha: request.sha, actor: request.requestedBy, repository: `${request.owner}/${request.repo}`, event_name: 'workflow_dispatch' },
    },
    dispatchRef: request.dispatchRef,
    reasons: [`${request.source === 'command' ? '/deploy' : request.source === 'rollback' ? '/rollback' : 'automatic rollback'} by @${request.requestedBy}`],
    concurrency: 'none',
    gates: [],
    environments: { [request.environment]: request.snapshot },
  };
  const { pipelineRun, created } = await createPipelineRun(trx, {
    installation_id: request.installationId,
    owner: request.owner,
    repo: request.repo,
    pipeline: `deploy/${request.environment}`,
    delivery_id: request.deliveryId,
    trigger: 'deploy',
    ref: request.ref,
    sha: request.sha,
    pr_number: request.prNumber,
    actor: request.requestedBy,
    concurrency_key: `${request.owner}/${request.repo}:deploy/${request.environment}:${request.deliveryId ?? `${request.source}:${request.rollbackOf ?? ''}:${request.now.getTime()}`}`,
    plan: toJsonObject(plan),
    now: request.now,
  });
  // The same delivery asked again (a redelivery, or a second command for this environment in one comment): its request, not a second one.
  const existing = created ? undefined : (await listRunDeployments(trx, pipelineRun.id)).at(-1);
  if (existing) return { run: pipelineRun, deployment: existing, review: { advance: [], wakes: [] } };
  const deployment = await createDeployment(trx, {
    installation_id: request.installationId,
    owner: request.owner,
    repo: request.repo,
    environment: request.environment,
    ref: request.ref,
    sha: request.sha,
    requested_by: request.requestedBy,
    source: request.source,
    pr_number: request.prNumber,
    issue_number: request.issueNumber ?? null,
    stage: DEPLOY_STAGE,
    pipeline_run_id: pipelineRun.id,
    rollback_of: request.rollbackOf ?? null,
    ref_branches: request.refBranches,
    policy: snapshotJson(request.snapshot),
    now: request.now,
  });
  // A rollback replaces nothing: the same pull request's queued deploy keeps its place.
  const superseded = request.source === 'command' ? await supersedeOlder(trx, deployment, request.now) : [];
  const review = await reviewEnvironment(trx, request, request.now, request.requestedBy);
  review.advance.push(...superseded);
  return { run: pipelineRun, deployment, review };
}

/**
 * A pipeline run of a commit ended: `/deploy` requests of that commit that
 * wait for its pipelines are decided again (they may deploy, or be refused).
 */
export async function reviewAfterPipelines(trx: Transaction<Database>, run: PipelineRun, now: Date): Promise<ReviewOutcome> {
  const outcome: ReviewOutcome = { advance: [], wakes: [] };
  if (run.trigger === 'deploy') return outcome;
  const waiting = await trx
    .selectFrom('deployments')
    .select(['environment'])
    .distinct()
    .where('owner', '=', run.owner)
    .where('repo', '=', run.repo)
    .where('sha', '=', run.sha)
    .where('status', 'in', ['requested', 'waiting', 'queued'])
    .execute();
  // Environments in name order: every transaction that locks several takes them in the same order.
  for (const environment of waiting.map((w) => w.environment).sort()) merge(outcome, await reviewEnvironment(trx, { owner: run.owner, repo: run.repo, environment }, now));
  return outcome;
}

/** Decides again the environments of a run's requests that have not started (a wait timer may have run out). */
export async function reviewPendingDeployments(trx: Transaction<Database>, runId: number, now: Date): Promise<ReviewOutcome> {
  const outcome: ReviewOutcome = { advance: [], wakes: [] };
  const pending = (await listRunDeployments(trx, runId)).filter((d) => (OPEN_BEFORE_START as readonly string[]).includes(d.status));
  for (const environment of [...new Set(pending.map((d) => d.environment))].sort()) merge(outcome, await reviewEnvironment(trx, { owner: pending[0]?.owner ?? '', repo: pending[0]?.repo ?? '', environment }, now));
  return outcome;
}

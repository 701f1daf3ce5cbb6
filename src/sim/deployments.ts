/**
 * Deployments and deployment statuses, with `auto_inactive` (a new `success`
 * makes the previous deployments of the environment inactive), and the
 * `deployment` / `deployment_status` webhooks.
 */
import { emitRepoEvent, type SimContext } from './context.ts';
import { GitHubApiError, unprocessable } from './errors.ts';
import { nodeId } from './identity.ts';
import type { Account, Deployment, DeploymentStatus, Repository, SimApp } from './model.ts';
import { appShape, userShape, type Json } from './shapes.ts';
import { isoTime } from './time-format.ts';

export interface DeploymentInput {
  ref: string;
  task?: string;
  auto_merge?: boolean;
  required_contexts?: string[];
  payload?: unknown;
  environment?: string;
  description?: string | null;
  transient_environment?: boolean;
  production_environment?: boolean;
}

export interface DeploymentStatusInput {
  state: string;
  target_url?: string;
  log_url?: string;
  description?: string;
  environment?: string;
  environment_url?: string;
  auto_inactive?: boolean;
}

/**
 * Creates a deployment. Like GitHub, when `required_contexts` is omitted every
 * check run on the sha must have succeeded (409 otherwise); pass `[]` to skip.
 */
export function createDeployment(ctx: SimContext, repo: Repository, input: DeploymentInput, creator: Account, app: SimApp | undefined): Deployment {
  const { state } = ctx;
  const sha = state.resolveRef(repo, input.ref);
  if (!sha) throw unprocessable(`No ref found for: ${input.ref}`, [{ resource: 'Deployment', field: 'ref', code: 'invalid' }]);
  const contexts = input.required_contexts;
  const checks = [...state.checkRuns.values()].filter((run) => run.repo === repo && run.headSha === sha);
  const failing = checks.filter(
    (run) => (contexts === undefined || contexts.includes(run.name)) && !(run.status === 'completed' && ['success', 'neutral', 'skipped'].includes(run.conclusion ?? '')),
  );
  const missing = (contexts ?? []).filter((name) => !checks.some((run) => run.name === name));
  if (failing.length || missing.length) {
    throw new GitHubApiError(409, `Conflict: Commit status checks failed for ${input.ref}.`, {
      errors: [
        ...failing.map((run) => ({ resource: 'Deployment', field: 'required_contexts', code: 'invalid', message: `${run.name}: ${run.conclusion ?? run.status}` })),
        ...missing.map((name) => ({ resource: 'Deployment', field: 'required_contexts', code: 'invalid', message: `${name}: missing` })),
      ],
    });
  }
  const id = state.ids.next('deployment');
  const now = state.now();
  const environment = input.environment ?? 'production';
  const deployment: Deployment = {
    id,
    nodeId: nodeId('Deployment', id),
    repo,
    sha,
    ref: input.ref,
    task: input.task ?? 'deploy',
    payload: input.payload ?? {},
    environment,
    originalEnvironment: environment,
    description: input.description ?? null,
    creator,
    createdAt: now,
    updatedAt: now,
    transient: input.transient_environment ?? false,
    production: input.production_environment ?? environment === 'production',
    app,
    statuses: [],
  };
  state.deployments.set(id, deployment);
  emitRepoEvent(ctx, repo, 'deployment', { action: 'created', deployment: deploymentShape(ctx, deployment), workflow: null, workflow_run: null }, { sender: creator });
  return deployment;
}

/** Adds a status; `auto_inactive` (default true) marks older deployments of the environment inactive on success. */
export function addDeploymentStatus(ctx: SimContext, deployment: Deployment, input: DeploymentStatusInput, creator: Account, app: SimApp | undefined): DeploymentStatus {
  const { state } = ctx;
  const status = pushStatus(ctx, deployment, input, creator, app);
  if (input.environment) deployment.environment = input.environment;
  if (input.state === 'success' && input.auto_inactive !== false) {
    for (const other of state.deployments.values()) {
      if (other === deployment || other.repo !== deployment.repo || other.environment !== deployment.environment) continue;
      if (other.transient || other.createdAt > deployment.createdAt) continue;
      const last = other.statuses[other.statuses.length - 1];
      if (!last || last.state !== 'success') continue;
      pushStatus(ctx, other, { state: 'inactive', description: '' }, creator, app);
    }
  }
  return status;
}

function pushStatus(ctx: SimContext, deployment: Deployment, input: DeploymentStatusInput, creator: Account, app: SimApp | undefined): DeploymentStatus {
  const { state } = ctx;
  const id = state.ids.next('deploymentStatus');
  const previous = deployment.statuses[deployment.statuses.length - 1];
  const status: DeploymentStatus = {
    id,
    nodeId: nodeId('DeploymentStatus', id),
    state: input.state,
    creator,
    description: input.description ?? '',
    environment: input.environment ?? deployment.environment,
    targetUrl: input.target_url ?? input.log_url ?? previous?.targetUrl ?? '',
    logUrl: input.log_url ?? input.target_url ?? previous?.logUrl ?? '',
    environmentUrl: input.environment_url ?? previous?.environmentUrl ?? '',
    createdAt: state.now(),
    app,
  };
  deployment.statuses.push(status);
  deployment.updatedAt = status.createdAt;
  emitRepoEvent(
    ctx,
    deployment.repo,
    'deployment_status',
    {
      action: 'created',
      deployment_status: deploymentStatusShape(ctx, deployment, status),
      deployment: deploymentShape(ctx, deployment),
      check_run: null,
      workflow: null,
      workflow_run: null,
    },
    { sender: creator },
  );
  return status;
}

/** `deployment`. */
export function deploymentShape(ctx: SimContext, deployment: Deployment): Json {
  const { urls } = ctx.state;
  const api = `${urls.api}/repos/${deployment.repo.fullName}/deployments/${deployment.id}`;
  return {
    url: api,
    id: deployment.id,
    node_id: deployment.nodeId,
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.originalEnvironment,
    environment: deployment.environment,
    description: deployment.description,
    creator: userShape(urls, deployment.creator),
    created_at: isoTime(deployment.createdAt),
    updated_at: isoTime(deployment.updatedAt),
    statuses_url: `${api}/statuses`,
    repository_url: `${urls.api}/repos/${deployment.repo.fullName}`,
    transient_environment: deployment.transient,
    production_environment: deployment.production,
    performed_via_github_app: deployment.app ? appShape(urls, deployment.app) : null,
  };
}

/** `deployment-status`. */
export function deploymentStatusShape(ctx: SimContext, deployment: Deployment, status: DeploymentStatus): Json {
  const { urls } = ctx.state;
  const api = `${urls.api}/repos/${deployment.repo.fullName}/deployments/${deployment.id}`;
  return {
    url: `${api}/statuses/${status.id}`,
    id: status.id,
    node_id: status.nodeId,
    state: status.state,
    creator: userShape(urls, status.creator),
    description: status.description,
    environment: status.environment,
    target_url: status.targetUrl,
    created_at: isoTime(status.createdAt),
    updated_at: isoTime(status.createdAt),
    deployment_url: api,
    repository_url: `${urls.api}/repos/${deployment.repo.fullName}`,
    environment_url: status.environmentUrl,
    log_url: status.logUrl,
    performed_via_github_app: status.app ? appShape(urls, status.app) : null,
  };
}

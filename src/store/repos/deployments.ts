/**
 * Deployment requests (SPEC §6) and their transitions. Every status change
 * goes through {@link transitionDeployment}, which records it in
 * `deployment_events` with its reason and actor, in the caller's transaction.
 */
import type { DbOrTrx } from '../db.ts';
import { toJsonb } from '../json.ts';
import type { Deployment, DeploymentEvent, DeploymentSource, DeploymentStatus, JsonObject } from '../schema/index.ts';

/** A new deployment request; it starts `requested`. */
export interface DeploymentInput {
  installation_id: number;
  owner: string;
  repo: string;
  environment: string;
  ref: string;
  sha: string;
  requested_by: string;
  source: DeploymentSource;
  pr_number?: number | null;
  issue_number?: number | null;
  pipeline_run_id?: number | null;
  stage?: string | null;
  rollback_of?: number | null;
  /** Branches the ref is, or that contain the sha. */
  ref_branches: readonly string[];
  /** The environment's policy, frozen at request time. */
  policy: JsonObject;
  now: Date;
}

/** Statuses of requests that are not over: they hold, or wait for, their environment's one slot. */
export const openDeploymentStatuses = ['requested', 'waiting', 'queued', 'deploying'] as const satisfies readonly DeploymentStatus[];

/** Statuses a request ends in. */
export const finalDeploymentStatuses = ['succeeded', 'failed', 'cancelled', 'refused', 'rolled-back', 'rejected', 'expired'] as const satisfies readonly DeploymentStatus[];

/** An environment of a repository. */
export interface EnvironmentKey {
  owner: string;
  repo: string;
  environment: string;
}

export async function createDeployment(db: DbOrTrx, input: DeploymentInput): Promise<Deployment> {
  const created = await db
    .insertInto('deployments')
    .values({
      installation_id: input.installation_id,
      owner: input.owner,
      repo: input.repo,
      environment: input.environment,
      ref: input.ref,
      sha: input.sha,
      requested_by: input.requested_by,
      source: input.source,
      pr_number: input.pr_number ?? null,
      issue_number: input.issue_number ?? null,
      pipeline_run_id: input.pipeline_run_id ?? null,
      stage: input.stage ?? null,
      rollback_of: input.rollback_of ?? null,
      ref_branches: toJsonb([...input.ref_branches]),
      policy: toJsonb(input.policy),
      status: 'requested',
      created_at: input.now,
      updated_at: input.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db.insertInto('deployment_events').values({ deployment_id: created.id, from_status: null, to_status: 'requested', reason: null, actor: input.requested_by, at: input.now }).execute();
  return created;
}

/** Fields that change with GitHub's side of a deployment. */
export interface DeploymentFields {
  github_deployment_id?: number | null;
  workflow_run_id?: number | null;
  log_url?: string | null;
  github_state?: string | null;
  pipeline_run_id?: number | null;
  stage_run_id?: number | null;
}

/**
 * Moves a request to `to` (only from one of `from`, when given), records the
 * transition with its reason and actor, and stamps `started_at` (deploying),
 * `completed_at` (a final status) and `succeeded_at`. Returns undefined when
 * the request was not in an allowed status (another replica moved it first).
 */
export async function transitionDeployment(
  db: DbOrTrx,
  id: number,
  to: DeploymentStatus,
  options: { reason?: JsonObject | null; actor: string; now: Date; from?: readonly DeploymentStatus[]; fields?: DeploymentFields },
): Promise<Deployment | undefined> {
  const before = await db.selectFrom('deployments').select('status').where('id', '=', id).executeTakeFirst();
  if (!before) return undefined;
  if (options.from && !options.from.includes(before.status)) return undefined;
  const final = (finalDeploymentStatuses as readonly string[]).includes(to);
  const query = db
    .updateTable('deployments')
    .set({
      ...options.fields,
      status: to,
      reason: options.reason === undefined ? undefined : options.reason === null ? null : toJsonb(options.reason),
      updated_at: options.now,
      ...(to === 'deploying' ? { started_at: options.now } : {}),
      ...(final ? { completed_at: options.now } : {}),
      ...(to === 'succeeded' ? { succeeded_at: options.now } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', before.status);
  const updated = await query.returningAll().executeTakeFirst();
  if (!updated) return undefined;
  if (before.status !== to || options.reason !== undefined) {
    await db
      .insertInto('deployment_events')
      .values({ deployment_id: id, from_status: before.status, to_status: to, reason: options.reason ? toJsonb(options.reason) : null, actor: options.actor, at: options.now })
      .execute();
  }
  return updated;
}

/** Changes GitHub-side fields without a transition. */
export async function updateDeploymentFields(db: DbOrTrx, id: number, fields: DeploymentFields, now: Date): Promise<Deployment | undefined> {
  return db.updateTable('deployments').set({ ...fields, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();
}

export async function getDeployment(db: DbOrTrx, id: number): Promise<Deployment | undefined> {
  return db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Locks a request's row for the rest of the transaction. */
export async function lockDeployment(db: DbOrTrx, id: number): Promise<Deployment | undefined> {
  return db.selectFrom('deployments').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** The deployment of a stage of a pipeline run (the newest, when the stage was re-run). */
export async function findStageDeployment(db: DbOrTrx, pipelineRunId: number, stage: string): Promise<Deployment | undefined> {
  return db.selectFrom('deployments').selectAll().where('pipeline_run_id', '=', pipelineRunId).where('stage', '=', stage).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The deployments of a pipeline run, by stage. */
export async function listRunDeployments(db: DbOrTrx, pipelineRunId: number): Promise<Deployment[]> {
  return db.selectFrom('deployments').selectAll().where('pipeline_run_id', '=', pipelineRunId).orderBy('id').execute();
}

/** The open requests of an environment, oldest first: the queue. */
export async function listOpenDeployments(db: DbOrTrx, key: EnvironmentKey): Promise<Deployment[]> {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('environment', '=', key.environment)
    .where('status', 'in', openDeploymentStatuses)
    .orderBy('id')
    .execute();
}

/** Every deployment of a commit (any environment), newest first. */
export async function listShaDeployments(db: DbOrTrx, commit: { owner: string; repo: string; sha: string }): Promise<Deployment[]> {
  return db.selectFrom('deployments').selectAll().where('owner', '=', commit.owner).where('repo', '=', commit.repo).where('sha', '=', commit.sha).orderBy('id', 'desc').execute();
}

/** The deployments of an environment, newest first (for `/status` and rollbacks). */
export async function listEnvironmentDeployments(db: DbOrTrx, key: EnvironmentKey, limit = 50): Promise<Deployment[]> {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('environment', '=', key.environment)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * The newest deployment of an environment that succeeded: before `beforeId`,
 * of one `sha` (for `after:`), or not of `excludeSha` (for a rollback target).
 */
export async function lastSuccessfulDeployment(db: DbOrTrx, key: EnvironmentKey & { beforeId?: number; sha?: string; excludeSha?: string }): Promise<Deployment | undefined> {
  let query = db
    .selectFrom('deployments')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('environment', '=', key.environment)
    .where('succeeded_at', 'is not', null);
  if (key.beforeId !== undefined) query = query.where('id', '<', key.beforeId);
  if (key.sha !== undefined) query = query.where('sha', '=', key.sha);
  if (key.excludeSha !== undefined) query = query.where('sha', '!=', key.excludeSha);
  return query.orderBy('succeeded_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** A deployment's transitions, oldest first. */
export async function listDeploymentEvents(db: DbOrTrx, deploymentId: number): Promise<DeploymentEvent[]> {
  return db.selectFrom('deployment_events').selectAll().where('deployment_id', '=', deploymentId).orderBy('id').execute();
}

import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';
import type { Deployment, DeploymentStatus } from '../schema/index.ts';

/** A new deployment (see `DeploymentTable` for the fields); it starts `pending`. */
export interface DeploymentInput {
  owner: string;
  repo: string;
  environment: string;
  ref: string;
  sha: string;
  requested_by: string;
  pipeline_run_id?: number | null;
  stage_run_id?: number | null;
  rollback_of?: number | null;
  /** Default: the database's `now()`. */
  now?: Date;
}

/** Fields of a deployment that change as it progresses. */
export interface DeploymentChanges {
  status?: DeploymentStatus;
  github_deployment_id?: number | null;
  workflow_run_id?: number | null;
}

/** Statuses of deployments that hold or wait for their environment's one slot. */
export const activeDeploymentStatuses = ['pending', 'waiting', 'queued', 'in_progress'] as const;

export async function createDeployment(db: DbOrTrx, input: DeploymentInput): Promise<Deployment> {
  const now = input.now ?? sql<Date>`now()`;
  return db
    .insertInto('deployments')
    .values({
      owner: input.owner,
      repo: input.repo,
      environment: input.environment,
      ref: input.ref,
      sha: input.sha,
      requested_by: input.requested_by,
      pipeline_run_id: input.pipeline_run_id ?? null,
      stage_run_id: input.stage_run_id ?? null,
      rollback_of: input.rollback_of ?? null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getDeployment(db: DbOrTrx, id: number): Promise<Deployment | undefined> {
  return db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The deployment mirrored to this GitHub deployment. */
export async function findDeploymentByGithubId(
  db: DbOrTrx,
  githubDeploymentId: number,
): Promise<Deployment | undefined> {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('github_deployment_id', '=', githubDeploymentId)
    .executeTakeFirst();
}

/**
 * Applies `changes` and stamps `updated_at` (and `succeeded_at` on the first
 * move to `success`); with `onlyIf.status`, only while the deployment is in
 * one of those statuses. Returns undefined when nothing was updated.
 */
export async function updateDeployment(
  db: DbOrTrx,
  id: number,
  changes: DeploymentChanges,
  options: { onlyIf?: { status: readonly DeploymentStatus[] }; now?: Date } = {},
): Promise<Deployment | undefined> {
  const now = options.now ?? sql<Date>`now()`;
  let query = db
    .updateTable('deployments')
    .set({
      ...changes,
      updated_at: now,
      // Kept when it later turns `inactive`: rollbacks look for the last deployment that succeeded.
      ...(changes.status === 'success' ? { succeeded_at: sql<Date>`coalesce(succeeded_at, ${now})` } : {}),
    })
    .where('id', '=', id);
  if (options.onlyIf) query = query.where('status', 'in', options.onlyIf.status);
  return query.returningAll().executeTakeFirst();
}

/** Deployments of an environment that are not finished, oldest first (the queue). */
export async function listActiveDeployments(
  db: DbOrTrx,
  key: { owner: string; repo: string; environment: string },
): Promise<Deployment[]> {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('environment', '=', key.environment)
    .where('status', 'in', activeDeploymentStatuses)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * The newest deployment of an environment that succeeded (optionally: created
 * before deployment `beforeId`, for rollbacks; or of one `sha`, for `after:`),
 * including one superseded since (now `inactive`).
 */
export async function lastSuccessfulDeployment(
  db: DbOrTrx,
  key: { owner: string; repo: string; environment: string; beforeId?: number; sha?: string },
): Promise<Deployment | undefined> {
  let query = db
    .selectFrom('deployments')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('repo', '=', key.repo)
    .where('environment', '=', key.environment)
    .where('succeeded_at', 'is not', null);
  if (key.beforeId !== undefined) query = query.where('id', '<', key.beforeId);
  if (key.sha !== undefined) query = query.where('sha', '=', key.sha);
  return query.orderBy('id', 'desc').limit(1).executeTakeFirst();
}

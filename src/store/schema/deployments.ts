import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, IdentityKey, NullableTimestamp } from './columns.ts';

/**
 * GitHub's deployment states plus shipgate's own before a deployment starts:
 * `waiting` (policy: approvals, wait timer, lock), `cancelled`, `rejected`, `expired`.
 */
export const deploymentStatuses = [
  'pending',
  'waiting',
  'queued',
  'in_progress',
  'success',
  'failure',
  'inactive',
  'cancelled',
  'rejected',
  'expired',
] as const;
export type DeploymentStatus = (typeof deploymentStatuses)[number];

/** One deployment of a sha to an environment, mirrored to a GitHub deployment. */
export interface DeploymentTable {
  id: IdentityKey;
  owner: string;
  repo: string;
  environment: string;
  ref: string;
  sha: string;
  /** Null until the GitHub deployment is created. */
  github_deployment_id: number | null;
  /** The pipeline run whose stage deploys, when it is a stage with `environment:`. */
  pipeline_run_id: number | null;
  stage_run_id: number | null;
  /** The login that caused it (pusher for a stage, commenter for `/deploy`). */
  requested_by: string;
  status: Generated<DeploymentStatus>;
  /** The deployment this one rolls back (its sha is redeployed). */
  rollback_of: number | null;
  /** The environment workflow's run, for `/deploy` and rollbacks. */
  workflow_run_id: number | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  /** When it reached `success`; kept after it turns `inactive`, so rollbacks can find it. */
  succeeded_at: NullableTimestamp;
}

export type Deployment = Selectable<DeploymentTable>;
export type NewDeployment = Insertable<DeploymentTable>;
export type DeploymentUpdate = Updateable<DeploymentTable>;

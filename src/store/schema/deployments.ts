import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, IdentityKey, JsonObject, NullableJsonb, NullableTimestamp } from './columns.ts';

/**
 * A deployment request's state (SPEC §6): `requested` (just recorded), `waiting` (policy:
 * a lock, the wait timer, the sha's pipelines, approvals), `queued` (behind another
 * deployment of the environment), `deploying` (the GitHub deployment exists and its
 * workflow runs), then `succeeded`, `failed`, `cancelled`, `refused` (policy or GitHub said
 * no), `rolled-back` (failed, then rolled back), and `rejected` / `expired` (approvals).
 */
export const deploymentStatuses = [
  'requested',
  'waiting',
  'queued',
  'deploying',
  'succeeded',
  'failed',
  'cancelled',
  'refused',
  'rolled-back',
  'rejected',
  'expired',
] as const;
export type DeploymentStatus = (typeof deploymentStatuses)[number];

/** Where a deployment request came from (`protection`: a native Actions job held by shipgate's deployment protection rule). */
export const deploymentSources = ['stage', 'command', 'rollback', 'auto-rollback', 'protection'] as const;
export type DeploymentSource = (typeof deploymentSources)[number];

/** One deployment request of a sha to an environment, mirrored to a GitHub deployment once allowed. */
export interface DeploymentTable {
  id: IdentityKey;
  installation_id: number | null;
  owner: string;
  repo: string;
  environment: string;
  /** What was asked for: a branch, or the sha itself. */
  ref: string;
  sha: string;
  /** The pull request it was asked from (`/deploy` on a PR), if any. */
  pr_number: number | null;
  /** The issue (not a pull request) a `/deploy` or `/rollback` was asked on, where its approval request comment goes. */
  issue_number: number | null;
  source: ColumnType<DeploymentSource, DeploymentSource | undefined, DeploymentSource>;
  /** Null until the GitHub deployment is created. */
  github_deployment_id: number | null;
  /** The pipeline run that deploys: the run of the stage with `environment:`, or the run started for `/deploy`. */
  pipeline_run_id: number | null;
  stage_run_id: number | null;
  /** The stage (of `pipeline_run_id`) whose jobs deploy. */
  stage: string | null;
  /** The login that caused it (pusher for a stage, commenter for `/deploy`, `shipgate` for an automatic rollback). */
  requested_by: string;
  status: Generated<DeploymentStatus>;
  /** Why it waits, was refused or ended (a reason code). */
  reason: NullableJsonb<JsonObject>;
  /** The deployment this one rolls back (the sha it replaces). */
  rollback_of: number | null;
  /** The last deployment status shipgate posted to GitHub. */
  github_state: string | null;
  /** The deploying workflow run. */
  workflow_run_id: number | null;
  log_url: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  /** The branches the ref is or contains the sha (what `branches` patterns are matched against), fixed at request time. */
  ref_branches: ColumnType<string[], string | undefined, string>;
  /** The environment's policy as the default branch's config gave it at request time. */
  policy: ColumnType<JsonObject, string | undefined, string>;
  /** When it reached `succeeded`: rollbacks and `after:` look for it. */
  succeeded_at: NullableTimestamp;
}

export type Deployment = Selectable<DeploymentTable>;
export type NewDeployment = Insertable<DeploymentTable>;
export type DeploymentUpdate = Updateable<DeploymentTable>;

/** One transition of a deployment request, with its reason and who caused it. */
export interface DeploymentEventTable {
  id: IdentityKey;
  deployment_id: number;
  from_status: DeploymentStatus | null;
  to_status: DeploymentStatus;
  reason: NullableJsonb<JsonObject>;
  actor: string;
  at: Date;
}

export type DeploymentEvent = Selectable<DeploymentEventTable>;

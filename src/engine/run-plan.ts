import type { ExpressionContext } from '../matching/conditions.ts';
import type { Gate, Job } from '../repo-config/schema.ts';
import { jobTargetOf } from '../repo-config/job-target.ts';
import type { EnvironmentSnapshot } from '../deploy/environment-policy.ts';
import type { NotificationTargets } from '../notify/targets.ts';

/** A gate as the run plan keeps it: its configuration and the stage of its job (null: a pipeline-level gate). */
export type PlannedGate = Gate & { stage: string | null };

/** Where a job runs when it is not a GitHub Actions workflow (SPEC §13); values may hold `${{ }}` expressions. */
export type PlannedTarget =
  | { provider: 'jenkins'; job: string; parameters: Record<string, string | number | boolean> }
  | { provider: 'gitlab'; project: string; ref?: string; variables: Record<string, string | number | boolean> }
  | { provider: 'webhook'; url: string; payload: Record<string, string | number | boolean> };

/** A job as the run plan keeps it. */
export interface PlannedJob {
  /** The workflow file of an Actions job; for a job on another provider, what it runs (`jenkins platform/build`). */
  workflow: string;
  /** Absent: a GitHub Actions workflow (every plan written before other providers). */
  target?: PlannedTarget;
  inputs: Record<string, string | number | boolean>;
  timeout?: string | undefined;
  retries?: number | undefined;
  'continue-on-error': boolean;
}

/** A stage as the run plan keeps it. */
export interface PlannedStage {
  needs: string[];
  if?: string | undefined;
  environment?: string | undefined;
  jobs: Record<string, PlannedJob>;
}

/**
 * The snapshot a pipeline run is made from (`pipeline_runs.plan`): the
 * pipeline's configuration at the event's sha and the expression context, so a
 * run never re-reads the config and behaves the same on every replica.
 */
export interface RunPlan {
  stages: Record<string, PlannedStage>;
  variables: Record<string, string>;
  defaults: { timeoutMs: number; retries: number };
  context: ExpressionContext;
  /** Branch or tag name the workflows are dispatched on. */
  dispatchRef: string;
  /** Reasons the run matched, for the check-run summary. */
  reasons: string[];
  /** The pipeline's `concurrency` (absent in plans written before it was kept). */
  concurrency?: 'none' | 'queue' | 'cancel-in-progress';
  /** The pipeline's gates at the event's sha (absent in plans written before gates were evaluated). */
  gates?: PlannedGate[];
  /** The repository's default branch when the run was created (baselines come from it). */
  defaultBranch?: string;
  /** The commit's date, from the push payload, when known (baselines are ordered by it). */
  commitDate?: string;
  /** The policies of the environments its stages deploy to, from the default branch's config when the run was created. */
  environments?: Record<string, EnvironmentSnapshot>;
  /** Where the run's `failure` / `recovery` go, from the trusted config when the run was created (absent: nowhere). */
  notifications?: NotificationTargets;
}

/** How a configured job is kept in the run plan: what it runs on, and the settings every kind shares. */
export function plannedJobOf(job: Job): PlannedJob {
  const target = jobTargetOf(job);
  const shared = {
    ...(job.timeout !== undefined ? { timeout: job.timeout } : {}),
    ...(job.retries !== undefined ? { retries: job.retries } : {}),
    'continue-on-error': job['continue-on-error'],
  };
  switch (target.provider) {
    case 'actions':
      return { workflow: target.workflow, inputs: target.inputs, ...shared };
    case 'jenkins':
      return { workflow: `jenkins ${target.job}`, target, inputs: {}, ...shared };
    case 'gitlab':
      return { workflow: `gitlab ${target.project}`, target, inputs: {}, ...shared };
    case 'webhook':
      return { workflow: `webhook ${new URL(target.url).host}`, target, inputs: {}, ...shared };
  }
}

/** Reads a run plan back from the JSON column. */
export function readRunPlan(value: unknown): RunPlan {
  const plan = value as RunPlan | null;
  if (!plan || typeof plan !== 'object' || !plan.stages || !plan.context) {
    throw new Error('pipeline run has no valid plan');
  }
  return plan;
}

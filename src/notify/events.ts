/**
 * The events shipgate notifies about (SPEC §12), as a `notify` effect keeps
 * them: the facts fixed when the decision was recorded, so every try of every
 * target sends the same message. Built from rows by the functions below.
 */
import { z } from 'zod';
import { isReason, renderReason } from '../engine/reasons.ts';
import type { ApprovalRequest, Deployment, PipelineRun } from '../store/schema/index.ts';

const common = {
  /** Unique per event: part of every effect key and of each webhook's `webhook-id`. */
  id: z.string(),
  /** When it happened (ISO 8601, UTC). */
  at: z.string(),
  repository: z.string(),
  sha: z.string(),
  ref: z.string(),
};

const runFields = {
  ...common,
  runId: z.number().int(),
  pipeline: z.string(),
  trigger: z.string(),
  actor: z.string().nullable(),
  pr: z.number().int().nullable(),
  branch: z.string().nullable(),
  tag: z.string().nullable(),
};

/** Every event, by `name`. */
export const notifyEventSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('failure'), ...runFields, conclusion: z.string() }),
  z.object({ name: z.literal('recovery'), ...runFields, conclusion: z.literal('success'), previousConclusion: z.string(), previousRunId: z.number().int() }),
  z.object({
    name: z.literal('deployment'),
    ...common,
    deploymentId: z.number().int(),
    environment: z.string(),
    status: z.enum(['succeeded', 'failed', 'rolled-back']),
    source: z.string(),
    requestedBy: z.string(),
    pr: z.number().int().nullable(),
    runId: z.number().int().nullable(),
    /** The environment's `url`, when it has one. */
    url: z.string().nullable(),
    /** Why it failed, in words. */
    reason: z.string().nullable(),
  }),
  z.object({
    name: z.literal('approval-requested'),
    ...common,
    approvalRequestId: z.number().int(),
    deploymentId: z.number().int(),
    environment: z.string(),
    requestedBy: z.string(),
    required: z.number().int(),
    approvers: z.array(z.string()),
    expiresAt: z.string().nullable(),
    pr: z.number().int().nullable(),
    issue: z.number().int().nullable(),
  }),
]);

export type NotifyEvent = z.infer<typeof notifyEventSchema>;
export type RunNotifyEvent = Extract<NotifyEvent, { name: 'failure' | 'recovery' }>;
export type DeploymentNotifyEvent = Extract<NotifyEvent, { name: 'deployment' }>;
export type ApprovalNotifyEvent = Extract<NotifyEvent, { name: 'approval-requested' }>;

const stripPrefix = (ref: string, prefix: string) => (ref.startsWith(prefix) ? ref.slice(prefix.length) : null);

/** The run's facts shared by `failure` and `recovery`. */
function runFacts(run: PipelineRun, now: Date) {
  return {
    at: now.toISOString(),
    repository: `${run.owner}/${run.repo}`,
    sha: run.sha,
    ref: run.ref,
    runId: run.id,
    pipeline: run.pipeline,
    trigger: run.trigger,
    actor: run.actor,
    pr: run.pr_number,
    branch: stripPrefix(run.ref, 'refs/heads/'),
    tag: stripPrefix(run.ref, 'refs/tags/'),
  };
}

/** The id of a run's completion: a run re-run and completed again completes anew. */
const completionId = (run: PipelineRun, now: Date) => `run-${run.id}-${(run.completed_at ?? now).getTime()}`;

/** A completed run that did not succeed. */
export function failureEvent(run: PipelineRun, now: Date): RunNotifyEvent {
  return { name: 'failure', id: `failure-${completionId(run, now)}`, ...runFacts(run, now), conclusion: run.conclusion ?? 'failure' };
}

/** A run that succeeded after the pipeline's previous outcome on its ref was a failure. */
export function recoveryEvent(run: PipelineRun, previous: { runId: number; conclusion: string }, now: Date): RunNotifyEvent {
  return { name: 'recovery', id: `recovery-${completionId(run, now)}`, ...runFacts(run, now), conclusion: 'success', previousConclusion: previous.conclusion, previousRunId: previous.runId };
}

/** A deployment request that ended succeeded, failed or rolled back. */
export function deploymentEvent(deployment: Deployment, status: DeploymentNotifyEvent['status'], url: string | null, now: Date): DeploymentNotifyEvent {
  return {
    name: 'deployment',
    id: `deployment-${deployment.id}`,
    at: now.toISOString(),
    repository: `${deployment.owner}/${deployment.repo}`,
    sha: deployment.sha,
    ref: deployment.ref,
    deploymentId: deployment.id,
    environment: deployment.environment,
    status,
    source: deployment.source,
    requestedBy: deployment.requested_by,
    pr: deployment.pr_number,
    runId: deployment.pipeline_run_id,
    url,
    reason: isReason(deployment.reason) ? renderReason(deployment.reason) : null,
  };
}

/** An approval request just opened. */
export function approvalEvent(request: ApprovalRequest, deployment: Deployment, now: Date): ApprovalNotifyEvent {
  return {
    name: 'approval-requested',
    id: `approval-requested-${request.id}`,
    at: now.toISOString(),
    repository: `${request.owner}/${request.repo}`,
    sha: request.sha,
    ref: deployment.ref,
    approvalRequestId: request.id,
    deploymentId: deployment.id,
    environment: request.environment,
    requestedBy: request.requested_by,
    required: request.required,
    approvers: Array.isArray(request.approvers) ? request.approvers.filter((a): a is string => typeof a === 'string') : [],
    expiresAt: request.expires_at?.toISOString() ?? null,
    pr: deployment.pr_number,
    issue: deployment.issue_number,
  };
}

import type { GitHubClient } from '../github/client.ts';
import { githubMessage, statusOf } from '../github/client.ts';
import { buildDispatchInputs, dispatchWorkflow, type InputValue } from '../github/dispatch.ts';
import { findRunByCorrelation, getWorkflowRun, rerunFailedJobs } from '../github/runs.ts';
import { listWorkflowFiles, loadWorkflowDefinition, type WorkflowDefinition, type WorkflowListing } from '../github/workflows.ts';
import { evaluateTemplate } from '../matching/conditions.ts';
import { parseDuration } from '../repo-config/duration.ts';
import { withTransaction } from '../store/db.ts';
import { isForkApproved } from '../store/repos/fork-approvals.ts';
import { claimJobAttemptForDispatch, getJobAttempt, updateJobAttempt } from '../store/repos/job-attempts.ts';
import { getPipelineRun, markAdvanceDue } from '../store/repos/pipeline-runs.ts';
import { getStageRun } from '../store/repos/stage-runs.ts';
import type { Effect, JobAttempt, PipelineRun } from '../store/schema/index.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { reason, renderReason, type Reason } from '../engine/reasons.ts';
import { findStageDeployment } from '../store/repos/deployments.ts';
import { readRunPlan, type RunPlan } from '../engine/run-plan.ts';
import { advanceRun } from '../engine/advance.ts';
import { recordCancel } from './kinds.ts';
import type { PerformOutcome, Performer } from './runner.ts';

/**
 * Workflow listings by repository and commit (a commit's tree never changes), bounded. A
 * fork's run is dispatched on the base branch, so its workflows are read there: the inputs
 * are checked against the workflow file that will actually run, not the fork's copy.
 */
export class WorkflowListings {
  readonly #listings = new Map<string, Promise<WorkflowListing>>();
  readonly max: number;
  constructor(max = 500) {
    this.max = max;
  }

  get(octokit: GitHubClient, run: PipelineRun, plan: RunPlan): Promise<WorkflowListing> {
    const ref = run.from_fork ? plan.dispatchRef : run.sha;
    // A branch moves: its listing is not kept.
    if (ref !== run.sha) return listWorkflowFiles(octokit, run, ref);
    const key = `${run.owner}/${run.repo}@${run.sha}`;
    let listing = this.#listings.get(key);
    if (!listing) {
      listing = listWorkflowFiles(octokit, run, run.sha);
      listing.catch(() => this.#listings.delete(key));
      this.#listings.set(key, listing);
      if (this.#listings.size > this.max) this.#listings.delete(this.#listings.keys().next().value as string);
    }
    return listing;
  }
}

/** How long after a dispatch whose answer was lost shipgate looks for its run (SPEC §8: resolved within 30 s). */
export const RESOLVE_AFTER_MS = 10_000;

function attemptIdOf(effect: Effect): number | undefined {
  const id = effect.payload['attemptId'];
  return typeof id === 'number' ? id : undefined;
}

/**
 * Starts one job attempt, exactly once. A first try claims the attempt
 * (`pending` → `dispatching`), checks the workflow's declared inputs and
 * dispatches it (or re-runs the failed jobs of the same workflow run for a
 * retry). When GitHub's answer is lost (5xx, timeout, crash), the next try
 * looks for the run by its correlation id before anything is sent again —
 * and a workflow that cannot be found that way is never dispatched twice
 * blindly: the job fails saying what to add. A refusal (4xx) or a
 * config/workflow mismatch ends the attempt as a failure with its reason.
 */
export function dispatchPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const attemptId = attemptIdOf(effect);
    if (attemptId === undefined) return { kind: 'failed', error: 'dispatch effect without an attempt id' };
    const attempt = await getJobAttempt(deps.db, attemptId);
    if (!attempt || attempt.status === 'completed' || attempt.status === 'queued' || attempt.status === 'in_progress') return { kind: 'done' };
    const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
    if (!run) return { kind: 'done' };
    const plan = readRunPlan(run.plan);
    const stage = (await getStageRun(deps.db, attempt.stage_run_id))?.stage ?? '';
    const job = plan.stages[stage]?.jobs[attempt.job];
    const context: DispatchContext = { deps, run, plan, stage, log: deps.log.child({ runId: run.id, stage, job: attempt.job, attempt: attempt.attempt }) };
    if (run.from_fork && !(await isForkApproved(deps.db, run))) {
      // Admission never lets this happen; refusing here too means no other path can.
      return failAttempt(context, attempt, reason('refuse.fork-not-approved', { sha: run.sha }));
    }
    if (!job) return failAttempt(context, attempt, reason('job.plan-missing', { stage, job: attempt.job }));
    const octokit = await deps.github(run.installation_id);
    if (attempt.status === 'dispatching') return resolveUnknown(context, octokit, attempt, job.workflow);
    const claimed = await claimJobAttemptForDispatch(deps.db, attempt.id, new Date(deps.clock.now()));
    if (!claimed) return { kind: 'done' };
    return firstSend(context, octokit, claimed, job);
  };
}

interface DispatchContext {
  deps: EngineDeps;
  run: PipelineRun;
  plan: RunPlan;
  stage: string;
  log: EngineDeps['log'];
}

async function firstSend(ctx: DispatchContext, octokit: GitHubClient, attempt: JobAttempt, job: RunPlan['stages'][string]['jobs'][string]): Promise<PerformOutcome> {
  const { deps, run, plan, stage } = ctx;
  const timeoutMs = job.timeout ? parseDuration(job.timeout) : plan.defaults.timeoutMs;
  if (attempt.attempt > 1 && attempt.workflow_run_id !== null) {
    try {
      await rerunFailedJobs(octokit, run, attempt.workflow_run_id);
    } catch (err) {
      return sendFailed(ctx, attempt, err, job.workflow, (status, message) => reason('job.rerun-refused', { status, message }));
    }
    await recordStarted(ctx, attempt, { runId: attempt.workflow_run_id, htmlUrl: null, runAttempt: null, timeoutMs });
    return { kind: 'done' };
  }
  let workflow: WorkflowDefinition | undefined;
  try {
    workflow = await loadWorkflowDefinition(octokit, deps.workflowCache, run, await deps.workflowListings.get(octokit, run, plan), job.workflow);
  } catch (err) {
    // Nothing was sent: the next try starts from scratch.
    await updateJobAttempt(deps.db, attempt.id, { status: 'pending' }, { onlyIf: { status: ['dispatching'] }, now: new Date(deps.clock.now()) });
    throw err;
  }
  if (!workflow) return failAttempt(ctx, attempt, reason('job.workflow-missing', { workflow: job.workflow, sha: run.sha }));
  const inputs: Record<string, InputValue> = {};
  for (const [name, value] of Object.entries(job.inputs)) {
    const evaluated = evaluateTemplate(value, plan.context);
    if (!evaluated.ok) return failAttempt(ctx, attempt, reason('job.input-invalid', { input: name, stage, job: attempt.job, error: evaluated.error }));
    inputs[name] = evaluated.value;
  }
  const environment = plan.stages[stage]?.environment;
  const deployment = environment !== undefined ? await findStageDeployment(deps.db, run.id, stage) : undefined;
  const built = buildDispatchInputs({
    workflow,
    inputs,
    variables: plan.variables,
    correlationId: attempt.correlation_id,
    sha: run.sha,
    ...(environment !== undefined && deployment?.github_deployment_id ? { deployment: { environment, id: deployment.github_deployment_id } } : {}),
  });
  if (!built.ok) return failAttempt(ctx, attempt, reason('job.workflow-invalid', { detail: built.error }));
  await updateJobAttempt(deps.db, attempt.id, { inputs: built.inputs }, { now: new Date(deps.clock.now()) });
  let dispatched: { runId: number | null; htmlUrl: string | null };
  try {
    dispatched = await dispatchWorkflow(octokit, run, { workflow: job.workflow, ref: plan.dispatchRef, inputs: built.inputs });
  } catch (err) {
    return sendFailed(ctx, attempt, err, job.workflow, (status, message) => reason('job.dispatch-refused', { workflow: job.workflow, ref: plan.dispatchRef, status, message }));
  }
  let { runId, htmlUrl } = dispatched;
  if (runId === null && findable(workflow)) {
    // 204 (GitHub Enterprise Server): find the run by the correlation id in its name.
    const found = await findRunByCorrelation(octokit, run, { workflow: job.workflow, correlationId: attempt.correlation_id, createdAfter: attempt.dispatched_at ?? new Date(deps.clock.now()) });
    runId = found?.id ?? null;
    htmlUrl = found?.htmlUrl ?? null;
  }
  await recordStarted(ctx, attempt, { runId, htmlUrl, runAttempt: runId === null ? null : 1, timeoutMs });
  return { kind: 'done' };
}

/** Whether a run of this workflow can be found again by shipgate's correlation id. */
function findable(workflow: WorkflowDefinition): boolean {
  return 'shipgate_run' in workflow.inputs && workflow.runName?.includes('shipgate_run') === true;
}

/** A send whose answer was an error: a 4xx ends the attempt; anything else leaves its outcome unknown. */
async function sendFailed(ctx: DispatchContext, attempt: JobAttempt, err: unknown, workflow: string, refused: (status: number, message: string) => Reason): Promise<PerformOutcome> {
  const status = statusOf(err);
  if (status !== undefined && status >= 400 && status < 500) return failAttempt(ctx, attempt, refused(status, githubMessage(err)));
  const unknown = reason('job.dispatch-unknown', { message: githubMessage(err) });
  await updateJobAttempt(ctx.deps.db, attempt.id, { error: renderReason(unknown), error_reason: unknown }, { onlyIf: { status: ['dispatching'] }, now: new Date(ctx.deps.clock.now()) });
  ctx.log.warn({ err, workflow }, 'dispatch outcome unknown; looking for the run by its correlation id shortly');
  return { kind: 'retry', error: renderReason(unknown), afterMs: RESOLVE_AFTER_MS };
}

/**
 * A dispatch that may or may not have reached GitHub: find its run by the
 * correlation id (or, for a re-run, by the run's attempt number); send again
 * only when GitHub has no such run, and never for a workflow whose runs
 * cannot be found that way.
 */
async function resolveUnknown(ctx: DispatchContext, octokit: GitHubClient, attempt: JobAttempt, workflowFile: string): Promise<PerformOutcome> {
  const { deps, run, plan } = ctx;
  const stagePlan = plan.stages[ctx.stage]?.jobs[attempt.job];
  const timeoutMs = stagePlan?.timeout ? parseDuration(stagePlan.timeout) : plan.defaults.timeoutMs;
  if (attempt.attempt > 1 && attempt.workflow_run_id !== null) {
    const polled = await getWorkflowRun(octokit, run, attempt.workflow_run_id);
    if (polled.runAttempt > (attempt.run_attempt ?? 0) && polled.runAttempt >= attempt.attempt) {
      await recordStarted(ctx, attempt, { runId: polled.id, htmlUrl: polled.htmlUrl, runAttempt: polled.runAttempt, timeoutMs });
      return { kind: 'done' };
    }
    await updateJobAttempt(deps.db, attempt.id, { status: 'pending' }, { onlyIf: { status: ['dispatching'] }, now: new Date(deps.clock.now()) });
    return resendNow(ctx, attempt);
  }
  const workflow = await loadWorkflowDefinition(octokit, deps.workflowCache, run, await deps.workflowListings.get(octokit, run, plan), workflowFile);
  if (!workflow || !findable(workflow)) {
    const message = attempt.error ?? 'the answer was lost';
    return failAttempt(ctx, attempt, reason('job.dispatch-unknown-no-run-name', { workflow: workflowFile, message }));
  }
  const found = await findRunByCorrelation(octokit, run, { workflow: workflowFile, correlationId: attempt.correlation_id, createdAfter: attempt.dispatched_at ?? attempt.created_at });
  if (found) {
    await recordStarted(ctx, attempt, { runId: found.id, htmlUrl: found.htmlUrl, runAttempt: found.runAttempt, timeoutMs });
    return { kind: 'done' };
  }
  ctx.log.warn({ correlation: attempt.correlation_id }, 'no workflow run carries this dispatch; sending it again');
  await updateJobAttempt(deps.db, attempt.id, { status: 'pending', error: null, error_reason: null }, { onlyIf: { status: ['dispatching'] }, now: new Date(deps.clock.now()) });
  return resendNow(ctx, attempt);
}

/** Sends an attempt reset to `pending` again, within this try. */
async function resendNow(ctx: DispatchContext, attempt: JobAttempt): Promise<PerformOutcome> {
  const octokit = await ctx.deps.github(ctx.run.installation_id);
  const claimed = await claimJobAttemptForDispatch(ctx.deps.db, attempt.id, new Date(ctx.deps.clock.now()));
  const job = ctx.plan.stages[ctx.stage]?.jobs[attempt.job];
  if (!claimed || !job) return { kind: 'done' };
  return firstSend(ctx, octokit, claimed, job);
}

/** Ends the attempt as a failure with its reason, and lets the run decide what follows. */
async function failAttempt(ctx: DispatchContext, attempt: JobAttempt, why: Reason): Promise<PerformOutcome> {
  const { deps, run } = ctx;
  const now = new Date(deps.clock.now());
  await withTransaction(deps.db, async (trx) => {
    await updateJobAttempt(
      trx,
      attempt.id,
      { status: 'completed', conclusion: 'failure', completed_at: now, error: renderReason(why), error_reason: { ...why } },
      { onlyIf: { status: ['pending', 'dispatching'] }, now },
    );
    await markAdvanceDue(trx, run.id, now);
  });
  ctx.log.warn({ reason: why.code, error: renderReason(why) }, 'job could not start');
  deps.onEvent?.({ kind: 'job-failed-to-start', runId: run.id, pipeline: run.pipeline, stage: ctx.stage, job: attempt.job, error: renderReason(why) });
  await advanceRun(deps, run.id);
  return { kind: 'done' };
}

/**
 * Records a started attempt. The run's own webhooks may have got here first:
 * fields only fill in, the status only moves from `dispatching` to `queued`.
 * An attempt cancelled while its dispatch was on the wire gets its new run cancelled.
 */
async function recordStarted(
  ctx: DispatchContext,
  attempt: JobAttempt,
  started: { runId: number | null; htmlUrl: string | null; runAttempt: number | null; timeoutMs: number },
): Promise<void> {
  const { deps, run } = ctx;
  const now = deps.clock.now();
  const cancelled = await withTransaction(deps.db, async (trx) => {
    const updated = await updateJobAttempt(
      trx,
      attempt.id,
      {
        ...(started.runId !== null ? { workflow_run_id: started.runId } : {}),
        ...(started.htmlUrl ? { html_url: started.htmlUrl } : {}),
        ...(started.runAttempt !== null ? { run_attempt: started.runAttempt } : {}),
        deadline_at: new Date(now + started.timeoutMs),
        last_event_at: new Date(now),
        error: null,
        error_reason: null,
      },
      { onlyIf: { status: ['dispatching', 'queued', 'in_progress'] }, now: new Date(now) },
    );
    if (!updated) {
      const current = await getJobAttempt(trx, attempt.id);
      if (current?.cancel_requested_at != null && started.runId !== null) {
        await recordCancel(trx, { owner: run.owner, repo: run.repo, workflowRunId: started.runId, runId: run.id, installationId: run.installation_id, now: new Date(now) });
        return true;
      }
      return false;
    }
    await updateJobAttempt(trx, attempt.id, { status: 'queued' }, { onlyIf: { status: ['dispatching'] }, now: new Date(now) });
    return false;
  });
  if (cancelled) {
    ctx.log.info({ workflowRunId: started.runId }, 'cancelling a run dispatched for an attempt cancelled meanwhile');
    deps.effects?.kick();
    return;
  }
  deps.onEvent?.({ kind: 'job-dispatched', runId: run.id, pipeline: run.pipeline, stage: ctx.stage, job: attempt.job, attempt: attempt.attempt, workflowRunId: started.runId });
  deps.metrics?.observeDispatchLatency((now - attempt.created_at.getTime()) / 1000);
  deps.wakeAt?.(attempt.pipeline_run_id, now + started.timeoutMs);
}

import type { GitHubClient } from '../github/client.ts';
import { githubMessage, statusOf } from '../github/client.ts';
import { buildDispatchInputs, dispatchWorkflow, type InputValue } from '../github/dispatch.ts';
import { cancelWorkflowRun, findRunByCorrelation, rerunFailedJobs } from '../github/runs.ts';
import { listWorkflowFiles, loadWorkflowDefinition, type WorkflowListing } from '../github/workflows.ts';
import { evaluateTemplate } from '../matching/conditions.ts';
import { parseDuration } from '../repo-config/duration.ts';
import { claimJobAttemptForDispatch, getJobAttempt, updateJobAttempt } from '../store/repos/job-attempts.ts';
import { getStageRun } from '../store/repos/stage-runs.ts';
import type { JobAttempt, PipelineRun } from '../store/schema/index.ts';
import type { EngineDeps } from './deps.ts';
import type { RunPlan } from './run-plan.ts';

export type StartOutcome = 'started' | 'failed' | 'not-claimed' | 'unknown';

/** Workflow listings by repository and sha: a commit's tree never changes. */
const listings = new Map<string, Promise<WorkflowListing>>();
const MAX_LISTINGS = 500;

function workflowListing(octokit: GitHubClient, run: PipelineRun): Promise<WorkflowListing> {
  const key = `${run.owner}/${run.repo}@${run.sha}`;
  let listing = listings.get(key);
  if (!listing) {
    listing = listWorkflowFiles(octokit, run, run.sha);
    listing.catch(() => listings.delete(key));
    listings.set(key, listing);
    if (listings.size > MAX_LISTINGS) listings.delete(listings.keys().next().value as string);
  }
  return listing;
}

/**
 * Starts one job attempt, exactly once: claims it (only one caller wins), checks
 * the workflow's declared inputs, dispatches it (or re-runs the failed jobs of
 * the same workflow run for a retry) and records the run. A refusal by GitHub
 * (4xx) or a config/workflow mismatch ends the attempt as a failure with a
 * clear reason; a transport failure leaves it `dispatching` for reconciliation,
 * which finds the run by its correlation id before sending anything again.
 */
export async function startJobAttempt(
  deps: EngineDeps,
  octokit: GitHubClient,
  run: PipelineRun,
  plan: RunPlan,
  attemptId: number,
): Promise<StartOutcome> {
  const now = new Date(deps.clock.now());
  const attempt = await claimJobAttemptForDispatch(deps.db, attemptId, now);
  if (!attempt) return 'not-claimed';
  const stage = (await getStageRun(deps.db, attempt.stage_run_id))?.stage ?? '';
  const job = plan.stages[stage]?.jobs[attempt.job];
  const log = deps.log.child({ runId: run.id, stage, job: attempt.job, attempt: attempt.attempt });
  const fail = async (error: string): Promise<StartOutcome> => {
    await updateJobAttempt(
      deps.db,
      attempt.id,
      { status: 'completed', conclusion: 'failure', completed_at: new Date(deps.clock.now()), error },
      { onlyIf: { status: ['dispatching'] } },
    );
    log.warn({ error }, 'job could not start');
    deps.onEvent?.({ kind: 'job-failed-to-start', runId: run.id, pipeline: run.pipeline, stage, job: attempt.job, error });
    return 'failed';
  };
  if (!job) return fail(`job ${stage}/${attempt.job} is not in the run's plan`);
  const timeoutMs = job.timeout ? parseDuration(job.timeout) : plan.defaults.timeoutMs;

  try {
    if (attempt.attempt > 1 && attempt.workflow_run_id !== null) {
      await rerunFailedJobs(octokit, run, attempt.workflow_run_id);
      await recordStarted(deps, attempt, { runId: attempt.workflow_run_id, htmlUrl: null, runAttempt: null, timeoutMs });
      deps.onEvent?.({ kind: 'job-dispatched', runId: run.id, pipeline: run.pipeline, stage, job: attempt.job, attempt: attempt.attempt, workflowRunId: attempt.workflow_run_id });
      return 'started';
    }

    const listing = await workflowListing(octokit, run);
    const workflow = await loadWorkflowDefinition(octokit, deps.workflowCache, run, listing, job.workflow);
    if (!workflow) {
      return fail(`.github/workflows/${job.workflow} does not exist at ${run.sha.slice(0, 7)}; check the job's \`workflow:\` in shipgate.yml.`);
    }
    const inputs: Record<string, InputValue> = {};
    for (const [name, value] of Object.entries(job.inputs)) {
      const evaluated = evaluateTemplate(value, plan.context);
      if (!evaluated.ok) return fail(`input '${name}' of ${stage}/${attempt.job}: ${evaluated.error}`);
      inputs[name] = evaluated.value;
    }
    const built = buildDispatchInputs({ workflow, inputs, variables: plan.variables, correlationId: attempt.correlation_id, sha: run.sha });
    if (!built.ok) return fail(built.error);
    await updateJobAttempt(deps.db, attempt.id, { inputs: built.inputs });

    const dispatched = await dispatchWorkflow(octokit, run, { workflow: job.workflow, ref: plan.dispatchRef, inputs: built.inputs });
    let runId = dispatched.runId;
    let htmlUrl = dispatched.htmlUrl;
    if (runId === null && 'shipgate_run' in workflow.inputs && workflow.runName?.includes('shipgate_run')) {
      // 204 (GitHub Enterprise Server): find the run by the correlation id in its name.
      const found = await findRunByCorrelation(octokit, run, { workflow: job.workflow, correlationId: attempt.correlation_id, createdAfter: now });
      runId = found?.id ?? null;
      htmlUrl = found?.htmlUrl ?? null;
    }
    const recorded = await recordStarted(deps, attempt, { runId, htmlUrl, runAttempt: runId === null ? null : 1, timeoutMs });
    if (!recorded && runId !== null) {
      // The attempt was cancelled while its dispatch was on the wire.
      log.info({ workflowRunId: runId }, 'cancelling a run dispatched for an attempt cancelled meanwhile');
      await cancelWorkflowRun(octokit, run, runId).catch((err: unknown) => log.warn({ err }, 'could not cancel the run'));
    }
    deps.onEvent?.({ kind: 'job-dispatched', runId: run.id, pipeline: run.pipeline, stage, job: attempt.job, attempt: attempt.attempt, workflowRunId: runId });
    return 'started';
  } catch (err) {
    const status = statusOf(err);
    if (status !== undefined && status >= 400 && status < 500) {
      return fail(`GitHub refused to start ${job.workflow} on ${plan.dispatchRef}: ${githubMessage(err)} (HTTP ${status})`);
    }
    // Unknown outcome (5xx, network): the run may exist. Reconciliation looks for it.
    await updateJobAttempt(deps.db, attempt.id, { error: `dispatch outcome unknown: ${githubMessage(err)}` }, { onlyIf: { status: ['dispatching'] } });
    log.warn({ err }, 'dispatch outcome unknown; reconciliation will look for the run');
    return 'unknown';
  }
}

/**
 * Records a started attempt. The run's own webhooks may have got here first
 * (they can arrive before the dispatch call returns): fields only fill in,
 * the status only moves from `dispatching` to `queued`. Returns false when the
 * attempt was cancelled meanwhile, so the caller cancels the new run.
 */
async function recordStarted(
  deps: EngineDeps,
  attempt: JobAttempt,
  started: { runId: number | null; htmlUrl: string | null; runAttempt: number | null; timeoutMs: number },
): Promise<boolean> {
  const now = deps.clock.now();
  const updated = await updateJobAttempt(
    deps.db,
    attempt.id,
    {
      ...(started.runId !== null ? { workflow_run_id: started.runId } : {}),
      ...(started.htmlUrl ? { html_url: started.htmlUrl } : {}),
      ...(started.runAttempt !== null ? { run_attempt: started.runAttempt } : {}),
      deadline_at: new Date(now + started.timeoutMs),
      last_event_at: new Date(now),
      error: null,
    },
    { onlyIf: { status: ['dispatching', 'queued', 'in_progress'] } },
  );
  if (!updated) {
    const current = await getJobAttempt(deps.db, attempt.id);
    return current?.cancel_requested_at == null;
  }
  await updateJobAttempt(deps.db, attempt.id, { status: 'queued' }, { onlyIf: { status: ['dispatching'] } });
  deps.wakeAt?.(attempt.pipeline_run_id, now + started.timeoutMs);
  return true;
}

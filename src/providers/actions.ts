/**
 * GitHub Actions as a job provider (SPEC §3, §8): a job is one
 * `workflow_dispatch` of a workflow file, found again by the correlation id
 * in its `run-name`, retried with "re-run failed jobs" of the same run.
 */
import type { GitHubClient } from '../github/client.ts';
import { githubMessage, statusOf } from '../github/client.ts';
import { buildDispatchInputs, dispatchWorkflow, type InputValue } from '../github/dispatch.ts';
import { fetchRunArtifact, listRunArtifacts } from '../github/artifacts.ts';
import { missingArtifact } from './artifacts.ts';
import { cancelWorkflowRun, findRunByCorrelation, getWorkflowRun, rerunFailedJobs } from '../github/runs.ts';
import { listWorkflowFiles, loadWorkflowDefinition, type WorkflowDefinition, type WorkflowListing } from '../github/workflows.ts';
import { findStageDeployment } from '../store/repos/deployments.ts';
import type { PipelineRun } from '../store/schema/index.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { reason } from '../engine/reasons.ts';
import type { RunPlan } from '../engine/run-plan.ts';
import { conclusionOf } from './conclusions.ts';
import type { ArtifactFetch, AttemptContext, AttemptRecord, BeforeSend, FindOutcome, JobProvider, ProviderArtifact, RunStatus, StartOutcome } from './provider.ts';
import { ProviderRefusal } from './errors.ts';

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

/** Whether a run of this workflow can be found again by shipgate's correlation id. */
function findable(workflow: WorkflowDefinition): boolean {
  return 'shipgate_run' in workflow.inputs && workflow.runName?.includes('shipgate_run') === true;
}

/** GitHub refused (4xx): another try changes nothing. Anything else is thrown: its outcome is unknown. */
function refusedByGitHub(err: unknown): number | undefined {
  const status = statusOf(err);
  return status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

export function actionsProvider(deps: Pick<EngineDeps, 'db' | 'clock' | 'github' | 'workflowCache' | 'workflowListings'>): JobProvider {
  const client = (run: Pick<PipelineRun, 'installation_id'>) => deps.github(run.installation_id);
  const definition = async (octokit: GitHubClient, ctx: AttemptContext) =>
    loadWorkflowDefinition(octokit, deps.workflowCache, ctx.run, await deps.workflowListings.get(octokit, ctx.run, ctx.plan), ctx.job.workflow);

  const dispatch = async (ctx: AttemptContext, values: Record<string, InputValue>, beforeSend?: BeforeSend): Promise<StartOutcome> => {
    const { run, plan, stage, attempt, job } = ctx;
    const octokit = await client(run);
    let workflow: WorkflowDefinition | undefined;
    try {
      workflow = await definition(octokit, ctx);
    } catch (error) {
      // Nothing was sent: the next try starts from scratch.
      return { kind: 'not-sent', error };
    }
    if (!workflow) return { kind: 'refused', reason: reason('job.workflow-missing', { workflow: job.workflow, sha: run.sha }) };
    const environment = plan.stages[stage]?.environment;
    const deployment = environment !== undefined ? await findStageDeployment(deps.db, run.id, stage) : undefined;
    const built = buildDispatchInputs({
      workflow,
      inputs: values,
      variables: plan.variables,
      correlationId: attempt.correlation_id,
      sha: run.sha,
      ...(environment !== undefined && deployment?.github_deployment_id ? { deployment: { environment, id: deployment.github_deployment_id } } : {}),
    });
    if (!built.ok) return { kind: 'refused', reason: reason('job.workflow-invalid', { detail: built.error }) };
    await beforeSend?.(built.inputs);
    let dispatched: { runId: number | null; htmlUrl: string | null };
    try {
      dispatched = await dispatchWorkflow(octokit, run, { workflow: job.workflow, ref: plan.dispatchRef, inputs: built.inputs });
    } catch (err) {
      const status = refusedByGitHub(err);
      if (status === undefined) throw err;
      return { kind: 'refused', reason: reason('job.dispatch-refused', { workflow: job.workflow, ref: plan.dispatchRef, status, message: githubMessage(err) }) };
    }
    let { runId, htmlUrl } = dispatched;
    if (runId === null && findable(workflow)) {
      // 204 (GitHub Enterprise Server): find the run by the correlation id in its name.
      const found = await findRunByCorrelation(octokit, run, { workflow: job.workflow, correlationId: attempt.correlation_id, createdAfter: attempt.dispatched_at ?? new Date(deps.clock.now()) });
      runId = found?.id ?? null;
      htmlUrl = found?.htmlUrl ?? null;
    }
    return { kind: 'started', run: { externalId: null, url: htmlUrl, workflowRunId: runId, runAttempt: runId === null ? null : 1 } };
  };

  return {
    name: 'actions',
    start: (ctx, values, beforeSend) => dispatch(ctx, values, beforeSend),
    async retry(ctx) {
      const runId = ctx.attempt.workflow_run_id;
      if (runId === null) return { kind: 'refused', reason: reason('job.rerun-refused', { status: 0, message: 'the previous attempt has no workflow run' }) };
      try {
        await rerunFailedJobs(await client(ctx.run), ctx.run, runId);
      } catch (err) {
        const status = refusedByGitHub(err);
        if (status === undefined) throw err;
        return { kind: 'refused', reason: reason('job.rerun-refused', { status, message: githubMessage(err) }) };
      }
      return { kind: 'started', run: { externalId: null, url: null, workflowRunId: runId, runAttempt: null } };
    },
    async find(ctx): Promise<FindOutcome> {
      const { run, attempt } = ctx;
      const octokit = await client(run);
      if (attempt.attempt > 1 && attempt.workflow_run_id !== null) {
        // A re-run: it went through when the run's attempt number moved past the one recorded.
        const polled = await getWorkflowRun(octokit, run, attempt.workflow_run_id);
        if (polled.runAttempt > (attempt.run_attempt ?? 0) && polled.runAttempt >= attempt.attempt) {
          return { kind: 'found', run: { externalId: null, url: polled.htmlUrl, workflowRunId: polled.id, runAttempt: polled.runAttempt } };
        }
        return { kind: 'absent' };
      }
      const workflow = await definition(octokit, ctx);
      if (!workflow || !findable(workflow)) {
        return { kind: 'refused', reason: reason('job.dispatch-unknown-no-run-name', { workflow: ctx.job.workflow, message: attempt.error ?? 'the answer was lost' }) };
      }
      const found = await findRunByCorrelation(octokit, run, { workflow: ctx.job.workflow, correlationId: attempt.correlation_id, createdAfter: attempt.dispatched_at ?? attempt.created_at });
      return found ? { kind: 'found', run: { externalId: null, url: found.htmlUrl, workflowRunId: found.id, runAttempt: found.runAttempt } } : { kind: 'absent' };
    },
    async status(record: AttemptRecord): Promise<RunStatus> {
      const runId = record.attempt.workflow_run_id;
      if (runId === null) throw new ProviderRefusal('actions', 'the attempt has no workflow run yet');
      const polled = await getWorkflowRun(await client(record.run), record.run, runId);
      const state = polled.status === 'completed' ? 'completed' : polled.status === 'in_progress' ? 'in_progress' : 'queued';
      return { state, ...(state === 'completed' ? { conclusion: conclusionOf(polled.conclusion) } : {}), url: polled.htmlUrl, runAttempt: polled.runAttempt };
    },
    async cancel(record) {
      const runId = record.attempt.workflow_run_id;
      if (runId === null) return;
      try {
        await cancelWorkflowRun(await client(record.run), record.run, runId);
      } catch (err) {
        // 404: the run is gone; cancelWorkflowRun itself settles 409 (already finished).
        if (statusOf(err) !== 404) throw err;
      }
    },
    async artifacts(record): Promise<ProviderArtifact[]> {
      const runId = record.attempt.workflow_run_id;
      if (runId === null) return [];
      const listed = await listRunArtifacts(await client(record.run), record.run, runId);
      return listed.map((artifact) => ({ name: artifact.name, sizeInBytes: artifact.sizeInBytes }));
    },
    async download(record, name): Promise<ArtifactFetch> {
      const runId = record.attempt.workflow_run_id;
      if (runId === null) return missingArtifact(name, []);
      const fetched = await fetchRunArtifact(await client(record.run), record.run, runId, name, { now: new Date(deps.clock.now()) });
      return fetched.ok ? { ok: true, zip: fetched.zip } : fetched;
    },
  };
}

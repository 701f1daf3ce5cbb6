import { withTransaction, type DbOrTrx } from '../store/db.ts';
import { latestGateResults, listGateResults } from '../store/repos/gate-results.ts';
import { overridesFor } from '../store/repos/gate-overrides.ts';
import { isForkApproved } from '../store/repos/fork-approvals.ts';
import { createJobAttempt, listJobAttempts } from '../store/repos/job-attempts.ts';
import { createPipelineRun, getPipelineRun, lockPipelineRun, updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import { listStageRuns, updateStageRun } from '../store/repos/stage-runs.ts';
import type { JsonObject, PipelineRun } from '../store/schema/index.ts';
import { recordDispatch, recordRunChecks } from '../effects/kinds.ts';
import { admitRun } from './start-runs.ts';
import { advanceRun, afterCommit, lockConcurrencyKey, newCorrelationId } from './advance.ts';
import type { EngineDeps, EngineEvent } from './deps.ts';
import { planCancel, planRerunFailed } from './rerun-plan.ts';
import { reason, type Reason } from './reasons.ts';
import { readRunPlan } from './run-plan.ts';

export type RerunOutcome = { kind: 'rerunning'; runId: number; jobs: string[] } | { kind: 'refused'; reason: Reason };

/**
 * "Re-run failed" (and later `/retry`): reopens a finished run and re-runs
 * only its failed jobs, as `planRerunFailed` decides from the durable history
 * (`rerun-failed-jobs` of the same workflow runs; a job that never started is
 * dispatched again). A fork's run without `/ok-to-test` for its sha is refused.
 */
export async function rerunFailedJobsOfRun(deps: EngineDeps, runId: number, options: { onlyJobs?: string[] } = {}): Promise<RerunOutcome> {
  const now = new Date(deps.clock.now());
  const outcome = await withTransaction(deps.db, async (trx): Promise<RerunOutcome> => {
    const run = await lockPipelineRun(trx, runId);
    if (!run) return { kind: 'refused', reason: reason('refuse.run-not-found', { runId }) };
    const stages = await listStageRuns(trx, runId);
    const attempts = await listJobAttempts(trx, runId);
    const plan = planRerunFailed(
      { id: run.id, pipeline: run.pipeline, sha: run.sha, status: run.status, conclusion: run.conclusion, fromFork: run.from_fork },
      stages.map((s) => ({ id: s.id, stage: s.stage, status: s.status, conclusion: s.conclusion })),
      attempts.map((a) => ({ stageRunId: a.stage_run_id, job: a.job, attempt: a.attempt, conclusion: a.conclusion, workflowRunId: a.workflow_run_id })),
      {
        forkApproved: run.from_fork ? await isForkApproved(trx, run) : true,
        ...(options.onlyJobs ? { onlyJobs: options.onlyJobs } : {}),
        gateFailedJobs: await gateFailedJobs(trx, run),
        deployingStages: Object.entries(readRunPlan(run.plan).stages).filter(([, stage]) => stage.environment !== undefined).map(([id]) => id),
      },
    );
    if (plan.kind === 'refuse') return { kind: 'refused', reason: plan.reason };
    for (const id of plan.resetSkippedStages) await updateStageRun(trx, id, { status: 'pending', reason: null, skip_reason: null, completed_at: null });
    for (const retry of plan.retry) {
      const previous = attempts.find((a) => a.stage_run_id === retry.stageRunId && a.job === retry.job && a.attempt === retry.attempt - 1);
      const { jobAttempt, created } = await createJobAttempt(trx, {
        pipeline_run_id: run.id,
        stage_run_id: retry.stageRunId,
        job: retry.job,
        attempt: retry.attempt,
        workflow: previous?.workflow ?? '',
        correlation_id:
          retry.workflowRunId !== null && previous ? `${previous.correlation_id}.r${retry.attempt}` : newCorrelationId(run.id, retry.stage, retry.job, retry.attempt),
        workflow_run_id: retry.workflowRunId,
        now,
      });
      if (created) await recordDispatch(trx, { attemptId: jobAttempt.id, runId: run.id, installationId: run.installation_id, now });
    }
    for (const id of plan.reopenStages) await updateStageRun(trx, id, { status: 'running', conclusion: null, completed_at: null });
    const reopened = await updatePipelineRun(
      trx,
      run.id,
      { status: 'in_progress', conclusion: null, completed_at: null, cancel_requested_at: null, check_run_id: null, error: null, error_reason: null, advance_due_at: now },
      { now },
    );
    // A new check run for the re-run: the performer creates one when the recorded run differs.
    await trx.updateTable('check_runs').set({ pipeline_run_id: null }).where('pipeline_run_id', '=', run.id).execute();
    if (reopened) await recordRunChecks(trx, reopened, now);
    return { kind: 'rerunning', runId: run.id, jobs: plan.retry.map((r) => `${r.stage}/${r.job}`) };
  });
  if (outcome.kind === 'rerunning') {
    afterCommit(deps, { runId, events: [], wakes: [] });
    await advanceRun(deps, runId);
  }
  return outcome;
}

/** The `stage/job`s whose latest gate evaluation failed and is not overridden for the run's commit. */
async function gateFailedJobs(db: DbOrTrx, run: PipelineRun): Promise<string[]> {
  const rows = latestGateResults(await listGateResults(db, run.id));
  if (rows.size === 0) return [];
  const overrides = await overridesFor(db, { owner: run.owner, repo: run.repo, sha: run.sha, pipeline: run.pipeline });
  const jobs = new Set<string>();
  for (const row of rows.values()) {
    if (row.stage !== null && row.job !== null && (row.result === 'fail' || row.result === 'error') && !overrides.has(row.gate)) jobs.add(`${row.stage}/${row.job}`);
  }
  return [...jobs];
}

/**
 * "Re-run" (`check_run.rerequested`): a whole new run of the same pipeline on
 * the same commit, from the same plan, admitted like any new run (a fork's run
 * waits for `/ok-to-test`). `deliveryId` makes it happen once per request.
 */
export async function rerunPipeline(deps: EngineDeps, runId: number, deliveryId: string, actor: string): Promise<RerunOutcome> {
  const previous = await getPipelineRun(deps.db, runId);
  if (!previous) return { kind: 'refused', reason: reason('refuse.run-not-found', { runId }) };
  const now = new Date(deps.clock.now());
  const events: EngineEvent[] = [];
  const admitted = await withTransaction(deps.db, async (trx) => {
    await lockConcurrencyKey(trx, previous.concurrency_key);
    const { pipelineRun, created } = await createPipelineRun(trx, {
      installation_id: previous.installation_id,
      owner: previous.owner,
      repo: previous.repo,
      pipeline: previous.pipeline,
      delivery_id: deliveryId,
      trigger: 'rerun',
      ref: previous.ref,
      sha: previous.sha,
      pr_number: previous.pr_number,
      actor,
      concurrency_key: previous.concurrency_key,
      plan: previous.plan as JsonObject,
      from_fork: previous.from_fork,
      now,
    });
    if (!created) return { run: pipelineRun, cancel: [] as number[], created: false };
    events.push({ kind: 'run-created', runId: pipelineRun.id, pipeline: previous.pipeline, repo: `${previous.owner}/${previous.repo}`, sha: previous.sha, trigger: 'rerun' });
    return admitRun(deps, trx, pipelineRun, now);
  });
  afterCommit(deps, { runId: admitted.run.id, events, wakes: [] });
  for (const id of admitted.cancel) await advanceRun(deps, id);
  await advanceRun(deps, admitted.run.id);
  return { kind: 'rerunning', runId: admitted.run.id, jobs: [] };
}

/** "Cancel": a run that is still going is cancelled (its workflow runs too); its check run says so. */
export async function cancelRun(deps: EngineDeps, runId: number): Promise<RerunOutcome> {
  const run = await getPipelineRun(deps.db, runId);
  if (!run) return { kind: 'refused', reason: reason('refuse.run-not-found', { runId }) };
  const plan = planCancel(run);
  if (plan.kind === 'refuse') return { kind: 'refused', reason: plan.reason };
  const updated = await updatePipelineRun(deps.db, runId, { cancel_requested_at: new Date(deps.clock.now()), advance_due_at: new Date(deps.clock.now()) }, { onlyIf: { status: ['queued', 'in_progress'] }, now: new Date(deps.clock.now()) });
  if (!updated) return { kind: 'refused', reason: reason('refuse.run-already-ended', { runId }) };
  await advanceRun(deps, runId);
  return { kind: 'rerunning', runId, jobs: [] };
}

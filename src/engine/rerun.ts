import { withTransaction } from '../store/db.ts';
import { createJobAttempt, latestAttemptPerJob, listJobAttempts } from '../store/repos/job-attempts.ts';
import { createPipelineRun, getPipelineRun, lockPipelineRun, updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import { listStageRuns, updateStageRun } from '../store/repos/stage-runs.ts';
import type { JsonObject } from '../store/schema/index.ts';
import { advanceRun, newCorrelationId } from './advance.ts';
import type { EngineDeps } from './deps.ts';
import { isSuccessful } from './plan.ts';

export type RerunOutcome = { kind: 'rerunning'; runId: number; jobs: string[] } | { kind: 'refused'; reason: string };

/**
 * "Re-run failed": reopens a finished run and re-runs only its failed jobs
 * (`rerun-failed-jobs` of the same workflow runs; a job that never started is
 * dispatched again). Stages that succeeded stay as they were; stages skipped
 * because of the failure run again once their needs pass.
 */
export async function rerunFailedJobsOfRun(deps: EngineDeps, runId: number): Promise<RerunOutcome> {
  const now = new Date(deps.clock.now());
  const outcome = await withTransaction(deps.db, async (trx): Promise<RerunOutcome> => {
    const run = await lockPipelineRun(trx, runId);
    if (!run) return { kind: 'refused', reason: `run #${runId} does not exist` };
    if (run.status !== 'completed') return { kind: 'refused', reason: `run #${runId} of ${run.pipeline} is still going` };
    if (run.conclusion === 'success') return { kind: 'refused', reason: `run #${runId} of ${run.pipeline} succeeded; nothing failed to re-run` };
    const stages = await listStageRuns(trx, runId);
    const attempts = await listJobAttempts(trx, runId);
    const jobs: string[] = [];
    for (const stage of stages) {
      if (stage.status === 'skipped') {
        await updateStageRun(trx, stage.id, { status: 'pending', reason: null, completed_at: null });
        continue;
      }
      if (stage.status !== 'completed' || isSuccessful(stage.conclusion)) continue;
      const latest = latestAttemptPerJob(attempts, stage.id);
      for (const attempt of latest.values()) {
        if (isSuccessful(attempt.conclusion)) continue;
        await createJobAttempt(trx, {
          pipeline_run_id: run.id,
          stage_run_id: stage.id,
          job: attempt.job,
          attempt: attempt.attempt + 1,
          workflow: attempt.workflow,
          correlation_id:
            attempt.workflow_run_id !== null ? `${attempt.correlation_id}.r${attempt.attempt + 1}` : newCorrelationId(run.id, stage.stage, attempt.job, attempt.attempt + 1),
          workflow_run_id: attempt.workflow_run_id,
          now,
        });
        jobs.push(`${stage.stage}/${attempt.job}`);
      }
      await updateStageRun(trx, stage.id, { status: 'running', conclusion: null, completed_at: null });
    }
    await updatePipelineRun(trx, run.id, { status: 'in_progress', conclusion: null, completed_at: null, cancel_requested_at: null, check_run_id: null, error: null }, { now });
    // The next write creates a fresh check run for the re-run.
    await trx.updateTable('check_runs').set({ pipeline_run_id: null }).where('pipeline_run_id', '=', run.id).execute();
    return { kind: 'rerunning', runId: run.id, jobs };
  });
  if (outcome.kind === 'rerunning') await advanceRun(deps, runId);
  return outcome;
}

/**
 * A whole new run of the same pipeline on the same commit, from the same plan
 * (`check_run.rerequested`). `deliveryId` makes it happen once per request.
 */
export async function rerunPipeline(deps: EngineDeps, runId: number, deliveryId: string, actor: string): Promise<RerunOutcome> {
  const run = await getPipelineRun(deps.db, runId);
  if (!run) return { kind: 'refused', reason: `run #${runId} does not exist` };
  const { pipelineRun, created } = await createPipelineRun(deps.db, {
    installation_id: run.installation_id,
    owner: run.owner,
    repo: run.repo,
    pipeline: run.pipeline,
    delivery_id: deliveryId,
    trigger: 'rerun',
    ref: run.ref,
    sha: run.sha,
    pr_number: run.pr_number,
    actor,
    concurrency_key: run.concurrency_key,
    plan: run.plan as JsonObject,
    now: new Date(deps.clock.now()),
  });
  if (created) {
    deps.onEvent?.({ kind: 'run-created', runId: pipelineRun.id, pipeline: run.pipeline, repo: `${run.owner}/${run.repo}`, sha: run.sha, trigger: 'rerun' });
    await advanceRun(deps, pipelineRun.id);
  }
  return { kind: 'rerunning', runId: pipelineRun.id, jobs: [] };
}

/** Cancels a run that is still going: its workflow runs are cancelled, its check run says so. */
export async function cancelRun(deps: EngineDeps, runId: number): Promise<RerunOutcome> {
  const run = await updatePipelineRun(deps.db, runId, { cancel_requested_at: new Date(deps.clock.now()) }, { onlyIf: { status: ['queued', 'in_progress'] } });
  if (!run) return { kind: 'refused', reason: `run #${runId} has already ended` };
  await advanceRun(deps, runId);
  return { kind: 'rerunning', runId, jobs: [] };
}

import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { withTransaction } from '../store/db.ts';
import type { Database, JobAttempt, PipelineRun, StageRun } from '../store/schema/index.ts';
import { createJobAttempt, listJobAttempts, updateJobAttempt } from '../store/repos/job-attempts.ts';
import { findActivePipelineRuns, lockPipelineRun, updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import { createStageRuns, listStageRuns, updateStageRun } from '../store/repos/stage-runs.ts';
import { evaluateCondition } from '../matching/conditions.ts';
import { parseDuration } from '../repo-config/duration.ts';
import { cancelWorkflowRun } from '../github/runs.ts';
import { statusOf } from '../github/client.ts';
import { decide, type AttemptState, type Decision, type StageState } from './plan.ts';
import { readRunPlan, type RunPlan } from './run-plan.ts';
import type { EngineDeps } from './deps.ts';
import { startJobAttempt } from './start-attempt.ts';
import { syncPipelineCheck } from './check-sync.ts';
import { formatDuration } from './check-output.ts';

/** What a transaction of `advanceRun` leaves to do outside it. */
interface Effects {
  run: PipelineRun;
  plan: RunPlan;
  toStart: number[];
  toCancel: number[];
  completed: boolean;
}

/** A correlation id: findable in a run name, unique across databases. */
export function newCorrelationId(runId: number, stage: string, job: string, attempt: number): string {
  return `sg-${runId}-${stage}-${job}-${attempt}-${randomBytes(3).toString('hex')}`;
}

const ms = (date: Date | null) => (date ? date.getTime() : null);

function toPlanState(stages: StageRun[], attempts: JobAttempt[]): { stages: StageState[]; attempts: AttemptState[] } {
  const stageNames = new Map(stages.map((s) => [s.id, s.stage]));
  return {
    stages: stages.filter((s) => s.status !== 'pending').map((s) => ({ stage: s.stage, status: s.status, conclusion: s.conclusion })),
    attempts: attempts.map((a) => ({
      id: a.id,
      stage: stageNames.get(a.stage_run_id) ?? '',
      job: a.job,
      attempt: a.attempt,
      status: a.status,
      conclusion: a.conclusion,
      workflowRunId: a.workflow_run_id,
      completedAt: ms(a.completed_at),
      deadlineAt: ms(a.deadline_at),
      nextRetryAt: ms(a.next_retry_at),
      cancelRequested: a.cancel_requested_at !== null,
    })),
  };
}

/**
 * Moves one pipeline run forward: decides (pure) under the run's row lock,
 * records the decisions, then performs their effects on GitHub outside the
 * transaction (dispatches, cancels, check runs). Safe to call any number of
 * times from any replica: decisions are idempotent and each dispatch is claimed
 * by exactly one caller.
 */
export async function advanceRun(deps: EngineDeps, runId: number): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const effects = await withTransaction(deps.db, (trx) => decideAndRecord(deps, trx, runId));
    if (!effects) return;
    let again = false;
    const { run, plan } = effects;
    const octokit = await deps.github(run.installation_id);
    for (const attemptId of effects.toStart) {
      const outcome = await startJobAttempt(deps, octokit, run, plan, attemptId);
      if (outcome === 'failed') again = true;
    }
    for (const workflowRunId of effects.toCancel) {
      try {
        await cancelWorkflowRun(octokit, run, workflowRunId);
      } catch (err) {
        deps.log.warn({ err, runId, workflowRunId }, 'could not cancel a workflow run');
      }
    }
    // The pipeline check writes the roll-up once its own verdict is out.
    await reportChecks(deps, run.id, () => syncPipelineCheck(deps, octokit, run.id));
    if (effects.completed) await releaseQueuedRun(deps, run.concurrency_key);
    if (!again) return;
  }
  deps.log.error({ runId }, 'run did not settle after 20 rounds');
}

/**
 * Check runs report; they never decide. GitHub refusing one (4xx) is logged
 * and the run goes on; a 5xx that outlived the retries is thrown, so the
 * delivery is retried and the check catches up.
 */
async function reportChecks(deps: EngineDeps, runId: number, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    const status = statusOf(err);
    if (status === undefined || status >= 500) throw err;
    deps.log.error({ err, runId, status }, 'GitHub refused a check-run write');
  }
}

async function decideAndRecord(deps: EngineDeps, trx: Transaction<Database>, runId: number): Promise<Effects | undefined> {
  const run = await lockPipelineRun(trx, runId);
  if (!run || run.status === 'completed') return undefined;
  const plan = readRunPlan(run.plan);
  // A run waiting (fork PR before /ok-to-test, concurrency queue) moves only when released or cancelled.
  // It decides nothing, but its check run says why it waits.
  if (run.status === 'queued' && run.waiting_for !== null && run.cancel_requested_at === null) {
    return { run, plan, toStart: [], toCancel: [], completed: false };
  }
  const stages = await listStageRuns(trx, runId);
  const attempts = await listJobAttempts(trx, runId);
  const now = deps.clock.now();
  const decisions = decide({
    pipeline: { stages: plan.stages },
    run: { status: run.status, cancelRequested: run.cancel_requested_at !== null, ...toPlanState(stages, attempts) },
    now,
    defaults: plan.defaults,
    evaluateIf: (_stage, expression) => evaluateCondition(expression, plan.context),
    parseDuration,
    ...(deps.retryBaseMs !== undefined ? { retryBaseMs: deps.retryBaseMs } : {}),
  });
  const effects: Effects = { run, plan, toStart: [], toCancel: [], completed: false };
  const loaded = { attempts, stageNames: new Map(stages.map((s) => [s.id, s.stage])) };
  for (const decision of decisions) await record(deps, trx, run, plan, loaded, decision, effects, new Date(now));
  // Attempts created but never started (a crash after recording them) start now.
  for (const attempt of attempts) {
    if (attempt.status === 'pending' && !effects.toStart.includes(attempt.id)) effects.toStart.push(attempt.id);
  }
  return effects;
}

async function stageRow(trx: Transaction<Database>, runId: number, stage: string): Promise<StageRun> {
  const rows = await createStageRuns(trx, runId, [stage]);
  const row = rows.find((r) => r.stage === stage);
  if (!row) throw new Error(`stage ${stage} of run ${runId} could not be recorded`);
  return row;
}

async function record(
  deps: EngineDeps,
  trx: Transaction<Database>,
  run: PipelineRun,
  plan: RunPlan,
  loaded: { attempts: JobAttempt[]; stageNames: Map<number, string> },
  decision: Decision,
  effects: Effects,
  now: Date,
): Promise<void> {
  const emit = deps.onEvent ?? (() => {});
  switch (decision.kind) {
    case 'start-stage': {
      const stage = await stageRow(trx, run.id, decision.stage);
      await updateStageRun(trx, stage.id, { status: 'running', started_at: now }, { onlyIf: { status: ['pending'] } });
      if (run.status !== 'in_progress' || run.started_at === null) {
        await updatePipelineRun(trx, run.id, { status: 'in_progress', started_at: run.started_at ?? now }, { now });
      }
      for (const { job } of decision.jobs) {
        const config = plan.stages[decision.stage]?.jobs[job];
        if (!config) continue;
        const { jobAttempt } = await createJobAttempt(trx, {
          pipeline_run_id: run.id,
          stage_run_id: stage.id,
          job,
          attempt: 1,
          workflow: config.workflow,
          correlation_id: newCorrelationId(run.id, decision.stage, job, 1),
          now,
        });
        if (jobAttempt.status === 'pending') effects.toStart.push(jobAttempt.id);
      }
      emit({ kind: 'stage-started', runId: run.id, pipeline: run.pipeline, stage: decision.stage });
      return;
    }
    case 'skip-stage': {
      const stage = await stageRow(trx, run.id, decision.stage);
      await updateStageRun(trx, stage.id, { status: 'skipped', reason: decision.reason, completed_at: now }, { onlyIf: { status: ['pending'] } });
      emit({ kind: 'stage-skipped', runId: run.id, pipeline: run.pipeline, stage: decision.stage, reason: decision.reason });
      return;
    }
    case 'complete-stage': {
      const stage = await stageRow(trx, run.id, decision.stage);
      await updateStageRun(trx, stage.id, { status: 'completed', conclusion: decision.conclusion, completed_at: now }, { onlyIf: { status: ['running'] } });
      emit({ kind: 'stage-completed', runId: run.id, pipeline: run.pipeline, stage: decision.stage, conclusion: decision.conclusion });
      return;
    }
    case 'time-out': {
      const attempt = await updateJobAttempt(
        trx,
        decision.attemptId,
        { status: 'completed', conclusion: 'timed_out', completed_at: now, error: null },
        { onlyIf: { status: ['pending', 'dispatching', 'queued', 'in_progress'] }, now },
      );
      if (attempt) {
        const limit = attempt.deadline_at && attempt.dispatched_at ? formatDuration(attempt.deadline_at.getTime() - attempt.dispatched_at.getTime()) : 'its timeout';
        await updateJobAttempt(trx, attempt.id, { error: `timed out after ${limit}; the workflow run was cancelled` }, { now });
        if (decision.workflowRunId !== null) effects.toCancel.push(decision.workflowRunId);
      }
      return;
    }
    case 'schedule-retry': {
      await updateJobAttempt(trx, decision.attemptId, { next_retry_at: new Date(decision.at) }, { now });
      deps.wakeAt?.(run.id, decision.at);
      const attempt = loaded.attempts.find((a) => a.id === decision.attemptId);
      if (attempt) {
        const stage = loaded.stageNames.get(attempt.stage_run_id) ?? '';
        emit({ kind: 'job-retry-scheduled', runId: run.id, pipeline: run.pipeline, stage, job: attempt.job, at: decision.at });
      }
      return;
    }
    case 'retry': {
      const stage = await stageRow(trx, run.id, decision.stage);
      const previous = loaded.attempts.find((a) => a.id === decision.previousAttemptId);
      const { jobAttempt } = await createJobAttempt(trx, {
        pipeline_run_id: run.id,
        stage_run_id: stage.id,
        job: decision.job,
        attempt: decision.attempt,
        workflow: previous?.workflow ?? plan.stages[decision.stage]?.jobs[decision.job]?.workflow ?? '',
        correlation_id: previous?.correlation_id ? `${previous.correlation_id}.r${decision.attempt}` : newCorrelationId(run.id, decision.stage, decision.job, decision.attempt),
        workflow_run_id: decision.workflowRunId,
        now,
      });
      if (jobAttempt.status === 'pending') effects.toStart.push(jobAttempt.id);
      return;
    }
    case 'cancel-attempts': {
      for (const id of decision.attemptIds) {
        const attempt = await updateJobAttempt(
          trx,
          id,
          { status: 'completed', conclusion: 'cancelled', completed_at: now, cancel_requested_at: now, error: `cancelled: ${decision.reason}` },
          { onlyIf: { status: ['pending', 'dispatching', 'queued', 'in_progress'] }, now },
        );
        if (attempt?.workflow_run_id) effects.toCancel.push(attempt.workflow_run_id);
      }
      return;
    }
    case 'complete-run': {
      await updatePipelineRun(trx, run.id, { status: 'completed', conclusion: decision.conclusion, completed_at: now }, { onlyIf: { status: ['queued', 'in_progress'] }, now });
      effects.completed = true;
      emit({ kind: 'run-completed', runId: run.id, pipeline: run.pipeline, conclusion: decision.conclusion });
      return;
    }
  }
}

/**
 * `concurrency: queue`: when a run of a pipeline ends, the oldest run waiting
 * behind it on the same PR or branch starts.
 */
export async function releaseQueuedRun(deps: EngineDeps, concurrencyKey: string): Promise<void> {
  const active = await findActivePipelineRuns(deps.db, concurrencyKey);
  if (active.some((r) => r.status === 'in_progress')) return;
  const next = active.find((r) => r.status === 'queued' && r.waiting_for?.startsWith('queue:'));
  if (!next) return;
  const started = await updatePipelineRun(deps.db, next.id, { status: 'in_progress', waiting_for: null }, { onlyIf: { status: ['queued'] } });
  if (started) await advanceRun(deps, next.id);
}

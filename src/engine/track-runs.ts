import { findJobAttemptByCorrelation, findJobAttemptByWorkflowRun, updateJobAttempt } from '../store/repos/job-attempts.ts';
import { getStageRun } from '../store/repos/stage-runs.ts';
import { getPipelineRun } from '../store/repos/pipeline-runs.ts';
import type { Conclusion, JobAttempt } from '../store/schema/index.ts';
import { conclusions } from '../store/schema/columns.ts';
import { advanceRun } from './advance.ts';
import { readRunPlan } from './run-plan.ts';
import { parseDuration } from '../repo-config/duration.ts';
import type { EngineDeps } from './deps.ts';

/** What GitHub says about a workflow run, from a webhook or a poll. */
export interface RunReport {
  id: number;
  runAttempt: number;
  status: string | null;
  conclusion: string | null;
  htmlUrl: string | null;
  name: string | null;
  displayTitle: string | null;
  startedAt: string | null;
}

const CORRELATION = /\bsg-\d+-[a-z0-9_-]+?-\d+-[0-9a-f]{6}\b/;

/** The shipgate correlation id in a run's name, if it carries one. */
export function correlationIn(text: string | null): string | undefined {
  return text ? CORRELATION.exec(text)?.[0] : undefined;
}

/**
 * Finds the job attempt a workflow run belongs to: by run id and run attempt,
 * or by the correlation id in its name (a dispatch answered 204, or a crash
 * between dispatching and recording the run id).
 */
export async function attemptForRun(deps: EngineDeps, report: RunReport): Promise<JobAttempt | undefined> {
  const byRun = await findJobAttemptByWorkflowRun(deps.db, report.id, report.runAttempt);
  if (byRun) return byRun;
  const correlation = correlationIn(report.displayTitle) ?? correlationIn(report.name);
  if (!correlation) return undefined;
  const attempt = await findJobAttemptByCorrelation(deps.db, correlation);
  if (!attempt || attempt.workflow_run_id !== null) return attempt?.workflow_run_id === report.id ? attempt : undefined;
  // Learn the run id; a dispatch left `dispatching` by a crash counts as sent.
  const deadline = attempt.deadline_at ?? (await deadlineOf(deps, attempt));
  return (
    (await updateJobAttempt(
      deps.db,
      attempt.id,
      {
        workflow_run_id: report.id,
        run_attempt: report.runAttempt,
        ...(report.htmlUrl ? { html_url: report.htmlUrl } : {}),
        ...(attempt.status === 'dispatching' ? { status: 'queued' as const, error: null } : {}),
        ...(deadline ? { deadline_at: deadline } : {}),
      },
      { onlyIf: { status: ['dispatching', 'queued', 'in_progress'] } },
    )) ?? attempt
  );
}

/** When an attempt times out: its dispatch time plus the job's timeout. */
async function deadlineOf(deps: EngineDeps, attempt: JobAttempt): Promise<Date | undefined> {
  const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
  const stage = await getStageRun(deps.db, attempt.stage_run_id);
  if (!run || !stage) return undefined;
  const plan = readRunPlan(run.plan);
  const timeout = plan.stages[stage.stage]?.jobs[attempt.job]?.timeout;
  const start = (attempt.dispatched_at ?? new Date(deps.clock.now())).getTime();
  return new Date(start + (timeout ? parseDuration(timeout) : plan.defaults.timeoutMs));
}

function asConclusion(value: string | null): Conclusion {
  return (conclusions as readonly string[]).includes(value ?? '') ? (value as Conclusion) : 'failure';
}

/**
 * Applies a run report to its attempt, in any order and any number of times:
 * states only move forward (`queued` → `in_progress` → `completed`), a report
 * of an older run attempt changes nothing. Advances the pipeline run when a job ends.
 */
export async function applyRunReport(deps: EngineDeps, report: RunReport): Promise<'applied' | 'unknown' | 'stale'> {
  const attempt = await attemptForRun(deps, report);
  if (!attempt) return 'unknown';
  if (attempt.run_attempt !== null && report.runAttempt < attempt.run_attempt) return 'stale';
  if (attempt.status === 'completed') return 'stale';
  const now = new Date(deps.clock.now());
  const common = {
    last_event_at: now,
    ...(attempt.run_attempt === null ? { run_attempt: report.runAttempt } : {}),
    ...(report.htmlUrl && !attempt.html_url ? { html_url: report.htmlUrl } : {}),
  };
  if (report.status === 'completed') {
    const conclusion = asConclusion(report.conclusion);
    const updated = await updateJobAttempt(
      deps.db,
      attempt.id,
      { ...common, status: 'completed', conclusion, completed_at: now, ...(attempt.started_at ? {} : { started_at: report.startedAt ? new Date(report.startedAt) : now }) },
      { onlyIf: { status: ['dispatching', 'queued', 'in_progress'] } },
    );
    if (!updated) return 'stale';
    const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
    const stage = await getStageRun(deps.db, attempt.stage_run_id);
    if (run && stage) {
      deps.onEvent?.({ kind: 'job-completed', runId: run.id, pipeline: run.pipeline, stage: stage.stage, job: attempt.job, attempt: attempt.attempt, conclusion });
    }
    await advanceRun(deps, attempt.pipeline_run_id);
    return 'applied';
  }
  if (report.status === 'in_progress') {
    await updateJobAttempt(
      deps.db,
      attempt.id,
      { ...common, status: 'in_progress', started_at: report.startedAt ? new Date(report.startedAt) : now },
      { onlyIf: { status: ['dispatching', 'queued'] } },
    );
    return 'applied';
  }
  await updateJobAttempt(deps.db, attempt.id, common, { onlyIf: { status: ['dispatching', 'queued', 'in_progress'] } });
  return 'applied';
}

interface WorkflowRunPayload {
  workflow_run: {
    id: number;
    run_attempt?: number;
    status: string | null;
    conclusion: string | null;
    html_url: string;
    name?: string | null;
    display_title?: string;
    run_started_at?: string;
  };
}

/** A `workflow_run` webhook (requested, in_progress, completed). */
export async function trackWorkflowRun(deps: EngineDeps, payload: Record<string, unknown>): Promise<'processed' | 'ignored'> {
  const run = (payload as unknown as WorkflowRunPayload).workflow_run;
  if (!run || typeof run.id !== 'number') return 'ignored';
  const outcome = await applyRunReport(deps, {
    id: run.id,
    runAttempt: run.run_attempt ?? 1,
    status: run.status,
    conclusion: run.conclusion,
    htmlUrl: run.html_url,
    name: run.name ?? null,
    displayTitle: run.display_title ?? null,
    startedAt: run.run_started_at ?? null,
  });
  return outcome === 'unknown' ? 'ignored' : 'processed';
}

/** A `workflow_job` webhook: news of a run shipgate tracks (keeps it from looking quiet). */
export async function trackWorkflowJob(deps: EngineDeps, payload: Record<string, unknown>): Promise<'processed' | 'ignored'> {
  const job = payload.workflow_job as { run_id?: number; run_attempt?: number; status?: string } | undefined;
  if (!job?.run_id) return 'ignored';
  const attempt = await findJobAttemptByWorkflowRun(deps.db, job.run_id, job.run_attempt);
  if (!attempt || attempt.status === 'completed') return 'ignored';
  const now = new Date(deps.clock.now());
  await updateJobAttempt(
    deps.db,
    attempt.id,
    { last_event_at: now, ...(job.status === 'in_progress' ? { status: 'in_progress' as const, started_at: attempt.started_at ?? now } : {}) },
    { onlyIf: { status: job.status === 'in_progress' ? ['dispatching', 'queued'] : ['dispatching', 'queued', 'in_progress'] } },
  );
  return 'processed';
}

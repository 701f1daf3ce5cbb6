import { findJobAttemptByCorrelation, findJobAttemptByWorkflowRun, updateJobAttempt, type JobAttemptChanges } from '../store/repos/job-attempts.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { getStageRun } from '../store/repos/stage-runs.ts';
import { getPipelineRun, markAdvanceDue } from '../store/repos/pipeline-runs.ts';
import { withTransaction } from '../store/db.ts';
import type { JobAttempt, PipelineRun } from '../store/schema/index.ts';
import { conclusionOf } from '../providers/conclusions.ts';
import { PROVIDER_LABELS } from '../providers/errors.ts';
import type { RunStatus } from '../providers/provider.ts';
import { reason, renderReason } from './reasons.ts';
import type { WorkflowJobPayload, WorkflowRunPayload } from '../intake/payloads.ts';
import { recordCancel } from '../effects/kinds.ts';
import { advanceRun } from './advance.ts';
import { readRunPlan } from './run-plan.ts';
import { parseDuration } from '../repo-config/duration.ts';
import type { EngineDeps } from './deps.ts';
import { finishProtectionDeployments } from '../deploy/protection-rule.ts';

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
  /** `owner/name` of the repository the run belongs to. */
  repository: string;
  /** What triggered it (`workflow_dispatch` for shipgate's runs), when known. */
  event: string | null;
  /** The workflow file (`.github/workflows/build.yml`), when known. */
  path: string | null;
}

/** A correlation id: `sg-<run>-<stage>-<job>-<attempt>-<16 hex digits, 64 random bits>`. */
const CORRELATION = /\bsg-\d+-[a-z0-9_-]+?-\d+-[0-9a-f]{16}\b/;

/** The shipgate correlation id in a run's name, if it carries one. */
export function correlationIn(text: string | null): string | undefined {
  return text ? CORRELATION.exec(text)?.[0] : undefined;
}

/**
 * Whether a workflow run can belong to an attempt of this pipeline run: the
 * same repository, and — where the report says — a `workflow_dispatch` run of
 * the attempt's workflow file. A run of another repository (another
 * installation, a fork that copied the run name) never matches.
 */
export function runBelongsTo(report: RunReport, run: Pick<PipelineRun, 'owner' | 'repo'>, attempt: Pick<JobAttempt, 'workflow'>): boolean {
  if (report.repository.toLowerCase() !== `${run.owner}/${run.repo}`.toLowerCase()) return false;
  if (report.event !== null && report.event !== 'workflow_dispatch') return false;
  if (report.path !== null && report.path.replace(/@.*$/, '') !== `.github/workflows/${attempt.workflow}`) return false;
  return true;
}

/**
 * Finds the job attempt a workflow run belongs to: by run id and run attempt,
 * or by the correlation id in its name (a dispatch answered 204, or a crash
 * between dispatching and recording the run id). A second run carrying an id
 * that already has its run (a dispatch sent twice) is cancelled.
 */
export async function attemptForRun(deps: EngineDeps, report: RunReport): Promise<JobAttempt | undefined> {
  const byRun = await findJobAttemptByWorkflowRun(deps.db, report.id, report.runAttempt);
  if (byRun) {
    const run = await getPipelineRun(deps.db, byRun.pipeline_run_id);
    return run && runBelongsTo(report, run, byRun) ? byRun : undefined;
  }
  const correlation = correlationIn(report.displayTitle) ?? correlationIn(report.name);
  if (!correlation) return undefined;
  const attempt = await findJobAttemptByCorrelation(deps.db, correlation);
  if (!attempt) return undefined;
  const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
  if (!run || !runBelongsTo(report, run, attempt)) return undefined;
  if (attempt.workflow_run_id !== null || attempt.status === 'completed') {
    if (attempt.workflow_run_id !== report.id && report.status !== 'completed') {
      // The same dispatch ran twice (its first answer was lost and it was sent again): only one may run.
      await withTransaction(deps.db, (trx) =>
        recordCancel(trx, { owner: run.owner, repo: run.repo, workflowRunId: report.id, runId: run.id, installationId: run.installation_id, now: new Date(deps.clock.now()) }),
      );
      deps.log.warn({ correlation, workflowRunId: report.id, kept: attempt.workflow_run_id }, 'cancelling a second run of one dispatch');
      deps.effects?.kick();
    }
    return undefined;
  }
  // Learn the run id; a dispatch left `dispatching` by a crash counts as sent.
  const deadline = attempt.deadline_at ?? deadlineOf(run, attempt, await getStageRun(deps.db, attempt.stage_run_id), deps.clock.now());
  return (
    (await updateJobAttempt(
      deps.db,
      attempt.id,
      {
        workflow_run_id: report.id,
        run_attempt: report.runAttempt,
        ...(report.htmlUrl ? { html_url: report.htmlUrl } : {}),
        ...(attempt.status === 'dispatching' ? { status: 'queued' as const, error: null, error_reason: null } : {}),
        ...(deadline ? { deadline_at: deadline } : {}),
      },
      { onlyIf: { status: ['dispatching', 'queued', 'in_progress'] }, now: new Date(deps.clock.now()) },
    )) ?? attempt
  );
}

/** When an attempt times out: its dispatch time plus the job's timeout. */
function deadlineOf(run: PipelineRun, attempt: JobAttempt, stage: { stage: string } | undefined, now: number): Date | undefined {
  if (!stage) return undefined;
  const plan = readRunPlan(run.plan);
  const timeout = plan.stages[stage.stage]?.jobs[attempt.job]?.timeout;
  const start = (attempt.dispatched_at ?? new Date(now)).getTime();
  return new Date(start + (timeout ? parseDuration(timeout) : plan.defaults.timeoutMs));
}

/**
 * Applies a run report to its attempt, in any order and any number of times:
 * states only move forward (`queued` → `in_progress` → `completed`), a report
 * of an older run attempt changes nothing. Advances the pipeline run when a job ends.
 */
export async function applyRunReport(deps: EngineDeps, report: RunReport): Promise<'applied' | 'unknown' | 'stale'> {
  const attempt = await attemptForRun(deps, report);
  if (!attempt) return 'unknown';
  const state = report.status === 'completed' ? 'completed' : report.status === 'in_progress' ? 'in_progress' : 'queued';
  return applyAttemptStatus(deps, attempt, {
    state,
    ...(state === 'completed' ? { conclusion: conclusionOf(report.conclusion) } : {}),
    url: report.htmlUrl,
    startedAt: report.startedAt ? new Date(report.startedAt) : null,
    runAttempt: report.runAttempt,
  });
}

/**
 * Applies what a provider says about an attempt's run (a webhook or a poll, of
 * any provider), in any order and any number of times: states only move
 * forward, a report of an older run attempt changes nothing, a run that moved
 * (a Jenkins queue item that became a build) is recorded under its new id.
 * Advances the pipeline run when the job ends, in the same transaction as the
 * job's end: a crash before the advance leaves it due.
 */
export async function applyAttemptStatus(
  deps: EngineDeps,
  attempt: JobAttempt,
  status: RunStatus,
  options: { within?: (trx: Transaction<Database>) => Promise<boolean>; changes?: JobAttemptChanges } = {},
): Promise<'applied' | 'stale'> {
  if (attempt.run_attempt !== null && status.runAttempt !== undefined && status.runAttempt < attempt.run_attempt) return 'stale';
  if (attempt.status === 'completed') return 'stale';
  const now = new Date(deps.clock.now());
  const common = {
    last_event_at: now,
    ...(attempt.run_attempt === null && status.runAttempt !== undefined ? { run_attempt: status.runAttempt } : {}),
    ...(status.url && !attempt.html_url ? { html_url: status.url } : {}),
    ...(status.moved ? { external_id: status.moved.externalId, ...(status.moved.external !== undefined ? { external: status.moved.external } : {}), ...(status.url ? { html_url: status.url } : {}) } : {}),
  };
  // What the caller records with the report (a webhook job's receipt, its artifacts), committed with it or not at all.
  const extra = options.changes ?? {};
  if (status.state === 'completed') {
    const conclusion = status.conclusion ?? 'failure';
    const failed = conclusion !== 'success' && conclusion !== 'neutral' && conclusion !== 'skipped';
    const why = failed && status.detail ? reason('job.provider-failed', { provider: PROVIDER_LABELS[attempt.provider], message: status.detail }) : undefined;
    const updated = await withTransaction(deps.db, async (trx) => {
      if (options.within && !(await options.within(trx))) return undefined;
      const done = await updateJobAttempt(
        trx,
        attempt.id,
        {
          ...common,
          ...extra,
          status: 'completed',
          conclusion,
          completed_at: now,
          ...(attempt.started_at ? {} : { started_at: status.startedAt ?? now }),
          ...(why ? { error: renderReason(why), error_reason: { ...why } } : {}),
        },
        { onlyIf: { status: ['dispatching', 'queued', 'in_progress'] }, now },
      );
      if (done) await markAdvanceDue(trx, attempt.pipeline_run_id, now);
      return done;
    });
    if (!updated) return 'stale';
    const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
    const stage = await getStageRun(deps.db, attempt.stage_run_id);
    if (run && stage) {
      deps.onEvent?.({ kind: 'job-completed', runId: run.id, pipeline: run.pipeline, stage: stage.stage, job: attempt.job, attempt: attempt.attempt, conclusion });
    }
    await advanceRun(deps, attempt.pipeline_run_id);
    return 'applied';
  }
  // Not over yet: news of the run, and `in_progress` once it started.
  const starts = status.state === 'in_progress' && attempt.status !== 'in_progress';
  const changes = { ...common, ...extra, ...(starts ? { status: 'in_progress' as const, started_at: status.startedAt ?? now } : {}) };
  const onlyIf = { status: starts ? (['dispatching', 'queued'] as const) : (['dispatching', 'queued', 'in_progress'] as const) };
  if (!options.within) {
    await updateJobAttempt(deps.db, attempt.id, changes, { onlyIf, now });
    return 'applied';
  }
  return withTransaction(deps.db, async (trx) => {
    if (!(await options.within?.(trx))) return 'stale' as const;
    return (await updateJobAttempt(trx, attempt.id, changes, { onlyIf, now })) ? ('applied' as const) : ('stale' as const);
  });
}

/** A `workflow_run` webhook (requested, in_progress, completed). */
export async function trackWorkflowRun(deps: EngineDeps, payload: WorkflowRunPayload): Promise<'processed' | 'ignored'> {
  const run = payload.workflow_run;
  const outcome = await applyRunReport(deps, {
    id: run.id,
    runAttempt: run.run_attempt ?? 1,
    status: run.status,
    conclusion: run.conclusion,
    htmlUrl: run.html_url,
    name: run.name ?? null,
    displayTitle: run.display_title ?? null,
    startedAt: run.run_started_at ?? null,
    repository: payload.repository.full_name,
    event: run.event ?? null,
    path: run.path ?? null,
  });
  // A native job that shipgate's protection rule let through: its request ends with its run.
  if (outcome === 'unknown' && run.status === 'completed' && (await finishProtectionDeployments(deps, { id: run.id, repository: payload.repository.full_name, conclusion: run.conclusion }))) return 'processed';
  return outcome === 'unknown' ? 'ignored' : 'processed';
}

/** A `workflow_job` webhook: news of a run shipgate tracks (keeps it from looking quiet). */
export async function trackWorkflowJob(deps: EngineDeps, payload: WorkflowJobPayload): Promise<'processed' | 'ignored'> {
  const job = payload.workflow_job;
  const attempt = await findJobAttemptByWorkflowRun(deps.db, job.run_id, job.run_attempt);
  if (!attempt || attempt.status === 'completed') return 'ignored';
  const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
  if (!run || payload.repository.full_name.toLowerCase() !== `${run.owner}/${run.repo}`.toLowerCase()) return 'ignored';
  const now = new Date(deps.clock.now());
  await updateJobAttempt(
    deps.db,
    attempt.id,
    { last_event_at: now, ...(job.status === 'in_progress' ? { status: 'in_progress' as const, started_at: attempt.started_at ?? now } : {}) },
    { onlyIf: { status: job.status === 'in_progress' ? ['dispatching', 'queued'] : ['dispatching', 'queued', 'in_progress'] }, now },
  );
  return 'processed';
}

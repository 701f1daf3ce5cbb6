import { githubMessage } from '../github/client.ts';
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
import { readRunPlan, type PlannedJob, type RunPlan } from '../engine/run-plan.ts';
import { advanceRun } from '../engine/advance.ts';
import { isProviderError, PROVIDER_LABELS, ProviderRefusal, ProviderUnavailable } from '../providers/errors.ts';
import { providerOf, RETRIES_IN_PLACE, type AttemptContext, type JobProvider, type StartedRun, type StartOutcome } from '../providers/provider.ts';
import { jobValues } from '../providers/job-values.ts';
import { recordAttemptCancel, recordJobPoll } from './kinds.ts';
import type { PerformOutcome, Performer } from './runner.ts';
import { nextPollDelayMs } from './perform-provider-job.ts';

export { WorkflowListings } from '../providers/actions.ts';

/** How long after a dispatch whose answer was lost shipgate looks for its run (SPEC §8: resolved within 30 s). */
export const RESOLVE_AFTER_MS = 10_000;

function attemptIdOf(effect: Effect): number | undefined {
  const id = effect.payload['attemptId'];
  return typeof id === 'number' ? id : undefined;
}

/**
 * Starts one job attempt, exactly once, on whichever provider runs its job
 * (`src/providers/`). A first try claims the attempt (`pending` →
 * `dispatching`) and starts it — or, for a retry on a provider that retries in
 * place (an Actions re-run, a GitLab pipeline retry), reruns the previous run.
 * When the answer is lost (5xx, timeout, crash), the next try asks the
 * provider for a run carrying the attempt's correlation id before anything is
 * sent again; a provider that cannot look makes the job fail rather than risk
 * a second run. A refusal (4xx, a config/workflow mismatch, a provider that is
 * not set up) ends the attempt as a failure with its reason.
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
    const log = deps.log.child({ runId: run.id, stage, job: attempt.job, attempt: attempt.attempt });
    const context: DispatchContext = { deps, run, plan, stage, log };
    if (run.from_fork && !(await isForkApproved(deps.db, run))) {
      // Admission never lets this happen; refusing here too means no other path can.
      return failAttempt(context, attempt, reason('refuse.fork-not-approved', { sha: run.sha }));
    }
    if (!job) return failAttempt(context, attempt, reason('job.plan-missing', { stage, job: attempt.job }));
    const lookup = deps.providers.get(providerOf(job));
    if (!lookup.ok) return failAttempt(context, attempt, lookup.reason);
    const provider = lookup.provider;
    if (attempt.status === 'dispatching') return resolveUnknown(context, provider, attempt, job);
    const claimed = await claimJobAttemptForDispatch(deps.db, attempt.id, new Date(deps.clock.now()));
    if (!claimed) return { kind: 'done' };
    return firstSend(context, provider, claimed, job);
  };
}

interface DispatchContext {
  deps: EngineDeps;
  run: PipelineRun;
  plan: RunPlan;
  stage: string;
  log: EngineDeps['log'];
}

function timeoutOf(plan: RunPlan, job: PlannedJob): number {
  return job.timeout ? parseDuration(job.timeout) : plan.defaults.timeoutMs;
}

function attemptContext(ctx: DispatchContext, attempt: JobAttempt, job: PlannedJob): AttemptContext {
  return { run: ctx.run, plan: ctx.plan, stage: ctx.stage, attempt, job };
}

/** Whether this attempt reruns its previous attempt's run rather than starting a new one. */
function rerunsInPlace(provider: JobProvider, attempt: JobAttempt): boolean {
  return RETRIES_IN_PLACE[provider.name] && attempt.attempt > 1 && (attempt.workflow_run_id !== null || attempt.external_id !== null);
}

async function firstSend(ctx: DispatchContext, provider: JobProvider, attempt: JobAttempt, job: PlannedJob): Promise<PerformOutcome> {
  const { deps, plan, stage } = ctx;
  // A deadline from the first claim: a provider that never answers still times the job out (once started, the timeout counts from the start).
  if (attempt.deadline_at === null) {
    await updateJobAttempt(deps.db, attempt.id, { deadline_at: new Date(deps.clock.now() + timeoutOf(plan, job)) }, { onlyIf: { status: ['dispatching'] }, now: new Date(deps.clock.now()) });
  }
  const context = attemptContext(ctx, attempt, job);
  let outcome: StartOutcome;
  try {
    if (rerunsInPlace(provider, attempt) && provider.retry) {
      outcome = await provider.retry(context);
    } else {
      const values = jobValues(job, plan.context);
      if (!values.ok) return failAttempt(ctx, attempt, reason('job.input-invalid', { input: values.name, stage, job: attempt.job, error: values.error }));
      outcome = await provider.start(context, values.values, async (sent) => {
        await updateJobAttempt(deps.db, attempt.id, { inputs: sent }, { now: new Date(deps.clock.now()) });
      });
    }
  } catch (err) {
    return sendFailed(ctx, provider, attempt, err);
  }
  if (outcome.kind === 'not-sent') {
    // Nothing was sent: the next try starts from scratch. A provider's error is kept for the job's timeout to name.
    const error = outcome.error;
    const kept = isProviderError(error) ? reason('job.provider-unreachable', { provider: PROVIDER_LABELS[error.provider], message: error.message }) : undefined;
    await updateJobAttempt(deps.db, attempt.id, { status: 'pending', ...(kept ? { error: renderReason(kept), error_reason: kept } : {}) }, { onlyIf: { status: ['dispatching'] }, now: new Date(deps.clock.now()) });
    throw error;
  }
  if (outcome.kind === 'refused') return failAttempt(ctx, attempt, outcome.reason);
  await recordStarted(ctx, provider, attempt, outcome.run, timeoutOf(plan, job));
  return { kind: 'done' };
}

/** A provider's refusal ends the attempt; anything else leaves its outcome unknown. */
async function sendFailed(ctx: DispatchContext, provider: JobProvider, attempt: JobAttempt, err: unknown): Promise<PerformOutcome> {
  if (err instanceof ProviderRefusal) return failAttempt(ctx, attempt, reason('job.provider-refused', { provider: PROVIDER_LABELS[err.provider], message: err.message }));
  const message = isProviderError(err) ? err.message : githubMessage(err);
  const unknown = provider.name === 'actions' ? reason('job.dispatch-unknown', { message }) : reason('job.provider-unknown', { provider: PROVIDER_LABELS[provider.name], message });
  await updateJobAttempt(ctx.deps.db, attempt.id, { error: renderReason(unknown), error_reason: unknown }, { onlyIf: { status: ['dispatching'] }, now: new Date(ctx.deps.clock.now()) });
  ctx.log.warn({ err, provider: provider.name }, 'dispatch outcome unknown; looking for the run by its correlation id shortly');
  const afterMs = err instanceof ProviderUnavailable && err.retryAfterMs !== undefined ? Math.max(RESOLVE_AFTER_MS, err.retryAfterMs) : RESOLVE_AFTER_MS;
  return { kind: 'retry', error: renderReason(unknown), afterMs };
}

/**
 * A start that may or may not have reached the provider: find its run by the
 * correlation id (or, for a rerun in place, by the run's progress); send again
 * only when the provider has no such run, and never when it cannot tell.
 */
async function resolveUnknown(ctx: DispatchContext, provider: JobProvider, attempt: JobAttempt, job: PlannedJob): Promise<PerformOutcome> {
  const { deps } = ctx;
  let found;
  try {
    found = await provider.find(attemptContext(ctx, attempt, job));
  } catch (err) {
    if (err instanceof ProviderRefusal) return failAttempt(ctx, attempt, reason('job.provider-refused', { provider: PROVIDER_LABELS[err.provider], message: err.message }));
    if (!isProviderError(err)) throw err;
    // Still no answer: look again later (the job's deadline ends this, naming this error).
    const unknown = reason('job.provider-unknown', { provider: PROVIDER_LABELS[err.provider], message: err.message });
    await updateJobAttempt(deps.db, attempt.id, { error: renderReason(unknown), error_reason: unknown }, { onlyIf: { status: ['dispatching'] }, now: new Date(deps.clock.now()) });
    const wait = err instanceof ProviderUnavailable ? err.retryAfterMs : undefined;
    return { kind: 'retry', error: err.message, afterMs: wait !== undefined ? Math.max(RESOLVE_AFTER_MS, wait) : RESOLVE_AFTER_MS };
  }
  if (found.kind === 'refused') return failAttempt(ctx, attempt, found.reason);
  if (found.kind === 'found') {
    await recordStarted(ctx, provider, attempt, found.run, timeoutOf(ctx.plan, job));
    return { kind: 'done' };
  }
  ctx.log.warn({ correlation: attempt.correlation_id, provider: provider.name }, 'no run carries this dispatch; sending it again');
  await updateJobAttempt(deps.db, attempt.id, { status: 'pending', error: null, error_reason: null }, { onlyIf: { status: ['dispatching'] }, now: new Date(deps.clock.now()) });
  const claimed = await claimJobAttemptForDispatch(deps.db, attempt.id, new Date(deps.clock.now()));
  if (!claimed) return { kind: 'done' };
  return firstSend(ctx, provider, claimed, job);
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
 * An attempt cancelled while its start was on the wire gets its new run
 * cancelled. A provider that is polled gets its first poll scheduled.
 */
async function recordStarted(ctx: DispatchContext, provider: JobProvider, attempt: JobAttempt, started: StartedRun, timeoutMs: number): Promise<void> {
  const { deps, run } = ctx;
  const now = deps.clock.now();
  const runId = started.workflowRunId ?? null;
  const cancelled = await withTransaction(deps.db, async (trx) => {
    const updated = await updateJobAttempt(
      trx,
      attempt.id,
      {
        ...(runId !== null ? { workflow_run_id: runId } : {}),
        ...(started.url ? { html_url: started.url } : {}),
        ...(started.runAttempt != null ? { run_attempt: started.runAttempt } : {}),
        ...(started.externalId !== null ? { external_id: started.externalId } : {}),
        ...(started.external !== undefined ? { external: started.external } : {}),
        deadline_at: new Date(now + timeoutMs),
        last_event_at: new Date(now),
        error: null,
        error_reason: null,
      },
      { onlyIf: { status: ['dispatching', 'queued', 'in_progress'] }, now: new Date(now) },
    );
    if (!updated) {
      const current = await getJobAttempt(trx, attempt.id);
      if (current?.cancel_requested_at != null) {
        const target = { ...current, ...(runId !== null ? { workflow_run_id: runId } : {}), ...(started.externalId !== null ? { external_id: started.externalId } : {}), ...(started.external !== undefined ? { external: started.external } : {}) };
        if (await recordAttemptCancel(trx, run, target, new Date(now))) return true;
      }
      return false;
    }
    await updateJobAttempt(trx, attempt.id, { status: 'queued' }, { onlyIf: { status: ['dispatching'] }, now: new Date(now) });
    // The first poll comes soon even when the provider's hooks report changes: a hook that came while the start was on the wire found no run to apply to.
    if (provider.name !== 'actions' && provider.name !== 'webhook') await recordJobPoll(trx, { attemptId: attempt.id, runId: run.id, installationId: run.installation_id, now: new Date(now), at: new Date(now + nextPollDelayMs(0)) });
    return false;
  });
  if (cancelled) {
    ctx.log.info({ workflowRunId: runId, externalId: started.externalId }, 'cancelling a run started for an attempt cancelled meanwhile');
    deps.effects?.kick();
    return;
  }
  deps.onEvent?.({ kind: 'job-dispatched', runId: run.id, pipeline: run.pipeline, stage: ctx.stage, job: attempt.job, attempt: attempt.attempt, workflowRunId: runId, provider: provider.name, url: started.url });
  deps.metrics?.observeDispatchLatency((now - attempt.created_at.getTime()) / 1000);
  deps.wakeAt?.(attempt.pipeline_run_id, now + timeoutMs);
  if (provider.name !== 'actions' && provider.name !== 'webhook') deps.effects?.kick();
}

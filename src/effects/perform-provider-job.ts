/**
 * The effects of jobs on other CI providers (SPEC §13): `poll-job` follows a
 * Jenkins build or a GitLab pipeline until it ends, with a growing interval
 * (webhooks from the provider, when set up, only make the next poll come at
 * once); `cancel-job` cancels a provider's run until the provider answers.
 * Both are idempotent: a poll of an ended attempt and a cancel of an ended run
 * change nothing.
 */
import { z } from 'zod';
import type { EngineDeps } from '../engine/deps.ts';
import { applyAttemptStatus } from '../engine/track-runs.ts';
import { reason, renderReason } from '../engine/reasons.ts';
import { withTransaction } from '../store/db.ts';
import { getJobAttempt, updateJobAttempt } from '../store/repos/job-attempts.ts';
import { getPipelineRun, markAdvanceDue } from '../store/repos/pipeline-runs.ts';
import type { Effect, JobAttempt, PipelineRun } from '../store/schema/index.ts';
import { advanceRun } from '../engine/advance.ts';
import { PROVIDER_LABELS, ProviderRefusal, ProviderUnavailable } from '../providers/errors.ts';
import type { AttemptRecord } from '../providers/provider.ts';
import type { PerformOutcome, Performer } from './runner.ts';

const payloadSchema = z.object({ attemptId: z.number().int().positive() });

/**
 * How long until the next poll of a run that has been going `elapsedMs`:
 * every 5 s in its first half minute, every 10 s to 2 minutes, every 30 s to
 * 10 minutes, then every minute. A short job is seen to end within seconds; an
 * hour-long build costs about 80 polls.
 */
export function nextPollDelayMs(elapsedMs: number): number {
  if (elapsedMs < 30_000) return 5_000;
  if (elapsedMs < 120_000) return 10_000;
  if (elapsedMs < 600_000) return 30_000;
  return 60_000;
}

/** How often a run is polled when its provider's webhooks report changes (a lost hook is noticed within a minute). */
export const BACKSTOP_POLL_MS = 60_000;

async function load(deps: EngineDeps, effect: Effect): Promise<{ attempt: JobAttempt; run: PipelineRun } | { error: string } | undefined> {
  const parsed = payloadSchema.safeParse(effect.payload);
  if (!parsed.success) return { error: `malformed ${effect.kind} effect: ${parsed.error.message}` };
  const attempt = await getJobAttempt(deps.db, parsed.data.attemptId);
  if (!attempt) return undefined;
  const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
  return run ? { attempt, run } : undefined;
}

export function pollJobPerformer(deps: EngineDeps): Performer {
  return async (effect) => {
    const loaded = await load(deps, effect);
    if (loaded === undefined) return { kind: 'done' };
    if ('error' in loaded) return { kind: 'failed', error: loaded.error };
    const { attempt, run } = loaded;
    // Ended, or not started yet (its dispatch schedules the first poll).
    if (attempt.status === 'completed' || attempt.status === 'pending' || attempt.status === 'dispatching') return { kind: 'done' };
    const lookup = deps.providers.get(attempt.provider);
    if (!lookup.ok) return failRunning(deps, run, attempt, lookup.reason);
    const record: AttemptRecord = { run, attempt };
    const now = deps.clock.now();
    const elapsed = now - (attempt.dispatched_at ?? attempt.created_at).getTime();
    // With the provider's webhooks set up, a poll is only the backstop for a hook that was lost.
    const delay = lookup.provider.reportsChanges ? Math.max(BACKSTOP_POLL_MS, nextPollDelayMs(elapsed)) : nextPollDelayMs(elapsed);
    const again = (): PerformOutcome => ({ kind: 'again', at: new Date(now + delay) });
    let status;
    try {
      status = await lookup.provider.status(record);
    } catch (err) {
      if (err instanceof ProviderRefusal) {
        // The provider says no (credentials revoked, the build deleted): waiting changes nothing.
        return failRunning(deps, run, attempt, reason('job.provider-failed', { provider: PROVIDER_LABELS[err.provider], message: err.message }));
      }
      if (!(err instanceof ProviderUnavailable)) throw err;
      // Kept for the job's timeout, which names the provider's last error.
      const why = reason('job.provider-poll-failed', { provider: PROVIDER_LABELS[err.provider], message: err.message });
      await updateJobAttempt(deps.db, attempt.id, { error: renderReason(why), error_reason: { ...why } }, { onlyIf: { status: ['queued', 'in_progress'] }, now: new Date(now) });
      deps.log.warn({ attemptId: attempt.id, provider: attempt.provider, error: err.message }, 'polling a provider failed; polling again');
      return { kind: 'again', at: new Date(now + Math.max(err.retryAfterMs ?? 0, delay)) };
    }
    const applied = await applyAttemptStatus(deps, attempt, status);
    if (status.state === 'completed' && applied === 'applied') return { kind: 'done' };
    if (attempt.error_reason && attempt.error_reason['code'] === 'job.provider-poll-failed') {
      await updateJobAttempt(deps.db, attempt.id, { error: null, error_reason: null }, { onlyIf: { status: ['queued', 'in_progress'] }, now: new Date(now) });
    }
    return status.state === 'completed' ? { kind: 'done' } : again();
  };
}

/** A started attempt the provider refuses to tell about ends as a failure saying why. */
async function failRunning(deps: EngineDeps, run: PipelineRun, attempt: JobAttempt, why: ReturnType<typeof reason>): Promise<PerformOutcome> {
  const now = new Date(deps.clock.now());
  const ended = await withTransaction(deps.db, async (trx) => {
    const done = await updateJobAttempt(
      trx,
      attempt.id,
      { status: 'completed', conclusion: 'failure', completed_at: now, error: renderReason(why), error_reason: { ...why } },
      { onlyIf: { status: ['queued', 'in_progress'] }, now },
    );
    if (done) await markAdvanceDue(trx, run.id, now);
    return done;
  });
  deps.log.warn({ attemptId: attempt.id, reason: why.code, error: renderReason(why) }, 'job failed: its provider refused to report on it');
  if (ended) await advanceRun(deps, run.id);
  return { kind: 'done' };
}

export function cancelJobPerformer(deps: EngineDeps): Performer {
  return async (effect) => {
    const loaded = await load(deps, effect);
    if (loaded === undefined) return { kind: 'done' };
    if ('error' in loaded) return { kind: 'failed', error: loaded.error };
    const lookup = deps.providers.get(loaded.attempt.provider);
    if (!lookup.ok) return { kind: 'failed', error: renderReason(lookup.reason) };
    try {
      await lookup.provider.cancel({ run: loaded.run, attempt: loaded.attempt });
    } catch (err) {
      // Refused for good: already finished or gone, nothing is left running; credentials refused, said where operators look.
      if (err instanceof ProviderRefusal) return err.kind === 'credentials' ? { kind: 'failed', error: err.message } : { kind: 'done' };
      if (err instanceof ProviderUnavailable) return { kind: 'retry', error: err.message, ...(err.retryAfterMs !== undefined ? { afterMs: err.retryAfterMs } : {}) };
      throw err;
    }
    return { kind: 'done' };
  };
}

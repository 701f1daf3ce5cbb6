import { githubMessage } from '../github/client.ts';
import { findRunByCorrelation, getWorkflowRun } from '../github/runs.ts';
import { quietJobAttempts, updateJobAttempt } from '../store/repos/job-attempts.ts';
import { getPipelineRun } from '../store/repos/pipeline-runs.ts';
import type { JobAttempt } from '../store/schema/index.ts';
import { advanceRun } from './advance.ts';
import type { EngineDeps } from './deps.ts';
import { applyRunReport } from './track-runs.ts';

export interface ReconcileReport {
  /** Runs advanced because a deadline or a retry fell due, or they sat unfinished. */
  advanced: number;
  /** Quiet attempts whose workflow run was polled. */
  polled: number;
  /** Attempts found by correlation id after an unrecorded dispatch. */
  recovered: number;
  /** Attempts dispatched again because no run carried their id. */
  redispatched: number;
}

/**
 * The periodic pass (SPEC §5) that makes shipgate correct without any webhook:
 * fires due timeouts and retries, polls workflow runs that went quiet (missed
 * webhooks), and resolves dispatches whose outcome was never recorded (a crash
 * or a 5xx between sending and recording) by their correlation id, sending
 * again only when no run carries it. Safe to run on every replica at once.
 */
export async function reconcile(deps: EngineDeps, options: { startup?: boolean } = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { advanced: 0, polled: 0, recovered: 0, redispatched: 0 };
  const now = new Date(deps.clock.now());
  const quietAfter = deps.quietAfterMs ?? 5 * 60_000;

  // Deadlines and retries that fell due, attempts never started, and runs left
  // mid-way (a crash between recording and acting).
  const due = await deps.db
    .selectFrom('pipeline_runs as r')
    .select('r.id')
    .where('r.status', '!=', 'completed')
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('job_attempts as a')
            .select('a.id')
            .whereRef('a.pipeline_run_id', '=', 'r.id')
            .where((inner) =>
              inner.or([
                inner.and([inner('a.status', '!=', 'completed'), inner('a.deadline_at', '<=', now)]),
                inner('a.status', '=', 'pending'),
                inner.and([
                  inner('a.next_retry_at', '<=', now),
                  inner.not(
                    inner.exists(
                      inner
                        .selectFrom('job_attempts as later')
                        .select('later.id')
                        .whereRef('later.stage_run_id', '=', 'a.stage_run_id')
                        .whereRef('later.job', '=', 'a.job')
                        .whereRef('later.attempt', '>', 'a.attempt'),
                    ),
                  ),
                ]),
              ]),
            ),
        ),
        eb.and([eb('r.status', '=', 'in_progress'), eb('r.updated_at', '<', new Date(now.getTime() - quietAfter))]),
        eb.and([eb('r.cancel_requested_at', 'is not', null), eb('r.status', '=', 'queued')]),
      ]),
    )
    .orderBy('r.id')
    .limit(200)
    .execute();
  for (const { id } of due) {
    await advanceRun(deps, id);
    report.advanced++;
  }

  // At start, every unfinished dispatch is checked at once: those are the ones a crash may have left.
  const quietSince = options.startup ? now : new Date(now.getTime() - Math.min(quietAfter, 60_000));
  for (const attempt of await quietJobAttempts(deps.db, { quietSince })) {
    try {
      await reconcileAttempt(deps, attempt, now, quietAfter, report);
    } catch (err) {
      deps.log.warn({ err: githubMessage(err), attemptId: attempt.id }, 'reconciling an attempt failed; next pass retries');
    }
  }
  return report;
}

async function reconcileAttempt(deps: EngineDeps, attempt: JobAttempt, now: Date, quietAfter: number, report: ReconcileReport): Promise<void> {
  const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
  if (!run) return;
  const octokit = await deps.github(run.installation_id);
  if (attempt.workflow_run_id !== null && attempt.status !== 'dispatching') {
    if (attempt.last_event_at && now.getTime() - attempt.last_event_at.getTime() < quietAfter) return;
    const polled = await getWorkflowRun(octokit, run, attempt.workflow_run_id);
    report.polled++;
    const outcome = await applyRunReport(deps, { ...polled, startedAt: null });
    if (outcome !== 'applied' || polled.status !== 'completed') {
      await updateJobAttempt(deps.db, attempt.id, { last_event_at: now }, { onlyIf: { status: ['queued', 'in_progress'] } });
    }
    return;
  }
  if (attempt.attempt > 1 && attempt.workflow_run_id !== null) {
    // A re-run whose request may or may not have reached GitHub: the run's attempt number tells.
    const polled = await getWorkflowRun(octokit, run, attempt.workflow_run_id);
    report.polled++;
    const previous = attempt.run_attempt ?? 0;
    if (polled.runAttempt > previous && polled.runAttempt >= attempt.attempt) {
      await updateJobAttempt(deps.db, attempt.id, { status: 'queued', run_attempt: polled.runAttempt, last_event_at: now, error: null }, { onlyIf: { status: ['dispatching'] } });
      report.recovered++;
    } else if (attempt.dispatched_at && now.getTime() - attempt.dispatched_at.getTime() > (deps.redispatchAfterMs ?? 120_000)) {
      await resend(deps, attempt, report);
    }
    return;
  }
  // Dispatched (or maybe not) without a recorded run: look for the correlation id.
  const found = await findRunByCorrelation(octokit, run, {
    workflow: attempt.workflow,
    correlationId: attempt.correlation_id,
    createdAfter: attempt.dispatched_at ?? attempt.created_at,
  });
  if (found) {
    report.recovered++;
    await applyRunReport(deps, { ...found, startedAt: null });
    return;
  }
  if (attempt.status === 'dispatching' && attempt.dispatched_at && now.getTime() - attempt.dispatched_at.getTime() > (deps.redispatchAfterMs ?? 120_000)) {
    await resend(deps, attempt, report);
  }
}

/** No run carries the attempt's id after the grace period: it was never sent. Send it again. */
async function resend(deps: EngineDeps, attempt: JobAttempt, report: ReconcileReport): Promise<void> {
  const reset = await updateJobAttempt(deps.db, attempt.id, { status: 'pending', error: null }, { onlyIf: { status: ['dispatching'] } });
  if (!reset) return;
  report.redispatched++;
  deps.log.warn({ attemptId: attempt.id, correlation: attempt.correlation_id }, 'no workflow run carries this dispatch; sending it again');
  await advanceRun(deps, attempt.pipeline_run_id);
}

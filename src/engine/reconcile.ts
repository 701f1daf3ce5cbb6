import { sql } from 'kysely';
import { getWorkflowRun } from '../github/runs.ts';
import { quietJobAttempts, updateJobAttempt } from '../store/repos/job-attempts.ts';
import { getPipelineRun } from '../store/repos/pipeline-runs.ts';
import type { JobAttempt } from '../store/schema/index.ts';
import { recordDispatch, recordJobPoll } from '../effects/kinds.ts';
import { advanceRun, releaseQueuedRuns } from './advance.ts';
import type { EngineDeps } from './deps.ts';
import { applyRunReport } from './track-runs.ts';
import { withTransaction } from '../store/db.ts';
import { reviewEnvironment } from '../deploy/queue.ts';
import { afterReview } from '../deploy/after-review.ts';
import { pollQuietProtectionDeployments } from '../deploy/protection-rule.ts';

export interface ReconcileReport {
  /** Runs advanced because a deadline or a retry fell due, or an advance asked for was never done. */
  advanced: number;
  /** Quiet attempts whose workflow run was polled. */
  polled: number;
  /** Dispatches whose outcome was unknown, handed back to their effect. */
  recovered: number;
  /** Waiting runs that admission let go (a release lost to a crash). */
  released: number;
  /** Runs or attempts whose reconciliation failed this pass (the next pass tries again). */
  failed: number;
}

const PAGE = 200;

/**
 * The periodic pass (SPEC §5) that makes shipgate correct without any webhook:
 * advances runs whose advance was asked for but never done (a crash between
 * recording and deciding), fires due timeouts and retries, releases waiting
 * runs admission now lets go, and polls workflow runs that went quiet. Every
 * due run is visited, page by page, oldest first; one failing run is logged
 * and skipped, never stopping the pass. Safe on every replica at once.
 */
export async function reconcile(deps: EngineDeps, options: { startup?: boolean } = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { advanced: 0, polled: 0, recovered: 0, released: 0, failed: 0 };
  const now = new Date(deps.clock.now());
  const quietAfter = deps.quietAfterMs ?? 5 * 60_000;

  let after = 0;
  for (;;) {
    const due = await dueRuns(deps, now, after);
    for (const { id } of due) {
      try {
        await advanceRun(deps, id);
        report.advanced++;
      } catch (err) {
        report.failed++;
        deps.log.error({ err, runId: id }, 'reconciling a run failed; the next pass tries again');
      }
    }
    if (due.length < PAGE) break;
    after = due[due.length - 1]?.id ?? after;
  }

  // Requests without a pipeline run (native jobs held by the protection rule): their environments are decided again (wait timers, expiries).
  for (const key of await runlessWaitingEnvironments(deps)) {
    try {
      const review = await withTransaction(deps.db, (trx) => reviewEnvironment(trx, key, now));
      await afterReview(deps, review, null);
    } catch (err) {
      report.failed++;
      deps.log.warn({ err, environment: key }, 'reviewing an environment failed; the next pass tries again');
    }
  }

  try {
    report.polled += await pollQuietProtectionDeployments(deps, quietAfter);
  } catch (err) {
    report.failed++;
    deps.log.warn({ err }, 'polling held Actions jobs failed; the next pass tries again');
  }

  for (const key of await waitingKeys(deps)) {
    try {
      report.released += (await releaseQueuedRuns(deps, key)).length;
    } catch (err) {
      report.failed++;
      deps.log.error({ err, concurrencyKey: key }, 'releasing waiting runs failed; the next pass tries again');
    }
  }

  // At start, every unfinished attempt without recent news is looked at: those are the ones a crash may have left.
  const quietSince = options.startup ? now : new Date(now.getTime() - Math.min(quietAfter, 60_000));
  const seen = new Set<number>();
  for (let page = 0; page < 50; page++) {
    const attempts = (await quietJobAttempts(deps.db, { quietSince, limit: PAGE })).filter((a) => !seen.has(a.id));
    if (attempts.length === 0) break;
    for (const attempt of attempts) {
      seen.add(attempt.id);
      try {
        await reconcileAttempt(deps, attempt, now, quietAfter, report);
      } catch (err) {
        report.failed++;
        deps.log.warn({ err, attemptId: attempt.id }, 'reconciling an attempt failed; the next pass tries again');
      }
    }
  }
  return report;
}

/** Runs with an advance due (asked for, a deadline or a retry), after id `after`, oldest first. */
async function dueRuns(deps: EngineDeps, now: Date, after: number): Promise<Array<{ id: number }>> {
  return deps.db
    .selectFrom('pipeline_runs as r')
    .select('r.id')
    .where('r.status', '!=', 'completed')
    .where('r.id', '>', after)
    .where((eb) =>
      eb.or([
        eb('r.advance_due_at', '<=', now),
        // A deployment request that has not started: its environment is decided again (wait timers, locks, queue).
        eb.exists(eb.selectFrom('deployments as d').select('d.id').whereRef('d.pipeline_run_id', '=', 'r.id').where('d.status', 'in', ['requested', 'waiting', 'queued'])),
        // A deploying stage still pending whatever its request says (ready, refused, cancelled): the move after the request changed was lost.
        eb.exists(
          eb
            .selectFrom('deployments as d')
            .innerJoin('stage_runs as s', (join) => join.onRef('s.pipeline_run_id', '=', 'd.pipeline_run_id').onRef('s.stage', '=', 'd.stage'))
            .select('d.id')
            .whereRef('d.pipeline_run_id', '=', 'r.id')
            .where('s.status', '=', 'pending'),
        ),
        eb.exists(
          eb
            .selectFrom('job_attempts as a')
            .select('a.id')
            .whereRef('a.pipeline_run_id', '=', 'r.id')
            .where((inner) =>
              inner.or([
                inner.and([inner('a.status', '!=', 'completed'), inner('a.deadline_at', '<=', now)]),
                inner.and([
                  inner('a.status', '=', 'completed'),
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
      ]),
    )
    .orderBy('r.id')
    .limit(PAGE)
    .execute();
}

/** Environments with a request that has not started and belongs to no pipeline run, in name order. */
async function runlessWaitingEnvironments(deps: EngineDeps): Promise<Array<{ owner: string; repo: string; environment: string }>> {
  return deps.db
    .selectFrom('deployments')
    .select(['owner', 'repo', 'environment'])
    .distinct()
    .where('pipeline_run_id', 'is', null)
    .where('status', 'in', ['requested', 'waiting', 'queued'])
    .orderBy('owner')
    .orderBy('repo')
    .orderBy('environment')
    .execute();
}

/** Concurrency keys with runs waiting for admission. */
async function waitingKeys(deps: EngineDeps): Promise<string[]> {
  const rows = await deps.db
    .selectFrom('pipeline_runs')
    .select('concurrency_key')
    .distinct()
    .where('status', '=', 'queued')
    .where('waiting_reason', 'is not', null)
    .where('cancel_requested_at', 'is', null)
    .where(sql<boolean>`waiting_reason->>'code' = 'wait.concurrency-queue' or from_fork`)
    .limit(1000)
    .execute();
  return rows.map((r) => r.concurrency_key);
}

async function reconcileAttempt(deps: EngineDeps, attempt: JobAttempt, now: Date, quietAfter: number, report: ReconcileReport): Promise<void> {
  const run = await getPipelineRun(deps.db, attempt.pipeline_run_id);
  if (!run) return;
  if (attempt.status === 'dispatching') {
    // Its dispatch effect resolves it (finds the run by correlation id, or fails the job); make sure one is due.
    await recordDispatch(deps.db, { attemptId: attempt.id, runId: run.id, installationId: run.installation_id, now, again: true });
    await updateJobAttempt(deps.db, attempt.id, { last_event_at: now }, { onlyIf: { status: ['dispatching'] }, now });
    report.recovered++;
    deps.effects?.kick();
    return;
  }
  if (attempt.provider === 'jenkins' || attempt.provider === 'gitlab') {
    // Its poll effect follows it; one that settled (a crash, a bug) is started again.
    await recordJobPoll(deps.db, { attemptId: attempt.id, runId: run.id, installationId: run.installation_id, now, at: 'if-lost' });
    await updateJobAttempt(deps.db, attempt.id, { last_event_at: now }, { onlyIf: { status: ['queued', 'in_progress'] }, now });
    deps.effects?.kick();
    return;
  }
  // A webhook job reports itself; its deadline ends it when it never does.
  if (attempt.workflow_run_id === null || attempt.provider !== 'actions') return;
  if (attempt.last_event_at && now.getTime() - attempt.last_event_at.getTime() < quietAfter) return;
  const octokit = await deps.github(run.installation_id);
  const polled = await getWorkflowRun(octokit, run, attempt.workflow_run_id);
  report.polled++;
  const outcome = await applyRunReport(deps, { ...polled, startedAt: null });
  if (outcome !== 'applied' || polled.status !== 'completed') {
    await updateJobAttempt(deps.db, attempt.id, { last_event_at: now }, { onlyIf: { status: ['queued', 'in_progress'] }, now });
  }
}

import type { Kysely } from 'kysely';
import type { EngineEvent } from '../engine/deps.ts';
import type { Database } from '../store/schema/index.ts';
import type { ShipgateMetrics } from './registry.ts';

/** Seconds between two stamps, or undefined when either is missing. */
function between(start: Date | null | undefined, end: Date | null | undefined): number | undefined {
  return start && end ? (end.getTime() - start.getTime()) / 1000 : undefined;
}

/** A run's duration: its first stage starting → its completion. */
async function runDuration(db: Kysely<Database>, runId: number): Promise<number | undefined> {
  const row = await db.selectFrom('pipeline_runs').select(['started_at', 'completed_at']).where('id', '=', runId).executeTakeFirst();
  return between(row?.started_at, row?.completed_at);
}

async function stageDuration(db: Kysely<Database>, runId: number, stage: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('stage_runs')
    .select(['started_at', 'completed_at'])
    .where('pipeline_run_id', '=', runId)
    .where('stage', '=', stage)
    .executeTakeFirst();
  return between(row?.started_at, row?.completed_at);
}

async function jobDuration(db: Kysely<Database>, event: { runId: number; stage: string; job: string; attempt: number }): Promise<number | undefined> {
  const row = await db
    .selectFrom('job_attempts')
    .innerJoin('stage_runs', 'stage_runs.id', 'job_attempts.stage_run_id')
    .select(['job_attempts.started_at', 'job_attempts.completed_at'])
    .where('stage_runs.pipeline_run_id', '=', event.runId)
    .where('stage_runs.stage', '=', event.stage)
    .where('job_attempts.job', '=', event.job)
    .where('job_attempts.attempt', '=', event.attempt)
    .executeTakeFirst();
  return between(row?.started_at, row?.completed_at);
}

/** The type (`coverage`, `junit`, …) of a run's gate, from its latest evaluation. */
async function gateType(db: Kysely<Database>, runId: number, gate: string): Promise<string> {
  const row = await db
    .selectFrom('gate_results')
    .select('type')
    .where('pipeline_run_id', '=', runId)
    .where('gate', '=', gate)
    .orderBy('attempt', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.type ?? 'unknown';
}

/**
 * The engine events that feed metrics, turned into observations. Events come
 * after their transaction committed, with names and conclusions but not times:
 * each observation reads its row once (durations from the stored start and
 * completion), in the background, tracked so that a scrape waits for it.
 * Observing at each completion, rather than everything at the run's end,
 * counts a re-run's jobs once: the earlier attempts were observed when they ended.
 */
export function metricsEventObserver(metrics: ShipgateMetrics, db: Kysely<Database>, onError?: (err: unknown, event: EngineEvent) => void): (event: EngineEvent) => void {
  /** Reads what the observation needs; a failed read still observes the event, without it. */
  const observe = <T>(event: EngineEvent, read: () => Promise<T>, record: (value: T | undefined) => void) => {
    metrics.track(
      read().then(record, (err: unknown) => {
        onError?.(err, event);
        record(undefined);
      }),
    );
  };
  return (event) => {
    switch (event.kind) {
      case 'run-completed':
        observe(event, () => runDuration(db, event.runId), (durationSeconds) =>
          metrics.observeRunCompleted({ pipeline: event.pipeline, conclusion: event.conclusion, durationSeconds }),
        );
        return;
      case 'stage-completed':
        observe(event, () => stageDuration(db, event.runId, event.stage), (durationSeconds) =>
          metrics.observeStageCompleted({ pipeline: event.pipeline, stage: event.stage, conclusion: event.conclusion, durationSeconds }),
        );
        return;
      case 'job-completed':
        observe(event, () => jobDuration(db, event), (durationSeconds) =>
          metrics.observeJobCompleted({ pipeline: event.pipeline, stage: event.stage, conclusion: event.conclusion, durationSeconds }),
        );
        return;
      case 'gate-evaluated':
        observe(event, () => gateType(db, event.runId, event.gate), (type) => metrics.observeGateResult(type ?? 'unknown', event.result));
        return;
      default:
        return;
    }
  };
}

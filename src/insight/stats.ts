/**
 * Delivery statistics of one repository (SPEC §12 "Analytics"), from
 * shipgate's own history: the one module the CLI (`shipgate stats`), the API
 * (`GET /api/v1/stats`) and the dashboard call.
 *
 * The database filters and aggregates what grows with history (pipeline runs,
 * stage runs, job attempts: counts, `percentile_cont` percentiles, flaky and
 * broken jobs, the changes of outcome on the default branch); what stays small
 * (deployments, the outcome changes) goes to the pure rules of `metrics-math.ts`.
 *
 * Attribution rules (where the SPEC is silent):
 * - A pipeline run, with its stages and job attempts, belongs to the window its
 *   run *completed* in (`[since, until)`, UTC); runs still going are not counted.
 * - `pipeline` and `branch` narrow the run, stage and job figures and the
 *   recovery time; `branch` matches the run's ref (`refs/heads/<branch>`; a pull
 *   request's runs are on its head branch). `environment` narrows the DORA
 *   figures, which otherwise cover every production-tier environment (those whose
 *   policy says `production: true`); DORA is per repository and environment, so
 *   `pipeline` and `branch` do not narrow it (rollbacks and `/deploy` run as
 *   pipelines of their own, `deploy/<environment>`).
 * - Job figures count attempts (a retried job counts each attempt).
 * - Recovery time is measured on `branch` when given, otherwise on the default
 *   branch named by the most recent run's plan; pull-request and deploy runs are left out.
 * - Lead time: the change time of a deployed sha is the earliest of the commit's
 *   own timestamp (`plan.commitDate`, from the push payload), the creation of the
 *   first pipeline run of that sha, and — when the deployment or a run of the sha
 *   names a pull request — the creation of that pull request's first run (the
 *   nearest shipgate has to the PR's first commit). Only the first successful
 *   deployment of a sha to an environment counts, never a rollback.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema/index.ts';
import { compareText, doraBenchmark, doraMetrics, type DeploymentRecord, type DoraBenchmark, type DoraMetrics, type Summary } from './metrics-math.ts';
import {
  conclusionColumns,
  countsOf,
  deploymentRecords,
  EMPTY_COUNTS,
  flakyAndBroken,
  jobFigures,
  recoveryFigures,
  roundSeconds,
  roundSummary,
  runFigures,
  runAggregate,
  runFilter,
  seconds,
  stageFigures,
  type ConclusionRow,
} from './stats-queries.ts';

export type { Summary } from './metrics-math.ts';
export { branchRef } from './stats-queries.ts';

/** What to compute statistics over. */
export interface StatsQuery {
  owner: string;
  repo: string;
  /** Start of the window, inclusive. */
  since: Date;
  /** End of the window, exclusive. */
  until: Date;
  /** Only this pipeline's runs (and its stages and jobs). */
  pipeline?: string;
  /** Only runs on this branch (`main`, or a full ref such as `refs/heads/main`). */
  branch?: string;
  /** DORA of this environment only, whatever its tier (default: every production-tier environment). */
  environment?: string;
}

/** Finished runs, stages or job attempts by conclusion. */
export interface ConclusionCounts {
  /** All of them. */
  total: number;
  success: number;
  failure: number;
  timedOut: number;
  /** Outside the success rate, counted apart. */
  cancelled: number;
  /** Outside the success rate, counted apart. */
  skipped: number;
  /** Any other conclusion (`neutral`, `action_required`, `stale`, `startup_failure`): outside the success rate. */
  other: number;
  /** success ÷ (success + failure + timed out); null when that sum is 0. */
  successRate: number | null;
}

/** One pipeline's finished runs: conclusions and durations (`completed − started`, seconds). */
export interface PipelineStats extends ConclusionCounts {
  pipeline: string;
  durationSeconds: Summary;
}

/** One stage (of one pipeline) over the finished runs. */
export interface StageStats extends ConclusionCounts {
  pipeline: string;
  stage: string;
  durationSeconds: Summary;
}

/** One job (of one pipeline) over its finished attempts. */
export interface JobStats extends ConclusionCounts {
  pipeline: string;
  /** The stage of its most recent attempt. */
  stage: string | null;
  job: string;
  /** `completed − started` of each attempt, seconds. */
  durationSeconds: Summary;
  /** `started − dispatched` of each attempt: how long it waited for a runner, seconds. */
  queueWaitSeconds: Summary;
}

/** A job whose attempts on one sha include both a success and a failure (timed out counts as a failure). */
export interface FlakyJob {
  pipeline: string;
  stage: string | null;
  job: string;
  /** Shas with both a success and a failure among the job's attempts. */
  flakyShas: number;
  /** Shas the job has a finished attempt on. */
  shas: number;
  /** flakyShas ÷ shas. */
  flakeRate: number;
  /** When the last attempt on a flaky sha ended (ISO 8601). */
  lastFlakyAt: string;
}

/** A job whose last 3 distinct shas all failed (no attempt on them succeeded). */
export interface BrokenJob {
  pipeline: string;
  stage: string | null;
  job: string;
  /** The failing shas, newest first. */
  shas: string[];
  /** When its last attempt ended (ISO 8601). */
  lastFailedAt: string;
}

/** Pipeline recovery time: from the first failing run after a success to the next success (completion to completion), seconds. */
export interface RecoveryStats extends Summary {
  /** The branch it was measured on; null when no run names the default branch. */
  branch: string | null;
  /** Red streaks no success ended by `until`. */
  unrecovered: number;
}

/** The DORA figures (SPEC §12) over the window, as `doraMetrics` computes them (see `metrics-math.ts` for each rule). */
export interface DoraStats extends DoraMetrics {
  /** The environments counted: the production-tier ones deployed to in the window, or the one asked for. */
  environments: string[];
  /** Optional: each figure's tier in a published DORA table, naming it (`dora-2024`); null without deployments. */
  benchmark: DoraBenchmark | null;
}

/**
 * The statistics of one repository over `[since, until)`: what `shipgate stats
 * --json` prints and `GET /api/v1/stats` returns. Times are ISO 8601 (UTC),
 * durations seconds (to the millisecond), rates between 0 and 1; every figure
 * is `null` where there is nothing to measure (counts are 0).
 */
export interface Stats {
  /** `owner/repo`. */
  repository: string;
  window: { since: string; until: string };
  filters: { pipeline: string | null; branch: string | null; environment: string | null };
  /** Every finished pipeline run of the window. */
  runs: ConclusionCounts & { durationSeconds: Summary };
  /** Per pipeline, by name. */
  pipelines: PipelineStats[];
  /** Per pipeline and stage, by name. */
  stages: StageStats[];
  /** Per pipeline and job, by name. */
  jobs: JobStats[];
  /** Every job attempt's queue wait (`started − dispatched`), seconds. */
  queueWaitSeconds: Summary;
  /** Flaky jobs, highest flake rate first. */
  flaky: FlakyJob[];
  /** Broken jobs, by name. */
  broken: BrokenJob[];
  recovery: RecoveryStats;
  dora: DoraStats;
}

/** One bucket of {@link computeTrends}: a UTC day or an ISO week (Monday to Monday). */
export interface TrendPoint {
  /** Start of the bucket (ISO 8601); the first and last buckets may be cut by the window. */
  start: string;
  /** End of the bucket, exclusive. */
  end: string;
  /** Finished pipeline runs (same filters as {@link computeStats}). */
  runs: number;
  /** success ÷ (success + failure + timed out) of those runs; null when none. */
  successRate: number | null;
  /** p95 of their durations, seconds; null when none. */
  p95DurationSeconds: number | null;
  /** Successful production-tier deployments (or of the environment asked for). */
  deployments: number;
  /** Change failure rate of the deployments carried out in the bucket; null when none. */
  changeFailureRate: number | null;
}

/** Thrown for a query that cannot be answered as asked (`since` not before `until`, too many buckets). */
export class StatsQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatsQueryError';
  }
}

/** The most buckets {@link computeTrends} returns (10 years of days). */
export const MAX_TREND_BUCKETS = 3_660;

function checkQuery(query: StatsQuery): void {
  const since = query.since.getTime();
  const until = query.until.getTime();
  if (!Number.isFinite(since) || !Number.isFinite(until)) throw new StatsQueryError('since and until must be valid dates');
  if (since >= until) throw new StatsQueryError(`since (${query.since.toISOString()}) must be before until (${query.until.toISOString()})`);
}

function doraStats(records: readonly DeploymentRecord[], query: StatsQuery): DoraStats {
  const metrics = doraMetrics(records, query);
  const inWindow = records.filter((d) => d.completedAt >= query.since && d.completedAt < query.until);
  const environments = query.environment !== undefined ? [query.environment] : [...new Set(inWindow.map((d) => d.environment))].sort(compareText);
  return {
    environments,
    deployments: metrics.deployments,
    successful: metrics.successful,
    failed: metrics.failed,
    rollbacks: metrics.rollbacks,
    changeFailures: metrics.changeFailures,
    deploymentFrequency: metrics.deploymentFrequency,
    leadTimeSeconds: roundSummary(metrics.leadTimeSeconds),
    changeFailureRate: metrics.changeFailureRate,
    failedDeploymentRecoverySeconds: { ...roundSummary(metrics.failedDeploymentRecoverySeconds), unrecovered: metrics.failedDeploymentRecoverySeconds.unrecovered },
    reworkRate: metrics.reworkRate,
    benchmark: doraBenchmark(metrics, 'dora-2024'),
  };
}

/**
 * The statistics of `query.owner/query.repo` over `[since, until)` (UTC).
 * Throws a {@link StatsQueryError} when `since` is not before `until`. The
 * independent queries run concurrently (on PostgreSQL each takes a pooled
 * connection; PGlite runs them one after the other).
 */
export async function computeStats(db: Kysely<Database>, query: StatsQuery): Promise<Stats> {
  checkQuery(query);
  const [runs, stages, jobs, shas, recovery, deployments] = await Promise.all([
    runFigures(db, query),
    stageFigures(db, query),
    jobFigures(db, query),
    flakyAndBroken(db, query),
    recoveryFigures(db, query),
    deploymentRecords(db, query),
  ]);
  const stageOf = new Map(jobs.jobs.map((job) => [`${job.pipeline}\u0000${job.job}`, job.stage]));
  const withStage = <T extends { pipeline: string; job: string }>({ pipeline, ...rest }: T) => ({ pipeline, stage: stageOf.get(`${pipeline}\u0000${rest.job}`) ?? null, ...rest });
  return {
    repository: `${query.owner}/${query.repo}`,
    window: { since: query.since.toISOString(), until: query.until.toISOString() },
    filters: { pipeline: query.pipeline ?? null, branch: query.branch ?? null, environment: query.environment ?? null },
    runs: runs.runs,
    pipelines: runs.pipelines,
    stages,
    jobs: jobs.jobs,
    queueWaitSeconds: jobs.queueWaitSeconds,
    flaky: shas.flaky.map(withStage),
    broken: shas.broken.map(withStage),
    recovery,
    dora: doraStats(deployments, query),
  };
}

const DAY_MS = 86_400_000;
/** A Monday, 00:00 UTC: weeks are counted from it (ISO weeks). */
const WEEK_ORIGIN = Date.UTC(2001, 0, 1);

/** The buckets covering `[since, until)`: whole UTC days or ISO weeks. */
export function trendBuckets(since: Date, until: Date, bucket: 'day' | 'week'): { start: Date; end: Date }[] {
  const length = bucket === 'day' ? DAY_MS : 7 * DAY_MS;
  const origin = bucket === 'day' ? 0 : WEEK_ORIGIN;
  const first = origin + Math.floor((since.getTime() - origin) / length) * length;
  const count = Math.ceil((until.getTime() - first) / length);
  if (count > MAX_TREND_BUCKETS) throw new StatsQueryError(`${count} ${bucket}s is more than ${MAX_TREND_BUCKETS} buckets; choose a shorter window or --bucket week`);
  return Array.from({ length: count }, (_, i) => ({ start: new Date(first + i * length), end: new Date(first + (i + 1) * length) }));
}

interface TrendRow extends ConclusionRow {
  bucket: Date;
  p95: number | null;
}

/**
 * Per UTC day or ISO week of `[since, until)`: the finished runs' success rate
 * and p95 duration, successful production-tier deployments and the change
 * failure rate (same filters and rules as {@link computeStats}). Every bucket
 * is present, empty ones with nulls. Throws a {@link StatsQueryError} for a
 * window that is empty or longer than {@link MAX_TREND_BUCKETS} buckets.
 */
export async function computeTrends(db: Kysely<Database>, query: StatsQuery, bucket: 'day' | 'week'): Promise<TrendPoint[]> {
  checkQuery(query);
  const buckets = trendBuckets(query.since, query.until, bucket);
  const interval = bucket === 'day' ? sql`interval '1 day'` : sql`interval '7 days'`;
  const [rows, deployments] = await Promise.all([
    runAggregate(db, sql<TrendRow>`
      select date_bin(${interval}, r.completed_at, ${new Date(WEEK_ORIGIN)}::timestamptz) as bucket,
        ${conclusionColumns(sql.ref('r.conclusion'))},
        percentile_cont(0.95) within group (order by ${seconds('r.started_at', 'r.completed_at')}) as p95
      from pipeline_runs r
      where ${runFilter(query)}
      group by 1`),
    deploymentRecords(db, query),
  ]);
  const byBucket = new Map(rows.map((row) => [row.bucket.getTime(), row]));
  return buckets.map(({ start, end }) => {
    const row = byBucket.get(start.getTime());
    const counts = countsOf(row ?? EMPTY_COUNTS);
    const window = { since: new Date(Math.max(start.getTime(), query.since.getTime())), until: new Date(Math.min(end.getTime(), query.until.getTime())) };
    const dora = doraMetrics(deployments, window);
    return {
      start: start.toISOString(),
      end: end.toISOString(),
      runs: counts.total,
      successRate: counts.successRate,
      p95DurationSeconds: roundSeconds(row?.p95 ?? null),
      deployments: dora.successful,
      changeFailureRate: dora.changeFailureRate,
    };
  });
}

/** The repositories the store has history for (pipeline runs or deployments), as `owner/repo`, sorted. */
export async function listRepositories(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ owner: string; repo: string }>`
    select owner, repo from pipeline_runs group by owner, repo
    union
    select owner, repo from deployments group by owner, repo`.execute(db);
  return rows.map((row) => `${row.owner}/${row.repo}`).sort(compareText);
}

/**
 * The stored spelling of `owner/repo` (GitHub names are case-insensitive), or
 * null when the store has no history for it.
 */
export async function findRepository(db: Kysely<Database>, owner: string, repo: string): Promise<{ owner: string; repo: string } | null> {
  const exact = await db.selectFrom('pipeline_runs').select('id').where('owner', '=', owner).where('repo', '=', repo).limit(1).executeTakeFirst();
  const exactDeployment = exact ? exact : await db.selectFrom('deployments').select('id').where('owner', '=', owner).where('repo', '=', repo).limit(1).executeTakeFirst();
  if (exactDeployment) return { owner, repo };
  const wanted = `${owner}/${repo}`.toLowerCase();
  const match = (await listRepositories(db)).find((name) => name.toLowerCase() === wanted);
  if (!match) return null;
  const [foundOwner = owner, foundRepo = repo] = match.split('/');
  return { owner: foundOwner, repo: foundRepo };
}

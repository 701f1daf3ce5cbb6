/**
 * Figure 10 (SPEC §11): delivery statistics (`computeStats`) over a store of
 * 1,000,000 job attempts (PostgreSQL; 250,000 on PGlite), with their pipeline
 * and stage runs and a year of deployments, seeded by `generate_series`
 * INSERTs in the database itself.
 *
 * The history spans 365 days: `computeStats` is timed for the CLI's default
 * window (the last 30 days of it, ~1/12 of the rows) and for the whole year
 * (every row in the window, the worst case), a few times each; the median is
 * reported with the main query's (the job figures') `EXPLAIN ANALYZE` plan.
 */
import { sql, type Kysely } from 'kysely';
import { computeStats, type StatsQuery } from '../src/insight/stats.ts';
import { jobFiguresSql } from '../src/insight/stats-queries.ts';
import { migrateToLatest } from '../src/store/migrations/migrate.ts';
import type { Database } from '../src/store/schema/index.ts';
import { openBenchPglite, openReachablePostgres, type BenchDatabase } from './databases.ts';
import type { Progress } from './measure-pipelines.ts';
import type { AnalyticsResult, AnalyticsWindowResult, TargetResult } from './results.ts';

/** Job attempts per pipeline run: 9 jobs, one of which is retried once. */
const ATTEMPTS_PER_RUN = 10;
/**
 * Job attempts seeded on each database: SPEC §11's million on PostgreSQL; a
 * quarter of it on PGlite, where seeding a million takes some 45 s and the
 * whole-year calls 9 s each (the figure is reported there, not judged).
 */
export const ANALYTICS_ROWS = { postgres: 1_000_000, pglite: 250_000 } as const;
/** Timed calls per window (after one untimed warm-up). */
const REPEATS = 5;
const SPAN_DAYS = 365;
const OWNER = 'bench';
const REPO = 'app';
/** Where the seeded year ends: a fixed date, so every run seeds the same rows. */
const END = new Date('2026-12-01T00:00:00Z');

/** Seeds `runs` finished pipeline runs (3 stages, 10 job attempts each) and two deployments a day over the year before `END`. */
export async function seedAnalytics(db: Kysely<Database>, runs: number): Promise<void> {
  const start = new Date(END.getTime() - SPAN_DAYS * 86_400_000);
  const spanSeconds = SPAN_DAYS * 86_400;
  // A run every spanSeconds / runs seconds; even runs push to main, odd ones are pull requests; two runs per sha.
  await sql`
    insert into pipeline_runs (id, installation_id, owner, repo, pipeline, trigger, ref, sha, pr_number, concurrency_key,
      status, conclusion, plan, created_at, updated_at, started_at, completed_at)
    select g, 1, ${OWNER}, ${REPO},
      case when g % 10 < 7 then 'ci' when g % 10 < 8 then 'nightly' else 'release' end,
      case when g % 2 = 0 then 'push' else 'pull_request' end,
      case when g % 2 = 0 then 'refs/heads/main' else 'refs/heads/feature-' || (g % 500) end,
      md5((g / 2)::text),
      case when g % 2 = 1 then g % 500 end,
      'bench:' || g,
      'completed',
      case when (g * 7919) % 100 < 85 then 'success' when (g * 7919) % 100 < 95 then 'failure' when (g * 7919) % 100 < 98 then 'cancelled' else 'timed_out' end,
      jsonb_build_object('defaultBranch', 'main', 'stages', '{}'::jsonb, 'context', '{}'::jsonb, 'commitDate', to_char(ts - interval '20 minutes', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
      ts, ts + duration, ts, ts + duration
    from generate_series(1, ${runs}::int) g,
      lateral (select ${start}::timestamptz + (g::float8 * ${spanSeconds} / ${runs}) * interval '1 second' as ts,
                      (120 + (g * 31) % 900) * interval '1 second' as duration) t`.execute(db);
  await sql`
    insert into stage_runs (id, pipeline_run_id, stage, status, conclusion, started_at, completed_at)
    select (r.id - 1) * 3 + s.k, r.id, s.name, 'completed', case when s.k = 2 then r.conclusion else 'success' end,
      r.started_at + (s.k - 1) * (r.completed_at - r.started_at) / 3, r.started_at + s.k * (r.completed_at - r.started_at) / 3
    from pipeline_runs r, (values (1, 'build'), (2, 'test'), (3, 'package')) s(k, name)
    where r.owner = ${OWNER}`.execute(db);
  // Attempts 1–9: jobs j1..j9 (j1–j2 build, j3–j7 test, j8–j9 package); attempt row 10 retries job (id % 9) + 1,
  // whose first attempt failed: a flaky sha when the retry passes.
  await sql`
    insert into job_attempts (id, pipeline_run_id, stage_run_id, job, attempt, workflow, correlation_id, status, conclusion,
      dispatched_at, started_at, completed_at)
    select (r.id - 1) * ${ATTEMPTS_PER_RUN} + k, r.id,
      (r.id - 1) * 3 + case when j <= 2 then 1 when j <= 7 then 2 else 3 end,
      'j' || j, case when k = 10 then 2 else 1 end, 'j' || j || '.yml', 'bench-' || r.id || '-' || k, 'completed',
      case
        when k = 10 then case when (r.id * 13) % 10 < 7 then 'success' else 'failure' end
        when j = (r.id % 9) + 1 then 'failure'
        when (r.id * 7 + k * 104729) % 100 < 92 then 'success'
        when (r.id * 7 + k * 104729) % 100 < 97 then 'failure'
        when (r.id * 7 + k * 104729) % 100 < 99 then 'cancelled'
        else 'timed_out' end,
      r.started_at + k * interval '5 seconds',
      r.started_at + k * interval '5 seconds' + ((r.id + k) % 120) * interval '1 second',
      r.started_at + k * interval '5 seconds' + ((r.id + k) % 120) * interval '1 second' + (30 + (r.id * k) % 600) * interval '1 second'
    from pipeline_runs r, generate_series(1, ${ATTEMPTS_PER_RUN}::int) k,
      lateral (select case when k = 10 then (r.id % 9) + 1 else k end as j) jj
    where r.owner = ${OWNER}`.execute(db);
  // Two production deployments a day; one in 10 rolled back an hour later, one in 20 failed.
  await sql`
    insert into deployments (owner, repo, environment, ref, sha, requested_by, source, status, ref_branches, policy,
      created_at, updated_at, started_at, completed_at, succeeded_at)
    select ${OWNER}, ${REPO}, 'production', 'main', md5(d::text), 'bench',
      case when d % 10 = 5 then 'rollback' else 'stage' end,
      case when d % 20 = 3 then 'failed' else 'succeeded' end,
      '["main"]'::jsonb, '{"production": true}'::jsonb,
      ts - interval '10 minutes', ts, ts - interval '10 minutes', ts,
      case when d % 20 = 3 then null else ts end
    from generate_series(1, ${SPAN_DAYS * 2}::int) d,
      lateral (select ${start}::timestamptz + d * interval '12 hours' as ts) t`.execute(db);
  // What autovacuum does to a table that stopped changing: statistics, and the visibility map index-only scans need.
  await sql`vacuum analyze`.execute(db);
}

async function timeStats(db: Kysely<Database>, query: StatsQuery, say: Progress, label: string): Promise<AnalyticsWindowResult> {
  await computeStats(db, query);
  const samples: number[] = [];
  let runs = 0;
  let attempts = 0;
  for (let i = 0; i < REPEATS; i += 1) {
    const started = performance.now();
    const stats = await computeStats(db, query);
    samples.push(performance.now() - started);
    runs = stats.runs.total;
    attempts = stats.jobs.reduce((sum, job) => sum + job.total, 0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  say(`analytics ${label}: median ${medianMs.toFixed(1)} ms over ${REPEATS} calls (${attempts} attempts of ${runs} runs in the window)`);
  return { label, since: query.since.toISOString(), until: query.until.toISOString(), runsInWindow: runs, attemptsInWindow: attempts, medianMs, samplesMs: samples };
}

/** The job figures' plan, as `EXPLAIN (ANALYZE, BUFFERS)` prints it. */
async function explainJobs(db: Kysely<Database>, query: StatsQuery): Promise<string[]> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, costs off) ${jobFiguresSql(query)}`.execute(db);
  return rows.map((row) => row['QUERY PLAN']);
}

/**
 * Figure 10 on one database: a fresh database, migrated, seeded, then
 * `computeStats` timed for the last 30 days and the whole year.
 */
export async function measureAnalytics(kind: TargetResult['database'], progress: Progress): Promise<TargetResult> {
  const started = performance.now();
  const result: TargetResult = { database: kind, notes: [], durationMs: 0 };
  const say: Progress = (message) => progress(`${kind}: ${message}`);
  let database: BenchDatabase | undefined;
  try {
    if (kind === 'postgres') {
      const opened = await openReachablePostgres();
      if ('skipped' in opened) {
        result.skipped = opened.skipped;
        return result;
      }
      database = opened.database;
    } else {
      database = await openBenchPglite();
    }
    const db = database.store.db;
    await migrateToLatest(db);
    const rows = ANALYTICS_ROWS[kind];
    const seedStarted = performance.now();
    await seedAnalytics(db, rows / ATTEMPTS_PER_RUN);
    const seedMs = performance.now() - seedStarted;
    say(`analytics: seeded ${rows} job attempts (${rows / ATTEMPTS_PER_RUN} runs) in ${(seedMs / 1000).toFixed(1)} s`);
    const counted = await db.selectFrom('job_attempts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const base = { owner: OWNER, repo: REPO, until: END };
    const last30 = { ...base, since: new Date(END.getTime() - 30 * 86_400_000) };
    const year = { ...base, since: new Date(END.getTime() - (SPAN_DAYS + 1) * 86_400_000) };
    const analytics: AnalyticsResult = {
      jobRows: Number(counted.n),
      runRows: rows / ATTEMPTS_PER_RUN,
      seedMs,
      windows: [await timeStats(db, last30, say, 'last 30 days'), await timeStats(db, year, say, 'whole year')],
      plan: await explainJobs(db, year),
    };
    result.analytics = analytics;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await database?.dispose().catch(() => {});
    result.durationMs = Math.round(performance.now() - started);
  }
  return result;
}

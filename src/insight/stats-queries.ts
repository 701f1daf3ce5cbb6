/**
 * The SQL of `stats.ts`: each function filters and aggregates in the database
 * (the window, the repository, the filters; counts, `percentile_cont`,
 * flaky and broken jobs, the outcome changes on a branch) and shapes its rows
 * into figures. `percentile_cont` interpolates between the closest ranks,
 * exactly as `percentile` in `metrics-math.ts` does; both PostgreSQL and PGlite
 * run every statement here.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, DeploymentSource } from '../store/schema/index.ts';
import { BROKEN_AFTER_SHAS, CARRIED_OUT_STATUSES, compareText, recoveryTimes, successRate, summarize, type BranchRun, type CarriedOutStatus, type DeploymentRecord, type Summary } from './metrics-math.ts';
import type { BrokenJob, ConclusionCounts, FlakyJob, JobStats, PipelineStats, RecoveryStats, StageStats, Stats, StatsQuery } from './stats.ts';

/** `refs/heads/<branch>`, or the ref itself when a full ref is given. */
export function branchRef(branch: string): string {
  return branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
}

/** The `where` of the finished runs of the query, on `pipeline_runs r`. */
export function runFilter(query: StatsQuery): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [
    sql`r.owner = ${query.owner}`,
    sql`r.repo = ${query.repo}`,
    sql`r.completed_at >= ${query.since}`,
    sql`r.completed_at < ${query.until}`,
  ];
  if (query.pipeline !== undefined) parts.push(sql`r.pipeline = ${query.pipeline}`);
  if (query.branch !== undefined) parts.push(sql`r.ref = ${branchRef(query.branch)}`);
  return sql.join(parts, sql` and `);
}

/**
 * `with runs as materialized (…)`: the ids (and `columns`) of the window's
 * finished runs, computed once, so the planner probes stage runs and job
 * attempts by their `pipeline_run_id` indexes for a small window (measured
 * faster than the inlined join for stages and per-sha attempts, and on par
 * for the job figures).
 */
function windowRuns(query: StatsQuery, columns: readonly string[]): RawBuilder<unknown> {
  return sql`with runs as materialized (select ${sql.join(['id', ...columns].map((c) => sql.ref(`r.${c}`)))} from pipeline_runs r where ${runFilter(query)})`;
}

/** Seconds between two timestamp columns, null when either is missing or the end is before the start. */
export function seconds(start: string, end: string): RawBuilder<number | null> {
  const from = sql.ref(start);
  const to = sql.ref(end);
  return sql<number | null>`case when ${to} >= ${from} then date_part('epoch', ${to} - ${from}) end`;
}

/** The count columns by conclusion of `column`, as `ConclusionRow`. */
export function conclusionColumns(column: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`count(*)::int as total,
    count(*) filter (where ${column} = 'success')::int as success,
    count(*) filter (where ${column} = 'failure')::int as failure,
    count(*) filter (where ${column} = 'timed_out')::int as timed_out,
    count(*) filter (where ${column} = 'cancelled')::int as cancelled,
    count(*) filter (where ${column} = 'skipped')::int as skipped`;
}

/** `<prefix>_n`, `<prefix>_mean` and `<prefix>_p` (p50 and p95, by `percentile_cont`) of a duration expression. */
function summaryColumns(prefix: string, value: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`count(${value})::int as ${sql.ref(`${prefix}_n`)},
    avg(${value}) as ${sql.ref(`${prefix}_mean`)},
    percentile_cont(array[0.5, 0.95]::float8[]) within group (order by ${value}) as ${sql.ref(`${prefix}_p`)}`;
}

/** The columns of `conclusionColumns`. */
export interface ConclusionRow {
  total: number;
  success: number;
  failure: number;
  timed_out: number;
  cancelled: number;
  skipped: number;
}

/** Seconds rounded to the millisecond: the stored precision, without floating-point noise. */
export function roundSeconds(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

function summaryOf(n: number, mean: number | null, p: (number | null)[] | null): Summary {
  if (n === 0) return { n: 0, p50: null, p95: null, mean: null };
  return { n, p50: roundSeconds(p?.[0] ?? null), p95: roundSeconds(p?.[1] ?? null), mean: roundSeconds(mean === null ? null : Number(mean)) };
}

/** A summary computed in JavaScript, rounded as the database's are. */
export function roundSummary(summary: Summary): Summary {
  return { n: summary.n, p50: roundSeconds(summary.p50), p95: roundSeconds(summary.p95), mean: roundSeconds(summary.mean) };
}

/** The counts of a row, with the success rate and what is left as `other`. */
export function countsOf(row: ConclusionRow): ConclusionCounts {
  const counts = { success: row.success, failure: row.failure, timedOut: row.timed_out };
  return {
    total: row.total,
    ...counts,
    cancelled: row.cancelled,
    skipped: row.skipped,
    other: row.total - row.success - row.failure - row.timed_out - row.cancelled - row.skipped,
    successRate: successRate(counts),
  };
}

/** The counts of nothing. */
export const EMPTY_COUNTS: ConclusionRow = { total: 0, success: 0, failure: 0, timed_out: 0, cancelled: 0, skipped: 0 };

type Db = Kysely<Database>;

/**
 * Runs one aggregating statement with PostgreSQL's JIT compilation off: the
 * planner's cost estimates of these statements cross `jit_above_cost` at a
 * few tens of thousands of rows, where compiling takes longer (30–40 ms) than
 * it saves. Inside a caller's transaction the statement runs as it is.
 */
export async function runAggregate<R>(db: Db, statement: RawBuilder<R>): Promise<R[]> {
  if (db.isTransaction) return (await statement.execute(db)).rows;
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return (await statement.execute(trx)).rows;
  });
}

interface RunRow extends ConclusionRow {
  pipeline: string | null;
  total_row: number;
  d_n: number;
  d_mean: number | null;
  d_p: number[] | null;
}

/** The window's finished runs, all together and per pipeline: conclusions and durations. */
export async function runFigures(db: Db, query: StatsQuery): Promise<{ runs: Stats['runs']; pipelines: PipelineStats[] }> {
  const rows = await runAggregate(db, sql<RunRow>`
    select r.pipeline, grouping(r.pipeline) as total_row, ${conclusionColumns(sql.ref('r.conclusion'))},
      ${summaryColumns('d', seconds('r.started_at', 'r.completed_at'))}
    from pipeline_runs r
    where ${runFilter(query)}
    group by grouping sets ((r.pipeline), ())`);
  const total = rows.find((row) => row.total_row === 1);
  return {
    runs: { ...countsOf(total ?? EMPTY_COUNTS), durationSeconds: total ? summaryOf(total.d_n, total.d_mean, total.d_p) : summaryOf(0, null, null) },
    pipelines: rows
      .filter((row): row is RunRow & { pipeline: string } => row.total_row === 0 && row.pipeline !== null)
      .map((row) => ({ pipeline: row.pipeline, ...countsOf(row), durationSeconds: summaryOf(row.d_n, row.d_mean, row.d_p) }))
      .sort((a, b) => compareText(a.pipeline, b.pipeline)),
  };
}

interface StageRow extends ConclusionRow {
  pipeline: string;
  stage: string;
  d_n: number;
  d_mean: number | null;
  d_p: number[] | null;
}

/** The stages of the window's finished runs, per pipeline and stage (skipped stages count as skipped). */
export async function stageFigures(db: Db, query: StatsQuery): Promise<StageStats[]> {
  const rows = await runAggregate(db, sql<StageRow>`
    ${windowRuns(query, ['pipeline'])}
    select r.pipeline collate "C" as pipeline, s.stage collate "C" as stage,
      ${conclusionColumns(sql`coalesce(s.conclusion, case when s.status = 'skipped' then 'skipped' end)`)},
      ${summaryColumns('d', seconds('s.started_at', 's.completed_at'))}
    from runs r
    join stage_runs s on s.pipeline_run_id = r.id
    where s.status in ('completed', 'skipped')
    group by 1, 2`);
  return rows
    .map((row) => ({ pipeline: row.pipeline, stage: row.stage, ...countsOf(row), durationSeconds: summaryOf(row.d_n, row.d_mean, row.d_p) }))
    .sort((a, b) => compareText(a.pipeline, b.pipeline) || compareText(a.stage, b.stage));
}

interface JobRow extends ConclusionRow {
  pipeline: string | null;
  job: string | null;
  stage: string | null;
  total_row: number;
  d_n: number;
  d_mean: number | null;
  d_p: number[] | null;
  w_n: number;
  w_mean: number | null;
  w_p: number[] | null;
}

/**
 * The job figures' statement (also what the bench explains): attempts of the
 * window's finished runs grouped per (pipeline, job), plus one row for all of
 * them. Job ids are unique within a pipeline, so the stage is named afterwards
 * from the latest attempt's stage run instead of joining every attempt to it.
 */
export function jobFiguresSql(query: StatsQuery): RawBuilder<JobRow> {
  return sql<JobRow>`
    ${windowRuns(query, ['pipeline'])}
    select j.*, (select s.stage from stage_runs s where s.id = j.stage_run_id) as stage
    from (
      select pipeline, job, grouping(pipeline, job) as total_row, max(stage_run_id) as stage_run_id,
        ${conclusionColumns(sql.ref('conclusion'))},
        ${summaryColumns('d', sql.ref('d'))},
        ${summaryColumns('w', sql.ref('w'))}
      from (
        select r.pipeline collate "C" as pipeline, a.job collate "C" as job, a.stage_run_id, a.conclusion,
          ${seconds('a.started_at', 'a.completed_at')} as d,
          ${seconds('a.dispatched_at', 'a.started_at')} as w
        from runs r
        join job_attempts a on a.pipeline_run_id = r.id
        where a.status = 'completed'
        -- offset 0: each duration is computed once per attempt, not once per aggregate.
        offset 0
      ) attempts
      group by grouping sets ((pipeline, job), ())
    ) j`;
}

/** The job attempts of the window's finished runs, per pipeline and job, and every attempt's queue wait. */
export async function jobFigures(db: Db, query: StatsQuery): Promise<{ jobs: JobStats[]; queueWaitSeconds: Summary }> {
  const rows = await runAggregate(db, jobFiguresSql(query));
  const total = rows.find((row) => row.total_row !== 0);
  return {
    queueWaitSeconds: total ? summaryOf(total.w_n, total.w_mean, total.w_p) : summaryOf(0, null, null),
    jobs: rows
      .filter((row): row is JobRow & { pipeline: string; job: string } => row.total_row === 0 && row.pipeline !== null && row.job !== null)
      .map((row) => ({
        pipeline: row.pipeline,
        stage: row.stage,
        job: row.job,
        ...countsOf(row),
        durationSeconds: summaryOf(row.d_n, row.d_mean, row.d_p),
        queueWaitSeconds: summaryOf(row.w_n, row.w_mean, row.w_p),
      }))
      .sort((a, b) => compareText(a.pipeline, b.pipeline) || compareText(a.job, b.job)),
  };
}

interface ShaRow {
  pipeline: string;
  job: string;
  shas: number;
  flaky_shas: number;
  last_flaky_at: Date | null;
  last_at: Date;
  streak: number;
  streak_shas: string[];
}

/**
 * Flaky and broken jobs in one statement: attempts grouped per (pipeline,
 * job, sha) — did one succeed, did one fail, when did the last end — then per
 * job: its shas, its flaky shas, and its failing streak, the failed shas newer
 * than its last sha that did not fail (the job is broken when the streak
 * holds 3 or more). The same rules as `flakyJobs` and `brokenJobs` in
 * `metrics-math.ts`, without ranking every sha.
 */
export function flakyAndBrokenSql(query: StatsQuery): RawBuilder<ShaRow> {
  return sql<ShaRow>`
    ${windowRuns(query, ['pipeline', 'sha'])}, per_sha as (
      select r.pipeline collate "C" as pipeline, a.job collate "C" as job, r.sha collate "C" as sha,
        bool_or(a.conclusion = 'success') as succeeded,
        bool_or(a.conclusion in ('failure', 'timed_out')) and not bool_or(a.conclusion = 'success') as failed_only,
        bool_or(a.conclusion in ('failure', 'timed_out')) and bool_or(a.conclusion = 'success') as flaky,
        max(a.completed_at) as last_at
      from runs r
      join job_attempts a on a.pipeline_run_id = r.id
      where a.status = 'completed'
      group by 1, 2, 3
    ), per_job as (
      select pipeline, job,
        count(*)::int as shas,
        count(*) filter (where flaky)::int as flaky_shas,
        max(last_at) filter (where flaky) as last_flaky_at,
        max(last_at) filter (where not failed_only) as last_good_at,
        max(last_at) as last_at
      from per_sha
      group by pipeline, job
    ), streaks as (
      select s.pipeline, s.job, count(*)::int as streak, (array_agg(s.sha order by s.last_at desc, s.sha))[1:${sql.lit(BROKEN_AFTER_SHAS)}] as streak_shas
      from per_sha s
      join per_job j on j.pipeline = s.pipeline and j.job = s.job
      where s.failed_only and (j.last_good_at is null or s.last_at > j.last_good_at)
      group by s.pipeline, s.job
    )
    select j.pipeline, j.job, j.shas, j.flaky_shas, j.last_flaky_at, j.last_at,
      coalesce(st.streak, 0) as streak, coalesce(st.streak_shas, '{}') as streak_shas
    from per_job j
    left join streaks st on st.pipeline = j.pipeline and st.job = j.job
    where j.flaky_shas > 0 or coalesce(st.streak, 0) >= ${sql.lit(BROKEN_AFTER_SHAS)}`;
}

/** The flaky jobs (highest flake rate first) and the broken ones (by name), without their stages. */
export async function flakyAndBroken(db: Db, query: StatsQuery): Promise<{ flaky: Omit<FlakyJob, 'stage'>[]; broken: Omit<BrokenJob, 'stage'>[] }> {
  const rows = await runAggregate(db, flakyAndBrokenSql(query));
  const flaky = rows
    .filter((row) => row.flaky_shas > 0 && row.last_flaky_at !== null)
    .map((row) => ({ pipeline: row.pipeline, job: row.job, flakyShas: row.flaky_shas, shas: row.shas, flakeRate: row.flaky_shas / row.shas, lastFlakyAt: (row.last_flaky_at as Date).toISOString() }))
    .sort((a, b) => b.flakeRate - a.flakeRate || b.flakyShas - a.flakyShas || compareText(a.pipeline, b.pipeline) || compareText(a.job, b.job));
  const broken = rows
    .filter((row) => row.streak >= BROKEN_AFTER_SHAS)
    .map((row) => ({ pipeline: row.pipeline, job: row.job, shas: row.streak_shas, lastFailedAt: row.last_at.toISOString() }))
    .sort((a, b) => compareText(a.pipeline, b.pipeline) || compareText(a.job, b.job));
  return { flaky, broken };
}

/** The branch recovery is measured on: `branch`, else the default branch the most recent run's plan names. */
async function recoveryBranch(db: Db, query: StatsQuery): Promise<string | null> {
  if (query.branch !== undefined) return branchRef(query.branch);
  const row = await db
    .selectFrom('pipeline_runs')
    .select(sql<string>`plan->>'defaultBranch'`.as('branch'))
    .where('owner', '=', query.owner)
    .where('repo', '=', query.repo)
    .where('completed_at', '<', query.until)
    .where(sql<boolean>`plan->>'defaultBranch' is not null`)
    .orderBy('completed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? branchRef(row.branch) : null;
}

interface ChangeRow {
  pipeline: string;
  conclusion: string;
  completed_at: Date;
}

/** Pipeline recovery times on the recovery branch (see `recoveryBranch`), from the runs whose outcome changed. */
export async function recoveryFigures(db: Db, query: StatsQuery): Promise<RecoveryStats> {
  const ref = await recoveryBranch(db, query);
  if (ref === null) return { branch: null, ...summarize([]), unrecovered: 0 };
  // Only the runs whose outcome differs from the previous run's: what the streaks are made of.
  const rows = await runAggregate(db, sql<ChangeRow>`
    with outcomes as (
      select r.id, r.pipeline, r.completed_at, case when r.conclusion = 'success' then 'success' else 'failure' end as conclusion
      from pipeline_runs r
      where ${runFilter(query)} and r.ref = ${ref} and r.trigger not in ('pull_request', 'deploy')
        and r.conclusion in ('success', 'failure', 'timed_out')
    ), changes as (
      select outcomes.*, lag(conclusion) over (partition by pipeline order by completed_at, id) as previous
      from outcomes
    )
    select pipeline, conclusion, completed_at from changes where previous is distinct from conclusion`);
  const runs: BranchRun[] = rows.map((row) => ({ pipeline: row.pipeline, conclusion: row.conclusion, completedAt: row.completed_at }));
  const { seconds: durations, unrecovered } = recoveryTimes(runs);
  return { branch: ref.replace(/^refs\/heads\//, ''), ...roundSummary(summarize(durations)), unrecovered };
}

interface DeploymentRow {
  id: number;
  environment: string;
  sha: string;
  status: CarriedOutStatus;
  source: DeploymentSource;
  created_at: Date;
  completed_at: Date;
  pr_number: number | null;
  redeploy: boolean;
}

/**
 * The production-tier deployments (or the environment's) carried out and
 * completed from `since` on — also after `until`, for what followed them —
 * with whether their sha had been deployed to the environment before, and the
 * change time of the shas they ship.
 */
export async function deploymentRecords(db: Db, query: Pick<StatsQuery, 'owner' | 'repo' | 'since' | 'environment'>): Promise<DeploymentRecord[]> {
  const tier = query.environment !== undefined ? sql`d.environment = ${query.environment}` : sql`d.policy->>'production' = 'true'`;
  const { rows } = await sql<DeploymentRow>`
    select d.id, d.environment, d.sha, d.status, d.source, d.created_at, d.completed_at, d.pr_number,
      exists (
        select 1 from deployments e
        where e.owner = d.owner and e.repo = d.repo and e.sha = d.sha and e.environment = d.environment
          and e.status = 'succeeded' and e.completed_at < d.completed_at
      ) as redeploy
    from deployments d
    where d.owner = ${query.owner} and d.repo = ${query.repo} and ${tier}
      and d.status in (${sql.join(CARRIED_OUT_STATUSES.map((s) => sql.lit(s)))})
      and d.completed_at >= ${query.since}`.execute(db);
  const needChange = rows.filter((row) => row.status === 'succeeded' && !row.redeploy && row.source !== 'rollback' && row.source !== 'auto-rollback');
  const changes = await changeTimes(db, query, needChange);
  return rows.map((row) => ({
    id: row.id,
    environment: row.environment,
    sha: row.sha,
    status: row.status,
    source: row.source,
    requestedAt: row.created_at,
    completedAt: row.completed_at,
    redeploy: row.redeploy,
    changeAt: changes.get(row.id) ?? null,
  }));
}

/** Per deployment id: the change time of its sha (see the module's doc). */
async function changeTimes(db: Db, query: Pick<StatsQuery, 'owner' | 'repo'>, deployments: readonly DeploymentRow[]): Promise<Map<number, Date>> {
  const result = new Map<number, Date>();
  if (deployments.length === 0) return result;
  const shas = [...new Set(deployments.map((d) => d.sha))];
  const runs: { sha: string; created_at: Date; commit_date: string | null; pr_number: number | null }[] = [];
  for (const chunk of chunks(shas, 500)) {
    runs.push(
      ...(await db
        .selectFrom('pipeline_runs')
        .select(['sha', 'created_at', 'pr_number', sql<string | null>`plan->>'commitDate'`.as('commit_date')])
        .where('owner', '=', query.owner)
        .where('repo', '=', query.repo)
        .where('sha', 'in', chunk)
        .execute()),
    );
  }
  const prs = [...new Set([...runs.map((r) => r.pr_number), ...deployments.map((d) => d.pr_number)].filter((n): n is number => n !== null))];
  const prFirstRun = new Map<number, Date>();
  for (const chunk of chunks(prs, 500)) {
    const rows = await db
      .selectFrom('pipeline_runs')
      .select(['pr_number', (eb) => eb.fn.min<Date>('created_at').as('first')])
      .where('owner', '=', query.owner)
      .where('repo', '=', query.repo)
      .where('pr_number', 'in', chunk)
      .groupBy('pr_number')
      .execute();
    for (const row of rows) if (row.pr_number !== null) prFirstRun.set(row.pr_number, new Date(row.first));
  }
  const bySha = new Map<string, { times: number[]; prs: Set<number> }>();
  for (const run of runs) {
    const entry = bySha.get(run.sha) ?? { times: [], prs: new Set<number>() };
    entry.times.push(run.created_at.getTime());
    const committed = run.commit_date === null ? Number.NaN : Date.parse(run.commit_date);
    if (Number.isFinite(committed)) entry.times.push(committed);
    if (run.pr_number !== null) entry.prs.add(run.pr_number);
    bySha.set(run.sha, entry);
  }
  for (const deployment of deployments) {
    const entry = bySha.get(deployment.sha);
    const times = [...(entry?.times ?? [])];
    for (const pr of [...(entry?.prs ?? []), ...(deployment.pr_number !== null ? [deployment.pr_number] : [])]) {
      const first = prFirstRun.get(pr);
      if (first) times.push(first.getTime());
    }
    if (times.length > 0) result.set(deployment.id, new Date(Math.min(...times)));
  }
  return result;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const list: T[][] = [];
  for (let i = 0; i < items.length; i += size) list.push(items.slice(i, i + size));
  return list;
}

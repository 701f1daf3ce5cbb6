/**
 * The trends page's data, from the analytics module (`src/insight/stats.ts`):
 * the repository asked for (or the first with history), a window of the last
 * N days up to now, `computeTrends` per day or week, and `computeStats` for the
 * whole window's tiles.
 */
import type { Kysely } from 'kysely';
import { computeStats, computeTrends, findRepository, listRepositories, StatsQueryError, type Stats, type StatsQuery } from '../insight/stats.ts';
import type { Database } from '../store/schema/index.ts';
import { TREND_WINDOWS, type TrendsPageView, type TrendsQuery, type TrendTiles } from './trends-page.ts';

const DAY_MS = 86_400_000;
/** The window when none (or one not offered) is asked for. */
export const DEFAULT_TREND_DAYS = 30;

function optional(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  return value ? value.slice(0, 200) : undefined;
}

/** Reads the trends query (the repository is checked against the store when loading). */
export function parseTrendsQuery(params: URLSearchParams): TrendsQuery {
  const days = Number(params.get('days'));
  const window = (TREND_WINDOWS as readonly number[]).includes(days) ? days : DEFAULT_TREND_DAYS;
  const bucketParam = params.get('bucket');
  const bucket = bucketParam === 'day' || bucketParam === 'week' ? bucketParam : window > 90 ? 'week' : 'day';
  const query: TrendsQuery = { repo: optional(params, 'repo') ?? null, days: window, bucket };
  const pipeline = optional(params, 'pipeline');
  const branch = optional(params, 'branch');
  const environment = optional(params, 'environment');
  if (pipeline) query.pipeline = pipeline;
  if (branch) query.branch = branch;
  if (environment) query.environment = environment;
  return query;
}

/** The tiles of the whole window. */
export function tilesOf(stats: Stats): TrendTiles {
  return {
    runs: stats.runs.total,
    successRate: stats.runs.successRate,
    p95DurationSeconds: stats.runs.durationSeconds.p95,
    deploymentsPerDay: stats.dora.deploymentFrequency.perDay,
    leadTimeP50Seconds: stats.dora.leadTimeSeconds.p50,
    changeFailureRate: stats.dora.changeFailureRate,
    recoveryP50Seconds: stats.dora.failedDeploymentRecoverySeconds.p50,
    environments: stats.dora.environments,
  };
}

/** The trends page's data. */
export async function loadTrendsPage(db: Kysely<Database>, query: TrendsQuery, now: Date): Promise<TrendsPageView> {
  const repositories = await listRepositories(db);
  const asked = query.repo ?? repositories[0] ?? null;
  const empty = { repositories, points: [], tiles: null };
  if (asked === null) return { ...empty, query: { ...query, repo: null }, error: null };
  const [owner = '', name = ''] = asked.split('/');
  const found = asked.split('/').length === 2 ? await findRepository(db, owner, name) : null;
  if (!found) return { ...empty, query: { ...query, repo: asked }, error: `No history for ${asked}: choose a repository from the list.` };
  const resolved = { ...query, repo: `${found.owner}/${found.repo}` };
  const statsQuery: StatsQuery = {
    owner: found.owner,
    repo: found.repo,
    since: new Date(now.getTime() - query.days * DAY_MS),
    until: now,
    ...(query.pipeline ? { pipeline: query.pipeline } : {}),
    ...(query.branch ? { branch: query.branch } : {}),
    ...(query.environment ? { environment: query.environment } : {}),
  };
  try {
    const [points, stats] = await Promise.all([computeTrends(db, statsQuery, query.bucket), computeStats(db, statsQuery)]);
    return { repositories, query: resolved, points, tiles: tilesOf(stats), error: null };
  } catch (err) {
    if (err instanceof StatsQueryError) return { ...empty, query: resolved, error: err.message };
    throw err;
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenJobs, flakyJobs, groupByJobAndSha, summarize, type JobAttemptOutcome } from '../../src/insight/metrics-math.ts';
import { computeStats, computeTrends, findRepository, listRepositories, StatsQueryError, trendBuckets, type StatsQuery } from '../../src/insight/stats.ts';
import type { Store } from '../../src/store/db.ts';
import type { Conclusion } from '../../src/store/schema/index.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { seedRun, seedWeek } from './seed.ts';

const t = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 2, day, hour, minute));
const WINDOW = { owner: 'acme', repo: 'app', since: t(2, 0), until: t(9, 0) } satisfies StatsQuery;

describe.each(databaseTargets())('delivery statistics on $name', (target) => {
  let store: Store;
  beforeAll(async () => {
    store = await target.open();
    await seedWeek(store.db);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  it('counts the finished runs of the window by conclusion; cancelled apart, outside the success rate', async () => {
    const stats = await computeStats(store.db, WINDOW);
    expect(stats.repository).toBe('acme/app');
    expect(stats.window).toEqual({ since: '2026-03-02T00:00:00.000Z', until: '2026-03-09T00:00:00.000Z' });
    expect(stats.filters).toEqual({ pipeline: null, branch: null, environment: null });
    expect(stats.runs).toEqual({
      total: 10,
      success: 3,
      failure: 5,
      timedOut: 1,
      cancelled: 1,
      skipped: 0,
      other: 0,
      successRate: 1 / 3,
      durationSeconds: { n: 10, p50: 350, p95: 600, mean: 351 },
    });
    expect(stats.runs.durationSeconds).toEqual(summarize([100, 200, 300, 400, 50, 60, 600, 600, 600, 600]));
    expect(stats.pipelines.map((p) => [p.pipeline, p.total, p.successRate, p.durationSeconds])).toEqual([
      ['ci', 6, 0.4, { n: 6, p50: 150, p95: 375, mean: 185 }],
      ['nightly', 4, 0.25, { n: 4, p50: 600, p95: 600, mean: 600 }],
    ]);
  });

  it('gives each stage its conclusions and durations; a skipped stage is counted apart and has no duration', async () => {
    const stats = await computeStats(store.db, WINDOW);
    const build = stats.stages.find((s) => s.pipeline === 'ci' && s.stage === 'build');
    const test = stats.stages.find((s) => s.pipeline === 'ci' && s.stage === 'test');
    expect(build).toMatchObject({ total: 6, success: 4, cancelled: 1, timedOut: 1, successRate: 0.8, durationSeconds: { n: 6, p50: 40, p95: 40, mean: 40 } });
    expect(test).toMatchObject({ total: 5, success: 2, failure: 2, skipped: 1, successRate: 0.5, durationSeconds: { n: 4, p50: 250, mean: 250 } });
    expect(stats.stages.map((s) => `${s.pipeline}/${s.stage}`)).toEqual(['ci/build', 'ci/test', 'nightly/e2e']);
  });

  it('counts job attempts, their durations and queue waits (start − dispatch)', async () => {
    const stats = await computeStats(store.db, WINDOW);
    expect(stats.jobs.map((j) => [j.pipeline, j.stage, j.job, j.total, j.successRate])).toEqual([
      ['ci', 'build', 'build', 6, 0.8],
      ['ci', 'test', 'test', 5, 0.4],
      ['nightly', 'e2e', 'e2e', 4, 0.25],
    ]);
    expect(stats.jobs[1]?.durationSeconds).toEqual({ n: 5, p50: 30, p95: 30, mean: 30 });
    // 5, 5, 5, 5, 65 s: p95 = 5 + 0.6 × 60 (to the millisecond).
    expect(stats.jobs[1]?.queueWaitSeconds).toEqual({ n: 5, p50: 5, p95: 53, mean: 17 });
    // 15 attempts: 14 waited 5 s, one 65 s.
    expect(stats.queueWaitSeconds).toEqual({ n: 15, p50: 5, p95: 23, mean: 9 });
  });

  it('finds the flaky job (fail then pass on one sha) and the broken one (its last 3 shas failed)', async () => {
    const stats = await computeStats(store.db, WINDOW);
    expect(stats.flaky).toEqual([{ pipeline: 'ci', stage: 'test', job: 'test', flakyShas: 1, shas: 4, flakeRate: 0.25, lastFlakyAt: '2026-03-02T10:01:11.000Z' }]);
    expect(stats.broken).toEqual([{ pipeline: 'nightly', stage: 'e2e', job: 'e2e', shas: ['n3', 'n2', 'n1'], lastFailedAt: '2026-03-07T02:00:35.000Z' }]);
  });

  it('measures recovery on the default branch: first failure after a success → next success; an open streak is unrecovered', async () => {
    const stats = await computeStats(store.db, WINDOW);
    // ci failed at 3 Mar 10:03:20 and passed again at 4 Mar 10:06:40; nightly is still red.
    expect(stats.recovery).toEqual({ branch: 'main', n: 1, p50: 86_600, p95: 86_600, mean: 86_600, unrecovered: 1 });
  });

  it('computes DORA over production deployments: a, b, rollback to a → change failure rate and rework 1/3', async () => {
    const { dora } = await computeStats(store.db, WINDOW);
    expect(dora).toMatchObject({ environments: ['production'], deployments: 3, successful: 3, failed: 0, rollbacks: 1, changeFailures: 1 });
    expect(dora.changeFailureRate).toBeCloseTo(1 / 3, 12);
    expect(dora.reworkRate).toBeCloseTo(1 / 3, 12);
    expect(dora.deploymentFrequency).toEqual({ perDay: 3 / 7, deployDays: 2, bucket: 'weekly' });
    // s1: committed 09:00Z (the push payload's timestamp), deployed 12:00 → 3 h. s4: PR 8's first run (27 Feb 08:00) → 4 Mar 12:00.
    expect(dora.leadTimeSeconds).toEqual({ n: 2, p50: 228_600, p95: 424_620, mean: 228_600 });
    expect(dora.failedDeploymentRecoverySeconds).toEqual({ n: 1, p50: 4_200, p95: 4_200, mean: 4_200, unrecovered: 0 });
    expect(dora.benchmark).toEqual({ source: 'dora-2024', deploymentFrequency: 'high', leadTime: 'high', changeFailureRate: 'low', failedDeploymentRecovery: 'high' });
  });

  it('narrows by pipeline: its runs, stages, jobs and recovery only; DORA stays per environment', async () => {
    const stats = await computeStats(store.db, { ...WINDOW, pipeline: 'nightly' });
    expect(stats.filters.pipeline).toBe('nightly');
    expect(stats.runs).toMatchObject({ total: 4, success: 1, failure: 3, successRate: 0.25 });
    expect(stats.pipelines.map((p) => p.pipeline)).toEqual(['nightly']);
    expect(stats.jobs.map((j) => j.job)).toEqual(['e2e']);
    expect(stats.flaky).toEqual([]);
    expect(stats.broken.map((b) => b.job)).toEqual(['e2e']);
    expect(stats.recovery).toMatchObject({ n: 0, p50: null, unrecovered: 1 });
    expect(stats.dora.deployments).toBe(3);
  });

  it('narrows by branch: only that ref’s runs, and recovery on that branch', async () => {
    const stats = await computeStats(store.db, { ...WINDOW, branch: 'feature' });
    expect(stats.runs).toMatchObject({ total: 1, timedOut: 1, successRate: 0 });
    expect(stats.jobs.map((j) => [j.job, j.total])).toEqual([['build', 1]]);
    expect(stats.recovery).toEqual({ branch: 'feature', n: 0, p50: null, p95: null, mean: null, unrecovered: 0 });
    const full = await computeStats(store.db, { ...WINDOW, branch: 'refs/heads/feature' });
    expect(full.runs.total).toBe(1);
  });

  it('narrows DORA by environment, whatever its tier', async () => {
    const { dora } = await computeStats(store.db, { ...WINDOW, environment: 'staging' });
    expect(dora).toMatchObject({ environments: ['staging'], deployments: 1, successful: 1, changeFailures: 0, changeFailureRate: 0, reworkRate: 0 });
    // s2 first ran 3 Mar 10:00 and reached staging at 12:00.
    expect(dora.leadTimeSeconds.p50).toBe(7_200);
    const none = await computeStats(store.db, { ...WINDOW, environment: 'nowhere' });
    expect(none.dora).toMatchObject({ deployments: 0, changeFailureRate: null, reworkRate: null, benchmark: null });
  });

  it('answers an empty window with zero counts and null figures', async () => {
    const stats = await computeStats(store.db, { owner: 'acme', repo: 'app', since: new Date('2025-01-01T00:00:00Z'), until: new Date('2025-01-08T00:00:00Z') });
    expect(stats.runs).toEqual({
      total: 0,
      success: 0,
      failure: 0,
      timedOut: 0,
      cancelled: 0,
      skipped: 0,
      other: 0,
      successRate: null,
      durationSeconds: { n: 0, p50: null, p95: null, mean: null },
    });
    expect(stats.pipelines).toEqual([]);
    expect(stats.stages).toEqual([]);
    expect(stats.jobs).toEqual([]);
    expect(stats.queueWaitSeconds).toEqual({ n: 0, p50: null, p95: null, mean: null });
    expect(stats.flaky).toEqual([]);
    expect(stats.broken).toEqual([]);
    expect(stats.recovery).toEqual({ branch: null, n: 0, p50: null, p95: null, mean: null, unrecovered: 0 });
    expect(stats.dora).toEqual({
      environments: [],
      deployments: 0,
      successful: 0,
      failed: 0,
      rollbacks: 0,
      changeFailures: 0,
      deploymentFrequency: { perDay: null, deployDays: 0, bucket: null },
      leadTimeSeconds: { n: 0, p50: null, p95: null, mean: null },
      changeFailureRate: null,
      failedDeploymentRecoverySeconds: { n: 0, p50: null, p95: null, mean: null, unrecovered: 0 },
      reworkRate: null,
      benchmark: null,
    });
  });

  it('answers the same inside a caller’s transaction', async () => {
    const outside = await computeStats(store.db, WINDOW);
    const inside = await store.db.transaction().execute((trx) => computeStats(trx, WINDOW));
    expect(inside).toEqual(outside);
  });

  it('refuses a window whose since is not before its until', async () => {
    await expect(computeStats(store.db, { ...WINDOW, since: WINDOW.until })).rejects.toThrow(StatsQueryError);
    await expect(computeStats(store.db, { ...WINDOW, since: new Date('nope') })).rejects.toThrow(/valid dates/);
  });

  it('trends per day: success rate, p95, successful production deployments and change failure rate, empty days null', async () => {
    const points = await computeTrends(store.db, WINDOW, 'day');
    expect(points.map((p) => p.start.slice(0, 10))).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08']);
    expect(points[0]).toEqual({ start: '2026-03-02T00:00:00.000Z', end: '2026-03-03T00:00:00.000Z', runs: 2, successRate: 1, p95DurationSeconds: 575, deployments: 1, changeFailureRate: 0 });
    expect(points[1]).toMatchObject({ runs: 2, successRate: 0, p95DurationSeconds: 295, deployments: 0, changeFailureRate: null });
    expect(points[2]).toMatchObject({ runs: 2, successRate: 1, p95DurationSeconds: 382.5, deployments: 2, changeFailureRate: 0.5 });
    expect(points[6]).toEqual({ start: '2026-03-08T00:00:00.000Z', end: '2026-03-09T00:00:00.000Z', runs: 0, successRate: null, p95DurationSeconds: null, deployments: 0, changeFailureRate: null });
  });

  it('trends per ISO week agree with the statistics of that week', async () => {
    const [week, ...rest] = await computeTrends(store.db, WINDOW, 'week');
    expect(rest).toEqual([]);
    const stats = await computeStats(store.db, WINDOW);
    expect(week).toEqual({
      start: '2026-03-02T00:00:00.000Z',
      end: '2026-03-09T00:00:00.000Z',
      runs: stats.runs.total,
      successRate: stats.runs.successRate,
      p95DurationSeconds: stats.runs.durationSeconds.p95,
      deployments: stats.dora.successful,
      changeFailureRate: stats.dora.changeFailureRate,
    });
  });

  it('lists the repositories with history and finds one whatever its case', async () => {
    expect(await listRepositories(store.db)).toEqual(['acme/app', 'acme/other']);
    expect(await findRepository(store.db, 'acme', 'app')).toEqual({ owner: 'acme', repo: 'app' });
    expect(await findRepository(store.db, 'ACME', 'App')).toEqual({ owner: 'acme', repo: 'app' });
    expect(await findRepository(store.db, 'acme', 'nothing')).toBeNull();
  });
});

describe.each(databaseTargets())('the database agrees with the pure rules on $name', (target) => {
  let store: Store;
  const attempts: JobAttemptOutcome[] = [];
  const durations = new Map<string, number[]>();
  beforeAll(async () => {
    store = await target.open();
    // A deterministic pseudo-random history: 60 runs over 20 shas, two jobs, retries.
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = (): Conclusion => (['success', 'success', 'failure', 'timed_out', 'cancelled'] as const)[Math.floor(random() * 5)] ?? 'success';
    for (let i = 0; i < 60; i += 1) {
      const sha = `sha${Math.floor(random() * 20)}`;
      const startedAt = t(2, 0, i * 30);
      const specs = ['unit', 'lint'].map((job) => ({ job, stage: 'build', attempts: Array.from({ length: 1 + Math.floor(random() * 3) }, pick), duration: 10 + Math.floor(random() * 90) }));
      await seedRun(store.db, { sha, conclusion: 'success', startedAt, duration: 1_000, jobs: specs });
      for (const spec of specs) {
        let dispatched = startedAt.getTime();
        for (const conclusion of spec.attempts) {
          const completed = dispatched + 5_000 + spec.duration * 1000;
          attempts.push({ job: `ci/${spec.job}`, sha, conclusion, completedAt: new Date(completed) });
          durations.set(spec.job, [...(durations.get(spec.job) ?? []), spec.duration]);
          dispatched = completed + 1000;
        }
      }
    }
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  it('flaky and broken jobs, and job durations, are what metrics-math computes from the same attempts', async () => {
    const stats = await computeStats(store.db, { owner: 'acme', repo: 'app', since: t(1, 0), until: t(9, 0) });
    const perSha = groupByJobAndSha(attempts);
    const expectedFlaky = flakyJobs(perSha).map((f) => ({ job: f.job, flakyShas: f.flakyShas, shas: f.shas, flakeRate: f.flakeRate, lastFlakyAt: f.lastFlakyAt.toISOString() }));
    expect(expectedFlaky.length).toBeGreaterThan(0);
    expect(stats.flaky.map((f) => ({ job: `${f.pipeline}/${f.job}`, flakyShas: f.flakyShas, shas: f.shas, flakeRate: f.flakeRate, lastFlakyAt: f.lastFlakyAt }))).toEqual(expectedFlaky);
    const expectedBroken = brokenJobs(perSha).map((b) => ({ job: b.job, shas: b.shas, lastFailedAt: b.lastFailedAt.toISOString() }));
    expect(stats.broken.map((b) => ({ job: `${b.pipeline}/${b.job}`, shas: b.shas, lastFailedAt: b.lastFailedAt }))).toEqual(expectedBroken);
    for (const job of stats.jobs) {
      const expected = summarize(durations.get(job.job) ?? []);
      expect(job.durationSeconds.n).toBe(expected.n);
      expect(job.durationSeconds.p50).toBeCloseTo(expected.p50 ?? Number.NaN, 3);
      expect(job.durationSeconds.p95).toBeCloseTo(expected.p95 ?? Number.NaN, 3);
      expect(job.durationSeconds.mean).toBeCloseTo(expected.mean ?? Number.NaN, 3);
    }
  });
});

describe('trendBuckets', () => {
  it('covers the window with whole UTC days, or ISO weeks starting on Monday', () => {
    const days = trendBuckets(new Date('2026-03-02T06:00:00Z'), new Date('2026-03-04T00:00:00Z'), 'day');
    expect(days.map((d) => d.start.toISOString())).toEqual(['2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z']);
    const weeks = trendBuckets(new Date('2026-03-04T00:00:00Z'), new Date('2026-03-10T00:00:00Z'), 'week');
    expect(weeks.map((w) => [w.start.toISOString(), w.end.toISOString()])).toEqual([
      ['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z'],
      ['2026-03-09T00:00:00.000Z', '2026-03-16T00:00:00.000Z'],
    ]);
  });

  it('refuses more buckets than it returns', () => {
    expect(() => trendBuckets(new Date('2000-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'), 'day')).toThrow(StatsQueryError);
  });
});

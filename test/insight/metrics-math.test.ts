import { describe, expect, it } from 'vitest';
import {
  brokenJobs,
  deploymentBucket,
  deploymentFrequency,
  doraBenchmark,
  doraMetrics,
  flakyJobs,
  groupByJobAndSha,
  isBroken,
  isChangeFailure,
  leadTimeOf,
  outcomeOf,
  percentile,
  recoveryTimes,
  shaVerdict,
  successRate,
  summarize,
  type DeploymentRecord,
  type DoraMetrics,
  type JobAttemptOutcome,
} from '../../src/insight/metrics-math.ts';

const T0 = Date.parse('2026-03-02T00:00:00Z'); // a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(T0 + ms);

describe('percentile and summarize', () => {
  it('interpolates linearly between the closest ranks: 1, 2, 3, 4, 100 → p50 3, p95 80.8', () => {
    const durations = [100, 3, 1, 4, 2];
    expect(percentile(durations, 0.5)).toBe(3);
    expect(percentile(durations, 0.95)).toBeCloseTo(80.8, 10);
    expect(percentile(durations, 0)).toBe(1);
    expect(percentile(durations, 1)).toBe(100);
    expect(percentile([10, 20], 0.5)).toBe(15);
    expect(percentile([7], 0.95)).toBe(7);
  });

  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });

  it('gives null for no values, and refuses a p outside [0, 1] or a value that is not a number', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(() => percentile([1], 95)).toThrow(RangeError);
    expect(() => percentile([1], -0.1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
    expect(() => percentile([1, Number.NaN], 0.5)).toThrow(/finite/);
  });

  it('summarizes n, p50, p95 and mean; every figure null for no values', () => {
    const summary = summarize([1, 2, 3, 4, 100]);
    expect(summary.n).toBe(5);
    expect(summary.p50).toBe(3);
    expect(summary.p95).toBeCloseTo(80.8, 10);
    expect(summary.mean).toBe(22);
    expect(summarize([])).toEqual({ n: 0, p50: null, p95: null, mean: null });
  });
});

describe('successRate', () => {
  it('3 successes, 1 failure and 1 cancelled → 0.75: cancelled is outside the ratio', () => {
    const conclusions = ['success', 'success', 'failure', 'cancelled', 'success'];
    const counts = { success: 0, failure: 0, timedOut: 0 };
    for (const c of conclusions) {
      if (c === 'success') counts.success += 1;
      if (c === 'failure') counts.failure += 1;
    }
    expect(successRate(counts)).toBe(0.75);
  });

  it('counts timed out as a failure, and gives null — not 0 — when nothing finished', () => {
    expect(successRate({ success: 1, failure: 0, timedOut: 1 })).toBe(0.5);
    expect(successRate({ success: 0, failure: 0, timedOut: 0 })).toBeNull();
    expect(successRate({ success: 0, failure: 2, timedOut: 0 })).toBe(0);
  });

  it('puts each conclusion on one side of the ratio or outside it', () => {
    expect(outcomeOf('success')).toBe('success');
    expect(outcomeOf('failure')).toBe('failure');
    expect(outcomeOf('timed_out')).toBe('failure');
    for (const other of ['cancelled', 'skipped', 'neutral', 'startup_failure', null]) expect(outcomeOf(other)).toBe('other');
  });
});

describe('flaky and broken jobs', () => {
  const attempt = (job: string, sha: string, conclusion: string, hours: number): JobAttemptOutcome => ({ job, sha, conclusion, completedAt: at(hours * HOUR) });

  it('a failure then a success on one sha is flaky; the flake rate is flaky shas ÷ shas', () => {
    const perSha = groupByJobAndSha([
      attempt('ci/test', 'aaa', 'failure', 1),
      attempt('ci/test', 'aaa', 'success', 2),
      attempt('ci/test', 'bbb', 'success', 3),
      attempt('ci/test', 'ccc', 'failure', 4),
      attempt('ci/test', 'ddd', 'timed_out', 5),
      attempt('ci/test', 'ddd', 'success', 6),
      attempt('ci/build', 'aaa', 'success', 1),
    ]);
    const flaky = flakyJobs(perSha);
    expect(flaky).toEqual([{ job: 'ci/test', flakyShas: 2, shas: 4, flakeRate: 0.5, lastFlakyAt: at(6 * HOUR) }]);
  });

  it('is not flaky when the same sha only passed, only failed, or was cancelled beside a pass', () => {
    const perSha = groupByJobAndSha([
      attempt('ci/a', 'x', 'success', 1),
      attempt('ci/a', 'x', 'success', 2),
      attempt('ci/b', 'x', 'failure', 1),
      attempt('ci/b', 'x', 'failure', 2),
      attempt('ci/c', 'x', 'cancelled', 1),
      attempt('ci/c', 'x', 'success', 2),
    ]);
    expect(flakyJobs(perSha)).toEqual([]);
    expect(shaVerdict({ succeeded: true, failed: true })).toBe('flaky');
    expect(shaVerdict({ succeeded: false, failed: false })).toBe('other');
  });

  it('a job is broken when its last 3 distinct shas failed, not with 2, nor when one of them passed', () => {
    expect(isBroken(['failed', 'failed', 'failed'])).toBe(true);
    expect(isBroken(['failed', 'failed', 'failed', 'passed'])).toBe(true);
    expect(isBroken(['failed', 'failed'])).toBe(false);
    expect(isBroken(['failed', 'flaky', 'failed'])).toBe(false);
    expect(isBroken(['passed', 'failed', 'failed', 'failed'])).toBe(false);

    const perSha = groupByJobAndSha([
      attempt('ci/deploy', 's1', 'success', 1),
      attempt('ci/deploy', 's2', 'failure', 2),
      attempt('ci/deploy', 's3', 'failure', 3),
      attempt('ci/deploy', 's4', 'failure', 4),
      attempt('ci/deploy', 's4', 'failure', 5),
      attempt('ci/lint', 's2', 'failure', 2),
      attempt('ci/lint', 's3', 'failure', 3),
    ]);
    expect(brokenJobs(perSha)).toEqual([{ job: 'ci/deploy', shas: ['s4', 's3', 's2'], lastFailedAt: at(5 * HOUR) }]);
  });

  it('does not count a failed sha as newer than a passing one that ended at the same moment', () => {
    const perSha = groupByJobAndSha([
      attempt('ci/e2e', 'a', 'failure', 1),
      attempt('ci/e2e', 'b', 'failure', 2),
      attempt('ci/e2e', 'c', 'failure', 3),
      attempt('ci/e2e', 'z', 'success', 3),
    ]);
    expect(brokenJobs(perSha)).toEqual([]);
    const later = groupByJobAndSha([...['a', 'b', 'c'].map((sha, i) => attempt('ci/e2e', sha, 'failure', i + 4)), attempt('ci/e2e', 'z', 'success', 3)]);
    expect(brokenJobs(later)).toEqual([{ job: 'ci/e2e', shas: ['c', 'b', 'a'], lastFailedAt: at(6 * HOUR) }]);
  });
});

describe('recoveryTimes', () => {
  const run = (conclusion: string, hours: number, pipeline = 'ci') => ({ pipeline, conclusion, completedAt: at(hours * HOUR) });

  it('measures from the first failure after a success to the next success, per pipeline', () => {
    const result = recoveryTimes([
      run('success', 0),
      run('failure', 1),
      run('failure', 2),
      run('cancelled', 2.5),
      run('success', 4),
      run('timed_out', 5),
      run('success', 5.5),
      run('success', 0, 'nightly'),
      run('failure', 10, 'nightly'),
    ]);
    expect(result.seconds).toEqual([3 * 3600, 0.5 * 3600]);
    expect(result.unrecovered).toBe(1);
  });

  it('does not count a red streak that began before the first success seen, and answers nothing for no runs', () => {
    expect(recoveryTimes([run('failure', 0), run('failure', 1), run('success', 2)])).toEqual({ seconds: [], unrecovered: 0 });
    expect(recoveryTimes([])).toEqual({ seconds: [], unrecovered: 0 });
  });

  it('gives the same answer when runs repeating the previous outcome are left out (what the database sends)', () => {
    const all = [run('success', 0), run('success', 1), run('failure', 2), run('failure', 3), run('success', 6), run('success', 7)];
    const changes = [all[0], all[2], all[4]].filter((r) => r !== undefined);
    expect(recoveryTimes(changes)).toEqual(recoveryTimes(all));
  });
});

describe('DORA', () => {
  let nextId = 1;
  const deployment = (overrides: Partial<DeploymentRecord> & { hours: number }): DeploymentRecord => {
    const { hours, ...rest } = overrides;
    return {
      id: nextId++,
      environment: 'production',
      sha: 'aaa',
      status: 'succeeded',
      source: 'stage',
      requestedAt: at(hours * HOUR - 10 * 60_000),
      completedAt: at(hours * HOUR),
      redeploy: false,
      changeAt: null,
      ...rest,
    };
  };
  const window = { since: at(0), until: at(7 * DAY) };

  it('deployments a, b, then a rollback to a → change failure rate 1/3 and rework rate 1/3', () => {
    const a = deployment({ sha: 'a', hours: 1 });
    const b = deployment({ sha: 'b', hours: 5 });
    const back = deployment({ sha: 'a', hours: 6, source: 'rollback', redeploy: true, requestedAt: at(5.5 * HOUR) });
    const metrics = doraMetrics([back, a, b], window);
    expect(metrics.deployments).toBe(3);
    expect(metrics.changeFailures).toBe(1);
    expect(metrics.changeFailureRate).toBeCloseTo(1 / 3, 12);
    expect(metrics.rollbacks).toBe(1);
    expect(metrics.reworkRate).toBeCloseTo(1 / 3, 12);
    // b failed at 5 h; the rollback (the next good deployment) finished at 6 h.
    expect(metrics.failedDeploymentRecoverySeconds).toEqual({ n: 1, p50: 3600, p95: 3600, mean: 3600, unrecovered: 0 });
  });

  it('counts a rollback asked for exactly 24 h after the deployment, not 1 ms later', () => {
    const done = deployment({ hours: 1 });
    const rollback = (delay: number) => deployment({ hours: 30, source: 'rollback', requestedAt: new Date(done.completedAt.getTime() + delay) });
    expect(isChangeFailure(done, rollback(24 * HOUR))).toBe(true);
    expect(isChangeFailure(done, rollback(24 * HOUR + 1))).toBe(false);
    expect(isChangeFailure(done, deployment({ hours: 2, source: 'auto-rollback' }))).toBe(true);
    expect(isChangeFailure(done, deployment({ hours: 2, source: 'command' }))).toBe(false);
    expect(isChangeFailure(done, undefined)).toBe(false);
  });

  it('a rollback after another deployment came in between does not count against the earlier one', () => {
    const first = deployment({ sha: 'a', hours: 1 });
    const second = deployment({ sha: 'b', hours: 2 });
    const back = deployment({ sha: 'a', hours: 3, source: 'rollback', redeploy: true });
    const metrics = doraMetrics([first, second, back], window);
    expect(metrics.changeFailures).toBe(1);
  });

  it('a failed deploy is a change failure itself, recovered by the automatic rollback that follows', () => {
    const good = deployment({ sha: 'a', hours: 1 });
    const bad = deployment({ sha: 'b', hours: 3, status: 'rolled-back' });
    const auto = deployment({ sha: 'a', hours: 3.25, source: 'auto-rollback', redeploy: true, requestedAt: at(3 * HOUR) });
    const metrics = doraMetrics([good, bad, auto], window);
    expect(metrics).toMatchObject({ deployments: 3, successful: 2, failed: 1, rollbacks: 1, changeFailures: 1 });
    expect(metrics.failedDeploymentRecoverySeconds.p50).toBe(900);
  });

  it('keeps a change failure with no good deployment after it as unrecovered', () => {
    const metrics = doraMetrics([deployment({ hours: 1 }), deployment({ sha: 'b', hours: 2, status: 'failed' })], window);
    expect(metrics.failedDeploymentRecoverySeconds).toEqual({ n: 0, p50: null, p95: null, mean: null, unrecovered: 1 });
  });

  it('looks for what followed a deployment after the window, but counts only deployments that completed inside it', () => {
    const last = deployment({ sha: 'z', hours: 7 * 24 - 1 });
    const after = deployment({ sha: 'y', hours: 7 * 24 + 1, source: 'rollback', requestedAt: at(7 * DAY) });
    const before = deployment({ sha: 'x', hours: -2 });
    const metrics = doraMetrics([before, last, after], window);
    expect(metrics.deployments).toBe(1);
    expect(metrics.changeFailureRate).toBe(1);
    expect(metrics.failedDeploymentRecoverySeconds.p50).toBe(2 * 3600);
  });

  it('keeps environments apart: a rollback of staging says nothing about production', () => {
    const prod = deployment({ hours: 1 });
    const stagingBack = deployment({ hours: 2, environment: 'staging', source: 'rollback' });
    const metrics = doraMetrics([prod, stagingBack], window);
    expect(metrics.deployments).toBe(2);
    expect(metrics.changeFailures).toBe(0);
    const sameEnvironment = doraMetrics([prod, { ...stagingBack, environment: 'production' }], window);
    expect(sameEnvironment.changeFailures).toBe(1);
  });

  it('lead time: the median over new changes of deployment finish − change time; rollbacks, redeploys and unknown times left out', () => {
    const changes = [
      deployment({ sha: 'a', hours: 10, changeAt: at(8 * HOUR) }),
      deployment({ sha: 'b', hours: 20, changeAt: at(16 * HOUR) }),
      deployment({ sha: 'c', hours: 30, changeAt: at(24 * HOUR) }),
      deployment({ sha: 'a', hours: 40, changeAt: at(8 * HOUR), redeploy: true }),
      deployment({ sha: 'b', hours: 41, changeAt: at(16 * HOUR), source: 'rollback', redeploy: true }),
      deployment({ sha: 'd', hours: 42, changeAt: null }),
      deployment({ sha: 'e', hours: 43, changeAt: at(44 * HOUR) }),
      deployment({ sha: 'f', hours: 44, status: 'failed', changeAt: at(1 * HOUR) }),
    ];
    const metrics = doraMetrics(changes, window);
    expect(metrics.leadTimeSeconds).toEqual({ n: 3, p50: 4 * 3600, p95: expect.closeTo(5.8 * 3600, 6), mean: 4 * 3600 });
    expect(leadTimeOf(changes[4] as DeploymentRecord)).toBeNull();
    expect(leadTimeOf(changes[6] as DeploymentRecord)).toBeNull();
  });

  it('deployment frequency: successful deployments per day, deploy days, and nulls without any', () => {
    const times = [at(HOUR), at(2 * HOUR), at(DAY + HOUR), at(3 * DAY)];
    expect(deploymentFrequency(times, window)).toEqual({ perDay: 4 / 7, deployDays: 3, bucket: 'daily' });
    expect(deploymentFrequency([], window)).toEqual({ perDay: null, deployDays: 0, bucket: null });
    const metrics = doraMetrics([deployment({ hours: 1 }), deployment({ hours: 2, status: 'failed' })], window);
    expect(metrics.deploymentFrequency.perDay).toBe(1 / 7);
  });

  it('buckets by the median 7-day period: ≥ 3 deploy days daily, ≥ 1 deployment weekly, then the median 30-day period', () => {
    const weeks = (n: number) => ({ since: at(0), until: at(n * 7 * DAY) });
    // Two deploy days a week for four weeks: weekly, not daily.
    const twiceAWeek = [0, 1, 2, 3].flatMap((w) => [at(w * 7 * DAY + HOUR), at(w * 7 * DAY + 2 * DAY)]);
    expect(deploymentBucket(twiceAWeek, weeks(4))).toBe('weekly');
    // Three distinct days in each week: daily.
    const threeDays = [0, 1, 2, 3].flatMap((w) => [0, 1, 2].map((d) => at(w * 7 * DAY + d * DAY)));
    expect(deploymentBucket(threeDays, weeks(4))).toBe('daily');
    // One deployment in 30 days: the median week has none, the one 30-day period has one.
    expect(deploymentBucket([at(DAY)], { since: at(0), until: at(30 * DAY) })).toBe('monthly');
    // One deployment in 90 days: fewer than monthly.
    expect(deploymentBucket([at(DAY)], { since: at(0), until: at(90 * DAY) })).toBe('yearly');
    // A window shorter than a week is one period.
    expect(deploymentBucket([at(HOUR)], { since: at(0), until: at(DAY) })).toBe('weekly');
    expect(deploymentBucket([], weeks(4))).toBeNull();
  });

  it('answers null — not 0 — for every ratio when nothing was deployed', () => {
    const metrics = doraMetrics([], window);
    expect(metrics.changeFailureRate).toBeNull();
    expect(metrics.reworkRate).toBeNull();
    expect(metrics.leadTimeSeconds.p50).toBeNull();
    expect(metrics.deploymentFrequency.perDay).toBeNull();
    expect(doraBenchmark(metrics)).toBeNull();
  });
});

describe('doraBenchmark', () => {
  const metrics = (overrides: { perDay?: number | null; lead?: number | null; cfr?: number | null; recovery?: number | null }): DoraMetrics => ({
    deployments: 10,
    successful: 10,
    failed: 0,
    rollbacks: 0,
    changeFailures: 0,
    deploymentFrequency: { perDay: overrides.perDay ?? null, deployDays: 1, bucket: 'weekly' },
    leadTimeSeconds: { n: 1, p50: overrides.lead ?? null, p95: null, mean: null },
    changeFailureRate: overrides.cfr ?? null,
    failedDeploymentRecoverySeconds: { n: 1, p50: overrides.recovery ?? null, p95: null, mean: null, unrecovered: 0 },
    reworkRate: 0,
  });

  it('names its source, 2024 by default, and tiers each figure by its cut-offs', () => {
    expect(doraBenchmark(metrics({ perDay: 3, lead: 3600, cfr: 0.04, recovery: 1800 }))).toEqual({
      source: 'dora-2024',
      deploymentFrequency: 'elite',
      leadTime: 'elite',
      changeFailureRate: 'elite',
      failedDeploymentRecovery: 'elite',
    });
    expect(doraBenchmark(metrics({ perDay: 0.2, lead: 2 * 86400, recovery: 5 * 3600 }))).toMatchObject({ deploymentFrequency: 'high', leadTime: 'high', failedDeploymentRecovery: 'high', changeFailureRate: null });
    expect(doraBenchmark(metrics({ perDay: 0.05, lead: 10 * 86400, recovery: 3 * 86400 }))).toMatchObject({ deploymentFrequency: 'medium', leadTime: 'medium', failedDeploymentRecovery: 'medium' });
    expect(doraBenchmark(metrics({ perDay: 0.01, lead: 60 * 86400, recovery: 10 * 86400 }))).toMatchObject({ deploymentFrequency: 'low', leadTime: 'low', failedDeploymentRecovery: 'low' });
  });

  it('reads the change failure rate against the year it names: 2024’s clusters by nearest rate, 2023 by cut-offs', () => {
    const cfr = (rate: number, source: 'dora-2023' | 'dora-2024') => doraBenchmark(metrics({ cfr: rate }), source)?.changeFailureRate;
    expect(cfr(0.08, 'dora-2024')).toBe('medium'); // nearest 10 %
    expect(cfr(0.17, 'dora-2024')).toBe('high'); // nearest 20 %
    expect(cfr(0.5, 'dora-2024')).toBe('low');
    expect(cfr(0.075, 'dora-2024')).toBe('elite'); // a tie between 5 % and 10 % goes to the better tier
    expect(cfr(0.08, 'dora-2023')).toBe('high');
    expect(cfr(0.12, 'dora-2023')).toBe('medium');
    expect(cfr(0.17, 'dora-2023')).toBe('low');
    expect(doraBenchmark(metrics({ cfr: 0.1 }), 'dora-2023')?.source).toBe('dora-2023');
  });
});

import { describe, expect, it } from 'vitest';
import { ackRatio, figureRows, formatGates, formatReport, gateRows, requestBudget, routeRows, verdict } from '../../bench/report.ts';
import type { AnalyticsResult, BenchReport, GateCaseResult, GateRun, GatesResult, TargetResult } from '../../bench/results.ts';
import { summarize } from '../../bench/stats.ts';

function measured(overrides: Partial<TargetResult> = {}): TargetResult {
  return {
    database: 'pglite',
    notes: [],
    durationMs: 90_000,
    ack: { shipgate: summarize([2, 3, 4]), bare: summarize([1, 1, 2]), errors: 0 },
    dispatch: { latency: summarize([20, 30, 400]), pipelines: 3 },
    requests: {
      pipelines: 2,
      jobs: 4,
      stages: 4,
      perPipeline: [11, 11],
      writesPerPipeline: [7, 7],
      byRoute: { 'POST /repos/{owner}/{repo}/check-runs': 2, 'GET /repos/{owner}/{repo}/contents/{path}': 3 },
      tokenRequests: 2,
      unsuccessful: 0,
    },
    throughput: { deliveries: 500, concurrency: 8, ackedPerSecond: 200, processedPerSecond: 50, elapsedMs: 10_000, errors: 0, unprocessed: 0, backlogAtStart: 0 },
    deliveries: { receivedToProcessed: summarize([10, 20]), slower: 0, slowerThanMs: 5_000, unfinished: 0 },
    rss: { startMb: 150, afterMb: 180, peakMb: 260 },
    ...overrides,
  };
}

const row = (rows: string[][], start: string) => rows.find((r) => r[0]?.startsWith(start));

describe('verdict', () => {
  it.each([
    { value: 10, limit: 50, expected: '✓' },
    { value: 50, limit: 50, expected: '✓' },
    { value: 50.1, limit: 50, expected: '✗' },
    { value: Number.NaN, limit: 50, expected: '?' },
  ])('$value against $limit → $expected', ({ value, limit, expected }) => {
    expect(verdict(value, limit)).toBe(expected);
  });
});

describe('targets', () => {
  it('budgets requests as jobs + stages + 4, with jobs + 2 as the floor', () => {
    expect(requestBudget(4, 4)).toEqual({ floor: 6, target: 12 });
  });

  it("compares shipgate's ack p99 with the bare app's", () => {
    expect(ackRatio(measured())).toBe(2);
    const { ack: _ack, ...withoutAck } = measured();
    expect(ackRatio(withoutAck)).toBeNaN();
  });
});

describe('figureRows', () => {
  it('marks each figure against its target, one column per database', () => {
    const rows = figureRows([measured(), { database: 'postgres', skipped: 'no PostgreSQL', notes: [], durationMs: 0 }]);
    expect(row(rows, '   ack p99 ratio')).toEqual(['   ack p99 ratio shipgate / bare', '2.00× ✓', 'skipped', '≤ 2×']);
    expect(row(rows, '2. event → next dispatch p50')?.[1]).toBe('30.00 ms ✓');
    expect(row(rows, '   event → next dispatch p99')?.[1]).toBe('400.00 ms ✗');
    expect(row(rows, '3. GitHub requests')?.slice(1)).toEqual(['11 ✓', 'skipped', '≤ 12 (floor 6)']);
    expect(row(rows, '5. RSS of the bench process')?.[1]).toBe('180 MB');
    expect(row(rows, '6. pipelines/min')?.[1]).toBe('—');
  });

  it("marks the app process's figures, RSS against its database's target, and the replicas' write pace", () => {
    const counts = { requests: [11, 12], writes: [9, 9], checkRunWrites: [5, 6] };
    const ownProcess = (database: 'pglite' | 'postgres', afterRunsMb: number): TargetResult =>
      measured({
        database,
        process: {
          jobs: 4,
          stages: 4,
          startupMs: 900,
          cold: counts,
          warm: { requests: [9, 13], writes: [8, 8], checkRunWrites: [5, 7] },
          rss: { startMb: 100, afterRunsMb, endMb: afterRunsMb, peakMb: afterRunsMb + 10 },
          ack: { shipgate: summarize([3, 6]), bare: summarize([2, 2]), errors: 0 },
        },
      });
    const postgres = ownProcess('postgres', 300);
    postgres.replicas = { replicas: 3, pipelines: 3, rate: { writes: 28, spanMs: 27_000, perSecond: 1, minGapMs: 998, maxInOneSecond: 1 }, webhooksPerReplica: [20, 19, 19] };
    const rows = figureRows([ownProcess('pglite', 300), postgres]);
    // Medians (the lower one of two) 11 and 9; the warm run of 13 is over the budget of 12.
    expect(row(rows, '   requests per pipeline run, cold / warm')?.slice(1, 3)).toEqual(['11 / 9 ✗', '11 / 9 ✗']);
    expect(row(rows, '   writes per pipeline run')?.[1]).toBe('9 / 8');
    expect(row(rows, '   check-run writes per run')?.[1]).toBe('5 / 5 ✗');
    expect(row(rows, '   ack p99 ratio, own process')?.[1]).toBe('3.00× ✗');
    expect(row(rows, '   app RSS after the runs')?.slice(1, 3)).toEqual(['300 MB ✓', '300 MB ✗']);
    expect(row(rows, '8. writes/s')?.slice(1, 4)).toEqual(['n/a (one process)', '1.00 /s ✓', '≤ 1 /s']);
  });

  it('shows a dash for what a failed pass did not measure', () => {
    const rows = figureRows([{ database: 'pglite', error: 'boom', notes: [], durationMs: 1 }]);
    expect(row(rows, '2. event → next dispatch p50')?.[1]).toBe('—');
    expect(row(rows, '   ack p99 ratio')?.[1]).toBe('—');
  });
});

function gateRun(overrides: Partial<GateRun> = {}): GateRun {
  return { ms: 900, baselineMb: 12.5, peakExtraHeapMb: 140, heapGrowthMb: 200, retainedMb: 0.7, gcs: 15, outcome: '100000 findings → fail', ...overrides };
}

function gateCase(bounded: GateCaseResult['bounded'], name = 'SARIF 100k results'): GateCaseResult {
  return { case: name, format: 'sarif', inputMb: 34.2, bounded, unbounded: gateRun() };
}

const gatesRun = (cases: GateCaseResult[], extra: Partial<GatesResult> = {}): GatesResult => ({ cases, notes: [], durationMs: 6_000, ...extra });

describe('gateRows', () => {
  it("judges the capped run's time and peak extra heap against ≤ 5 s and ≤ 100 MB, and only reports the unbounded run", () => {
    const within = gateCase({ kind: 'finished', capMb: 112, ...gateRun({ ms: 1145, peakExtraHeapMb: 84.3, baselineMb: 12.4 }) });
    const rows = gateRows(gatesRun([within]));
    expect(rows[0]).toEqual(['9. SARIF 100k results: parse + evaluate, heap capped at 112 MB', '1145 ms ✓', '≤ 5 s']);
    expect(rows[1]).toEqual(['   peak extra heap in use (over 12.4 MB before)', '84.3 MB ✓', '≤ 100 MB extra heap']);
    // The unbounded run's 140 MB is over the bound, but it is reported, not judged.
    expect(rows[2]).toEqual(['   heap unbounded: time, peak extra in use, heap growth', '900 ms, 140.0 MB, 200.0 MB', '(reported)']);
    expect(rows[3]?.[1]).toBe('0.7 MB; 34.2 MB; 100000 findings → fail');
  });

  it('marks a slow capped run, one over the bound, and one that ran out of memory', () => {
    const slow = gateCase({ kind: 'finished', capMb: 112, ...gateRun({ ms: 5_001, peakExtraHeapMb: 100.1 }) }, 'JUnit 50 MB');
    const rows = gateRows(gatesRun([slow, gateCase({ kind: 'out-of-memory', capMb: 112 })]));
    expect(rows[0]?.[1]).toBe('5001 ms ✗');
    expect(rows[1]?.[1]).toBe('100.1 MB ✗');
    // The second case: only the first case's first row carries the figure number.
    expect(rows[4]?.[0]).toBe('   SARIF 100k results: parse + evaluate, heap capped at 112 MB');
    expect(rows[4]?.[1]).toBe('out of memory ✗');
    expect(rows[5]?.slice(1)).toEqual(['> 100 MB ✗', '≤ 100 MB extra heap']);
    expect(rows[5]?.[0]).toBe('   peak extra heap in use (over 12.5 MB before)');
  });

  it('shows a dash when no case was measured', () => {
    expect(gateRows(gatesRun([], { error: 'the gates part exited with 2 without a result' }))).toEqual([['9. gates: parse + evaluate', '—', '≤ 5 s, ≤ 100 MB extra heap']]);
  });

  it('prints the table on its own, with the failure under it', () => {
    const text = formatGates(gatesRun([], { error: 'SARIF 100k results: the child exited with 1' }));
    expect(text).toMatch(/figure\s+measured\s+SPEC §11 target/);
    expect(text).toContain('- gates: FAILED — SARIF 100k results: the child exited with 1');
    expect(formatGates(gatesRun([]))).not.toContain('FAILED');
  });
});

describe('routeRows', () => {
  it('lists every route of every database, sorted, with the mean per run', () => {
    expect(routeRows([measured()])).toEqual([
      ['GET /repos/{owner}/{repo}/contents/{path}', '3.00'],
      ['POST /repos/{owner}/{repo}/check-runs', '2.00'],
    ]);
  });
});

describe('formatReport', () => {
  it('prints the figures, the route breakdown and the notes', () => {
    const report: BenchReport = {
      startedAt: '2026-01-01T00:00:00.000Z',
      node: 'v24.0.0',
      platform: 'linux-x64',
      cpus: 2,
      writeIntervalMs: 1000,
      simValidation: false,
      targets: [measured({ notes: ['figure 6 skipped'] }), { database: 'postgres', skipped: 'no PostgreSQL at 127.0.0.1', notes: [], durationMs: 0 }],
    };
    const text = formatReport(report);
    expect(text).toContain('write pacing 1000 ms');
    expect(text).toMatch(/figure\s+pglite\s+postgres\s+SPEC §11 target/);
    expect(text).toContain('GET /repos/{owner}/{repo}/contents/{path}');
    expect(text).toContain('- pglite: figure 6 skipped');
    expect(text).toContain('- postgres: skipped — no PostgreSQL at 127.0.0.1');
    expect(text).not.toContain('Gates, figure 9');
  });

  it('prints the gates alone, without the database tables, when only they were run', () => {
    const report: BenchReport = {
      startedAt: '2026-01-01T00:00:00.000Z',
      node: 'v24.0.0',
      platform: 'linux-x64',
      cpus: 2,
      writeIntervalMs: 1000,
      simValidation: false,
      targets: [],
      gates: gatesRun([gateCase({ kind: 'out-of-memory', capMb: 112 })], { error: 'JUnit 50 MB: the child was killed by SIGKILL' }),
    };
    const text = formatReport(report);
    expect(text).toContain('Gates, figure 9 (no database; each run in a fresh child process):');
    expect(text).toContain('out of memory ✗');
    expect(text).not.toContain('GitHub requests per pipeline run, by route');
    expect(text).not.toContain('1. webhook ack');
    expect(text).toContain('- gates: FAILED — JUnit 50 MB: the child was killed by SIGKILL');
  });
});

describe('figure 10: analytics', () => {
  const analytics = (medians: [number, number]): AnalyticsResult => ({
    jobRows: 1_000_000,
    runRows: 100_000,
    seedMs: 15_000,
    windows: [
      { label: 'last 30 days', since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z', runsInWindow: 8_219, attemptsInWindow: 82_190, medianMs: medians[0], samplesMs: [medians[0]] },
      { label: 'whole year', since: '2025-11-30T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z', runsInWindow: 99_998, attemptsInWindow: 999_980, medianMs: medians[1], samplesMs: [medians[1]] },
    ],
    plan: ['Subquery Scan on j (actual time=1.0..2.0 rows=28 loops=1)', 'Execution Time: 2.000 ms'],
  });

  it('judges computeStats against 200 ms on PostgreSQL only, and prints the plan', () => {
    const postgres = measured({ database: 'postgres', analytics: analytics([120, 1_900]) });
    const pglite = measured({ database: 'pglite', analytics: analytics([400, 6_000]) });
    const rows = figureRows([pglite, postgres]);
    expect(row(rows, '10. analytics')).toEqual(['10. analytics: store seeded with', '1000000 job rows, 100000 runs', '1000000 job rows, 100000 runs', '(1M job rows)']);
    expect(row(rows, '   computeStats, last 30 days')).toEqual(['   computeStats, last 30 days (median)', '400 ms (82190 attempts)', '120 ms (82190 attempts) ✓', '≤ 200 ms PostgreSQL']);
    expect(row(rows, '   computeStats, whole year')?.[2]).toBe('1900 ms (999980 attempts) ✗');
    const text = formatReport({ startedAt: '', node: 'v24', platform: 'linux-x64', cpus: 2, writeIntervalMs: 1000, simValidation: false, targets: [pglite, postgres] });
    expect(text).toContain("Analytics, figure 10 — the job figures' plan on postgres, whole year (EXPLAIN ANALYZE, first lines):\nSubquery Scan on j (actual time=1.0..2.0 rows=28 loops=1)\nExecution Time: 2.000 ms");
  });

  it('shows dashes without the part', () => {
    expect(row(figureRows([measured()]), '   computeStats, last 30 days')?.[1]).toBe('—');
  });
});

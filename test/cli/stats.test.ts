import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { formatRate, formatSeconds, formatTable, registerStatsCommand } from '../../src/cli/stats.ts';
import { computeStats } from '../../src/insight/stats.ts';
import { parseWhen } from '../../src/insight/stats-request.ts';
import { cliTargets, type CliDatabase } from '../insight/cli-targets.ts';
import { SEEDED_WEEK, seedRun, seedWeek } from '../insight/seed.ts';

/** The CLI's "now": the day after the seeded week. */
const NOW = Date.parse('2026-03-10T00:00:00Z');
const WEEK = ['--since', '2026-03-02', '--until', '2026-03-09'];

async function runStats(database: CliDatabase, args: string[]) {
  const io = captureIo();
  const program = new Command('shipgate').exitOverride();
  registerStatsCommand(program, io, database.env, () => NOW);
  await program.parseAsync(['stats', ...database.args, ...args], { from: 'user' });
  return io;
}

describe.each(cliTargets())('shipgate stats on $name', (target) => {
  let database: CliDatabase;
  let single: CliDatabase;
  beforeAll(async () => {
    database = await target.create(seedWeek);
    single = await target.create(async (db) => {
      await seedRun(db, { owner: 'solo', repo: 'one', sha: 'a1', conclusion: 'success', startedAt: new Date('2026-03-09T12:00:00Z'), duration: 90 });
    });
  }, 60_000);
  afterAll(async () => {
    await database?.dispose();
    await single?.dispose();
  });

  it('prints the figures as tables: runs, pipelines, stages, jobs, queue wait, flaky, broken, recovery, DORA with its benchmark source', { timeout: 60_000 }, async () => {
    const io = await runStats(database, ['--repo', 'acme/app', ...WEEK]);
    expect(io.err).toBe('');
    expect(io.exitCode).toBe(0);
    const out = io.out;
    expect(out).toContain('acme/app: 2026-03-02 00:00 UTC → 2026-03-09 00:00 UTC');
    expect(out).toContain('Pipeline runs: 10 finished, success rate 33.3% (success ÷ success + failure + timed out; 1 cancelled, 0 skipped counted apart)');
    expect(out).toMatch(/^ci +6 +40\.0% +2 +2 +1 +1 +0 +2m 30s +6m 15s +3m 05s +6$/m);
    expect(out).toMatch(/^nightly +e2e +4 +25\.0% /m);
    expect(out).toMatch(/^ci +test +test +5 +40\.0% +30 s +30 s +30 s +5 s +53 s$/m);
    expect(out).toContain('Queue wait (dispatch → start): p50 5 s, p95 23 s, mean 9 s over 15 attempts');
    expect(out).toMatch(/^ci +test +1 +4 +25\.0% +2026-03-02 10:01:11 UTC$/m);
    expect(out).toMatch(/^nightly +e2e +n3 n2 n1 +2026-03-07 02:00:35 UTC$/m);
    expect(out).toContain('Recovery time on main (first failure after a success → next success): median 1d 00h, mean 1d 00h over 1; 1 pipeline still failing');
    expect(out).toMatch(/^change failure rate +33\.3% \(1 of 3\) +low$/m);
    expect(out).toMatch(/^rework rate +33\.3% \(1 rollback of 3\)$/m);
    expect(out).toContain('tier (dora-2024)');
    expect(out).toContain("Tiers are an optional benchmark against the DORA 2024 report's clusters (dora-2024), not goals.");
  });

  it('--json prints exactly what computeStats returns for the same query', { timeout: 60_000 }, async () => {
    const io = await runStats(database, ['--repo', 'acme/app', ...WEEK, '--json']);
    expect(io.err).toBe('');
    const printed = JSON.parse(io.out) as unknown;
    const store = await database.open();
    try {
      const expected = await computeStats(store.db, { owner: 'acme', repo: 'app', ...SEEDED_WEEK });
      expect(printed).toEqual(JSON.parse(JSON.stringify(expected)));
    } finally {
      await store.close();
    }
  });

  it('passes the filters on, and reads --since as a duration back from --until', { timeout: 60_000 }, async () => {
    const io = await runStats(database, ['--repo', 'acme/app', '--since', '7d', '--until', '2026-03-09T00:00:00Z', '--pipeline', 'nightly', '--branch', 'main', '--env', 'staging', '--json']);
    expect(io.err).toBe('');
    const stats = JSON.parse(io.out) as { window: unknown; filters: unknown; runs: { total: number }; dora: { environments: string[]; deployments: number } };
    expect(stats.window).toEqual({ since: '2026-03-02T00:00:00.000Z', until: '2026-03-09T00:00:00.000Z' });
    expect(stats.filters).toEqual({ pipeline: 'nightly', branch: 'main', environment: 'staging' });
    expect(stats.runs.total).toBe(4);
    expect(stats.dora).toMatchObject({ environments: ['staging'], deployments: 1 });
  });

  it('defaults to the last 30 days up to now, and to the only repository of a store that has one', { timeout: 60_000 }, async () => {
    const io = await runStats(single, ['--json']);
    expect(io.err).toBe('');
    const stats = JSON.parse(io.out) as { repository: string; window: unknown; runs: { total: number } };
    expect(stats.repository).toBe('solo/one');
    expect(stats.window).toEqual({ since: '2026-02-08T00:00:00.000Z', until: '2026-03-10T00:00:00.000Z' });
    expect(stats.runs.total).toBe(1);
  });

  it('says "no deployments" and prints dashes where there is nothing to measure', { timeout: 60_000 }, async () => {
    const io = await runStats(database, ['--repo', 'acme/app', '--since', '2025-01-01', '--until', '2025-01-08']);
    expect(io.exitCode).toBe(0);
    expect(io.out).toContain('Pipeline runs: 0 finished, success rate —');
    expect(io.out).toContain('Queue wait (dispatch → start): no attempts');
    expect(io.out).toContain('Recovery time: no run names the default branch');
    expect(io.out).toMatch(/Flaky jobs[^\n]*\nnone\n/);
    expect(io.out).toMatch(/DORA \(production tier\)\nno deployments in the window\n$/);
  });

  it('refuses what it cannot answer with exit code 2 and what to do', { timeout: 60_000 }, async () => {
    const cases: [string[], RegExp][] = [
      [['--repo', 'acme/nothing'], /no pipeline runs or deployments of acme\/nothing in this store; it has acme\/app, acme\/other/],
      [['--repo', 'acme'], /--repo "acme": expected OWNER\/REPO/],
      [[], /give --repo OWNER\/REPO: the store has 2 repositories \(acme\/app, acme\/other\)/],
      [['--repo', 'acme/app', '--since', 'a week'], /--since "a week": expected a duration such as 30d, 12h or 2w, or an ISO date/],
      [['--repo', 'acme/app', '--until', '2026-02-30'], /--until "2026-02-30": expected a duration/],
      [['--repo', 'acme/app', '--since', '2026-03-09', '--until', '2026-03-02'], /--since \(2026-03-09T00:00:00.000Z\) must be before --until \(2026-03-02T00:00:00.000Z\)/],
      [['--repo', 'acme/app', '--pipeline', ' '], /--pipeline must be between 1 and 200 characters/],
    ];
    for (const [args, message] of cases) {
      const io = await runStats(database, args);
      expect(io.exitCode, args.join(' ')).toBe(2);
      expect(io.err, args.join(' ')).toMatch(message);
      expect(io.err).toContain('(shipgate stats --help for the options)');
      expect(io.out).toBe('');
    }
  });
});

describe('shipgate stats without a database', () => {
  it('exits 1 naming the missing embedded database', async () => {
    const io = captureIo();
    const program = new Command('shipgate').exitOverride();
    registerStatsCommand(program, io, {}, () => NOW);
    await program.parseAsync(['stats', '--data-dir', '/nonexistent/shipgate-db'], { from: 'user' });
    expect(io.exitCode).toBe(1);
    expect(io.err).toMatch(/shipgate stats: no embedded database at \/nonexistent\/shipgate-db; set DATABASE_URL or --data-dir/);
  });

  it('is listed in shipgate --help', async () => {
    const help = captureIo();
    expect(await main(['--help'], help)).toBe(0);
    expect(help.out).toMatch(/^ {2}stats \[options\] +Delivery statistics of a repository/m);
  });
});

describe('the text helpers', () => {
  it('formats durations, rates and tables for reading', () => {
    expect([0.35, 42.46, 303, 7_500, 275_000, null].map(formatSeconds)).toEqual(['350 ms', '42.5 s', '5m 03s', '2h 05m', '3d 04h', '—']);
    expect([0.75, 1 / 3, 0, null].map(formatRate)).toEqual(['75.0%', '33.3%', '0.0%', '—']);
    expect(formatTable(['name', 'n'], [['a', '1'], ['long', '10']], new Set([1]))).toBe('name   n\na      1\nlong  10');
  });

  it('reads a point in time as a duration back from a moment, or as an ISO date in UTC', () => {
    const from = new Date('2026-03-10T00:00:00Z');
    expect(parseWhen('30d', from)?.toISOString()).toBe('2026-02-08T00:00:00.000Z');
    expect(parseWhen('12h', from)?.toISOString()).toBe('2026-03-09T12:00:00.000Z');
    expect(parseWhen('2w', from)?.toISOString()).toBe('2026-02-24T00:00:00.000Z');
    expect(parseWhen('2026-03-01', from)?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parseWhen('2026-03-01T12:30', from)?.toISOString()).toBe('2026-03-01T12:30:00.000Z');
    expect(parseWhen('2026-03-01T12:30:00+02:00', from)?.toISOString()).toBe('2026-03-01T10:30:00.000Z');
    for (const bad of ['', '30', 'd', '1y', '2026-02-30', '2026-13-01', 'March 1', '2026-03-01 12:00', '-3d']) expect(parseWhen(bad, from), bad).toBeNull();
  });
});

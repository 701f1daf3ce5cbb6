import type { Command } from 'commander';
import type { CliIo } from './io.ts';
import { addDatabaseOptions, withStore, type DatabaseOptions } from './deliveries.ts';
import { computeStats, type ConclusionCounts, type Stats, type Summary } from '../insight/stats.ts';
import { DEFAULT_SINCE, resolveStatsRequest } from '../insight/stats-request.ts';

interface StatsOptions extends DatabaseOptions {
  repo?: string;
  since?: string;
  until?: string;
  pipeline?: string;
  branch?: string;
  env?: string;
  json?: boolean;
}

const OPTION_NAMES = { repo: '--repo', since: '--since', until: '--until', pipeline: '--pipeline', branch: '--branch', environment: '--env' };

/**
 * `shipgate stats [--repo O/R] [--since 30d] [--until …] [--pipeline P]
 * [--branch B] [--env E] [--json]`: a repository's delivery statistics (SPEC
 * §12) as tables, or with `--json` exactly the object `GET /api/v1/stats`
 * returns. A request it cannot answer (malformed, unknown repository, since
 * not before until) exits 2 with what to do; a database failure exits 1.
 */
export function registerStatsCommand(program: Command, io: CliIo, env: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): void {
  const stats = program
    .command('stats')
    .description('Delivery statistics of a repository: success rates, durations, flaky and broken jobs, recovery time, DORA')
    .option('--repo <owner/repo>', 'the repository (needed unless the store has exactly one)')
    .option('--since <when>', `start of the window: a duration back from --until (7d, 12h, 2w) or an ISO date (default ${DEFAULT_SINCE})`)
    .option('--until <when>', 'end of the window, exclusive: a duration back from now or an ISO date (default now)')
    .option('--pipeline <id>', 'only this pipeline’s runs')
    .option('--branch <name>', 'only runs on this branch')
    .option('--env <environment>', 'DORA of this environment (default: every production-tier environment)')
    .option('--json', 'print the statistics as JSON (the same object as GET /api/v1/stats)');
  addDatabaseOptions(stats).action(async (options: StatsOptions) => {
    await withStore('stats', options, io, env, async (store) => {
      const resolved = await resolveStatsRequest(
        store.db,
        { repo: options.repo, since: options.since, until: options.until, pipeline: options.pipeline, branch: options.branch, environment: options.env },
        new Date(now()),
        OPTION_NAMES,
      );
      if (!resolved.ok) {
        io.stderr(`shipgate stats: ${resolved.message}\n(shipgate stats --help for the options)`);
        io.setExitCode(2);
        return;
      }
      const result = await computeStats(store.db, resolved.query);
      io.stdout(options.json ? JSON.stringify(result) : formatStats(result));
    });
  });
}

// ---------------------------------------------------------------------------
// Text output

/** A duration in seconds as people read it: `850 ms`, `42.5 s`, `5m 03s`, `2h 05m`, `3d 04h`; `—` for none. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const whole = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${two(whole % 60)}s`;
  if (whole < 86_400) return `${Math.floor(whole / 3600)}h ${two(Math.floor((whole % 3600) / 60))}m`;
  return `${Math.floor(whole / 86_400)}d ${two(Math.floor((whole % 86_400) / 3600))}h`;
}

/** A rate between 0 and 1 as a percentage with one decimal; `—` for none. */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** Columns padded to their widest cell; columns listed in `right` are right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

const numeric = (from: number, to: number) => new Set(Array.from({ length: to - from + 1 }, (_, i) => from + i));

function summaryCells(summary: Summary): string[] {
  return [formatSeconds(summary.p50), formatSeconds(summary.p95), formatSeconds(summary.mean), String(summary.n)];
}

function countCells(counts: ConclusionCounts): string[] {
  return [String(counts.total), formatRate(counts.successRate), String(counts.success), String(counts.failure), String(counts.timedOut), String(counts.cancelled), String(counts.skipped)];
}

const COUNT_HEADERS = ['runs', 'success rate', 'success', 'failure', 'timed out', 'cancelled', 'skipped'];
const SUMMARY_HEADERS = ['p50', 'p95', 'mean', 'n'];

function day(iso: string): string {
  return iso.replace('T', ' ').replace(/:00\.000Z$/, ' UTC').replace(/\.000Z$/, ' UTC');
}

/** The statistics as readable tables (what `shipgate stats` prints without `--json`). */
export function formatStats(stats: Stats): string {
  const filters = [
    stats.filters.pipeline !== null ? `pipeline ${stats.filters.pipeline}` : null,
    stats.filters.branch !== null ? `branch ${stats.filters.branch}` : null,
    stats.filters.environment !== null ? `environment ${stats.filters.environment}` : null,
  ].filter((f): f is string => f !== null);
  const out: string[] = [`${stats.repository}: ${day(stats.window.since)} → ${day(stats.window.until)}${filters.length ? ` (${filters.join(', ')})` : ''}`, ''];

  const runs = stats.runs;
  out.push(
    `Pipeline runs: ${runs.total} finished, success rate ${formatRate(runs.successRate)} (success ÷ success + failure + timed out; ${runs.cancelled} cancelled, ${runs.skipped} skipped${runs.other ? `, ${runs.other} other` : ''} counted apart)`,
  );
  if (stats.pipelines.length > 0) {
    const rows = stats.pipelines.map((p) => [p.pipeline, ...countCells(p), ...summaryCells(p.durationSeconds)]);
    if (stats.pipelines.length > 1) rows.push(['(all)', ...countCells(runs), ...summaryCells(runs.durationSeconds)]);
    out.push('', 'Pipelines (duration: completed − started)', formatTable(['pipeline', ...COUNT_HEADERS, ...SUMMARY_HEADERS], rows, numeric(1, 11)));
  }
  if (stats.stages.length > 0) {
    out.push('', 'Stages', formatTable(['pipeline', 'stage', ...COUNT_HEADERS, ...SUMMARY_HEADERS], stats.stages.map((s) => [s.pipeline, s.stage, ...countCells(s), ...summaryCells(s.durationSeconds)]), numeric(2, 12)));
  }
  if (stats.jobs.length > 0) {
    const headers = ['pipeline', 'stage', 'job', 'attempts', 'success rate', 'p50', 'p95', 'mean', 'queue p50', 'queue p95'];
    const rows = stats.jobs.map((j) => [
      j.pipeline,
      j.stage ?? '—',
      j.job,
      String(j.total),
      formatRate(j.successRate),
      formatSeconds(j.durationSeconds.p50),
      formatSeconds(j.durationSeconds.p95),
      formatSeconds(j.durationSeconds.mean),
      formatSeconds(j.queueWaitSeconds.p50),
      formatSeconds(j.queueWaitSeconds.p95),
    ]);
    out.push('', 'Jobs (every attempt)', formatTable(headers, rows, numeric(3, 9)));
  }
  const wait = stats.queueWaitSeconds;
  out.push('', `Queue wait (dispatch → start): ${wait.n === 0 ? 'no attempts' : `p50 ${formatSeconds(wait.p50)}, p95 ${formatSeconds(wait.p95)}, mean ${formatSeconds(wait.mean)} over ${wait.n} attempts`}`);

  out.push('', 'Flaky jobs (success and failure on one sha)');
  out.push(
    stats.flaky.length === 0
      ? 'none'
      : formatTable(['pipeline', 'job', 'flaky shas', 'shas', 'flake rate', 'last flaky'], stats.flaky.map((f) => [f.pipeline, f.job, String(f.flakyShas), String(f.shas), formatRate(f.flakeRate), day(f.lastFlakyAt)]), numeric(2, 4)),
  );
  out.push('', 'Broken jobs (the last 3 shas failed)');
  out.push(stats.broken.length === 0 ? 'none' : formatTable(['pipeline', 'job', 'failing shas, newest first', 'last failed'], stats.broken.map((b) => [b.pipeline, b.job, b.shas.map((sha) => sha.slice(0, 7)).join(' '), day(b.lastFailedAt)])));

  const recovery = stats.recovery;
  out.push(
    '',
    recovery.branch === null
      ? 'Recovery time: no run names the default branch'
      : `Recovery time on ${recovery.branch} (first failure after a success → next success): ${recovery.n === 0 ? 'no recovery in the window' : `median ${formatSeconds(recovery.p50)}, mean ${formatSeconds(recovery.mean)} over ${recovery.n}`}${recovery.unrecovered ? `; ${recovery.unrecovered} pipeline${recovery.unrecovered === 1 ? '' : 's'} still failing` : ''}`,
  );

  out.push('', ...formatDora(stats));
  return out.join('\n');
}

function formatDora(stats: Stats): string[] {
  const dora = stats.dora;
  const scope = stats.filters.environment !== null ? `environment ${stats.filters.environment}` : dora.environments.length > 0 ? `production tier: ${dora.environments.join(', ')}` : 'production tier';
  const lines = [`DORA (${scope})`];
  if (dora.deployments === 0) return [...lines, 'no deployments in the window'];
  const tier = (value: string | null | undefined) => value ?? '—';
  const benchmark = dora.benchmark;
  const frequency = dora.deploymentFrequency;
  const rows = [
    [
      'deployment frequency',
      `${frequency.perDay === null ? '—' : `${Number(frequency.perDay.toFixed(2))}/day`} (${dora.successful} successful, ${frequency.deployDays} deploy day${frequency.deployDays === 1 ? '' : 's'}; ${frequency.bucket ?? '—'})`,
      tier(benchmark?.deploymentFrequency),
    ],
    ['lead time for changes', dora.leadTimeSeconds.n === 0 ? '— (no new change deployed)' : `median ${formatSeconds(dora.leadTimeSeconds.p50)} over ${dora.leadTimeSeconds.n} change${dora.leadTimeSeconds.n === 1 ? '' : 's'}`, tier(benchmark?.leadTime)],
    ['change failure rate', `${formatRate(dora.changeFailureRate)} (${dora.changeFailures} of ${dora.deployments})`, tier(benchmark?.changeFailureRate)],
    [
      'failed deployment recovery',
      dora.failedDeploymentRecoverySeconds.n === 0
        ? `—${dora.failedDeploymentRecoverySeconds.unrecovered ? ` (${dora.failedDeploymentRecoverySeconds.unrecovered} not recovered)` : ''}`
        : `median ${formatSeconds(dora.failedDeploymentRecoverySeconds.p50)} over ${dora.failedDeploymentRecoverySeconds.n}${dora.failedDeploymentRecoverySeconds.unrecovered ? `, ${dora.failedDeploymentRecoverySeconds.unrecovered} not recovered` : ''}`,
      tier(benchmark?.failedDeploymentRecovery),
    ],
    ['rework rate', `${formatRate(dora.reworkRate)} (${dora.rollbacks} rollback${dora.rollbacks === 1 ? '' : 's'} of ${dora.deployments})`, ''],
  ];
  lines.push(formatTable(['metric', 'value', benchmark ? `tier (${benchmark.source})` : 'tier'], rows));
  if (benchmark) lines.push(`Tiers are an optional benchmark against the DORA ${benchmark.source.replace('dora-', '')} report's clusters (${benchmark.source}), not goals.`);
  return lines;
}

/**
 * The arithmetic of delivery statistics (SPEC §12 "Analytics"), pure: no
 * database, no clock. `stats.ts` lets the database filter and aggregate what
 * is big (job attempts, runs) and hands the small remainder to these
 * functions; the definitions below are the ones the numbers mean.
 *
 * Conventions:
 * - Durations are in seconds, times are `Date`s (UTC), windows are `[since, until)`.
 * - Where there is nothing to measure, a figure is `null`, never 0: a ratio
 *   over nothing, the percentile of no values, the rate of no deployments.
 *   Counts are numbers and may be 0.
 */
import type { Conclusion, DeploymentSource } from '../store/schema/index.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How long after a production deployment a rollback still counts against it (SPEC §12). */
export const CHANGE_FAILURE_WINDOW_MS = DAY_MS;

/** How many of a job's most recent distinct shas must all have failed for the job to count as broken. */
export const BROKEN_AFTER_SHAS = 3;

/** Orders text by code points (as PostgreSQL's `collate "C"`), the same on every machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Percentiles and summaries

/**
 * The `p`-quantile (`p` from 0 to 1) of `values` by linear interpolation
 * between the closest ranks, as PostgreSQL's `percentile_cont` computes it:
 * sorted values v₀…vₙ₋₁, rank r = p·(n − 1), result v⌊r⌋ + (r − ⌊r⌋)·(v⌈r⌉ − v⌊r⌋).
 * Durations 1, 2, 3, 4, 100 give p50 = 3 and p95 = 80.8. `null` for no values.
 * Throws a `RangeError` for a `p` outside [0, 1] or a value that is not a finite number.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile: p must be between 0 and 1, got ${p}`);
  if (values.length === 0) return null;
  for (const value of values) if (!Number.isFinite(value)) throw new RangeError(`percentile: not a finite number: ${value}`);
  const sorted = [...values].sort((a, b) => a - b);
  return quantileOfSorted(sorted, p);
}

function quantileOfSorted(sorted: readonly number[], p: number): number {
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? 0;
  const highValue = sorted[high] ?? lowValue;
  return lowValue + (rank - low) * (highValue - lowValue);
}

/** How many values there are, their median (p50), their p95 and their mean; every figure `null` when there are none. */
export interface Summary {
  n: number;
  p50: number | null;
  p95: number | null;
  mean: number | null;
}

/** {@link Summary} of `values` (p50 and p95 as {@link percentile} computes them). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, p50: null, p95: null, mean: null };
  const sorted = [...values].sort((a, b) => a - b);
  for (const value of sorted) if (!Number.isFinite(value)) throw new RangeError(`summarize: not a finite number: ${value}`);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return { n: sorted.length, p50: quantileOfSorted(sorted, 0.5), p95: quantileOfSorted(sorted, 0.95), mean: sum / sorted.length };
}

// ---------------------------------------------------------------------------
// Success rate

/** Finished runs (or stages, or job attempts) by how they ended. */
export interface OutcomeCounts {
  success: number;
  failure: number;
  timedOut: number;
}

/**
 * success ÷ (success + failure + timed out). Cancelled and skipped runs are
 * not part of the ratio (they are counted apart); `null` when the sum is 0.
 */
export function successRate(counts: OutcomeCounts): number | null {
  const finished = counts.success + counts.failure + counts.timedOut;
  return finished === 0 ? null : counts.success / finished;
}

/** Which side of the success rate a conclusion is on: `other` (cancelled, skipped, neutral, …) is on neither. */
export function outcomeOf(conclusion: Conclusion | string | null): 'success' | 'failure' | 'other' {
  if (conclusion === 'success') return 'success';
  if (conclusion === 'failure' || conclusion === 'timed_out') return 'failure';
  return 'other';
}

// ---------------------------------------------------------------------------
// Flaky and broken jobs

/** One finished attempt of a job, as the flaky and broken rules look at it. */
export interface JobAttemptOutcome {
  /** The job's identity, e.g. `ci/test` (pipeline and job id: job ids are unique within a pipeline). */
  job: string;
  sha: string;
  conclusion: Conclusion | string;
  completedAt: Date;
}

/**
 * What a job's attempts on one sha say: `flaky` when they include both a
 * success and a failure (timed out counts as a failure), `failed` when they
 * failed and never succeeded, `passed` when they succeeded and never failed,
 * `other` when they only ended otherwise (cancelled, skipped).
 */
export type ShaVerdict = 'flaky' | 'failed' | 'passed' | 'other';

/** The {@link ShaVerdict} of one job's attempts on one sha, from whether any succeeded and whether any failed. */
export function shaVerdict(seen: { succeeded: boolean; failed: boolean }): ShaVerdict {
  if (seen.succeeded && seen.failed) return 'flaky';
  if (seen.failed) return 'failed';
  if (seen.succeeded) return 'passed';
  return 'other';
}

/** A job's flakiness over the shas it ran on. */
export interface FlakeSummary {
  job: string;
  /** Shas whose attempts include both a success and a failure. */
  flakyShas: number;
  /** Shas the job has a finished attempt on. */
  shas: number;
  /** flakyShas ÷ shas. */
  flakeRate: number;
  /** The last completed attempt on a flaky sha. */
  lastFlakyAt: Date;
}

/** Per (job, sha): did an attempt succeed, did one fail, and when did the last one end. */
export interface ShaAttempts {
  job: string;
  sha: string;
  succeeded: boolean;
  failed: boolean;
  lastAt: Date;
}

/** Groups attempts by (job, sha). */
export function groupByJobAndSha(attempts: readonly JobAttemptOutcome[]): ShaAttempts[] {
  const groups = new Map<string, ShaAttempts>();
  for (const attempt of attempts) {
    const key = `${attempt.job}\u0000${attempt.sha}`;
    const group = groups.get(key) ?? { job: attempt.job, sha: attempt.sha, succeeded: false, failed: false, lastAt: attempt.completedAt };
    const outcome = outcomeOf(attempt.conclusion);
    if (outcome === 'success') group.succeeded = true;
    if (outcome === 'failure') group.failed = true;
    if (attempt.completedAt > group.lastAt) group.lastAt = attempt.completedAt;
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The flaky jobs (SPEC §12): a job is flaky when its attempts on one sha
 * include both a success and a failure; its flake rate is flaky shas ÷ shas it
 * ran on. Jobs without a flaky sha are left out. Sorted by flake rate, then
 * flaky shas, then job, descending rate first.
 */
export function flakyJobs(perSha: readonly ShaAttempts[]): FlakeSummary[] {
  const jobs = new Map<string, { flakyShas: number; shas: number; lastFlakyAt: Date | null }>();
  for (const sha of perSha) {
    const job = jobs.get(sha.job) ?? { flakyShas: 0, shas: 0, lastFlakyAt: null };
    job.shas += 1;
    if (shaVerdict(sha) === 'flaky') {
      job.flakyShas += 1;
      if (job.lastFlakyAt === null || sha.lastAt > job.lastFlakyAt) job.lastFlakyAt = sha.lastAt;
    }
    jobs.set(sha.job, job);
  }
  const flaky: FlakeSummary[] = [];
  for (const [job, counts] of jobs) {
    if (counts.flakyShas > 0 && counts.lastFlakyAt) flaky.push({ job, flakyShas: counts.flakyShas, shas: counts.shas, flakeRate: counts.flakyShas / counts.shas, lastFlakyAt: counts.lastFlakyAt });
  }
  return flaky.sort((a, b) => b.flakeRate - a.flakeRate || b.flakyShas - a.flakyShas || compareText(a.job, b.job));
}

/**
 * A job is broken when its last {@link BROKEN_AFTER_SHAS} distinct shas (by
 * when their last attempt ended, newest first) all failed: none of their
 * attempts succeeded. Fewer shas than that: not broken (not enough to say).
 * A failed sha that ended at the same moment as one that did not fail is not
 * counted as the newer of the two.
 */
export function isBroken(newestFirst: readonly ShaVerdict[]): boolean {
  const last = newestFirst.slice(0, BROKEN_AFTER_SHAS);
  return last.length === BROKEN_AFTER_SHAS && last.every((verdict) => verdict === 'failed');
}

/** The broken jobs of `perSha`, each with its failing shas newest first; sorted by job. */
export function brokenJobs(perSha: readonly ShaAttempts[]): { job: string; shas: string[]; lastFailedAt: Date }[] {
  const byJob = new Map<string, ShaAttempts[]>();
  for (const sha of perSha) byJob.set(sha.job, [...(byJob.get(sha.job) ?? []), sha]);
  const broken: { job: string; shas: string[]; lastFailedAt: Date }[] = [];
  for (const [job, shas] of byJob) {
    const failedOnly = (sha: ShaAttempts) => (shaVerdict(sha) === 'failed' ? 1 : 0);
    const newest = [...shas].sort((a, b) => b.lastAt.getTime() - a.lastAt.getTime() || failedOnly(a) - failedOnly(b) || compareText(a.sha, b.sha)).slice(0, BROKEN_AFTER_SHAS);
    if (newest[0] && isBroken(newest.map(shaVerdict))) broken.push({ job, shas: newest.map((s) => s.sha), lastFailedAt: newest[0].lastAt });
  }
  return broken.sort((a, b) => compareText(a.job, b.job));
}

// ---------------------------------------------------------------------------
// Pipeline recovery time

/** One finished pipeline run on the default branch, for recovery times. */
export interface BranchRun {
  pipeline: string;
  conclusion: Conclusion | string;
  completedAt: Date;
}

/** Recovery times of a branch, in seconds, and the red streaks still open at the end. */
export interface Recoveries {
  seconds: number[];
  /** Streaks of failures after a success that no success ended (yet). */
  unrecovered: number;
}

/**
 * Pipeline recovery times (SPEC §12): per pipeline, runs in the order they
 * ended; from the first failing run after a success to the next success, one
 * duration in seconds (completion to completion). Cancelled and skipped runs
 * neither break nor end a streak. A streak of failures before the first
 * success in `runs` is not counted: when it began is not known. Runs that
 * merely repeat the previous outcome may be left out of `runs` (the database
 * sends only the changes) without changing the answer.
 */
export function recoveryTimes(runs: readonly BranchRun[]): Recoveries {
  const byPipeline = new Map<string, BranchRun[]>();
  for (const run of runs) byPipeline.set(run.pipeline, [...(byPipeline.get(run.pipeline) ?? []), run]);
  const seconds: number[] = [];
  let unrecovered = 0;
  for (const pipelineRuns of byPipeline.values()) {
    const ordered = [...pipelineRuns].sort((a, b) => a.completedAt.getTime() - b.completedAt.getTime());
    let seenSuccess = false;
    let failingSince: Date | null = null;
    for (const run of ordered) {
      const outcome = outcomeOf(run.conclusion);
      if (outcome === 'success') {
        if (failingSince) seconds.push((run.completedAt.getTime() - failingSince.getTime()) / 1000);
        failingSince = null;
        seenSuccess = true;
      } else if (outcome === 'failure' && seenSuccess && failingSince === null) {
        failingSince = run.completedAt;
      }
    }
    if (failingSince) unrecovered += 1;
  }
  return { seconds, unrecovered };
}

// ---------------------------------------------------------------------------
// DORA

/** The statuses of a deployment that was carried out (its deploy ran): the only ones DORA counts. */
export const CARRIED_OUT_STATUSES = ['succeeded', 'failed', 'rolled-back'] as const;
export type CarriedOutStatus = (typeof CARRIED_OUT_STATUSES)[number];

/** One production-tier deployment that was carried out, as the DORA figures look at it. */
export interface DeploymentRecord {
  id: number;
  environment: string;
  sha: string;
  /** `rolled-back`: it failed and an automatic rollback replaced it. */
  status: CarriedOutStatus;
  source: DeploymentSource;
  /** When it was asked for. */
  requestedAt: Date;
  completedAt: Date;
  /** The same sha had already been deployed successfully to this environment before: not a new change. */
  redeploy: boolean;
  /** When the change it ships was made (see `stats.ts` for where that comes from); null when not known. */
  changeAt: Date | null;
}

/** The frequency bucket: how often the team deploys, from deploy days and counts per period (see {@link deploymentBucket}). */
export type DeploymentBucket = 'daily' | 'weekly' | 'monthly' | 'yearly';

/** The DORA figures over one window (SPEC §12). */
export interface DoraMetrics {
  /** Deployments carried out (succeeded, failed or rolled back) that completed in the window. */
  deployments: number;
  /** Of those, the successful ones: what deployment frequency counts. */
  successful: number;
  /** Of those, the ones that failed (`failed` or `rolled-back`). */
  failed: number;
  /** Of those, rollbacks and automatic rollbacks. */
  rollbacks: number;
  /** Of those, the change failures (see {@link isChangeFailure}). */
  changeFailures: number;
  deploymentFrequency: {
    /** Successful deployments ÷ days of the window; null without any. */
    perDay: number | null;
    /** Distinct UTC days with a successful deployment. */
    deployDays: number;
    /** Null without any successful deployment. */
    bucket: DeploymentBucket | null;
  };
  /** Deployment finish − change time over the new changes deployed, seconds. */
  leadTimeSeconds: Summary;
  /** changeFailures ÷ deployments; null without deployments. */
  changeFailureRate: number | null;
  /** From a change failure to the next successful deployment of its environment, seconds. */
  failedDeploymentRecoverySeconds: Summary & { unrecovered: number };
  /** rollbacks ÷ deployments; null without deployments. */
  reworkRate: number | null;
}

function isRollback(source: DeploymentSource): boolean {
  return source === 'rollback' || source === 'auto-rollback';
}

/**
 * Whether `deployment` was a change failure: it failed itself (a failed
 * deploy, `failed` or `rolled-back`), or the next deployment of its
 * environment, asked for within 24 h of its completion (inclusive), is a
 * rollback or an automatic rollback. `next` is the deployment that followed
 * it in the environment (by completion), if any.
 */
export function isChangeFailure(deployment: DeploymentRecord, next: DeploymentRecord | undefined): boolean {
  if (deployment.status !== 'succeeded') return true;
  if (!next || !isRollback(next.source)) return false;
  return next.requestedAt.getTime() - deployment.completedAt.getTime() <= CHANGE_FAILURE_WINDOW_MS;
}

function byCompletion(a: DeploymentRecord, b: DeploymentRecord): number {
  return a.completedAt.getTime() - b.completedAt.getTime() || a.id - b.id;
}

function inWindow(at: Date, window: Window): boolean {
  return at.getTime() >= window.since.getTime() && at.getTime() < window.until.getTime();
}

/** A `[since, until)` window. */
export interface Window {
  since: Date;
  until: Date;
}

/**
 * The DORA figures of `deployments` over `window`. Deployments count in the
 * window they completed in; what followed them (rollbacks, the next good
 * deployment) is looked for among every deployment given, also after `until`.
 * Give only one tier's deployments (production, or the environment asked for).
 */
export function doraMetrics(deployments: readonly DeploymentRecord[], window: Window): DoraMetrics {
  const byEnvironment = new Map<string, DeploymentRecord[]>();
  for (const d of deployments) byEnvironment.set(d.environment, [...(byEnvironment.get(d.environment) ?? []), d]);
  let counted = 0;
  let successful = 0;
  let failed = 0;
  let rollbacks = 0;
  let changeFailures = 0;
  const recovery: number[] = [];
  let unrecovered = 0;
  const successfulTimes: Date[] = [];
  const leadTimes: number[] = [];
  for (const list of byEnvironment.values()) {
    const ordered = [...list].sort(byCompletion);
    ordered.forEach((deployment, index) => {
      if (!inWindow(deployment.completedAt, window)) return;
      counted += 1;
      if (deployment.status === 'succeeded') {
        successful += 1;
        successfulTimes.push(deployment.completedAt);
        const lead = leadTimeOf(deployment);
        if (lead !== null) leadTimes.push(lead);
      } else {
        failed += 1;
      }
      if (isRollback(deployment.source)) rollbacks += 1;
      if (!isChangeFailure(deployment, ordered[index + 1])) return;
      changeFailures += 1;
      const good = ordered.slice(index + 1).find((later) => later.status === 'succeeded');
      if (good) recovery.push((good.completedAt.getTime() - deployment.completedAt.getTime()) / 1000);
      else unrecovered += 1;
    });
  }
  return {
    deployments: counted,
    successful,
    failed,
    rollbacks,
    changeFailures,
    deploymentFrequency: deploymentFrequency(successfulTimes, window),
    leadTimeSeconds: summarize(leadTimes),
    changeFailureRate: counted === 0 ? null : changeFailures / counted,
    failedDeploymentRecoverySeconds: { ...summarize(recovery), unrecovered },
    reworkRate: counted === 0 ? null : rollbacks / counted,
  };
}

/**
 * Lead time of one successful deployment, in seconds: completion − change
 * time, for new changes only (not a rollback, not a sha deployed before).
 * Null when the change time is unknown or after the deployment (clock skew).
 */
export function leadTimeOf(deployment: DeploymentRecord): number | null {
  if (deployment.status !== 'succeeded' || isRollback(deployment.source) || deployment.redeploy || deployment.changeAt === null) return null;
  const ms = deployment.completedAt.getTime() - deployment.changeAt.getTime();
  return ms < 0 ? null : ms / 1000;
}

/** Successful deployments per day over the window, deploy days and the bucket; nulls without any deployment. */
export function deploymentFrequency(successfulAt: readonly Date[], window: Window): DoraMetrics['deploymentFrequency'] {
  const days = (window.until.getTime() - window.since.getTime()) / DAY_MS;
  const deployDays = new Set(successfulAt.map((at) => at.toISOString().slice(0, 10))).size;
  if (successfulAt.length === 0 || days <= 0) return { perDay: null, deployDays, bucket: null };
  return { perDay: successfulAt.length / days, deployDays, bucket: deploymentBucket(successfulAt, window) };
}

/**
 * The frequency bucket, after Google's Four Keys: the window is cut into
 * 7-day periods from `since` (a shorter last period is dropped, unless the
 * window is shorter than one period: then it is the one period), and
 * - `daily` when the median period has a successful deployment on at least 3 distinct days,
 * - `weekly` when the median 7-day period has at least one,
 * - `monthly` when the median 30-day period (cut the same way) has at least one,
 * - `yearly` otherwise.
 * Null without any deployment.
 */
export function deploymentBucket(successfulAt: readonly Date[], window: Window): DeploymentBucket | null {
  if (successfulAt.length === 0) return null;
  const week = periods(window, 7 * DAY_MS);
  const daysPerWeek = week.map((period) => new Set(successfulAt.filter((at) => inWindow(at, period)).map((at) => at.toISOString().slice(0, 10))).size);
  if ((percentile(daysPerWeek, 0.5) ?? 0) >= 3) return 'daily';
  const countIn = (list: Window[]) => list.map((period) => successfulAt.filter((at) => inWindow(at, period)).length);
  if ((percentile(countIn(week), 0.5) ?? 0) >= 1) return 'weekly';
  if ((percentile(countIn(periods(window, 30 * DAY_MS)), 0.5) ?? 0) >= 1) return 'monthly';
  return 'yearly';
}

function periods(window: Window, length: number): Window[] {
  const span = window.until.getTime() - window.since.getTime();
  if (span < length) return [window];
  const list: Window[] = [];
  for (let start = window.since.getTime(); start + length <= window.until.getTime(); start += length) list.push({ since: new Date(start), until: new Date(start + length) });
  return list;
}

// ---------------------------------------------------------------------------
// Benchmarks (optional labels, never the primary output)

/** A DORA performance cluster. */
export type DoraTier = 'elite' | 'high' | 'medium' | 'low';

/** The published tables the tiers can be read against. */
export const BENCHMARK_SOURCES = ['dora-2024', 'dora-2023'] as const;
export type BenchmarkSource = (typeof BENCHMARK_SOURCES)[number];

/** Each DORA figure's tier against one published table, naming it; a tier is null when its figure is. */
export interface DoraBenchmark {
  source: BenchmarkSource;
  deploymentFrequency: DoraTier | null;
  leadTime: DoraTier | null;
  changeFailureRate: DoraTier | null;
  failedDeploymentRecovery: DoraTier | null;
}

/** "On demand" (at least daily), daily–weekly, weekly–monthly, less often: the same cut-offs in both reports. */
function frequencyTier(perDay: number): DoraTier {
  if (perDay >= 1) return 'elite';
  if (perDay >= 1 / 7) return 'high';
  if (perDay >= 1 / 30) return 'medium';
  return 'low';
}

/** < 1 day, < 1 week, < 1 month (30 days), longer: both reports. */
function leadTimeTier(seconds: number): DoraTier {
  if (seconds < DAY_MS / 1000) return 'elite';
  if (seconds < (7 * DAY_MS) / 1000) return 'high';
  if (seconds < (30 * DAY_MS) / 1000) return 'medium';
  return 'low';
}

/** < 1 hour, < 1 day, < 1 week, longer (the 2023 report as Apache DevLake reads it; 2024 has no cluster between 1 day and 1 week, filled the same way). */
function recoveryTier(seconds: number): DoraTier {
  if (seconds < HOUR_MS / 1000) return 'elite';
  if (seconds < DAY_MS / 1000) return 'high';
  if (seconds < (7 * DAY_MS) / 1000) return 'medium';
  return 'low';
}

/**
 * Change failure rate: 2023 by DevLake's cut-offs (≤ 5 %, ≤ 10 %, ≤ 15 %, above);
 * 2024's clusters are not ordered on this figure (elite 5 %, high 20 %, medium
 * 10 %, low 40 %), so the tier is the cluster whose rate is nearest (ties to the better tier).
 */
function changeFailureTier(rate: number, source: BenchmarkSource): DoraTier {
  if (source === 'dora-2023') {
    if (rate <= 0.05) return 'elite';
    if (rate <= 0.1) return 'high';
    if (rate <= 0.15) return 'medium';
    return 'low';
  }
  const clusters: [DoraTier, number][] = [
    ['elite', 0.05],
    ['high', 0.2],
    ['medium', 0.1],
    ['low', 0.4],
  ];
  let best: [DoraTier, number] = clusters[0] ?? ['elite', 0.05];
  for (const cluster of clusters) if (Math.abs(rate - cluster[1]) < Math.abs(rate - best[1])) best = cluster;
  return best[0];
}

/**
 * The DORA figures read against a published table (default the 2024 report),
 * as an optional label next to them. Null when nothing was deployed.
 */
export function doraBenchmark(metrics: DoraMetrics, source: BenchmarkSource = 'dora-2024'): DoraBenchmark | null {
  if (metrics.deployments === 0) return null;
  const lead = metrics.leadTimeSeconds.p50;
  const recovery = metrics.failedDeploymentRecoverySeconds.p50;
  return {
    source,
    deploymentFrequency: metrics.deploymentFrequency.perDay === null ? null : frequencyTier(metrics.deploymentFrequency.perDay),
    leadTime: lead === null ? null : leadTimeTier(lead),
    changeFailureRate: metrics.changeFailureRate === null ? null : changeFailureTier(metrics.changeFailureRate, source),
    failedDeploymentRecovery: recovery === null ? null : recoveryTier(recovery),
  };
}

import { deliveryTimes } from './delivery-times.ts';
import { openBenchPglite, openBenchPostgres, postgresReachable, postgresServerUrl, type BenchDatabase } from './databases.ts';
import { startBenchEnvironment, type BenchEnvironment } from './environment.ts';
import { measureAck } from './measure-ack.ts';
import { countPipelineRequests, measureDispatchLatency, type Progress } from './measure-pipelines.ts';
import { measurePipelineRate } from './measure-rate.ts';
import { measureThroughput } from './measure-throughput.ts';
import type { TargetResult } from './results.ts';
import { startRssSampler } from './rss.ts';

export type DatabaseKind = TargetResult['database'];

/**
 * Time one pass aims to stay within (two passes, well under five minutes in
 * all). Waits on the app are bounded by it: past it, the throughput wait stops
 * early and figure 6 is skipped, each with a note.
 */
export const PASS_BUDGET_MS = 140_000;
/** What figure 6 needs (two samples of two pipelines per installation, paced). */
const RATE_NEEDS_MS = 45_000;

export interface DatabasePassOptions {
  /** Check the sim's requests against GitHub's OpenAPI description (slower). */
  validate: boolean;
  /** Skip figure 6 (pipelines per minute) to save its ~40 s. */
  skipRate: boolean;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One pass on one database, in this process: shipgate, the sim and the bare
 * Probot app start fresh; figures 2–3, 1, 4 and 6 are measured in that order
 * (the `workflow_run` payloads of figure 1 come from figure 2's runs), RSS
 * last. A failure ends the pass and keeps the figures measured so far.
 */
export async function runDatabasePass(kind: DatabaseKind, options: DatabasePassOptions, progress: Progress): Promise<TargetResult> {
  const started = performance.now();
  const result: TargetResult = { database: kind, notes: [], durationMs: 0 };
  const say: Progress = (message) => progress(`${kind}: ${message}`);
  const rss = startRssSampler();
  const remaining = () => started + PASS_BUDGET_MS - performance.now();
  let database: BenchDatabase | undefined;
  let env: BenchEnvironment | undefined;
  try {
    if (kind === 'postgres') {
      const url = postgresServerUrl();
      const reachable = await postgresReachable(url);
      if (reachable !== true) {
        result.skipped = reachable;
        return result;
      }
      database = await openBenchPostgres(url);
    } else {
      database = await openBenchPglite();
    }
    say(`database ready (${database.where}); starting the simulator, shipgate and a bare Probot app`);
    env = await startBenchEnvironment(database.store, { validate: options.validate });
    if (!options.validate) result.notes.push('the simulator ran without OpenAPI request validation (it costs CPU in this same process); the end-to-end tests validate');

    const measured = await measureDispatchLatency(env, say);
    result.dispatch = measured.dispatch;
    say(`event → next dispatch p50 ${measured.dispatch.latency.p50.toFixed(1)} ms, p99 ${measured.dispatch.latency.p99.toFixed(1)} ms`);
    result.requests = await countPipelineRequests(env, measured.pipelines, say);
    if (result.requests.unsuccessful > 0) result.notes.push(`${result.requests.unsuccessful} DAG pipeline(s) did not succeed`);
    say(`requests per pipeline run: ${result.requests.perPipeline.join(', ')}`);

    result.ack = await measureAck(env, say);
    if (result.ack.errors > 0) result.notes.push(`${result.ack.errors} webhook(s) were not answered 200 in the ack figure`);
    say(`ack p99 shipgate ${result.ack.shipgate.p99.toFixed(2)} ms, bare ${result.ack.bare.p99.toFixed(2)} ms`);

    const throughputTimeoutMs = Math.round(Math.max(15_000, Math.min(90_000, remaining() - RATE_NEEDS_MS)));
    result.throughput = await measureThroughput(env, say, { timeoutMs: throughputTimeoutMs });
    if (result.throughput.errors > 0) result.notes.push(`${result.throughput.errors} webhook(s) were not answered 200 in the throughput figure`);
    if (result.throughput.unprocessed > 0) {
      result.notes.push(`throughput: ${result.throughput.unprocessed} of ${result.throughput.deliveries} deliveries were still unprocessed after ${(throughputTimeoutMs / 1000).toFixed(0)} s; the processed rate counts only those done`);
    }
    say(`throughput ${result.throughput.ackedPerSecond.toFixed(0)} acked/s, ${result.throughput.processedPerSecond.toFixed(0)} processed/s`);

    if (options.skipRate) result.notes.push('figure 6 (pipelines per minute) skipped on request (--skip-rate)');
    else if (remaining() < RATE_NEEDS_MS) {
      result.notes.push(`figure 6 (pipelines per minute) skipped: the pass had ${Math.max(0, remaining() / 1000).toFixed(0)} s of its ${PASS_BUDGET_MS / 1000} s budget left`);
    } else {
      result.rate = await measurePipelineRate(env, say);
      say(`pipelines/min: ${result.rate.oneInstallation.perMinute.toFixed(1)} on 1 installation, ${result.rate.tenInstallations.perMinute.toFixed(1)} on 10`);
    }
    result.deliveries = await deliveryTimes(env.store);
    const violations = env.sim.violations.length;
    if (violations > 0) result.notes.push(`the simulator recorded ${violations} violation(s), e.g. ${env.sim.violations[0]?.message ?? ''}`);
  } catch (error) {
    result.error = describe(error);
    say(`FAILED: ${result.error}`);
  } finally {
    if (env && !result.deliveries) {
      const times = await deliveryTimes(env.store).catch(() => undefined);
      if (times) result.deliveries = times;
    }
    if (!result.skipped) result.rss = { afterMb: rss.now(), peakMb: rss.peak() };
    rss.stop();
    await env?.stop().catch((error: unknown) => {
      result.error ??= `stopping: ${describe(error)}`;
    });
    await database?.dispose().catch((error: unknown) => {
      result.error ??= `removing the bench database: ${describe(error)}`;
    });
    result.durationMs = performance.now() - started;
  }
  return result;
}

import { openBenchPglite, openBenchPostgres, postgresReachable, postgresServerUrl, type BenchDatabase } from './databases.ts';
import { startBenchEnvironment, type BenchEnvironment } from './environment.ts';
import { measureAck } from './measure-ack.ts';
import { measurePipelines, type Progress } from './measure-pipelines.ts';
import { measurePipelineRate } from './measure-rate.ts';
import { measureThroughput } from './measure-throughput.ts';
import type { TargetResult } from './results.ts';
import { startRssSampler } from './rss.ts';

export type DatabaseKind = TargetResult['database'];

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

    const pipelines = await measurePipelines(env, say);
    result.dispatch = pipelines.dispatch;
    result.requests = pipelines.requests;
    if (pipelines.requests.unsuccessful > 0) result.notes.push(`${pipelines.requests.unsuccessful} DAG pipeline(s) did not succeed`);
    say(`event → next dispatch p50 ${pipelines.dispatch.latency.p50.toFixed(1)} ms, p99 ${pipelines.dispatch.latency.p99.toFixed(1)} ms; requests per run ${pipelines.requests.perPipeline.join(',')}`);

    result.ack = await measureAck(env, say);
    if (result.ack.errors > 0) result.notes.push(`${result.ack.errors} webhook(s) were not answered 200 in the ack figure`);
    say(`ack p99 shipgate ${result.ack.shipgate.p99.toFixed(2)} ms, bare ${result.ack.bare.p99.toFixed(2)} ms`);

    result.throughput = await measureThroughput(env, say);
    if (result.throughput.errors > 0) result.notes.push(`${result.throughput.errors} webhook(s) were not answered 200 in the throughput figure`);
    say(`throughput ${result.throughput.ackedPerSecond.toFixed(0)} acked/s, ${result.throughput.processedPerSecond.toFixed(0)} processed/s`);

    if (options.skipRate) result.notes.push('figure 6 (pipelines per minute) skipped on request (--skip-rate)');
    else {
      result.rate = await measurePipelineRate(env, say);
      say(`pipelines/min: ${result.rate.oneInstallation.perMinute.toFixed(1)} on 1 installation, ${result.rate.tenInstallations.perMinute.toFixed(1)} on 10`);
    }
    const violations = env.sim.violations.length;
    if (violations > 0) result.notes.push(`the simulator recorded ${violations} violation(s), e.g. ${env.sim.violations[0]?.message ?? ''}`);
  } catch (error) {
    result.error = describe(error);
    say(`FAILED: ${result.error}`);
  } finally {
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

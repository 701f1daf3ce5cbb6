import { deliveryTimes } from './delivery-times.ts';
import { openBenchPglite, openReachablePostgres, type BenchDatabase } from './databases.ts';
import { startBenchEnvironment, type BenchEnvironment } from './environment.ts';
import { measureAck } from './measure-ack.ts';
import { countPipelineRequests, measureDispatchLatency, type Progress } from './measure-pipelines.ts';
import { measurePipelineRate } from './measure-rate.ts';
import { measureThroughput } from './measure-throughput.ts';
import type { TargetResult } from './results.ts';
import { startRssSampler } from './rss.ts';
import { WaitTimeout } from './wait.ts';

/** Which database a pass runs on. */
export type DatabaseKind = TargetResult['database'];

/**
 * Time one in-process pass aims to stay within (with the process and replicas
 * parts, the whole bench stays under six minutes).
 * Every wait on the app is cut to it; a phase that would not fit in what is
 * left is skipped, with a note.
 */
export const PASS_BUDGET_MS = 115_000;
/** What each phase needs at least, to be started. */
const NEEDS_MS = { ack: 15_000, requests: 20_000, throughput: 20_000, rate: 40_000 } as const;

/** How a pass runs (from the command line). */
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
 * Probot app start fresh; figures 2, 1, 3, 4 and 6 are measured in that order
 * (figure 1's `workflow_run` payloads come from figure 2's runs; figure 3
 * lets figure 2's pipelines finish), RSS and delivery times last. A phase
 * that runs out of time (the app stalled) leaves a note and the next phase
 * goes on; any other failure ends the pass, keeping what was measured.
 */
export async function runDatabasePass(kind: DatabaseKind, options: DatabasePassOptions, progress: Progress): Promise<TargetResult> {
  const started = performance.now();
  const deadline = started + PASS_BUDGET_MS;
  const result: TargetResult = { database: kind, notes: [], durationMs: 0 };
  const say: Progress = (message) => progress(`${kind}: ${message}`);
  const rss = startRssSampler();
  const remaining = () => deadline - performance.now();
  /** Runs a phase if it fits in the budget; a `WaitTimeout` becomes a note. */
  const phase = async <T>(name: string, needsMs: number, run: () => Promise<T>): Promise<T | undefined> => {
    if (remaining() < needsMs) {
      result.notes.push(`${name} skipped: ${Math.max(0, remaining() / 1000).toFixed(0)} s of the pass's ${PASS_BUDGET_MS / 1000} s budget were left, it needs about ${needsMs / 1000} s`);
      say(`${name} skipped (budget)`);
      return undefined;
    }
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof WaitTimeout)) throw error;
      result.notes.push(`${name} incomplete: ${error.message}`);
      say(`${name} incomplete: ${error.message}`);
      return undefined;
    }
  };
  let database: BenchDatabase | undefined;
  let env: BenchEnvironment | undefined;
  let rssAtStart = Number.NaN;
  try {
    if (kind === 'postgres') {
      const opened = await openReachablePostgres();
      if ('skipped' in opened) {
        result.skipped = opened.skipped;
        return result;
      }
      database = opened.database;
    } else {
      database = await openBenchPglite();
    }
    say(`database ready (${database.where}); starting the simulator, shipgate and a bare Probot app`);
    const bench = await startBenchEnvironment(database.store, { validate: options.validate, deadline });
    env = bench;
    rssAtStart = rss.now();
    if (!options.validate) result.notes.push('the simulator ran without OpenAPI request validation (it costs CPU in this same process); the end-to-end tests validate');

    const measured = await phase('figure 2 (event → next dispatch)', 0, () => measureDispatchLatency(bench, say));
    if (measured) {
      result.dispatch = measured.dispatch;
      if (measured.dispatch.stoppedEarly) result.notes.push(`figure 2 stopped early, ${measured.dispatch.stoppedEarly}`);
      say(`event → next dispatch p50 ${measured.dispatch.latency.p50.toFixed(1)} ms, p99 ${measured.dispatch.latency.p99.toFixed(1)} ms`);
    }

    const ack = await phase('figure 1 (webhook ack)', NEEDS_MS.ack, () => measureAck(bench, say));
    if (ack) {
      result.ack = ack;
      if (ack.errors > 0) result.notes.push(`${ack.errors} webhook(s) were not answered 200 in figure 1`);
      say(`ack p99 shipgate ${ack.shipgate.p99.toFixed(2)} ms, bare ${ack.bare.p99.toFixed(2)} ms`);
    }

    if (measured) {
      const requests = await phase('figure 3 (requests per pipeline run)', NEEDS_MS.requests, () => countPipelineRequests(bench, measured.pipelines, say));
      if (requests) {
        result.requests = requests;
        if (requests.unsuccessful > 0) result.notes.push(`${requests.unsuccessful} DAG pipeline(s) did not succeed`);
        say(`requests per pipeline run: ${requests.perPipeline.join(', ')}`);
      }
    }

    const throughput = await phase('figure 4 (throughput)', NEEDS_MS.throughput, () =>
      measureThroughput(bench, say, { timeoutMs: bench.timeout(Math.max(15_000, remaining() - NEEDS_MS.rate)) }),
    );
    if (throughput) {
      result.throughput = throughput;
      if (throughput.errors > 0) result.notes.push(`${throughput.errors} webhook(s) were not answered 200 in figure 4`);
      if (throughput.backlogAtStart > 0) result.notes.push(`figure 4 started with ${throughput.backlogAtStart} earlier deliveries still queued (the app had not caught up within 15 s)`);
      if (throughput.unprocessed > 0) {
        result.notes.push(`figure 4: ${throughput.unprocessed} of ${throughput.deliveries} deliveries were still unprocessed after ${(throughput.elapsedMs / 1000).toFixed(0)} s; the processed rate counts only those done`);
      }
      say(`throughput ${throughput.ackedPerSecond.toFixed(0)} acked/s, ${throughput.processedPerSecond.toFixed(1)} processed/s`);
    }

    if (options.skipRate) result.notes.push('figure 6 (pipelines per minute) skipped on request (--skip-rate)');
    else {
      const rate = await phase('figure 6 (pipelines per minute)', NEEDS_MS.rate, () => measurePipelineRate(bench, say));
      if (rate) {
        result.rate = rate;
        say(`pipelines/min: ${rate.oneInstallation.perMinute.toFixed(1)} on 1 installation, ${rate.tenInstallations.perMinute.toFixed(1)} on 10`);
      }
    }
    const violations = bench.sim.violations.length;
    if (violations > 0) result.notes.push(`the simulator recorded ${violations} violation(s), e.g. ${bench.sim.violations[0]?.message ?? ''}`);
  } catch (error) {
    result.error = describe(error);
    say(`FAILED: ${result.error}`);
  } finally {
    if (env) {
      const times = await deliveryTimes(env.store).catch(() => undefined);
      if (times) result.deliveries = times;
    }
    if (!result.skipped) result.rss = { startMb: rssAtStart, afterMb: rss.now(), peakMb: rss.peak() };
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

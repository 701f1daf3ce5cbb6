import type { BenchEnvironment } from './environment.ts';
import { DAG_PIPELINES, dagOrg } from './environment.ts';
import { startIdleTraffic } from './idle-traffic.ts';
import { meanByRoute, requestsOfInstallation } from './request-counts.ts';
import type { DispatchLatencyResult, RequestsResult } from './results.ts';
import { DAG_WORKFLOWS, completionDelayMs, followUpDelaysMs, runDurationMs, startDelayMs } from './run-timings.ts';
import { summarize } from './stats.ts';
import { WaitTimeout, waitFor } from './wait.ts';

/** Reports progress as the bench goes. */
export type Progress = (message: string) => void;

/** The DAG fixture: build → test + scan → deploy-staging. */
const DAG_JOBS = 4;
const DAG_STAGES = 4;
/** Figure 3 runs this many of figure 2's pipelines to their end (their counts are alike). */
export const COUNTED_PIPELINES = 5;
const BUILDS = new Set(['build.yml']);
const NEXT_STAGE = new Set(['test.yml', 'scan.yml']);

/** One DAG pipeline of figures 2 and 3: its own organisation, so its own installation and write lane. */
export interface DagPipeline {
  index: number;
  org: string;
  installationId: number;
}

function dispatchesOf(env: BenchEnvironment, installationId: number, workflows: ReadonlySet<string>) {
  return env.sim.dispatches().filter((d) => d.installationId === installationId && d.status < 300 && workflows.has(d.workflow));
}

/** Pushes every DAG pipeline and waits until each build run is dispatched and in progress (not timed). */
async function startBuilds(env: BenchEnvironment, pipelines: readonly DagPipeline[], progress: Progress): Promise<void> {
  const { sim, simClock } = env;
  progress(`pushing ${pipelines.length} DAG pipelines (one installation each)`);
  const buildStarts = new Set(pipelines.map((p) => startDelayMs(p.index)));
  const traffic = startIdleTraffic(env);
  try {
    for (const p of pipelines) {
      for (const workflow of DAG_WORKFLOWS) {
        sim.scripts.workflow({ repo: `${p.org}/api`, workflow, attempts: [{ conclusion: 'success', startDelayMs: startDelayMs(p.index), durationMs: runDurationMs(workflow, p.index) }] });
      }
      sim.push({ repo: `${p.org}/api`, branch: 'main', files: { 'src/app.ts': `export const build = ${p.index};\n` }, author: 'alice' });
    }
    await waitFor('every build to be dispatched', env.timeout(90_000), 20, () => {
      // Builds go in_progress as soon as they exist; their completion timers stay pending.
      simClock.release((timer) => buildStarts.has(timer.delayMs));
      return pipelines.every((p) => dispatchesOf(env, p.installationId, BUILDS).length > 0);
    });
    simClock.release((timer) => buildStarts.has(timer.delayMs));
    // As after a build of minutes: no write of these installations in the last second.
    await env.quiet(1_100, new Set(pipelines.map((p) => p.installationId)));
  } finally {
    await traffic.stop();
  }
  await env.settle();
}

/**
 * Figure 2. Each DAG pipeline's build is started (not timed); then, one
 * pipeline at a time, its build run is completed. The latency runs from the
 * start of the POST of that `workflow_run.completed` webhook to the arrival at
 * the sim of the first dispatch of the next stage, both on the same wall
 * clock. The installation's write lane is idle when the event comes (as after
 * a build of minutes), and the bench waits until shipgate has processed
 * everything before the next pipeline. Stops early, keeping what it measured,
 * when shipgate does not settle in time.
 */
export async function measureDispatchLatency(env: BenchEnvironment, progress: Progress): Promise<{ dispatch: DispatchLatencyResult; pipelines: DagPipeline[] }> {
  const { sim, simClock } = env;
  const pipelines: DagPipeline[] = Array.from({ length: DAG_PIPELINES }, (_, k) => {
    const org = dagOrg(k + 1);
    return { index: k + 1, org, installationId: sim.installation(org) };
  });
  await startBuilds(env, pipelines, progress);

  const latencies: number[] = [];
  let stoppedEarly: string | undefined;
  for (const p of pipelines) {
    const before = sim.webhooks.deliveries.length;
    const fired = simClock.release((timer) => timer.delayMs === completionDelayMs('build.yml', p.index));
    if (fired !== 1) throw new Error(`expected the build run of ${p.org}/api to be pending, released ${fired} timers`);
    const completed = sim.webhooks.deliveries.slice(before).find((d) => d.event === 'workflow_run' && d.action === 'completed');
    if (!completed) throw new Error(`the sim sent no workflow_run.completed for ${p.org}/api`);
    await waitFor(`the next stage of ${p.org}/api to be dispatched`, env.timeout(60_000), 2, () => dispatchesOf(env, p.installationId, NEXT_STAGE).length > 0);
    const sentAt = completed.attempts[0]?.at;
    if (sentAt === undefined) throw new Error(`the workflow_run.completed of ${p.org}/api was never sent`);
    const firstDispatch = Math.min(...dispatchesOf(env, p.installationId, NEXT_STAGE).map((d) => d.at));
    latencies.push(firstDispatch - sentAt);
    // Processing of that delivery ends after the paced writes that follow (second dispatch, check run).
    try {
      await env.settle();
    } catch (error) {
      if (!(error instanceof WaitTimeout)) throw error;
      stoppedEarly = `after ${latencies.length} pipelines: ${error.message}`;
      break;
    }
    if (p.index % 5 === 0) progress(`event → next dispatch: ${p.index}/${pipelines.length} measured (last ${(firstDispatch - sentAt).toFixed(1)} ms)`);
  }
  return { dispatch: { latency: summarize(latencies), pipelines: latencies.length, ...(stoppedEarly ? { stoppedEarly } : {}) }, pipelines };
}

/**
 * Figure 3. Lets the first `COUNTED_PIPELINES` DAG pipelines of figure 2 run
 * to their end (each of their workflow runs completes as soon as it starts;
 * the others stay where they are), then counts each one's installation's
 * requests: a whole pipeline run, push to roll-up.
 */
export async function countPipelineRequests(env: BenchEnvironment, all: readonly DagPipeline[], progress: Progress): Promise<RequestsResult> {
  const { sim, simClock } = env;
  const pipelines = all.slice(0, COUNTED_PIPELINES);
  progress(`letting ${pipelines.length} DAG pipelines finish (their runs complete as soon as they start)`);
  const theirTimers = new Set(pipelines.flatMap((p) => [...followUpDelaysMs(p.index)]));
  const runIds = pipelines.map((p) => {
    for (const { event } of env.events) if (event.kind === 'run-created' && event.repo === `${p.org}/api`) return event.runId;
    return undefined;
  });
  const conclusions = new Map<number, string>();
  const traffic = startIdleTraffic(env);
  try {
    await waitFor('the counted DAG pipelines to complete', env.timeout(120_000), 25, () => {
      simClock.release((timer) => theirTimers.has(timer.delayMs));
      for (const { event } of env.events) if (event.kind === 'run-completed') conclusions.set(event.runId, event.conclusion);
      return runIds.every((id) => id !== undefined && conclusions.has(id));
    });
    // The roll-up check runs are the last, paced writes.
    await env.quiet(1_200, new Set(pipelines.map((p) => p.installationId)));
  } finally {
    await traffic.stop();
  }
  await env.trySettle(10_000);

  const counts = pipelines.map((p) => requestsOfInstallation(sim.requests, p.installationId));
  return {
    pipelines: pipelines.length,
    jobs: DAG_JOBS,
    stages: DAG_STAGES,
    perPipeline: counts.map((c) => c.total),
    writesPerPipeline: counts.map((c) => c.writes),
    byRoute: meanByRoute(counts.map((c) => c.byRoute)),
    tokenRequests: counts.reduce((sum, c) => sum + c.tokenRequests, 0),
    unsuccessful: runIds.filter((id) => id === undefined || conclusions.get(id) !== 'success').length,
  };
}

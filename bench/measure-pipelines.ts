import type { BenchEnvironment } from './environment.ts';
import { DAG_PIPELINES, buildDurationMs, dagOrg } from './environment.ts';
import { meanByRoute, requestsOfInstallation } from './request-counts.ts';
import type { DispatchLatencyResult, RequestsResult } from './results.ts';
import { summarize } from './stats.ts';
import { waitFor } from './wait.ts';

/** Reports progress as the bench goes. */
export type Progress = (message: string) => void;

/** The DAG fixture: build → test + scan → deploy-staging. */
const DAG_JOBS = 4;
const DAG_STAGES = 4;
/** The sim's default delay from a run's creation to `in_progress`. */
const START_DELAY_MS = 1_000;
const NEXT_STAGE_WORKFLOWS = new Set(['test.yml', 'scan.yml']);

interface Pipeline {
  index: number;
  org: string;
  installationId: number;
}

/** The run id shipgate created for a repository's push. */
function runIdOf(env: BenchEnvironment, repo: string): number | undefined {
  for (const { event } of env.events) if (event.kind === 'run-created' && event.repo === repo) return event.runId;
  return undefined;
}

function dispatchesOf(env: BenchEnvironment, installationId: number, workflows: ReadonlySet<string>) {
  return env.sim.dispatches().filter((d) => d.installationId === installationId && d.status < 300 && workflows.has(d.workflow));
}

/**
 * Figures 2 and 3. One DAG pipeline per organisation (installation): all are
 * pushed, their build runs dispatched and started. Then, one pipeline at a
 * time, with the installation's write lane idle (as after a build of minutes),
 * its build run is completed; the latency runs from the start of the POST of
 * that `workflow_run.completed` webhook to the arrival at the sim of the first
 * dispatch of the next stage, both on the same wall clock. The bench waits
 * until shipgate has processed everything before the next pipeline. At the
 * end all runs are let finish, and each installation's requests are counted.
 */
export async function measurePipelines(env: BenchEnvironment, progress: Progress): Promise<{ dispatch: DispatchLatencyResult; requests: RequestsResult }> {
  const { sim, simClock } = env;
  const pipelines: Pipeline[] = Array.from({ length: DAG_PIPELINES }, (_, k) => {
    const org = dagOrg(k + 1);
    return { index: k + 1, org, installationId: sim.installation(org) };
  });
  for (const p of pipelines) sim.scripts.workflow({ repo: `${p.org}/api`, workflow: 'build.yml', attempts: [{ conclusion: 'success', startDelayMs: START_DELAY_MS, durationMs: buildDurationMs(p.index) }] });

  progress(`pushing ${pipelines.length} DAG pipelines (one installation each)`);
  for (const p of pipelines) sim.push({ repo: `${p.org}/api`, branch: 'main', files: { 'src/app.ts': `export const build = ${p.index};\n` }, author: 'alice' });
  const builds = new Set(['build.yml']);
  await waitFor('every build to be dispatched', 90_000, 20, () => pipelines.every((p) => dispatchesOf(env, p.installationId, builds).length > 0));
  await env.settle();
  // Builds go in_progress; their completion timers stay pending.
  simClock.release((timer) => timer.delayMs === START_DELAY_MS);
  await env.settle();
  await env.quiet(1_100);

  const latencies: number[] = [];
  for (const p of pipelines) {
    const before = sim.webhooks.deliveries.length;
    const fired = simClock.release((timer) => timer.delayMs === buildDurationMs(p.index) - START_DELAY_MS);
    if (fired !== 1) throw new Error(`expected the build run of ${p.org}/api to be pending, released ${fired} timers`);
    const completed = sim.webhooks.deliveries.slice(before).find((d) => d.event === 'workflow_run' && d.action === 'completed');
    if (!completed) throw new Error(`the sim sent no workflow_run.completed for ${p.org}/api`);
    await waitFor(`the next stage of ${p.org}/api to be dispatched`, 15_000, 2, () => dispatchesOf(env, p.installationId, NEXT_STAGE_WORKFLOWS).length > 0);
    const sentAt = completed.attempts[0]?.at;
    if (sentAt === undefined) throw new Error(`the workflow_run.completed of ${p.org}/api was never sent`);
    const firstDispatch = Math.min(...dispatchesOf(env, p.installationId, NEXT_STAGE_WORKFLOWS).map((d) => d.at));
    latencies.push(firstDispatch - sentAt);
    // Processing of that delivery ends after the paced writes that follow (second dispatch, check run).
    await env.settle();
    if (p.index % 5 === 0) progress(`event → next dispatch: ${p.index}/${pipelines.length} measured (last ${(firstDispatch - sentAt).toFixed(1)} ms)`);
  }

  progress('letting every DAG pipeline finish (runs complete as soon as they start)');
  const runIds = pipelines.map((p) => runIdOf(env, `${p.org}/api`));
  const done = () => {
    const completed = new Set(env.events.flatMap(({ event }) => (event.kind === 'run-completed' ? [event.runId] : [])));
    return runIds.every((id) => id !== undefined && completed.has(id));
  };
  await waitFor('every DAG pipeline to complete', 180_000, 25, () => {
    simClock.release();
    return done();
  });
  await env.settle();
  await env.quiet(1_200);
  await env.settle();

  const conclusions = new Map(env.events.flatMap(({ event }) => (event.kind === 'run-completed' ? [[event.runId, event.conclusion] as const] : [])));
  const counts = pipelines.map((p) => requestsOfInstallation(sim.requests, p.installationId));
  return {
    dispatch: { latency: summarize(latencies), pipelines: latencies.length },
    requests: {
      pipelines: pipelines.length,
      jobs: DAG_JOBS,
      stages: DAG_STAGES,
      perPipeline: counts.map((c) => c.total),
      writesPerPipeline: counts.map((c) => c.writes),
      byRoute: meanByRoute(counts.map((c) => c.byRoute)),
      tokenRequests: counts.reduce((sum, c) => sum + c.tokenRequests, 0),
      unsuccessful: runIds.filter((id) => id === undefined || conclusions.get(id) !== 'success').length,
    },
  };
}

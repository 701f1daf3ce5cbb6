import type { BenchEnvironment } from './environment.ts';
import { RATE_SAMPLES } from './environment.ts';
import { startIdleTraffic } from './idle-traffic.ts';
import type { Progress } from './measure-pipelines.ts';
import { requestsOfInstallation } from './request-counts.ts';
import type { PipelineRateResult, PipelineRateSample } from './results.ts';
import { DAG_WORKFLOWS, allDelaysMs, runDurationMs, startDelayMs } from './run-timings.ts';
import { waitFor } from './wait.ts';

type RateSample = (typeof RATE_SAMPLES)[keyof typeof RATE_SAMPLES];

/**
 * One sample of figure 6: every repository of the sample's organisations is
 * pushed at once; each of their workflow runs completes as soon as it starts,
 * so only shipgate and the write pacing set the pace. Elapsed is from the
 * pushes to the last request of those installations (the roll-up check run).
 * Idle webhooks trickle in meanwhile, as in a busy organisation (see
 * `startIdleTraffic`).
 */
export async function pipelineRate(env: BenchEnvironment, sample: RateSample): Promise<PipelineRateSample> {
  const { sim, simClock } = env;
  const repos = sample.orgs.flatMap((org) => Array.from({ length: sample.reposPerOrg }, (_, r) => `${org}/svc-${r + 1}`));
  const installations = new Set(sample.orgs.map((org) => sim.installation(org)));
  const timers = new Set<number>();
  repos.forEach((repo, k) => {
    const index = sample.firstIndex + k;
    for (const workflow of DAG_WORKFLOWS) {
      sim.scripts.workflow({ repo, workflow, attempts: [{ conclusion: 'success', startDelayMs: startDelayMs(index), durationMs: runDurationMs(workflow, index) }] });
    }
    for (const delay of allDelaysMs(index)) timers.add(delay);
  });

  const traffic = startIdleTraffic(env);
  const startedAt = simClock.now();
  const wanted = new Set(repos);
  const done = () => {
    const runs = new Set<number>();
    const completed = new Set<number>();
    for (const { at, event } of env.events) {
      if (at < startedAt) continue;
      if (event.kind === 'run-created' && wanted.has(event.repo)) runs.add(event.runId);
      if (event.kind === 'run-completed') completed.add(event.runId);
    }
    return runs.size === repos.length && [...runs].every((id) => completed.has(id));
  };
  try {
    for (const repo of repos) sim.push({ repo, branch: 'main', files: { 'src/app.ts': `export const at = ${Math.round(startedAt)};\n` }, author: 'alice' });
    await waitFor(`${repos.length} pipelines to complete`, env.timeout(120_000), 25, () => {
      simClock.release((timer) => timers.has(timer.delayMs));
      return done();
    });
    await env.quiet(1_200, installations);
  } finally {
    await traffic.stop();
  }
  await env.trySettle(10_000);
  const theirs = sim.requests.filter((entry) => entry.at >= startedAt && entry.installationId !== undefined && installations.has(entry.installationId));
  const last = theirs.reduce((latest, entry) => Math.max(latest, entry.at), startedAt);
  const writes = [...installations].reduce((sum, id) => sum + requestsOfInstallation(theirs, id).writes, 0);
  const elapsedMs = last - startedAt;
  return { installations: sample.orgs.length, pipelines: repos.length, elapsedMs, perMinute: (repos.length / elapsedMs) * 60_000, writesPerPipeline: writes / repos.length };
}

/** Figure 6: pipelines per minute for one installation, then across ten at once. */
export async function measurePipelineRate(env: BenchEnvironment, progress: Progress): Promise<PipelineRateResult> {
  const { one, ten } = RATE_SAMPLES;
  progress(`pipelines/min: ${one.reposPerOrg} pipelines at once on 1 installation`);
  const oneInstallation = await pipelineRate(env, one);
  progress(`pipelines/min: ${ten.reposPerOrg} pipeline on each of ${ten.orgs.length} installations at once`);
  const tenInstallations = await pipelineRate(env, ten);
  return { oneInstallation, tenInstallations };
}

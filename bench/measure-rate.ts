import type { BenchEnvironment } from './environment.ts';
import { RATE_MANY_ORGS, RATE_REPOS_PER_INSTALLATION, RATE_SOLO_ORGS } from './environment.ts';
import { startIdleTraffic } from './idle-traffic.ts';
import type { Progress } from './measure-pipelines.ts';
import type { PipelineRateResult, PipelineRateSample } from './results.ts';
import { waitFor } from './wait.ts';

/**
 * One sample of figure 6: every repository of `orgs` is pushed at once; every
 * workflow run completes as soon as it starts (the sim's timers are released
 * continuously), so only shipgate and the write pacing set the pace. Elapsed
 * is from the pushes to the last request of those installations (the roll-up
 * check run). Idle webhooks trickle in meanwhile, as in a busy organisation
 * (see `startIdleTraffic`).
 */
export async function pipelineRate(env: BenchEnvironment, orgs: readonly string[], reposPerOrg = RATE_REPOS_PER_INSTALLATION): Promise<PipelineRateSample> {
  const { sim, simClock } = env;
  const repos = orgs.flatMap((org) => Array.from({ length: reposPerOrg }, (_, r) => `${org}/svc-${r + 1}`));
  const installations = new Set(orgs.map((org) => sim.installation(org)));
  const startedAt = simClock.now();
  for (const repo of repos) sim.push({ repo, branch: 'main', files: { 'src/app.ts': `export const at = ${Math.round(startedAt)};\n` }, author: 'alice' });

  const wanted = new Set(repos);
  const done = () => {
    const runs = new Map<number, string>();
    const completed = new Set<number>();
    for (const { at, event } of env.events) {
      if (at < startedAt) continue;
      if (event.kind === 'run-created' && wanted.has(event.repo)) runs.set(event.runId, event.repo);
      if (event.kind === 'run-completed') completed.add(event.runId);
    }
    return runs.size === repos.length && [...runs.keys()].every((id) => completed.has(id));
  };
  const traffic = startIdleTraffic(env);
  try {
    await waitFor(`${repos.length} pipelines to complete`, 120_000, 25, () => {
      simClock.release();
      return done();
    });
    await env.quiet(1_200, installations);
  } finally {
    await traffic.stop();
  }
  await env.settle();
  const last = sim.requests.reduce((latest, entry) => (entry.installationId !== undefined && installations.has(entry.installationId) ? Math.max(latest, entry.at) : latest), startedAt);
  const elapsedMs = last - startedAt;
  return { installations: orgs.length, pipelines: repos.length, elapsedMs, perMinute: (repos.length / elapsedMs) * 60_000 };
}

/** Figure 6: pipelines per minute for one installation, then across ten at once. */
export async function measurePipelineRate(env: BenchEnvironment, progress: Progress): Promise<PipelineRateResult> {
  progress(`pipelines/min: ${RATE_REPOS_PER_INSTALLATION} pipelines on 1 installation`);
  const oneInstallation = await pipelineRate(env, RATE_SOLO_ORGS);
  progress(`pipelines/min: ${RATE_REPOS_PER_INSTALLATION} pipelines on each of ${RATE_MANY_ORGS.length} installations`);
  const tenInstallations = await pipelineRate(env, RATE_MANY_ORGS);
  return { oneInstallation, tenInstallations };
}

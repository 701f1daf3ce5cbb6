import type { GitHubSimulator } from '../src/sim/index.ts';
import { startGitHubSimulator } from '../src/sim/index.ts';
import { DAG_CONFIG, standardWorkflows } from '../test/helpers/repo-fixtures.ts';
import { GatedClock } from './bench-clock.ts';
import type { WebhookToSend } from './post-webhook.ts';
import { requestsOfInstallation } from './request-counts.ts';
import type { RunCounts } from './results.ts';
import { waitFor } from './wait.ts';

/** The DAG fixture: build → test + scan → deploy-staging. */
export const DAG_SHAPE = { jobs: 4, stages: 4 } as const;
const CHECK_RUN_ROUTE = /check-runs/;

/** The simulator of the process figures: workflow runs end as soon as the bench releases the clock. */
export interface ProcessSim {
  sim: GitHubSimulator;
  clock: GatedClock;
  /** `push` webhooks to a repository without a config, for idle traffic and the ack figure. */
  idlePushes: WebhookToSend[];
  close(): Promise<void>;
}

/** Starts the sim (no OpenAPI validation) with `repos` DAG repositories (`org/name`) and a repository without a config. */
export async function startProcessSim(repos: readonly string[]): Promise<ProcessSim> {
  const clock = new GatedClock();
  const sim = await startGitHubSimulator({ clock, validate: false });
  const workflows = standardWorkflows();
  const orgs = new Set(repos.map((repo) => repo.split('/')[0] as string));
  for (const org of [...orgs, 'quiet']) sim.org(org, { members: ['alice'] });
  for (const repo of repos) {
    const [owner, name] = repo.split('/') as [string, string];
    sim.repo({ owner, name, files: { 'README.md': '# svc\n', '.github/shipgate.yml': DAG_CONFIG, ...workflows } });
  }
  sim.repo({ owner: 'quiet', name: 'no-config', files: { 'README.md': '# no config here\n', 'src/index.ts': 'export {};\n' } });
  const idlePushes: WebhookToSend[] = [];
  for (let i = 0; i < 10; i++) {
    const pushed = sim.push({ repo: 'quiet/no-config', branch: 'main', files: { 'src/index.ts': `export const revision = ${i};\n` }, author: 'alice' });
    if (pushed.delivery) idlePushes.push({ event: 'push', body: pushed.delivery.body });
  }
  await sim.webhooks.drain();
  return { sim, clock, idlePushes, close: () => sim.close() };
}

/** One pipeline run the bench made: which repository, which commit, when it was pushed and when its last request came. */
export interface BenchRun {
  repo: string;
  installationId: number;
  sha: string;
  pushedAt: number;
  endedAt: number;
}

/**
 * Pushes to `main` of every repository at once and waits until each commit's
 * `shipgate/ci` and `shipgate` check runs are completed (releasing every
 * workflow-run timer as it comes, so runs end as soon as they start), then
 * until the sim has heard nothing from those installations for 1.5 s.
 */
export async function runPipelines(env: ProcessSim, repos: readonly string[], revision: string, timeoutMs: number): Promise<BenchRun[]> {
  const { sim, clock } = env;
  const pushedAt = clock.now();
  const runs = repos.map((repo) => {
    const owner = repo.split('/')[0] as string;
    const pushed = sim.push({ repo, branch: 'main', files: { 'src/app.ts': `export const revision = '${revision}';\n` }, author: 'alice' });
    return { repo, installationId: sim.installation(owner), sha: pushed.sha, pushedAt, endedAt: pushedAt };
  });
  const finished = (run: BenchRun) => {
    const checks = sim.checkRuns(run.repo).filter((c) => c.headSha === run.sha);
    return ['shipgate/ci', 'shipgate'].every((name) => checks.some((c) => c.name === name && c.status === 'completed'));
  };
  await waitFor(`${repos.length} pipeline(s) to complete`, timeoutMs, 25, () => {
    clock.release();
    return runs.every(finished);
  });
  const installations = new Set(runs.map((r) => r.installationId));
  await waitFor('the last paced writes', 30_000, 50, () => {
    clock.release();
    const last = sim.requests.reduce((latest, e) => (e.installationId !== undefined && installations.has(e.installationId) ? Math.max(latest, e.at) : latest), 0);
    return clock.now() - last >= 1_500;
  });
  for (const run of runs) {
    run.endedAt = sim.requests.reduce((latest, e) => (e.installationId === run.installationId ? Math.max(latest, e.at) : latest), pushedAt);
  }
  return runs;
}

/** Requests, writes and check-run writes of each run, counted in the sim's request log over the run's window. */
export function countRuns(sim: GitHubSimulator, runs: readonly BenchRun[]): RunCounts {
  const counts = runs.map((run) => {
    const window = sim.requests.filter((e) => e.at >= run.pushedAt && e.at <= run.endedAt);
    return requestsOfInstallation(window, run.installationId);
  });
  const checkRunWrites = counts.map((c) =>
    Object.entries(c.byRoute)
      .filter(([route]) => CHECK_RUN_ROUTE.test(route) && !route.startsWith('GET '))
      .reduce((sum, [, n]) => sum + n, 0),
  );
  return { requests: counts.map((c) => c.total), writes: counts.map((c) => c.writes), checkRunWrites };
}

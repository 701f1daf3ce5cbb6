import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { standardWorkflows, twoStageConfig } from '../helpers/repo-fixtures.ts';

const REPOS = ['r0', 'r1', 'r2', 'r3', 'r4'];
const PUSHES_PER_REPO = 10;
/** The repository whose test workflow fails: its runs must end `failure`, the others `success`. */
const FAILING = 'acme/r3';
const JOB_MS = 5_000;
const STEP_MS = 15_000;
const MAX_STEPS = 60;

/** build → test on pushes to main, concurrency none: the pushes of a repository run side by side. */
const CONFIG = twoStageConfig();

function setup(sim: GitHubSimulator): void {
  sim.org('acme', { members: ['alice'] });
  for (const name of REPOS) sim.repo({ owner: 'acme', name, files: { '.github/shipgate.yml': CONFIG, ...standardWorkflows() } });
  sim.scripts.setDefault({ conclusion: 'success', durationMs: JOB_MS });
  sim.scripts.workflow({ repo: FAILING, workflow: 'test.yml', attempts: [{ conclusion: 'failure', durationMs: JOB_MS }] });
}

describe.each(databaseTargets())('50 runs with 20% of GitHub answers failing on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('completes every run with its expected conclusion, dispatches each job once and leaves no check run in progress', { timeout: 120_000 }, async () => {
    h = await startHarness(target, { setup });
    const pushed: Array<{ repo: string; sha: string }> = [];
    for (let i = 0; i < PUSHES_PER_REPO; i++) {
      for (const name of REPOS) {
        const repo = `acme/${name}`;
        pushed.push({ repo, sha: h.sim.push({ repo, branch: 'main', files: { 'src/app.ts': `push ${i}\n` }, author: 'alice' }).sha });
      }
    }
    // Faults from the first API call on: config loading, dispatches, check runs, polling.
    h.sim.faults.set({ errorRate: 0.2, rateLimitRate: 0.05, retryAfterSeconds: 1, seed: 7 });
    await h.settle();

    const unfinished = async () =>
      (await h?.store.db.selectFrom('pipeline_runs').select('id').where('status', '!=', 'completed').execute())?.length ?? 0;
    let steps = 0;
    for (; steps < MAX_STEPS; steps++) {
      const runs = await h.store.db.selectFrom('pipeline_runs').select('id').execute();
      const checksDone = h.sim.checkRuns().filter((c) => c.name.startsWith('shipgate')).every((c) => c.status === 'completed');
      if (runs.length === pushed.length && (await unfinished()) === 0 && checksDone) break;
      await h.advance(STEP_MS);
      // The reconciliation pass runs every minute in production.
      if (steps % 4 === 3) await h.reconcile();
    }
    const faulted = h.sim.requests.filter((r) => r.fault !== undefined).length;
    console.info(`${target.name}: ${pushed.length} runs settled after ${steps} steps of ${STEP_MS / 1000} s; ${h.sim.requests.length} requests, ${faulted} answered with a fault`);

    // Every push got its run, and every run its expected verdict.
    const runs = await h.store.db.selectFrom('pipeline_runs').select(['id', 'owner', 'repo', 'sha', 'status', 'conclusion']).orderBy('id').execute();
    expect(runs).toHaveLength(pushed.length);
    const expected = (repo: string) => (repo === FAILING ? 'failure' : 'success');
    expect(runs.map((r) => [`${r.owner}/${r.repo}`, r.status, r.conclusion])).toEqual(runs.map((r) => [`${r.owner}/${r.repo}`, 'completed', expected(`${r.owner}/${r.repo}`)]));
    expect(new Set(runs.map((r) => r.sha))).toEqual(new Set(pushed.map((p) => p.sha)));

    // No duplicate dispatch: one accepted dispatch per correlation id, two jobs per run.
    const dispatched = h.sim.dispatches().filter((d) => d.status < 300);
    const perCorrelation = new Map<string, number>();
    for (const d of dispatched) perCorrelation.set(String(d.inputs['shipgate_run']), (perCorrelation.get(String(d.inputs['shipgate_run'])) ?? 0) + 1);
    expect([...perCorrelation.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect(dispatched).toHaveLength(pushed.length * 2);
    expect(h.sim.workflowRuns()).toHaveLength(pushed.length * 2);
    // Faults really hit dispatches (the test would prove little otherwise).
    expect(h.sim.dispatches().filter((d) => d.status >= 500).length).toBeGreaterThan(0);

    // Each commit: exactly one `shipgate/ci` and one `shipgate`, both final, with the run's verdict.
    for (const { repo, sha } of pushed) {
      const checks = h.sim.checkRuns(repo).filter((c) => c.headSha === sha && c.name.startsWith('shipgate'));
      expect(checks.map((c) => [c.name, c.status, c.conclusion]).sort(), `${repo}@${sha}`).toEqual([
        ['shipgate', 'completed', expected(repo)],
        ['shipgate/ci', 'completed', expected(repo)],
      ]);
    }
    expect(h.sim.checkRuns().filter((c) => c.name.startsWith('shipgate') && c.status !== 'completed')).toEqual([]);
    h.sim.assertNoViolations();
  });
});

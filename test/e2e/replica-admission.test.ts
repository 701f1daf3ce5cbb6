import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { startShipgate } from '../../src/server.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';
import { openDatabase, type Store } from '../../src/store/db.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { appConfigFor, settleDeliveries } from '../helpers/harness.ts';
import { standardWorkflows, twoStageConfig } from '../helpers/repo-fixtures.ts';
import { startRoundRobin } from '../helpers/round-robin.ts';
import { DISPATCH } from '../helpers/routes.ts';

const postgres = databaseTargets().find((t) => t.name === 'postgres');
const REPO = 'acme/api';
const PUSHES = 20;
const REPLICAS = 3;
const STAGE_MS = 10_000;
const CANCEL = '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel';



/** The pipeline run id in a correlation id (`sg-<runId>-<stage>-<job>-<attempt>-<random>`). */
function runIdOf(correlationId: unknown): number {
  const match = /^sg-(\d+)-/.exec(String(correlationId));
  return match ? Number(match[1]) : -1;
}

interface Cluster {
  sim: GitHubSimulator;
  clock: ManualClock;
  store: Store;
  hits: number[];
  settle(): Promise<void>;
  advance(ms: number): Promise<void>;
}

// Several replicas only exist on PostgreSQL: the embedded database belongs to one process.
describe.runIf(postgres !== undefined)(`admission with ${REPLICAS} replicas on one PostgreSQL`, () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    closers.length = 0;
  });

  /** The simulator, three app processes' worth of `startShipgate` on one database, and the balancer in front. */
  async function startCluster(config: string): Promise<Cluster> {
    const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
    const sim = await startGitHubSimulator({ clock });
    closers.push(() => sim.close());
    sim.org('acme', { members: ['alice'] });
    sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': config, ...standardWorkflows() } });
    sim.scripts.setDefault({ conclusion: 'success', durationMs: STAGE_MS });
    const first = await (postgres as NonNullable<typeof postgres>).open();
    closers.push(() => first.close());
    const log = pino({ level: process.env['SHIPGATE_TEST_LOG'] ?? 'silent' });
    const options = { clock, log, requestPolicy: { writeIntervalMs: 0, retryBaseMs: 5, maxWaitMs: 50 }, scheduleReconcile: false };
    const urls: string[] = [];
    for (let i = 0; i < REPLICAS; i++) {
      const store = i === 0 ? first : await openDatabase({ url: String(first.pool?.options.connectionString), poolSize: 4 });
      if (i > 0) closers.push(() => store.close());
      const app = await startShipgate(appConfigFor(sim), { ...options, store });
      closers.push(() => app.stop());
      urls.push(app.url);
    }
    const balancer = await startRoundRobin(urls);
    closers.push(() => balancer.close());
    sim.setWebhookUrl(`${balancer.url}/api/github/webhooks`);
    const settle = async () => {
      try {
        await settleDeliveries(sim, first);
      } catch (err) {
        const last = sim.requests.slice(-10).map((r) => `${r.route ?? r.path} ${r.status} ${r.fault ?? ''}`).join('\n');
        throw new Error(`${(err as Error).message}\n${await openWork(first, clock)}\nrequests: ${sim.requests.length}\n${last}`, { cause: err });
      }
    };
    return {
      sim,
      clock,
      store: first,
      hits: balancer.hits,
      settle,
      async advance(ms) {
        await settle();
        clock.advance(ms);
        await settle();
      },
    };
  }

  /** What keeps the cluster from settling: open deliveries and due or running effects. */
  async function openWork(store: Store, clock: ManualClock): Promise<string> {
    const deliveries = await store.db.selectFrom('deliveries').select(['id', 'event', 'status']).where('status', 'in', ['received', 'processing']).execute();
    const effects = await store.db
      .selectFrom('effects')
      .select(['key', 'status', 'attempts', 'next_attempt_at', 'locked_by', 'last_error'])
      .where('status', 'in', ['pending', 'running'])
      .execute();
    return JSON.stringify({ now: new Date(clock.now()), deliveries, effects }, null, 1);
  }

  /** Every pipeline run with its first dispatch and its attempts, from the database, oldest first. */
  async function recordedRuns(store: Store) {
    const runs = await store.db.selectFrom('pipeline_runs').selectAll().orderBy('id').execute();
    const attempts = await store.db.selectFrom('job_attempts').selectAll().orderBy('id').execute();
    return runs.map((run) => {
      const own = attempts.filter((a) => a.pipeline_run_id === run.id);
      const dispatchedAt = own.map((a) => a.dispatched_at?.getTime()).filter((t): t is number => t !== undefined);
      return { run, attempts: own, firstDispatch: dispatchedAt.length > 0 ? Math.min(...dispatchedAt) : undefined };
    });
  }

  function pushAll(sim: GitHubSimulator): string[] {
    const shas: string[] = [];
    for (let i = 0; i < PUSHES; i++) shas.push(sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': `push ${i}\n` }, author: 'alice' }).sha);
    return shas;
  }

  it('runs 20 pushes under concurrency: queue strictly one after another, every job once', { timeout: 90_000 }, async () => {
    const c = await startCluster(twoStageConfig('queue'));
    // At each dispatch GitHub accepts, no workflow run of another pipeline run may still be going.
    const overlaps: string[] = [];
    c.sim.onResponse((entry) => {
      if (entry.route !== DISPATCH || entry.status >= 300) return;
      const runId = runIdOf((entry.body as { inputs?: Record<string, unknown> }).inputs?.['shipgate_run']);
      for (const other of c.sim.workflowRuns(REPO)) {
        if (other.attempts.at(-1)?.status !== 'completed' && runIdOf(other.inputs['shipgate_run']) !== runId) {
          overlaps.push(`run ${runId} dispatched while workflow run ${other.id} of run ${runIdOf(other.inputs['shipgate_run'])} is ${other.attempts.at(-1)?.status}`);
        }
      }
    });
    const shas = pushAll(c.sim);
    await c.settle();
    expect(c.sim.dispatches().filter((d) => d.status < 300)).toHaveLength(1);
    // Two stages per run: the queue moves one run per two steps.
    for (let step = 0; step < PUSHES * 2 + 2; step++) await c.advance(STAGE_MS + 1_000);

    const runs = await recordedRuns(c.store);
    expect(runs).toHaveLength(PUSHES);
    expect(new Set(runs.map((r) => r.run.sha))).toEqual(new Set(shas));
    expect(runs.map((r) => [r.run.status, r.run.conclusion])).toEqual(runs.map(() => ['completed', 'success']));
    expect(overlaps).toEqual([]);
    // From the database: each run's [first dispatch, completion] starts at or after the previous one's end, in id order.
    const byStart = [...runs].sort((a, b) => (a.firstDispatch ?? 0) - (b.firstDispatch ?? 0) || a.run.id - b.run.id);
    expect(byStart.map((r) => r.run.id)).toEqual(runs.map((r) => r.run.id));
    for (let i = 1; i < byStart.length; i++) {
      const previous = byStart[i - 1];
      const current = byStart[i];
      expect(current?.firstDispatch, `run ${current?.run.id} started before run ${previous?.run.id} ended`).toBeGreaterThanOrEqual(previous?.run.completed_at?.getTime() ?? Infinity);
    }
    // Every job of every run dispatched exactly once, and nothing else.
    const dispatched = c.sim.dispatches().filter((d) => d.status < 300);
    const perCorrelation = new Map<string, number>();
    for (const d of dispatched) perCorrelation.set(String(d.inputs['shipgate_run']), (perCorrelation.get(String(d.inputs['shipgate_run'])) ?? 0) + 1);
    expect([...perCorrelation.values()].filter((n) => n > 1)).toEqual([]);
    expect(dispatched).toHaveLength(PUSHES * 2);
    expect(runs.every((r) => r.attempts.length === 2 && r.attempts.every((a) => perCorrelation.get(a.correlation_id) === 1))).toBe(true);
    expect(c.sim.requestsTo('POST', CANCEL)).toHaveLength(0);
    for (const sha of shas) {
      const checks = c.sim.checkRuns(REPO).filter((check) => check.headSha === sha && check.name.startsWith('shipgate'));
      expect(checks.map((check) => [check.name, check.status, check.conclusion]).sort()).toEqual([
        ['shipgate', 'completed', 'success'],
        ['shipgate/ci', 'completed', 'success'],
      ]);
    }
    expect(c.hits.every((n) => n > 0)).toBe(true);
    c.sim.assertNoViolations();
  });

  // A burst: most runs are superseded before they dispatch. Paced: each push lands once the run
  // before it has dispatched its build, so every superseded run has a workflow run to cancel.
  it.each([
    { arrival: 'in one burst', paced: false },
    { arrival: 'each after the previous run dispatched', paced: true },
  ])('keeps only the newest of 20 pushes $arrival under cancel-in-progress, cancelling every older workflow run on GitHub', { timeout: 90_000 }, async ({ paced }) => {
    const c = await startCluster(twoStageConfig('cancel-in-progress'));
    let shas: string[];
    if (paced) {
      shas = [];
      for (let i = 0; i < PUSHES; i++) {
        shas.push(c.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': `push ${i}\n` }, author: 'alice' }).sha);
        await c.settle();
      }
    } else {
      shas = pushAll(c.sim);
      await c.settle();
    }
    // The cancels complete on GitHub (2 s), then the survivor runs its two stages.
    await c.advance(3_000);
    for (let step = 0; step < 3; step++) await c.advance(STAGE_MS + 1_000);

    const runs = await recordedRuns(c.store);
    expect(runs).toHaveLength(PUSHES);
    const newest = runs.at(-1);
    expect(newest?.run).toMatchObject({ status: 'completed', conclusion: 'success' });
    const older = runs.slice(0, -1);
    expect(older.map((r) => [r.run.id, r.run.status, r.run.conclusion])).toEqual(older.map((r) => [r.run.id, 'completed', 'cancelled']));

    // Nothing dispatched twice; the survivor's two jobs ran; every workflow run of a cancelled run was cancelled.
    const dispatched = c.sim.dispatches().filter((d) => d.status < 300);
    const correlations = dispatched.map((d) => String(d.inputs['shipgate_run']));
    expect(new Set(correlations).size).toBe(correlations.length);
    expect(dispatched.filter((d) => runIdOf(d.inputs['shipgate_run']) === newest?.run.id).map((d) => d.workflow).sort()).toEqual(['build.yml', 'test.yml']);
    const cancelRequested = new Set(c.sim.requestsTo('POST', CANCEL).filter((e) => e.status < 300).map((e) => Number(e.path.split('/')[6])));
    for (const workflowRun of c.sim.workflowRuns(REPO)) {
      const runId = runIdOf(workflowRun.inputs['shipgate_run']);
      if (runId === newest?.run.id) {
        expect(workflowRun.attempts.at(-1)?.conclusion).toBe('success');
        continue;
      }
      expect(cancelRequested.has(workflowRun.id), `workflow run ${workflowRun.id} of cancelled run ${runId} was never cancelled`).toBe(true);
      expect(workflowRun.attempts.at(-1)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    }
    // The check runs say the same on each commit.
    for (const { run } of runs) {
      const check = c.sim.checkRuns(REPO).filter((x) => x.headSha === run.sha && x.name === 'shipgate/ci');
      expect(check.map((x) => [x.status, x.conclusion])).toEqual([['completed', run.id === newest?.run.id ? 'success' : 'cancelled']]);
    }
    console.info(
      `cancel-in-progress: survivor run ${newest?.run.id} is push #${shas.indexOf(newest?.run.sha ?? '') + 1} of ${PUSHES}; ` +
        `${dispatched.length} dispatches, ${cancelRequested.size} workflow runs cancelled`,
    );
    // Paced, every superseded run had dispatched its build (19 cancelled), and the survivor is the branch's head.
    if (paced) {
      expect(cancelRequested.size).toBe(PUSHES - 1);
      expect(newest?.run.sha).toBe(shas.at(-1));
    }
    c.sim.assertNoViolations();
  });
});

import { until } from '../helpers/wait.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';
import { seededRandom } from '../../src/sim/prng.ts';
import type { Store } from '../../src/store/db.ts';
import { startAppProcess, type AppProcess } from '../helpers/app-process.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { standardWorkflows } from '../helpers/repo-fixtures.ts';

const REPO = 'acme/api';
const COMMITS = 6;
const KILLS = COMMITS - 1;
// The kill moments come from this seed: a failure names it, and the same seed replays the same schedule.
const SEED = Number(process.env['SHIPGATE_KILL_NINE_SEED'] ?? 90210);
/** A life ends after this many of its API requests at most (one commit's work, undisturbed, takes about 12). */
const MAX_REQUESTS_PER_LIFE = 12;
/** A life that has done all its work before its Nth request is killed once it has been quiet this long. */
const QUIET_MS = 4_000;

/**
 * One stage of two parallel jobs on pushes to main. The real process paces its writes at one a
 * second (no setting changes that), and every stage transition costs check-run writes: one stage
 * keeps the test's wall time down.
 */
const CONFIG = `version: 1
pipelines:
  ci:
    on:
      push: { branches: [main] }
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: app } }
          unit: { workflow: test.yml }
`;


describe.each(databaseTargets())('the app process under kill -9 on $name', (target) => {
  let sim: GitHubSimulator | undefined;
  let app: AppProcess | undefined;
  let store: Store | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await app?.kill('SIGKILL');
    await sim?.close();
    await store?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    sim = app = store = dataDir = undefined;
  });

  it(`runs every job of ${COMMITS} commits exactly once across ${KILLS} SIGKILLs (seed ${SEED})`, { timeout: 150_000 }, async () => {
    const random = seededRandom(SEED);
    const s = await startGitHubSimulator();
    sim = s;
    s.org('acme', { members: ['alice'] });
    s.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': CONFIG, ...standardWorkflows() } });
    s.scripts.setDefault({ conclusion: 'success', durationMs: 1_000, startDelayMs: 200 });
    const env: Record<string, string> = {
      APP_ID: String(s.app.id),
      PRIVATE_KEY: s.app.privateKey,
      WEBHOOK_SECRET: s.app.webhookSecret,
      GHE_HOST: s.host,
      GHE_PROTOCOL: 'http',
    };
    if (target.name === 'postgres') {
      store = await target.open();
      env['DATABASE_URL'] = String(store.pool?.options.connectionString);
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'shipgate-kill-nine-'));
      env['SHIPGATE_DATA_DIR'] = dataDir;
    }

    // Each life is killed right after its Nth API request reached GitHub, before the app hears the answer.
    const schedule = Array.from({ length: KILLS }, () => 1 + Math.floor(random() * MAX_REQUESTS_PER_LIFE));
    const kills: Array<{ life: number; after: number; route: string | undefined }> = [];
    const timings: string[] = [];
    const testStarted = Date.now();
    let lastRequestAt = Date.now();
    let life = 0;
    let requestsThisLife = 0;
    let killing: Promise<void> | undefined;
    // The process of this life, from before it listens: its first requests can come before `startAppProcess` returns.
    let current: Promise<AppProcess> | undefined;
    s.onResponse(async (entry) => {
      if (life >= KILLS || killing) return;
      requestsThisLife++;
      lastRequestAt = Date.now();
      if (requestsThisLife < (schedule[life] ?? Infinity)) return;
      kills.push({ life, after: requestsThisLife, route: entry.route });
      // Set before the kill: requests of the dying process still arriving count for no one.
      killing = current?.then((process) => process.kill('SIGKILL'));
      await killing;
    });

    const shas: string[] = [];
    for (; life < COMMITS; life++) {
      requestsThisLife = 0;
      killing = undefined;
      const spawnedAt = Date.now();
      current = startAppProcess(env);
      app = await current;
      timings.push(`life ${life} listening after ${Date.now() - spawnedAt} ms`);
      s.setWebhookUrl(`${app.url}/api/github/webhooks`);
      shas.push(s.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': `commit ${life}\n` }, author: 'alice' }).sha);
      if (life === KILLS) break;
      // Until its kill: webhooks sent meanwhile fail against the dead port, as they would on GitHub.
      lastRequestAt = Date.now();
      await until(`kill ${life + 1}`, () => killing !== undefined || Date.now() - lastRequestAt > QUIET_MS, { timeoutMs: 60_000, explain: () => JSON.stringify({ schedule, kills, requestsThisLife }) });
      if (!killing) {
        kills.push({ life, after: requestsThisLife, route: 'quiet' });
        killing = app.kill('SIGKILL');
      }
      await killing;
      await app.exited;
      timings.push(`life ${life} killed after ${Date.now() - spawnedAt} ms`);
    }
    expect(kills).toHaveLength(KILLS);

    const shipgateChecks = (sha: string) => s.checkRuns(REPO).filter((c) => c.headSha === sha && c.name.startsWith('shipgate'));
    const final = (sha: string) => {
      const checks = shipgateChecks(sha);
      return ['shipgate', 'shipgate/ci'].every((name) => checks.some((c) => c.name === name && c.status === 'completed'));
    };
    const settled = () =>
      shas.every(final) &&
      s.checkRuns(REPO).every((c) => c.status === 'completed') &&
      s.workflowRuns(REPO).every((r) => r.attempts.at(-1)?.status === 'completed');
    const explain = () =>
      JSON.stringify(
        {
          schedule,
          kills,
          checks: shas.map((sha) => shipgateChecks(sha).map((c) => `${sha.slice(0, 7)} ${c.name} ${c.status} ${c.conclusion ?? ''}`)),
          runs: s.workflowRuns(REPO).map((r) => `${r.id} ${String(r.inputs['shipgate_run'])} ${r.attempts.at(-1)?.status}`),
        },
        null,
        1,
      ) + `\n${app?.output().slice(-4000)}`;
    const lastStarted = Date.now();
    await until('every commit to be final', settled, { timeoutMs: 60_000, explain });
    timings.push(`final life settled after ${Date.now() - lastStarted} ms (total ${Date.now() - testStarted} ms)`);

    // Every job ran exactly once: one accepted dispatch per correlation id, build and test per commit.
    const dispatched = s.dispatches().filter((d) => d.status < 300);
    const correlations = dispatched.map((d) => String(d.inputs['shipgate_run']));
    expect(new Set(correlations).size, explain()).toBe(correlations.length);
    for (const sha of shas) {
      expect(dispatched.filter((d) => d.inputs['sha'] === sha).map((d) => d.workflow).sort(), `jobs of ${sha}`).toEqual(['build.yml', 'test.yml']);
    }
    expect(s.workflowRuns(REPO)).toHaveLength(COMMITS * 2);
    // Every commit: one `shipgate/ci` and one `shipgate`, completed and green; nothing left in progress anywhere.
    for (const sha of shas) {
      expect(shipgateChecks(sha).map((c) => [c.name, c.status, c.conclusion]).sort(), `${sha}\n${explain()}`).toEqual([
        ['shipgate', 'completed', 'success'],
        ['shipgate/ci', 'completed', 'success'],
      ]);
    }
    console.info(`kill -9 on ${target.name}: ${JSON.stringify(kills)}\n${timings.join('\n')}`);
    s.assertNoViolations();
  });
});

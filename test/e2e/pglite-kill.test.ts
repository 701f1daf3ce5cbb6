import { until } from '../helpers/wait.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';
import { openDatabase } from '../../src/store/db.ts';
import { SINGLE_STAGE_CONFIG, standardWorkflows } from '../helpers/repo-fixtures.ts';
import { seededRandom } from '../../src/sim/prng.ts';

const BIN = fileURLToPath(new URL('../../bin/shipgate.js', import.meta.url));
// The kill moments come from this seed: a failure names it, and the same seed replays the same schedule.
const SEED = Number(process.env['SHIPGATE_KILL_SEED'] ?? 20261201);
const ROUNDS = 24;
// A kill after the app listens lands this long after it, at most (the push's intake, dispatch, check runs).
const SERVING_WINDOW_MS = 2_000;
// Writes are paced per installation, so every organisation is its own lane.
const ORGS = ['acme', 'globex', 'initech', 'umbrella'];


/** `shipgate start` as a child, returned at once (not when it listens), so it can be killed during start-up. */
interface SpawnedApp {
  child: ChildProcess;
  listening: Promise<string | undefined>;
  exited: Promise<void>;
  output(): string;
}

function spawnApp(env: Record<string, string>): SpawnedApp {
  const child = spawn(process.execPath, [BIN, 'start', '--dotenv', '/nonexistent'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = new Promise<string | undefined>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => resolve(undefined));
  });
  return { child, listening, exited, output: () => output };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the embedded PGlite database under kill -9', () => {
  let sim: GitHubSimulator | undefined;
  let app: SpawnedApp | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    if (app && app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGKILL');
    await app?.exited;
    await sim?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    sim = app = dataDir = undefined;
  });

  it(`opens and completes every run after ${ROUNDS} SIGKILLs at random moments (seed ${SEED})`, { timeout: 300_000 }, async () => {
    const random = seededRandom(SEED);
    sim = await startGitHubSimulator();
    sim.scripts.setDefault({ conclusion: 'success', durationMs: 1_500 });
    const repos = ORGS.map((org) => {
      sim?.org(org, { members: ['alice'] });
      sim?.repo({ owner: org, name: 'api', files: { '.github/shipgate.yml': SINGLE_STAGE_CONFIG, ...standardWorkflows() } });
      return `${org}/api`;
    });
    dataDir = mkdtempSync(join(tmpdir(), 'shipgate-kill-'));
    const env: Record<string, string> = {
      APP_ID: String(sim.app.id),
      PRIVATE_KEY: sim.app.privateKey,
      WEBHOOK_SECRET: sim.app.webhookSecret,
      GHE_HOST: sim.host,
      GHE_PROTOCOL: 'http',
      SHIPGATE_DATA_DIR: dataDir,
    };

    const pushed: Array<{ repo: string; sha: string }> = [];
    const schedule: Array<{ phase: 'start-up' | 'serving'; killAtMs: number; listenedAtMs: number | undefined }> = [];
    let startUpMs = 1_500; // the last start-up seen, to aim kills inside the next one
    for (let round = 0; round < ROUNDS; round++) {
      // A third of the kills land inside start-up (initdb, PGlite's recovery, migrations, pg-boss), the
      // others after the app listens (intake, dispatches, check-run writes). Drawn as fractions, so
      // the schedule is the same on a slow machine and a fast one.
      const phase = random() < 1 / 3 ? 'start-up' : 'serving';
      const fraction = random();
      const spawnedAt = Date.now();
      const current = spawnApp(env);
      app = current;
      let killed = false;
      let listenedAtMs: number | undefined;
      const listened = current.listening.then((url) => {
        if (!url || killed || !sim) return;
        listenedAtMs = Date.now() - spawnedAt;
        sim.setWebhookUrl(`${url}/api/github/webhooks`);
        const repo = repos[pushed.length % repos.length] ?? 'acme/api';
        pushed.push({ repo, sha: sim.push({ repo, branch: 'main', files: { 'src/app.ts': `round ${round}\n` }, author: 'alice' }).sha });
      });
      if (phase === 'start-up') await Promise.race([sleep(fraction * startUpMs), current.exited]);
      else await Promise.race([listened.then(() => sleep(fraction * SERVING_WINDOW_MS)), current.exited]);
      expect(current.child.exitCode, `the app exited by itself in round ${round}:\n${current.output()}`).toBeNull();
      killed = true;
      current.child.kill('SIGKILL');
      await current.exited;
      if (listenedAtMs !== undefined) startUpMs = listenedAtMs;
      schedule.push({ phase, killAtMs: Date.now() - spawnedAt, listenedAtMs });
    }
    expect(schedule.filter((s) => s.listenedAtMs === undefined).length).toBeGreaterThan(0);
    expect(schedule.filter((s) => s.listenedAtMs !== undefined).length).toBeGreaterThanOrEqual(ROUNDS / 2);

    // The database opens after all that, and the last start finishes every run the others left.
    const last = spawnApp(env);
    app = last;
    const url = await last.listening;
    expect(url, `the app did not start after ${ROUNDS} kills:\n${last.output()}`).toBeDefined();
    sim.setWebhookUrl(`${url}/api/github/webhooks`);
    const acked = pushed.filter(({ sha }) =>
      sim?.webhooks.deliveries.some((d) => d.event === 'push' && d.payload['after'] === sha && d.attempts.some((a) => (a.status ?? 500) < 300)),
    );
    const pipelineCheck = (repo: string, sha: string) => sim?.checkRuns(repo).find((c) => c.name === 'shipgate/build' && c.headSha === sha);
    const settled = () =>
      sim !== undefined &&
      acked.every(({ repo, sha }) => pipelineCheck(repo, sha)?.status === 'completed') &&
      sim.checkRuns().every((c) => c.status === 'completed') &&
      sim.workflowRuns().every((r) => r.attempts.at(-1)?.status === 'completed');
    const explain = () =>
      JSON.stringify(
        {
          schedule,
          unfinished: acked.filter(({ repo, sha }) => pipelineCheck(repo, sha)?.status !== 'completed'),
          checks: sim?.checkRuns().filter((c) => c.status !== 'completed').map((c) => ({ name: c.name, sha: c.headSha, status: c.status })),
          runs: sim?.workflowRuns().filter((r) => r.attempts.at(-1)?.status !== 'completed').map((r) => ({ id: r.id, status: r.attempts.at(-1)?.status })),
        },
        null,
        1,
      ) + `\n${last.output().slice(-6000)}`;
    // Generous: a delivery whose queue job was active in a killed process waits for pg-boss to
    // notice (heartbeat 15 s, supervision every 60 s) before it is retried.
    await until('every run to complete', settled, { timeoutMs: 120_000, explain });

    // Every push the app acknowledged got its pipeline, which succeeded; nothing is left running.
    expect(acked.length).toBeGreaterThan(0);
    for (const { repo, sha } of acked) expect(pipelineCheck(repo, sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    for (const check of sim.checkRuns()) expect(check, check.name).toMatchObject({ status: 'completed', conclusion: 'success' });
    // One dispatch per run: no kill made the app dispatch a job twice.
    const dispatched = sim.dispatches().filter((d) => d.status < 300);
    expect(dispatched).toHaveLength(sim.workflowRuns().length);
    expect(sim.workflowRuns().length).toBe(sim.checkRuns().filter((c) => c.name === 'shipgate/build').length);

    last.child.kill('SIGTERM');
    await last.exited;
    const store = await openDatabase({ dataDir });
    try {
      const runs = await store.db.selectFrom('pipeline_runs').select(['repo', 'sha', 'status', 'conclusion']).execute();
      expect(runs.length).toBeGreaterThanOrEqual(acked.length);
      expect(runs.filter((r) => r.status !== 'completed' || r.conclusion !== 'success')).toEqual([]);
    } finally {
      await store.close();
    }
    sim.assertNoViolations();
  });
});

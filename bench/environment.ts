import { pino, type Logger } from 'pino';
import type { EngineEvent } from '../src/engine/deps.ts';
import { DEFAULT_REQUEST_POLICY } from '../src/github/request-policy.ts';
import { startShipgate, type RunningShipgate } from '../src/server.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../src/sim/index.ts';
import type { Store } from '../src/store/db.ts';
import { appConfigForSimulator } from '../src/sim/app-config.ts';
import { DAG_CONFIG, standardWorkflows } from '../test/helpers/repo-fixtures.ts';
import { startBareProbot, type BareProbot } from './bare-probot.ts';
import { GatedClock } from './bench-clock.ts';
import type { WebhookToSend } from './post-webhook.ts';
import { sleep, WaitTimeout, waitFor, waitUntil } from './wait.ts';
import { countOpenDeliveries } from '../src/store/repos/deliveries.ts';

/** How many DAG pipelines figure 2 measures (one organisation, so one installation, each); numbered 1..20. */
export const DAG_PIPELINES = 20;
/** The two samples of figure 6: organisations (installations), repositories in each, and the pipeline number of the first (see run-timings.ts). */
export const RATE_SAMPLES = {
  one: { orgs: ['rate-solo'], reposPerOrg: 2, firstIndex: 51 },
  ten: { orgs: Array.from({ length: 10 }, (_, i) => `rate-${String(i + 1).padStart(2, '0')}`), reposPerOrg: 1, firstIndex: 61 },
} as const;
/** The organisation whose repository has no shipgate.yml (figures 1 and 4). */
export const QUIET_ORG = 'quiet';
/** Its repository (`owner/name`). */
export const QUIET_REPO = `${QUIET_ORG}/no-config`;

/** The organisation of DAG pipeline `i` (1-based). */
export function dagOrg(i: number): string {
  return `dag-${String(i).padStart(2, '0')}`;
}

/** The unfinished deliveries by event and status, with the last error seen, for a timeout message. */
async function describeOpenDeliveries(store: Store): Promise<string> {
  const rows = await store.db
    .selectFrom('deliveries')
    .select(['event', 'action', 'status', 'error', 'attempts'])
    .where('status', 'in', ['received', 'processing', 'failed'])
    .execute();
  const groups = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.event}${row.action ? `.${row.action}` : ''} ${row.status}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const error = rows.find((row) => row.error)?.error;
  return `${[...groups].map(([key, n]) => `${n}× ${key}`).join(', ')}${error ? `; last error: ${error}` : ''}`;
}

/** An engine event and when (wall clock, `performance.timeOrigin + performance.now()`) it happened. */
export interface TimedEvent {
  at: number;
  event: EngineEvent;
}

/** shipgate on one database against the simulator, plus the bare Probot baseline. */
export interface BenchEnvironment {
  sim: GitHubSimulator;
  simClock: GatedClock;
  app: RunningShipgate;
  bare: BareProbot;
  store: Store;
  events: TimedEvent[];
  webhookUrl: string;
  secret: string;
  /** `push` webhooks (event and body, signed when sent) to the repository without a config, made before the app listened. */
  idlePushes: WebhookToSend[];
  /**
   * `maxMs`, cut to what is left of the pass's budget (at least a second):
   * every wait on the app goes through it, so a stalled app costs the
   * budget, not more.
   */
  timeout(maxMs: number): number;
  /** Waits until the sim has sent every webhook and every recorded delivery is processed (twice in a row); throws a `WaitTimeout`. */
  settle(timeoutMs?: number): Promise<void>;
  /** `settle`, but says whether it settled instead of throwing. */
  trySettle(timeoutMs: number): Promise<boolean>;
  /** Deliveries recorded and not yet processed (received, processing, or failed and due a retry). */
  openDeliveries(): Promise<number>;
  /** Waits until the sim has seen no request (of these installations only, when given) for `ms`: paced writes have gone out. */
  quiet(ms: number, installations?: ReadonlySet<number>): Promise<void>;
  stop(): Promise<void>;
}

/** Fills the sim; returns `push` webhooks to the repository without a config (not delivered: no URL is set yet). */
function populate(sim: GitHubSimulator): WebhookToSend[] {
  const workflows = standardWorkflows();
  for (let i = 1; i <= DAG_PIPELINES; i++) {
    const org = dagOrg(i);
    sim.org(org, { members: ['alice'] });
    sim.repo({ owner: org, name: 'api', files: { 'README.md': '# api\n', '.github/shipgate.yml': DAG_CONFIG, ...workflows } });
  }
  sim.org(QUIET_ORG, { members: ['alice'] });
  sim.repo({ owner: QUIET_ORG, name: 'no-config', files: { 'README.md': '# no config here\n', 'src/index.ts': 'export {};\n' } });
  const idlePushes: WebhookToSend[] = [];
  for (let i = 0; i < 10; i++) {
    const pushed = sim.push({ repo: QUIET_REPO, branch: 'main', files: { 'src/index.ts': `export const revision = ${i};\n` }, author: 'alice' });
    if (pushed.delivery) idlePushes.push({ event: 'push', body: pushed.delivery.body });
  }
  for (const sample of Object.values(RATE_SAMPLES)) {
    for (const org of sample.orgs) {
      sim.org(org, { members: ['alice'] });
      for (let r = 1; r <= sample.reposPerOrg; r++) {
        sim.repo({ owner: org, name: `svc-${r}`, files: { 'README.md': '# svc\n', '.github/shipgate.yml': DAG_CONFIG, ...workflows } });
      }
    }
  }
  return idlePushes;
}

/**
 * Starts the simulator (gated clock, OpenAPI validation as asked), fills it
 * with the bench's organisations, then shipgate on `store` with GitHub's write
 * pacing (1000 ms per installation) and the bare Probot app with the same secret.
 * Waits on the app end by `deadline` (a `performance.now()` time) at the latest.
 */
export async function startBenchEnvironment(store: Store, options: { validate: boolean; deadline: number }): Promise<BenchEnvironment> {
  const simClock = new GatedClock();
  const sim = await startGitHubSimulator({ clock: simClock, validate: options.validate });
  // SHIPGATE_BENCH_LOG=warn (or info, debug) shows the app's log on stderr; the bare app logs the same.
  const log: Logger = pino({ level: process.env['SHIPGATE_BENCH_LOG'] ?? 'silent' }, pino.destination(2));
  const events: TimedEvent[] = [];
  let app: RunningShipgate | undefined;
  let bare: BareProbot | undefined;
  try {
    const idlePushes = populate(sim);
    if (idlePushes.length === 0) throw new Error('the sim made no push webhooks for the repository without a config');
    await sim.webhooks.drain();
    const config = appConfigForSimulator(sim, { logLevel: 'silent' });
    app = await startShipgate(config, {
      log,
      store,
      requestPolicy: { writeIntervalMs: DEFAULT_REQUEST_POLICY.writeIntervalMs },
      scheduleReconcile: false,
      onEvent: (event) => events.push({ at: simClock.now(), event }),
    });
    const webhookUrl = `${app.url}${config.webhookPath}`;
    sim.setWebhookUrl(webhookUrl);
    bare = await startBareProbot({ appId: config.appId, privateKey: config.privateKey, secret: config.webhookSecret, webhookPath: config.webhookPath, log });
    const running = app;
    const runningBare = bare;
    const openDeliveries = () => countOpenDeliveries(store.db);
    const timeout = (maxMs: number) => Math.round(Math.max(1_000, Math.min(maxMs, options.deadline - performance.now())));
    const trySettle = async (timeoutMs: number) => {
      let quietRounds = 0;
      return waitUntil(timeout(timeoutMs), 20, async () => {
        await sim.webhooks.drain();
        // Twice in a row: processing one delivery can make the sim send another.
        quietRounds = (await openDeliveries()) === 0 ? quietRounds + 1 : 0;
        return quietRounds >= 2;
      });
    };
    return {
      timeout,
      sim,
      simClock,
      app: running,
      bare: runningBare,
      store,
      events,
      webhookUrl,
      secret: config.webhookSecret,
      idlePushes,
      trySettle,
      openDeliveries,
      async settle(timeoutMs = 60_000) {
        const limit = timeout(timeoutMs);
        if (!(await trySettle(limit))) {
          throw new WaitTimeout(`timed out after ${limit} ms waiting for every delivery to be processed; still open: ${await describeOpenDeliveries(store)}`);
        }
      },
      async quiet(ms, installations) {
        const counts = (entry: { installationId: number | undefined }) =>
          installations === undefined || (entry.installationId !== undefined && installations.has(entry.installationId));
        await waitFor(`the sim to see no request for ${ms} ms`, timeout(30_000), 50, () => {
          const last = sim.requests.reduce((latest, entry) => (counts(entry) ? Math.max(latest, entry.at) : latest), 0);
          return simClock.now() - last >= ms;
        });
      },
      async stop() {
        await runningBare.stop();
        await running.stop();
        await sim.close();
        // Let the HTTP keep-alive sockets of the sim and the apps close.
        await sleep(50);
      },
    };
  } catch (error) {
    await bare?.stop().catch(() => {});
    await app?.stop().catch(() => {});
    await sim.close();
    throw error;
  }
}

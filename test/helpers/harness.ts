import { pino } from 'pino';
import { ManualClock } from '../../src/clock.ts';
import type { AppConfig } from '../../src/config/app-config.ts';
import { appConfigForSimulator } from '../../src/sim/app-config.ts';
import type { EngineEvent } from '../../src/engine/deps.ts';
import { reconcile, type ReconcileReport } from '../../src/engine/reconcile.ts';
import { startShipgate, type RunningShipgate, type StartOptions } from '../../src/server.ts';
import { startGitHubSimulator, type GitHubSimulator, type SimulatorOptions } from '../../src/sim/index.ts';
import type { Store } from '../../src/store/db.ts';
import { countOpenDeliveries } from '../../src/store/repos/deliveries.ts';
import { countOpenEffects } from '../../src/store/repos/effects.ts';
import type { DatabaseTarget } from './databases.ts';

/** The real app (Probot server over HTTP, a real database) against the simulator. */
export interface Harness {
  sim: GitHubSimulator;
  app: RunningShipgate;
  store: Store;
  clock: ManualClock;
  events: EngineEvent[];
  /** Waits until every webhook is delivered and every recorded delivery is processed. */
  settle(): Promise<void>;
  /** Moves time forward (the sim's runs progress), then settles. */
  advance(ms: number): Promise<void>;
  /** Runs the reconciliation pass now (timeouts, retries, quiet runs). */
  reconcile(): Promise<ReconcileReport>;
  /** Stops the app (keeping the store) and starts it again on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The clock of the app and the simulator (default: a new one at the wall clock); other simulators share it. */
  clock?: ManualClock;
  sim?: SimulatorOptions;
  app?: Partial<StartOptions>;
  /** App settings over the simulator's (notification URLs, secrets, flags). */
  config?: Partial<AppConfig>;
  /** Called with the simulator before the app starts (orgs, repos, scripts). */
  setup?: (sim: GitHubSimulator) => void | Promise<void>;
}

/**
 * Waits until the simulator has sent every webhook and the store holds no
 * delivery still to process (received, processing, or failed and due a retry).
 */
export async function settleDeliveries(sim: GitHubSimulator, store: Store): Promise<void> {
  // Deliveries still to process, and effects due now (or being performed) on the simulator's clock.
  const open = async () => (await countOpenDeliveries(store.db)) + (await countOpenEffects(store.db, new Date(sim.clock.now())));
  for (let round = 0; round < 1500; round++) {
    await sim.webhooks.drain();
    // Twice quiet in a row: processing one delivery can make the sim send another.
    if ((await open()) === 0) {
      await sim.webhooks.drain();
      if ((await open()) === 0) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the app did not settle: deliveries are still unprocessed');
}

/** Settles, then lets `rounds` scripted workflow runs' worth of time pass (31 s each), settling after each. */
export async function finish(h: Harness, rounds = 4): Promise<void> {
  await h.settle();
  for (let i = 0; i < rounds; i++) await h.advance(31_000);
}

/** App settings pointing at the simulator, with the test's log level. */
export function appConfigFor(sim: GitHubSimulator): AppConfig {
  return appConfigForSimulator(sim, { logLevel: 'silent' });
}

/** Starts the simulator and the app on a fresh database of `target`. */
export async function startHarness(target: DatabaseTarget, options: HarnessOptions = {}): Promise<Harness> {
  // Starts at the wall clock: the app signs its JWTs with real time and the sim checks them by its own.
  const clock = options.clock ?? new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  const sim = await startGitHubSimulator({ clock, ...options.sim });
  const store = await target.open();
  const events: EngineEvent[] = [];
  const log = pino({ level: process.env['SHIPGATE_TEST_LOG'] ?? 'silent' });
  await options.setup?.(sim);
  const start = () =>
    startShipgate({ ...appConfigFor(sim), ...options.config }, {
      clock,
      log,
      store,
      requestPolicy: { writeIntervalMs: 0, retryBaseMs: 5, maxWaitMs: 50 },
      scheduleReconcile: false,
      onEvent: (event) => events.push(event),
      ...options.app,
    });
  let app: RunningShipgate;
  try {
    app = await start();
  } catch (err) {
    // Nothing is left open when the app cannot start (a port taken meanwhile, a bad setting).
    await sim.close();
    await store.close();
    throw err;
  }
  sim.setWebhookUrl(`${app.url}/api/github/webhooks`);

  const settle = () => settleDeliveries(sim, store);

  return {
    sim,
    get app() {
      return app;
    },
    store,
    clock,
    events,
    settle,
    async advance(ms) {
      await settle();
      clock.advance(ms);
      await settle();
    },
    async reconcile() {
      await settle();
      const report = await reconcile(app.engine);
      await settle();
      return report;
    },
    async restart() {
      await app.stop();
      app = await start();
      sim.setWebhookUrl(`${app.url}/api/github/webhooks`);
    },
    async close() {
      await app.stop();
      await sim.close();
      await store.close();
    },
  };
}

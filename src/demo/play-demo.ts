/**
 * Plays the demo story: the real app (Probot server, embedded PGlite in
 * memory, pg-boss, workers) against the built-in GitHub simulator, one push
 * to `main`, and a timeline entry for everything that happens, as it happens.
 */
import type { Logger } from 'pino';
import { systemClock } from '../clock.ts';
import { startShipgate, type RunningShipgate } from '../server.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../sim/index.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { judgeDemo, type DemoOutcome } from './outcome.ts';
import { DEMO_CONFIG_STAGES, DEMO_PIPELINE, DEMO_PUSHER, DEMO_REPO, demoCriticalPathMs, pushToMain, setUpDemoWorld } from './story.ts';
import { summariseDemo, type DemoSummary } from './summary.ts';
import { createStoryRecorder } from './story-recorder.ts';
import type { TimelineEntry } from './timeline.ts';
import { watchSimulator } from './watch-simulator.ts';
import { appConfigForSimulator } from '../sim/app-config.ts';

/** Where the demo's pieces listen, once they are up. */
export interface DemoEndpoints {
  /** The app's base URL (`/healthz`, the webhook route). */
  appUrl: string;
  /** The simulator's REST API base URL (`GHE_HOST` + `/api/v3`). */
  simulatorApiUrl: string;
  /** The app's id on the simulator. */
  appId: number;
}

export interface DemoOptions {
  /** The simulator's speed factor: scripted workflow durations are divided by it. */
  speed: number;
  /** The app's logger. */
  log: Logger;
  /** Called once the simulator and the app are up, before the push. */
  onReady?: (endpoints: DemoEndpoints) => void;
  /** Called for each timeline entry as it happens. */
  onEntry: (entry: TimelineEntry) => void;
  /** Aborting ends the story early (Ctrl-C); the session is still returned, to be stopped. */
  signal?: AbortSignal;
  /** How long the story may take (default: the scripted time at `speed` plus 30 s). */
  timeoutMs?: number;
}

/** The story's result, with the app and the simulator still running. */
export interface DemoSession extends DemoEndpoints {
  outcome: DemoOutcome;
  summary: DemoSummary;
  /** Stops the app, the simulator and the database. */
  stop(): Promise<void>;
}

/** How the wait for the story's end ended. */
type StoryEnd = 'ended' | 'timed-out' | 'interrupted';

/**
 * Starts the simulator and the app, pushes to `acme/shop` main and follows
 * the pipeline until the roll-up check run is written (or time runs out, or
 * `signal` aborts). The caller stops the returned session.
 */
export async function playDemo(options: DemoOptions): Promise<DemoSession> {
  const clock = systemClock();
  const sim = await startGitHubSimulator({ clock, speed: options.speed });
  let store: Store | undefined;
  let app: RunningShipgate | undefined;
  const stopAll = async () => {
    await app?.stop();
    await sim.close();
    await store?.close();
  };

  try {
    setUpDemoWorld(sim);
    store = await openDatabase({ memory: true });
    let checkOver = () => {};
    const story = createStoryRecorder({ sim, clock, onEntry: options.onEntry, onProgress: () => checkOver() });
    app = await startShipgate(appConfigForSimulator(sim), { clock, log: options.log, store, onEvent: (event) => story.onEngineEvent(event) });
    sim.setWebhookUrl(`${app.url}/api/github/webhooks`);
    const endpoints: DemoEndpoints = { appUrl: app.url, simulatorApiUrl: sim.baseUrl, appId: sim.app.id };
    options.onReady?.(endpoints);

    const timeoutMs = options.timeoutMs ?? demoCriticalPathMs() / options.speed + 30_000;
    const finished = new Promise<StoryEnd>((resolve) => {
      const timer = clock.setTimeout(() => end('timed-out'), timeoutMs);
      const onAbort = () => end('interrupted');
      function end(how: StoryEnd) {
        clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(how);
      }
      checkOver = () => {
        if (story.isOver()) end('ended');
      };
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });

    story.start();
    const watch = watchSimulator(sim, { repo: DEMO_REPO, events: ['push'], clock, onChange: (change) => story.onSimulatorChange(change) });
    const pushed = pushToMain(sim);
    const commit = pushed.commits.at(-1);
    story.note('push', `${commit?.author.login ?? DEMO_PUSHER} pushed ${pushed.sha.slice(0, 7)} to ${DEMO_REPO} main: "${commit?.message ?? ''}"`, {
      sha: pushed.sha,
      before: pushed.before,
    });

    const how = await finished;
    watch.poll();
    watch.stop();
    story.stop();

    const summary = summariseDemo({ requests: sim.requests, dispatches: sim.dispatches(), checkRuns: sim.checkRuns(DEMO_REPO), appId: sim.app.id, startedAt: story.startedAt });
    const outcome = judgeDemo({
      ...story.recorded(),
      expectedStages: DEMO_CONFIG_STAGES,
      pipelineCheck: `shipgate/${DEMO_PIPELINE}`,
      dispatchedWorkflows: sim.dispatches().filter((d) => d.status < 300).map((d) => d.workflow),
      violations: sim.violations.map((v) => `${v.method} ${v.path} → ${v.status} ${v.message}`),
      ...(how === 'timed-out' ? { unfinished: `the story did not end within ${Math.round(timeoutMs / 1000)} s` } : {}),
      ...(how === 'interrupted' ? { interrupted: true } : {}),
    });
    return { ...endpoints, outcome, summary, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}

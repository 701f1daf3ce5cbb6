/**
 * Plays the demo story: the real app (Probot server, embedded PGlite in
 * memory, pg-boss, workers) against the built-in GitHub simulator, one push
 * to `main`, and a timeline entry for everything that happens, as it happens.
 */
import type { Logger } from 'pino';
import { systemClock } from '../clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { EngineEvent } from '../engine/deps.ts';
import { startShipgate, type RunningShipgate } from '../server.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../sim/index.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { judgeDemo, type DemoObservations, type DemoOutcome } from './outcome.ts';
import { DEMO_CONFIG_STAGES, DEMO_PIPELINE, DEMO_PUSHER, DEMO_REPO, demoCriticalPathMs, pushToMain, setUpDemoWorld } from './story.ts';
import { summariseDemo, type DemoSummary } from './summary.ts';
import { describeEngineEvent, type TimelineEntry, type WorkflowRunFacts } from './timeline.ts';
import { watchSimulator, type SimulatorChange } from './watch-simulator.ts';

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
type StoryEnd = { kind: 'ended' } | { kind: 'timed-out'; timeoutMs: number } | { kind: 'interrupted' };

/** App settings pointing at the simulator, as an operator would set them with `GHE_HOST`. */
function appConfigFor(sim: GitHubSimulator): AppConfig {
  return {
    appId: sim.app.id,
    privateKey: sim.app.privateKey,
    webhookSecret: sim.app.webhookSecret,
    webhookPath: '/api/github/webhooks',
    databaseUrl: undefined,
    dataDir: '',
    port: 0,
    host: '127.0.0.1',
    logLevel: 'warn',
    githubBaseUrl: sim.baseUrl,
    slackWebhookUrl: undefined,
  };
}

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

    let startedAt = clock.now();
    let storyStarted = false;
    const emit = (kind: string, text: string, data: Record<string, unknown>) =>
      options.onEntry({ elapsedMs: Math.max(0, clock.now() - startedAt), kind, text, data });

    const seen = { runs: new Map<number, string | undefined>(), stages: {} as Record<string, string>, checkRuns: {} as DemoObservations['checkRuns'] };
    const dispatchedRuns = new Map<string, number>();
    let checkDone = () => {};
    const onEvent = (event: EngineEvent) => {
      if (!storyStarted) return;
      if (event.kind === 'run-created') seen.runs.set(event.runId, undefined);
      if (event.kind === 'run-completed') seen.runs.set(event.runId, event.conclusion);
      if (event.kind === 'stage-completed') seen.stages[event.stage] = event.conclusion;
      if (event.kind === 'stage-skipped') seen.stages[event.stage] = `skipped: ${event.reason}`;
      if (event.kind === 'job-dispatched' && event.workflowRunId !== null) dispatchedRuns.set(jobKey(event), event.workflowRunId);
      const line = describeEngineEvent(event, { runFacts: (id) => workflowRunFacts(sim, id), runOfJob: (job) => dispatchedRuns.get(jobKey(job)) });
      if (line) emit(line.kind, line.text, { event });
      checkDone();
    };
    const onChange = (change: SimulatorChange) => {
      if (change.kind === 'delivery') {
        const answer = change.status === undefined ? `failed: ${change.error ?? 'no answer'}` : `answered HTTP ${change.status} in ${Math.round(change.durationMs)} ms`;
        emit('webhook', `${change.event} delivered to the app, ${answer}`, { change });
      } else {
        seen.checkRuns[change.name] = { status: change.status, conclusion: change.conclusion };
        const state = change.status === 'completed' ? `completed: ${change.conclusion ?? 'none'}` : change.status;
        emit('check', `${change.name} ${state}${change.title ? ` — ${change.title}` : ''}`, { change });
      }
      checkDone();
    };

    app = await startShipgate(appConfigFor(sim), { clock, log: options.log, store, onEvent });
    sim.setWebhookUrl(`${app.url}/api/github/webhooks`);
    const endpoints: DemoEndpoints = { appUrl: app.url, simulatorApiUrl: sim.baseUrl, appId: sim.app.id };
    options.onReady?.(endpoints);

    const finished = new Promise<StoryEnd>((resolve) => {
      const timeoutMs = options.timeoutMs ?? demoCriticalPathMs() / options.speed + 30_000;
      const timer = clock.setTimeout(() => end({ kind: 'timed-out', timeoutMs }), timeoutMs);
      const onAbort = () => end({ kind: 'interrupted' });
      function end(how: StoryEnd) {
        clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(how);
      }
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      checkDone = () => {
        const rollup = seen.checkRuns['shipgate'];
        const checksDone = Object.values(seen.checkRuns).every((c) => c.status === 'completed');
        const runsDone = [...seen.runs.values()].every((conclusion) => conclusion !== undefined);
        if (rollup?.status === 'completed' && checksDone && runsDone) end({ kind: 'ended' });
      };
    });

    startedAt = clock.now();
    storyStarted = true;
    const watch = watchSimulator(sim, { repo: DEMO_REPO, events: ['push'], clock, onChange });
    const pushed = pushToMain(sim);
    const commit = pushed.commits.at(-1);
    emit('push', `${commit?.author.login ?? DEMO_PUSHER} pushed ${pushed.sha.slice(0, 7)} to ${DEMO_REPO} main: "${commit?.message ?? ''}"`, { sha: pushed.sha, before: pushed.before });

    const how = await finished;
    watch.poll();
    watch.stop();
    storyStarted = false;

    const summary = summariseDemo({ requests: sim.requests, dispatches: sim.dispatches(), checkRuns: sim.checkRuns(DEMO_REPO), appId: sim.app.id, startedAt });
    const outcome = judgeDemo({
      pipelineConclusion: [...seen.runs.values()][0],
      stages: seen.stages,
      expectedStages: DEMO_CONFIG_STAGES,
      checkRuns: seen.checkRuns,
      pipelineCheck: `shipgate/${DEMO_PIPELINE}`,
      dispatchedWorkflows: sim.dispatches().filter((d) => d.status < 300).map((d) => d.workflow),
      violations: sim.violations.map((v) => `${v.method} ${v.path} → ${v.status} ${v.message}`),
      ...(how.kind === 'timed-out' ? { unfinished: `the story did not end within ${Math.round(how.timeoutMs / 1000)} s` } : {}),
      ...(how.kind === 'interrupted' ? { interrupted: true } : {}),
    });
    return { ...endpoints, outcome, summary, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}

/** A dispatched run as the timeline shows it: its workflow file, REST URL, ref and inputs. */
function workflowRunFacts(sim: GitHubSimulator, workflowRunId: number): WorkflowRunFacts | undefined {
  const run = sim.workflowRun(workflowRunId);
  if (!run) return undefined;
  const latest = run.attempts.at(-1);
  return {
    workflow: run.workflow.path.split('/').pop() ?? run.workflow.path,
    url: `${sim.baseUrl}/repos/${run.repo.fullName}/actions/runs/${run.id}`,
    ref: run.headBranch ?? run.headSha.slice(0, 7),
    inputs: run.inputs,
    durationMs: latest?.status === 'completed' ? latest.updatedAt - latest.createdAt : undefined,
  };
}

/** Identifies a job attempt across engine events. */
function jobKey(job: { runId: number; stage: string; job: string; attempt: number }): string {
  return `${job.runId}/${job.stage}/${job.job}/${job.attempt}`;
}

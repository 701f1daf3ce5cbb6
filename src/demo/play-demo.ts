/**
 * Plays the demo story: the real app (Probot server, embedded PGlite in
 * memory, pg-boss, workers) against the built-in GitHub simulator: a push to
 * `main` runs every stage; then a pull request whose test fails, a `/retry`
 * comment that re-runs only the failed job, and green. A timeline entry for
 * everything that happens, as it happens.
 */
import type { Logger } from 'pino';
import { systemClock } from '../clock.ts';
import { startShipgate, type RunningShipgate } from '../server.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../sim/index.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { judgeDemo, judgePullRequestAct, type DemoOutcome } from './outcome.ts';
import {
  commentRetry,
  DEMO_CONFIG_STAGES,
  DEMO_PIPELINE,
  DEMO_PR_AUTHOR,
  DEMO_PR_BRANCH,
  DEMO_PUSHER,
  DEMO_REPO,
  demoCriticalPathMs,
  openDemoPullRequest,
  pushToMain,
  setUpDemoWorld,
} from './story.ts';
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

const RERUN_FAILED_ROUTE = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs';
const REACTION_ICON: Record<string, string> = { eyes: '👀', rocket: '🚀', confused: '😕' };

/** How the wait for the story's end ended. */
type StoryEnd = 'ended' | 'timed-out' | 'interrupted';

/**
 * Starts the simulator and the app, pushes to `acme/shop` main and follows
 * the pipeline until the roll-up check run is written; then opens the pull
 * request, comments `/retry` once its run failed, and follows it to green
 * (or until time runs out, or `signal` aborts). The caller stops the
 * returned session.
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
    const deadline = clock.now() + timeoutMs;
    /** Resolves when `done()` holds after some progress, when the story's time is up, or on Ctrl-C. */
    const waitUntil = (done: () => boolean) =>
      new Promise<StoryEnd>((resolve) => {
        const timer = clock.setTimeout(() => end('timed-out'), Math.max(0, deadline - clock.now()));
        const onAbort = () => end('interrupted');
        function end(how: StoryEnd) {
          clock.clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          checkOver = () => {};
          resolve(how);
        }
        checkOver = () => {
          if (done()) end('ended');
        };
        if (options.signal?.aborted) onAbort();
        else options.signal?.addEventListener('abort', onAbort, { once: true });
        checkOver();
      });

    story.start();
    const watch = watchSimulator(sim, { repo: DEMO_REPO, events: ['push', 'pull_request', 'issue_comment'], clock, onChange: (change) => story.onSimulatorChange(change) });
    // Part 1: a push to main runs every stage of ci.
    const pushed = pushToMain(sim);
    const commit = pushed.commits.at(-1);
    story.note('push', `${commit?.author.login ?? DEMO_PUSHER} pushed ${pushed.sha.slice(0, 7)} to ${DEMO_REPO} main: "${commit?.message ?? ''}"`, {
      sha: pushed.sha,
      before: pushed.before,
    });
    let how = await waitUntil(() => story.isOver());
    watch.poll();
    const pushAct = story.recorded();
    const pushDispatches = sim.dispatches().filter((d) => d.status < 300).map((d) => d.workflow);

    // Part 2: a pull request whose test fails, `/retry`, green.
    const pullRequestProblems: string[] = [];
    if (how === 'ended') {
      story.beginAct();
      const pr = openDemoPullRequest(sim);
      story.note('pull', `${DEMO_PR_AUTHOR} opened pull request #${pr.number} (${DEMO_PR_BRANCH} → main, ${pr.headSha.slice(0, 7)})`, { number: pr.number, sha: pr.headSha });
      // Over once the pull request's run and both its checks say so (the branch's own push ends nothing).
      const checksSay = (conclusion: string) => {
        const checks = latestChecks(sim, pr.headSha);
        return [`shipgate/${DEMO_PIPELINE}`, 'shipgate'].every((name) => checks[name]?.status === 'completed' && checks[name]?.conclusion === conclusion);
      };
      how = await waitUntil(() => story.recorded().pipelineConclusion === 'failure' && checksSay('failure'));
      watch.poll();
      const before = story.recorded();
      let reactions: string[] = [];
      if (how === 'ended') {
        const comment = commentRetry(sim, pr.number);
        story.note('comment', `${DEMO_PR_AUTHOR} commented "/retry" on #${pr.number}`, { number: pr.number, commentId: comment.id });
        how = await waitUntil(() => story.recorded().pipelineConclusion === 'success' && checksSay('success'));
        watch.poll();
        const appLogin = `${sim.app.slug}[bot]`;
        reactions = (sim.comments(DEMO_REPO, pr.number).find((c) => c.id === comment.id)?.reactions ?? []).filter((r) => r.user.login === appLogin).map((r) => r.content);
        story.note('reaction', `shipgate reacted ${reactions.map((r) => REACTION_ICON[r] ?? r).join(' ') || 'nothing'} to "/retry"`, { reactions });
      }
      const after = story.recorded();
      pullRequestProblems.push(
        ...judgePullRequestAct(
          {
            before: { pipelineConclusion: before.pipelineConclusion, stages: before.stages },
            after: { pipelineConclusion: after.pipelineConclusion, checkRuns: latestChecks(sim, pr.headSha) },
            reactions,
            rerunFailedJobs: sim.requests.filter((r) => r.route === RERUN_FAILED_ROUTE && r.status < 300).length,
            dispatchedWorkflows: sim.dispatches().filter((d) => d.status < 300).map((d) => d.workflow).slice(pushDispatches.length),
            ...(how === 'timed-out' ? { unfinished: `the pull request's part did not end within the story's ${Math.round(timeoutMs / 1000)} s` } : {}),
          },
          `shipgate/${DEMO_PIPELINE}`,
        ),
      );
    }
    watch.stop();
    story.stop();

    const summary = summariseDemo({ requests: sim.requests, dispatches: sim.dispatches(), checkRuns: sim.checkRuns(DEMO_REPO), appId: sim.app.id, startedAt: story.startedAt });
    const pushOutcome = judgeDemo({
      ...pushAct,
      expectedStages: DEMO_CONFIG_STAGES,
      pipelineCheck: `shipgate/${DEMO_PIPELINE}`,
      dispatchedWorkflows: pushDispatches,
      violations: sim.violations.map((v) => `${v.method} ${v.path} → ${v.status} ${v.message}`),
      ...(how === 'timed-out' && pushDispatches.length === sim.dispatches().length ? { unfinished: `the story did not end within ${Math.round(timeoutMs / 1000)} s` } : {}),
      ...(how === 'interrupted' ? { interrupted: true } : {}),
    });
    const problems = [...(pushOutcome.ok ? [] : pushOutcome.problems), ...(how === 'interrupted' ? [] : pullRequestProblems)];
    const outcome: DemoOutcome = problems.length === 0 ? { ok: true } : { ok: false, problems };
    return { ...endpoints, outcome, summary, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}

/** The app's newest check run of each name on a commit (a re-run gets a new one), as the demo judges it. */
function latestChecks(sim: GitHubSimulator, sha: string): Record<string, { status: string; conclusion: string | null }> {
  const latest: Record<string, { id: number; status: string; conclusion: string | null }> = {};
  for (const check of sim.checkRuns(DEMO_REPO)) {
    if (check.app.id !== sim.app.id || check.headSha !== sha) continue;
    if ((latest[check.name]?.id ?? -1) < check.id) latest[check.name] = { id: check.id, status: check.status, conclusion: check.conclusion };
  }
  return Object.fromEntries(Object.entries(latest).map(([name, { status, conclusion }]) => [name, { status, conclusion }]));
}

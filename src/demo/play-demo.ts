/**
 * Plays the demo story: the real app (Probot server, embedded PGlite in
 * memory, pg-boss, workers) against the built-in GitHub simulator: a push to
 * `main` runs every stage, passes the gates (coverage, tests,
 * vulnerabilities) and deploys staging; then a pull request whose test fails
 * (the `tests` gate fails), a `/retry` comment that re-runs only the failed
 * job, and green; then the release, from an issue: `/deploy production`
 * waits for two approvals (shipgate posts the approval request comment),
 * gets one `/approve` and one 👍 on that comment, waits for the wait timer
 * and deploys `main`; the pull request is merged (its pipeline deploys
 * staging), production is locked and the merge commit requested (it waits
 * for its pipeline, then for two `/approve`s and the wait timer, then
 * deploys), production is unlocked, and `/rollback production` deploys the
 * first commit again (no approvals, no wait). A timeline entry for
 * everything that happens, as it happens.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock } from '../clock.ts';
import { startShipgate, type RunningShipgate } from '../server.ts';
import { startGitHubSimulator, type CheckRun, type GitHubSimulator } from '../sim/index.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { computeStats, type Stats } from '../insight/stats.ts';
import { finalDeploymentStatuses } from '../store/repos/deployments.ts';
import { judgeDemo, judgeGates, judgePullRequestAct, judgeRelease, type DemoOutcome, type GatesCheck, type ReleaseScript, type ScriptedApproval } from './outcome.ts';
import { readGateEvaluations } from './gate-evaluations.ts';
import { readApprovalRequests, readDeployments, readGitHubDeployments } from './deployment-records.ts';
import { DEMO_FLAKY_TEST } from './reports.ts';
import {
  approveByReaction,
  commentOnRelease,
  commentRetry,
  DEMO_APPROVE_COMMENT,
  DEMO_CONFIG_STAGES,
  DEMO_GATES,
  DEMO_PIPELINE,
  DEMO_PR_AUTHOR,
  DEMO_PR_BRANCH,
  DEMO_PRODUCTION,
  DEMO_RELEASE_APPROVALS,
  DEMO_RELEASE_COMMENTS,
  DEMO_RELEASE_MANAGER,
  DEMO_RELEASE_TITLE,
  DEMO_REPO,
  DEMO_STAGING,
  DEMO_TESTS_GATE,
  demoCriticalPathMs,
  findApprovalComment,
  mergeDemoPullRequest,
  openDemoPullRequest,
  openReleaseIssue,
  pushToMain,
  setUpDemoWorld,
} from './story.ts';
import { appCheckRuns, summariseDemo, type DemoSummary, type GatesShown } from './summary.ts';
import { createStoryRecorder, type StoryRecorder } from './story-recorder.ts';
import type { TimelineEntry } from './timeline.ts';
import { demoEndpoints, notePush, requestPolicyAtSpeed, watchStoryDeployments } from './play-parts.ts';
import { watchSimulator, type SimulatorWatch } from './watch-simulator.ts';
import { createStoryWait, type StoryEnd } from './story-wait.ts';
import { appConfigForSimulator } from '../sim/app-config.ts';

/** Where the demo's pieces listen, once they are up. */
export interface DemoEndpoints {
  /** The app's base URL (`/healthz`, the webhook route). */
  appUrl: string;
  /** The simulator's REST API base URL (`GHE_HOST` + `/api/v3`). */
  simulatorApiUrl: string;
  /** The app's id on the simulator. */
  appId: number;
  /** The dashboard's login URL, with this run's random `DASHBOARD_TOKEN`. */
  dashboardUrl: string;
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
  /** How long the story may take (default: the scripted time at `speed`, approvals and wait timers included, plus 150 s). */
  timeoutMs?: number;
}

/** The story's result, with the app and the simulator still running. */
export interface DemoSession extends DemoEndpoints {
  outcome: DemoOutcome;
  summary: DemoSummary;
  /** The story's figures, as `shipgate stats --repo acme/shop` and `GET /api/v1/stats` compute them (one module). */
  stats: Stats;
  /** Stops the app, the simulator and the database. */
  stop(): Promise<void>;
}

const RERUN_FAILED_ROUTE = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs';
const PIPELINE_CHECK = `shipgate/${DEMO_PIPELINE}`;
const REACTION_ICON: Record<string, string> = { eyes: '👀', rocket: '🚀', confused: '😕' };
/**
 * Real time the story may take beyond its critical path: the app paces its
 * GitHub writes (the story makes about 110), plus webhooks, look-ups and the
 * wake-ups after the wait timers, which the queue runs at its next poll.
 */
const STORY_SLACK_MS = 150_000;

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
  /** Stops the story's watches (set once they run), so a story that threw leaves no poll behind. */
  let stopWatches = () => {};
  const stopAll = async () => {
    stopWatches();
    await app?.stop();
    await sim.close();
    await store?.close();
  };

  try {
    setUpDemoWorld(sim);
    store = await openDatabase({ memory: true });
    let checkOver = () => {};
    const story = createStoryRecorder({ sim, clock, onEntry: options.onEntry, onProgress: () => checkOver() });
    const requestPolicy = requestPolicyAtSpeed(options.speed);
    const dashboardToken = randomBytes(24).toString('hex');
    app = await startShipgate(appConfigForSimulator(sim, { dashboardToken }), { clock, log: options.log, store, requestPolicy, onEvent: (event) => story.onEngineEvent(event) });
    sim.setWebhookUrl(`${app.url}/api/github/webhooks`);
    const endpoints = demoEndpoints(app.url, sim, dashboardToken);
    options.onReady?.(endpoints);

    const timeoutMs = options.timeoutMs ?? demoCriticalPathMs(options.speed) + STORY_SLACK_MS;
    const wait = createStoryWait({ clock, deadline: clock.now() + timeoutMs, signal: options.signal });
    checkOver = () => wait.progress();
    /** Resolves when `done()` holds after some progress, when the story's time is up, or on Ctrl-C. */
    const waitUntil = (done: () => boolean) => wait.until(done);

    story.start();
    const watch = watchSimulator(sim, { repo: DEMO_REPO, events: ['push', 'pull_request', 'issue_comment'], clock, onChange: (change) => story.onSimulatorChange(change) });
    const deployWatch = watchStoryDeployments(store.db, { clock, story, log: options.log });
    stopWatches = () => {
      deployWatch.stop();
      watch.stop();
    };
    // Part 1: a push to main runs every stage of ci.
    const pushed = pushToMain(sim);
    notePush(story, pushed);
    let how = await waitUntil(() => story.isOver());
    watch.poll();
    const pushAct = story.recorded();
    const pushDispatches = sim.dispatches().filter((d) => d.status < 300).map((d) => d.workflow);

    // Part 2: a pull request whose test fails, `/retry`, green.
    const pullRequestProblems: string[] = [];
    let pullRequest: { number: number; sha: string; beforeRetry: CheckRun | undefined } | undefined;
    if (how === 'ended') {
      story.beginAct();
      const pr = openDemoPullRequest(sim);
      pullRequest = { number: pr.number, sha: pr.headSha, beforeRetry: undefined };
      story.note('pull', `${DEMO_PR_AUTHOR} opened pull request #${pr.number} (${DEMO_PR_BRANCH} → main, ${pr.headSha.slice(0, 7)})`, { number: pr.number, sha: pr.headSha });
      // Over once the pull request's run and both its checks say so (the branch's own push ends nothing).
      const checksSay = (conclusion: string) => {
        const checks = latestChecks(sim, pr.headSha);
        return [PIPELINE_CHECK, 'shipgate'].every((name) => checks[name]?.status === 'completed' && checks[name]?.conclusion === conclusion);
      };
      how = await waitUntil(() => story.recorded().pipelineConclusion === 'failure' && checksSay('failure'));
      watch.poll();
      const before = story.recorded();
      let reactions: string[] = [];
      pullRequest.beforeRetry = snapshot(appCheckRuns(sim.checkRuns(DEMO_REPO), sim.app.id, PIPELINE_CHECK, pr.headSha).at(-1));
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
          PIPELINE_CHECK,
        ),
      );
    }
    // Part 3: the release, from an issue: production, a merge, a lock, a rollback.
    let release: { script: ReleaseScript; unfinished: string | undefined } | undefined;
    if (how === 'ended' && pullRequest) {
      const played = await playRelease({ sim, story, watch, waitUntil, firstSha: pushed.sha, pullNumber: pullRequest.number });
      how = played.how;
      release = { script: played.script, unfinished: how === 'timed-out' ? `the release did not end within the story's ${Math.round(timeoutMs / 1000)} s (${played.step})` : undefined };
    }
    watch.poll();
    await deployWatch.poll();
    stopWatches();
    story.stop();

    const checkRuns = sim.checkRuns(DEMO_REPO);
    const newestPipelineCheck = (sha: string) => appCheckRuns(checkRuns, sim.app.id, PIPELINE_CHECK, sha).at(-1);
    const gateChecks = [
      { label: 'push to main', checkRun: newestPipelineCheck(pushed.sha) },
      ...(pullRequest
        ? [
            { label: `pull request #${pullRequest.number} before /retry`, checkRun: pullRequest.beforeRetry },
            { label: `pull request #${pullRequest.number} after /retry`, checkRun: newestPipelineCheck(pullRequest.sha) },
          ]
        : []),
    ];
    const deployments = await readDeployments(store.db, DEMO_REPO);
    const approvalRequests = await readApprovalRequests(store.db, DEMO_REPO);
    const githubDeployments = readGitHubDeployments(sim, DEMO_REPO);
    const summary = summariseDemo({
      requests: sim.requests,
      dispatches: sim.dispatches(),
      checkRuns,
      appId: sim.app.id,
      startedAt: story.startedAt,
      gateChecks,
      deployments,
      githubDeployments,
      approvalRequests,
    });
    const releaseProblems = release
      ? judgeRelease(release.script, {
          deployments,
          approvalRequests,
          github: githubDeployments,
          lockedBy: story.locksTaken().find((lock) => lock.environment === DEMO_PRODUCTION)?.holder,
          locks: story.locks(),
          ...(release.unfinished ? { unfinished: release.unfinished } : {}),
        })
      : [];
    const [pushGates, beforeGates, afterGates] = summary.gates;
    const gateProblems = judgeGates({
      gates: DEMO_GATES,
      testsGate: DEMO_TESTS_GATE,
      failingTest: DEMO_FLAKY_TEST,
      push: { evaluations: await readGateEvaluations(store.db, { repo: DEMO_REPO, pipeline: DEMO_PIPELINE, sha: pushed.sha, trigger: 'push' }), check: gatesCheck(pushGates) },
      ...(pullRequest
        ? {
            pullRequest: {
              evaluations: await readGateEvaluations(store.db, { repo: DEMO_REPO, pipeline: DEMO_PIPELINE, sha: pullRequest.sha, trigger: 'pull_request' }),
              before: gatesCheck(beforeGates),
              after: gatesCheck(afterGates),
            },
          }
        : {}),
    });
    const pushOutcome = judgeDemo({
      ...pushAct,
      expectedStages: DEMO_CONFIG_STAGES,
      pipelineCheck: PIPELINE_CHECK,
      dispatchedWorkflows: pushDispatches,
      violations: sim.violations.map((v) => `${v.method} ${v.path} → ${v.status} ${v.message}`),
      ...(how === 'timed-out' && pushDispatches.length === sim.dispatches().length ? { unfinished: `the story did not end within ${Math.round(timeoutMs / 1000)} s` } : {}),
      ...(how === 'interrupted' ? { interrupted: true } : {}),
    });
    const problems = [...(pushOutcome.ok ? [] : pushOutcome.problems), ...(how === 'interrupted' ? [] : [...pullRequestProblems, ...gateProblems, ...releaseProblems])];
    const outcome: DemoOutcome = problems.length === 0 ? { ok: true } : { ok: false, problems };
    const [owner = 'acme', name = 'shop'] = DEMO_REPO.split('/');
    // The story's window: from an hour before it began to a minute after now (windows are [since, until)).
    const stats = await computeStats(store.db, { owner, repo: name, since: new Date(story.startedAt - 3_600_000), until: new Date(clock.now() + 60_000) });
    return { ...endpoints, outcome, summary, stats, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}

/** What the release part needs from the story around it. */
interface ReleaseStage {
  sim: GitHubSimulator;
  story: StoryRecorder;
  watch: SimulatorWatch;
  waitUntil: (done: () => boolean) => Promise<StoryEnd>;
  /** The commit of part one's push: `main`'s head until the merge. */
  firstSha: string;
  /** The story's pull request, green by now. */
  pullNumber: number;
}

/**
 * The release, each step once the previous one has settled: the release
 * manager opens an issue and comments `/deploy production` (main's head, the
 * push of part one); it waits for approvals, and once shipgate's approval
 * request comment is on the issue the approvers approve as scripted (a
 * `/approve` comment, a 👍 on that comment); it deploys after the wait timer.
 * She merges the pull request (its pipeline starts on the merge commit,
 * deploying staging at its end); locks production and asks for the merge
 * commit in one comment (it waits for the pipeline, then for approvals: two
 * `/approve`s, then the wait timer, then deploys); unlocks production; and
 * rolls it back (the first commit, deployed again at once). Returns how the
 * last wait ended and, when it did not end, the step it was on.
 */
async function playRelease(stage: ReleaseStage): Promise<{ how: StoryEnd; step: string; script: ReleaseScript }> {
  const { sim, story, watch, waitUntil } = stage;
  const script: ReleaseScript = {
    staging: DEMO_STAGING,
    production: DEMO_PRODUCTION,
    releaseManager: DEMO_RELEASE_MANAGER,
    firstSha: stage.firstSha,
    mergeSha: '',
    approvals: DEMO_RELEASE_APPROVALS,
  };
  story.beginAct();
  const issue = openReleaseIssue(sim);
  watch.followIssue(issue.number);
  watch.followIssue(stage.pullNumber);
  story.note('issue', `${DEMO_RELEASE_MANAGER} opened issue #${issue.number} "${DEMO_RELEASE_TITLE}"`, { number: issue.number });
  const ended = (source: string, sha: string) => story.deployments().some((d) => d.environment === DEMO_PRODUCTION && d.source === source && d.sha === sha && FINAL.has(d.status));
  /** Posts a comment on the release issue (the release manager's unless `author` says otherwise), on the timeline too. */
  const post = (body: string, author: string = DEMO_RELEASE_MANAGER) => {
    const comment = commentOnRelease(sim, issue.number, body, author);
    story.note('comment', `${author} commented ${body.split('\n').map((line) => `\`${line}\``).join(' and ')} on #${issue.number}`, { number: issue.number, commentId: comment.id, body, author });
    return comment;
  };
  /** Posts a comment of the release manager and waits until the app replied, `done` holds and (unless `settled` is false) nothing is left moving. */
  const say = async (body: string, done: () => boolean, options: { settled?: boolean } = {}) => {
    // What the simulator holds now goes on the timeline before the comment does.
    watch.poll();
    const replies = story.replies(issue.number);
    post(body);
    return waitUntil(() => story.replies(issue.number) > replies && done() && (options.settled === false || story.isSettled()));
  };
  /** The approval request of production's `/deploy` of `sha` and its comment on the release issue (found by its marker), once both exist. */
  const approvalOf = (sha: string) => {
    const deployment = story.deployments().find((d) => d.environment === DEMO_PRODUCTION && d.source === 'command' && d.sha === sha);
    const request = deployment && story.approvalRequests().find((r) => r.deploymentId === deployment.id);
    const comment = request && findApprovalComment(sim, issue.number, request.requestId);
    return request && comment ? { request, comment } : undefined;
  };
  /** The approvers approve production's `/deploy` of `sha` as scripted; then it waits until that request ended and nothing is left moving. */
  const approve = async (sha: string, approvals: readonly ScriptedApproval[]) => {
    const found = approvalOf(sha);
    if (!found) throw new Error(`no approval request comment for production's /deploy of ${sha.slice(0, 7)} on #${issue.number}`);
    watch.poll();
    for (const approval of approvals) {
      if (approval.via === 'command') post(DEMO_APPROVE_COMMENT, approval.approver);
      else if (approval.via === 'reaction') {
        approveByReaction(sim, found.comment.id, approval.approver);
        story.note('reaction', `${approval.approver} reacted 👍 to shipgate's approval request comment on #${issue.number}`, { number: issue.number, commentId: found.comment.id, user: approval.approver });
      } else throw new Error(`the story cannot approve through ${approval.via}`);
    }
    return waitUntil(() => ended('command', sha) && story.isSettled());
  };

  let how = await say(DEMO_RELEASE_COMMENTS.deployFirst, () => approvalOf(stage.firstSha) !== undefined, { settled: false });
  if (how !== 'ended') return { how, step: `the approval request of /deploy ${DEMO_PRODUCTION} of ${stage.firstSha.slice(0, 7)}`, script };
  how = await approve(stage.firstSha, script.approvals.first);
  if (how !== 'ended') return { how, step: `the approvals, the wait timer and the deployment of ${stage.firstSha.slice(0, 7)} to ${DEMO_PRODUCTION}`, script };

  watch.poll();
  script.mergeSha = mergeDemoPullRequest(sim, stage.pullNumber);
  const mergeSha = script.mergeSha;
  story.note('merge', `${DEMO_RELEASE_MANAGER} merged pull request #${stage.pullNumber} into main: ${mergeSha.slice(0, 7)}`, { number: stage.pullNumber, sha: mergeSha });
  how = await waitUntil(() => story.runs().some((run) => run.sha === mergeSha && run.pipeline === DEMO_PIPELINE));
  if (how !== 'ended') return { how, step: `the pipeline of the merge commit ${mergeSha.slice(0, 7)}`, script };

  how = await say(DEMO_RELEASE_COMMENTS.lockAndDeploy, () => approvalOf(mergeSha) !== undefined, { settled: false });
  if (how !== 'ended') return { how, step: `/deploy ${DEMO_PRODUCTION} of ${mergeSha.slice(0, 7)} (its pipeline, then its approval request)`, script };
  how = await approve(mergeSha, script.approvals.merge);
  if (how !== 'ended') return { how, step: `the approvals, the wait timer and the deployment of ${mergeSha.slice(0, 7)} to ${DEMO_PRODUCTION}`, script };

  how = await say(DEMO_RELEASE_COMMENTS.unlock, () => story.locks()[DEMO_PRODUCTION] === undefined);
  if (how !== 'ended') return { how, step: `/unlock ${DEMO_PRODUCTION}`, script };

  how = await say(DEMO_RELEASE_COMMENTS.rollback, () => ended('rollback', stage.firstSha));
  return { how, step: `/rollback ${DEMO_PRODUCTION}`, script };
}

/** Deployment request statuses after which nothing more happens to it. */
const FINAL: ReadonlySet<string> = new Set(finalDeploymentStatuses);

/** A check run as it is now: its output and annotations copied, so a later write does not change what was seen. */
function snapshot(checkRun: CheckRun | undefined): CheckRun | undefined {
  return checkRun && { ...checkRun, output: { ...checkRun.output }, annotations: [...checkRun.annotations] };
}

/** What the verdict reads of a check run's gates (undefined: no check run). */
function gatesCheck(shown: GatesShown | undefined): GatesCheck | undefined {
  return shown?.checkRun ? { results: shown.results, annotations: shown.annotations } : undefined;
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

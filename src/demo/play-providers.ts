/**
 * Plays `shipgate demo --story providers`: the real app (Probot server,
 * embedded PGlite in memory, pg-boss, workers) against the GitHub, Jenkins
 * and GitLab simulators on one clock, with shipgate's provider settings
 * (`JENKINS_URL`, `GITLAB_URL` and their tokens) pointing at the simulators
 * and their hooks (the Jenkins Notification plugin, GitLab's pipeline hook)
 * pointing at the app. A push to `main` runs `ci`: an Actions build, then a
 * Jenkins job whose first build is UNSTABLE and whose automatic retry passes,
 * beside a GitLab pipeline that succeeds; the gate on the Jenkins build's
 * archived JUnit report passes on the retry; an Actions deploy to staging
 * ends it. A timeline entry for everything that happens, as it happens.
 */
import { randomBytes } from 'node:crypto';
import { systemClock } from '../clock.ts';
import { startShipgate, type RunningShipgate } from '../server.ts';
import { GITLAB_HOOK_PATH, JENKINS_HOOK_PATH } from '../http/provider-hooks.ts';
import { PROVIDER_LABELS } from '../providers/errors.ts';
import type { ProviderSettings } from '../providers/settings.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../sim/index.ts';
import { appConfigForSimulator } from '../sim/app-config.ts';
import { startGitLabSimulator, type GitLabSimulator } from '../sim/gitlab.ts';
import { startJenkinsSimulator, type JenkinsSimulator } from '../sim/jenkins.ts';
import { openDatabase, type Store } from '../store/db.ts';
import { readDeployments, readGitHubDeployments } from './deployment-records.ts';
import { CORRELATION_NAME, externalRunLookup } from './external-runs.ts';
import { readGateEvaluations } from './gate-evaluations.ts';
import { readJobAttempts } from './job-attempts.ts';
import type { DemoEndpoints, DemoOptions } from './play-demo.ts';
import { demoEndpoints, notePush, requestPolicyAtSpeed, watchStoryDeployments } from './play-parts.ts';
import type { DemoOutcome } from './outcome.ts';
import { judgeProvidersStory } from './providers-outcome.ts';
import {
  PROVIDERS_GITLAB_PROJECT,
  PROVIDERS_JENKINS_JOB,
  PROVIDERS_PIPELINE,
  PROVIDERS_SCRIPT,
  providersCriticalPathMs,
  providersRetryBaseMs,
  pushForProviders,
  setUpProvidersWorld,
} from './providers-story.ts';
import { countProviderRequests, type ProviderRequest, type ProviderRequestCounts } from './providers-summary.ts';
import { DEMO_REPO } from './story.ts';
import { createStoryRecorder } from './story-recorder.ts';
import { createStoryWait, type StoryEnd } from './story-wait.ts';
import { appCheckRuns, summariseDemo, type DemoSummary } from './summary.ts';
import { watchProviders } from './watch-providers.ts';
import { watchSimulator } from './watch-simulator.ts';

/** Where the story's pieces listen, once they are up: the app and the three simulators. */
export interface ProvidersDemoEndpoints extends DemoEndpoints {
  /** The Jenkins simulator (`JENKINS_URL`). */
  jenkinsUrl: string;
  /** The GitLab simulator (`GITLAB_URL`; its API under `/api/v4`). */
  gitlabUrl: string;
}

export interface ProvidersDemoOptions extends Omit<DemoOptions, 'onReady'> {
  /** Called once the simulators and the app are up, before the push. */
  onReady?: (endpoints: ProvidersDemoEndpoints) => void;
}

/** The story's result, with the app and the simulators still running. */
export interface ProvidersDemoSession extends ProvidersDemoEndpoints {
  outcome: DemoOutcome;
  /** What the app did on the simulated GitHub: API calls, dispatches, check runs, the gates table, the deployment. */
  summary: DemoSummary;
  /** What the app asked of Jenkins and of GitLab. */
  providerRequests: ProviderRequestCounts[];
  /** Stops the app, the simulators and the database. */
  stop(): Promise<void>;
}

/**
 * Real time the story may take beyond its critical path: the wake-up that
 * starts the retry (the queue polls every 5 s), the app's polls and hooks,
 * its paced GitHub writes.
 */
const STORY_SLACK_MS = 60_000;
const PIPELINE_CHECK = PROVIDERS_SCRIPT.pipelineCheck;

/** Requests to a path the service does not have (a client bug: the real service would answer 404 too), as text. */
function unknownRoutes(provider: string, requests: readonly ProviderRequest[]): string[] {
  return requests.filter((r) => r.route === undefined).map((r) => `${provider}: ${r.method} ${r.path} → ${r.status} (no such route)`);
}

/**
 * Starts the three simulators and the app, pushes to `acme/shop` main and
 * follows `ci` until its check runs are written and nothing is left moving
 * (or until time runs out, or `signal` aborts), then judges it. The caller
 * stops the returned session.
 */
export async function playProvidersDemo(options: ProvidersDemoOptions): Promise<ProvidersDemoSession> {
  const clock = systemClock();
  const { speed } = options;
  let sim: GitHubSimulator | undefined;
  let jenkins: JenkinsSimulator | undefined;
  let gitlab: GitLabSimulator | undefined;
  let store: Store | undefined;
  let app: RunningShipgate | undefined;
  let stopWatches = () => {};
  const stopAll = async () => {
    stopWatches();
    await app?.stop();
    await jenkins?.close();
    await gitlab?.close();
    await sim?.close();
    await store?.close();
  };

  try {
    sim = await startGitHubSimulator({ clock, speed });
    jenkins = await startJenkinsSimulator({ clock });
    gitlab = await startGitLabSimulator({ clock });
    const world = { sim, jenkins, gitlab };
    setUpProvidersWorld(world, speed);
    store = await openDatabase({ memory: true });

    let progress = () => {};
    const story = createStoryRecorder({
      sim,
      clock,
      onEntry: options.onEntry,
      onProgress: () => progress(),
      externalRunOf: externalRunLookup({ jenkins, gitlab, jenkinsJobs: [PROVIDERS_JENKINS_JOB], gitlabProjects: [PROVIDERS_GITLAB_PROJECT] }),
    });
    // As an operator sets them: JENKINS_URL/USER/TOKEN and JENKINS_WEBHOOK_TOKEN, GITLAB_URL/TOKEN and GITLAB_WEBHOOK_TOKEN.
    const hookTokens = { jenkins: randomBytes(16).toString('hex'), gitlab: randomBytes(16).toString('hex') };
    const providers: ProviderSettings = {
      jenkins: { ...jenkins.settings, webhookToken: hookTokens.jenkins },
      gitlab: { ...gitlab.settings, webhookToken: hookTokens.gitlab },
      publicUrl: undefined,
    };
    const requestPolicy = requestPolicyAtSpeed(speed);
    const dashboardToken = randomBytes(24).toString('hex');
    app = await startShipgate(appConfigForSimulator(sim, { dashboardToken, providers }), {
      clock,
      log: options.log,
      store,
      requestPolicy,
      // The retry backoff is sped up like the CI systems' time (30 s would be most of the story).
      engine: { retryBaseMs: providersRetryBaseMs(speed) },
      onEvent: (event) => story.onEngineEvent(event),
    });
    sim.setWebhookUrl(`${app.url}/api/github/webhooks`);
    // The Notification plugin's endpoint and the project's pipeline hook, as set up in Jenkins and in GitLab.
    jenkins.setNotificationUrl(`${app.url}${JENKINS_HOOK_PATH}?token=${hookTokens.jenkins}`);
    gitlab.options.hookUrl = `${app.url}${GITLAB_HOOK_PATH}`;
    gitlab.options.hookToken = hookTokens.gitlab;
    const endpoints: ProvidersDemoEndpoints = { ...demoEndpoints(app.url, sim, dashboardToken), jenkinsUrl: jenkins.url, gitlabUrl: gitlab.url };
    options.onReady?.(endpoints);

    const timeoutMs = options.timeoutMs ?? providersCriticalPathMs(speed) + STORY_SLACK_MS;
    const wait = createStoryWait({ clock, deadline: clock.now() + timeoutMs, signal: options.signal });
    progress = () => wait.progress();

    story.start();
    const watch = watchSimulator(sim, { repo: DEMO_REPO, events: ['push'], clock, onChange: (change) => story.onSimulatorChange(change) });
    const providerWatch = watchProviders({
      jenkins,
      gitlab,
      jenkinsJobs: [PROVIDERS_JENKINS_JOB],
      gitlabProjects: [PROVIDERS_GITLAB_PROJECT],
      clock,
      onChange: (change) => story.onProviderChange(change),
    });
    const deployWatch = watchStoryDeployments(store.db, { clock, story, log: options.log });
    stopWatches = () => {
      deployWatch.stop();
      providerWatch.stop();
      watch.stop();
    };

    const pushed = pushForProviders(sim);
    notePush(story, pushed);
    // Not the outbox: a Jenkins or GitLab attempt's backstop poll (a minute after the hook that ended it) waits there and changes nothing once its attempt ended.
    const how: StoryEnd = await wait.until(() => story.isOver() && story.isSettled({ outbox: false }));
    watch.poll();
    providerWatch.poll();
    await deployWatch.poll();
    stopWatches();
    story.stop();

    const recorded = story.recorded();
    const key = { repo: DEMO_REPO, pipeline: PROVIDERS_PIPELINE, sha: pushed.sha, trigger: 'push' } as const;
    const deployments = await readDeployments(store.db, DEMO_REPO);
    const checkRuns = sim.checkRuns(DEMO_REPO);
    const summary = summariseDemo({
      requests: sim.requests,
      dispatches: sim.dispatches(),
      checkRuns,
      appId: sim.app.id,
      startedAt: story.startedAt,
      gateChecks: [{ label: 'push to main', checkRun: appCheckRuns(checkRuns, sim.app.id, PIPELINE_CHECK, pushed.sha).at(-1) }],
      deployments,
      githubDeployments: readGitHubDeployments(sim, DEMO_REPO),
    });
    const outcome = judgeProvidersStory(PROVIDERS_SCRIPT, {
      ...recorded,
      dispatchedWorkflows: sim.dispatches().filter((d) => d.status < 300).map((d) => d.workflow),
      attempts: await readJobAttempts(store.db, key),
      jenkinsBuilds: jenkins.builds(PROVIDERS_JENKINS_JOB).map((b) => ({ number: b.number, building: b.building, result: b.result, correlation: b.parameters[CORRELATION_NAME] })),
      gitlabPipelines: gitlab.pipelines(PROVIDERS_GITLAB_PROJECT).map((p) => ({ id: p.id, status: p.status, correlation: p.variables[CORRELATION_NAME] })),
      gateEvaluations: await readGateEvaluations(store.db, key),
      deployments,
      hooks: {
        jenkins: jenkins.notifications.map((n) => ({ status: n.status, error: n.error })),
        gitlab: gitlab.hooks.map((h) => ({ status: h.response, error: h.error, dropped: h.dropped })),
      },
      violations: [
        ...sim.violations.map((v) => `GitHub: ${v.method} ${v.path} → ${v.status} ${v.message}`),
        ...unknownRoutes(PROVIDER_LABELS.jenkins, jenkins.requests),
        ...unknownRoutes(PROVIDER_LABELS.gitlab, gitlab.requests),
        ...gitlab.errors.map((e) => `GitLab CI: the simulator failed on ${e}`),
      ],
      ...(how === 'timed-out' ? { unfinished: `the story did not end within ${Math.round(timeoutMs / 1000)} s` } : {}),
      ...(how === 'interrupted' ? { interrupted: true } : {}),
    });
    const providerRequests = [
      countProviderRequests(PROVIDER_LABELS.jenkins, jenkins.url, jenkins.requests),
      countProviderRequests(PROVIDER_LABELS.gitlab, gitlab.url, gitlab.requests),
    ];
    return { ...endpoints, outcome, summary, providerRequests, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}

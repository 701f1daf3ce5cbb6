import type { Command } from 'commander';
import { pino, type Logger } from 'pino';
import type { CliIo } from './io.ts';
import type { LogLevel } from '../config/app-config.ts';
import { playDemo, type DemoEndpoints, type DemoSession } from '../demo/play-demo.ts';
import type { DemoOutcome, ScriptedApproval } from '../demo/outcome.ts';
import {
  DEMO_APPROVALS,
  DEMO_APPROVER,
  DEMO_APPROVER_TEAM,
  DEMO_DURATIONS_MS,
  DEMO_GATES,
  DEMO_ORG,
  DEMO_PIPELINE,
  DEMO_PRODUCTION,
  DEMO_RELEASE_APPROVALS,
  DEMO_RELEASE_MANAGER,
  DEMO_REPO,
  DEMO_STAGING,
  DEMO_TESTS_GATE,
  DEMO_WAIT,
} from '../demo/story.ts';
import { formatSummary, type DemoSummary } from '../demo/summary.ts';
import { formatStats } from './stats.ts';
import { formatTimelineLine, timelineJson, type TimelineEntry } from '../demo/timeline.ts';
import { DEFAULT_DEMO_STORY, DEMO_STORY_NAMES, formatStoryList, isDemoStoryName } from '../demo/stories.ts';
import { playProvidersDemo, type ProvidersDemoEndpoints, type ProvidersDemoSession } from '../demo/play-providers.ts';
import {
  PROVIDERS_DURATIONS_MS,
  PROVIDERS_GATE,
  PROVIDERS_GITLAB_PROJECT,
  PROVIDERS_JENKINS_JOB,
  PROVIDERS_PIPELINE,
  PROVIDERS_RETRY_BASE_MS,
  PROVIDERS_SCRIPT,
  providersRetryBaseMs,
} from '../demo/providers-story.ts';
import { formatProviderRequests } from '../demo/providers-summary.ts';
import { GITLAB_HOOK_PATH, JENKINS_HOOK_PATH } from '../http/provider-hooks.ts';

/**
 * The default speed factor: the story's ~12 minutes of GitHub time (its
 * workflow runs) play in about 47 s; the approvals run on the app's own
 * clock (the first poll of the request comment's 👍, production's wait timer
 * twice), so the whole story takes about a minute and a half.
 */
export const DEFAULT_DEMO_SPEED = 15;

/** How the command learns that the user wants to stop (tests hand in their own). */
export interface DemoCommandHooks {
  /** Aborts on Ctrl-C; default: SIGINT or SIGTERM of this process. */
  interrupt?: AbortSignal;
}

interface DemoFlags {
  story: string;
  exit: boolean;
  speed: string;
  json: boolean;
  logLevel: string;
}

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** What both stories' runs take from the flags. */
interface DemoSettings {
  speed: number;
  json: boolean;
  exit: boolean;
  logLevel: LogLevel;
  interrupt: AbortSignal;
}

/**
 * `shipgate demo`: plays a push to `acme/shop` main whose quality gates pass
 * and which deploys staging, then a pull request whose failed test fails the
 * `tests` gate and is re-run with `/retry`, then a release from an issue
 * (`/deploy production` waiting for two approvals — one `/approve`, one 👍 on
 * the approval request comment — and the wait timer, the merge, `/lock`,
 * `/deploy production` again with its approvals, `/unlock`, `/rollback
 * production` without any), through the real app on the built-in GitHub simulator
 * (embedded database in memory, no GitHub account, no network), printing a
 * timeline as it goes and a summary at the end, with the gates table of each
 * `shipgate/ci` check run. With `--exit` it stops there (exit 0 when the
 * story ended as scripted, 1 otherwise); without, the app and the simulator
 * keep serving until Ctrl-C. `--story providers` plays instead one pipeline
 * whose jobs run on GitHub Actions, Jenkins and GitLab CI (their simulators
 * beside GitHub's, on the same clock).
 */
export function registerDemoCommand(program: Command, io: CliIo, hooks: DemoCommandHooks = {}): void {
  program
    .command('demo')
    .description('Play a pipeline (build → test + scan → gates → deploy-staging), a pull request and a production release with approvals on a built-in GitHub simulator, with a live timeline (--story providers: one pipeline on GitHub Actions, Jenkins and GitLab CI)')
    .option('--story <name>', `the story to play: ${DEMO_STORY_NAMES.join(' or ')}`, DEFAULT_DEMO_STORY)
    .option('--exit', 'stop when the story ends (exit code 0 when it ended as scripted, 1 otherwise)', false)
    .option('--speed <factor>', 'divide the scripted workflow durations by this factor', String(DEFAULT_DEMO_SPEED))
    .option('--json', 'print one JSON object per line instead of text', false)
    .option('--log-level <level>', "the app's log level (logs go to stderr)", 'warn')
    .action(async (flags: DemoFlags) => {
      if (!isDemoStoryName(flags.story)) {
        io.stderr([`shipgate demo: there is no story ${JSON.stringify(flags.story)}; --story takes one of:`, ...formatStoryList()].join('\n'));
        io.setExitCode(2);
        return;
      }
      const speed = Number(flags.speed);
      if (!Number.isFinite(speed) || speed <= 0) {
        io.stderr(`shipgate demo: --speed must be a positive number, got ${JSON.stringify(flags.speed)}`);
        io.setExitCode(2);
        return;
      }
      if (!LOG_LEVELS.includes(flags.logLevel as LogLevel)) {
        io.stderr(`shipgate demo: --log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(flags.logLevel)}`);
        io.setExitCode(2);
        return;
      }
      const interrupt = hooks.interrupt ? { signal: hooks.interrupt, release: () => {} } : processInterrupt();
      const settings: DemoSettings = { speed, json: flags.json, exit: flags.exit, logLevel: flags.logLevel as LogLevel, interrupt: interrupt.signal };
      try {
        io.setExitCode(flags.story === 'providers' ? await runProvidersDemo(io, settings) : await runDemo(io, settings));
      } finally {
        interrupt.release();
      }
    });
}

/** An AbortSignal that fires on the first SIGINT or SIGTERM, and a way to stop listening. */
function processInterrupt(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** How approvals came in, in a few words: `@carol's /approve and @dave's 👍`. */
function approvalWords(approvals: readonly ScriptedApproval[]): string {
  const how: Record<string, string> = { command: '/approve', reaction: '👍', check_run: 'Approve button' };
  return approvals.map((a) => `@${a.approver}'s ${how[a.via] ?? a.via}`).join(' and ');
}

/** Prints `text`, or with --json `data` as one JSON line. */
type Print = (text: string, data: object) => void;

/** What a story's session holds once it ended: where its pieces listen, the verdict, the summary, a way to stop it all. */
type StorySession<E extends DemoEndpoints> = E & { outcome: DemoOutcome; summary: DemoSummary; stop(): Promise<void> };

/** What one story prints of its own; `runStory` prints the rest the same way for every story. */
interface StoryRun<E extends DemoEndpoints, S extends StorySession<E>> {
  /** What the story scripts, printed before it starts (not with --json). */
  intro: readonly string[];
  play(options: { speed: number; log: Logger; signal: AbortSignal; onReady: (endpoints: E) => void; onEntry: (entry: TimelineEntry) => void }): Promise<S>;
  /** The story's other services, listed between the GitHub simulator and the app once they are up. */
  services(endpoints: E): string[];
  /** What `speed` does to the story's time, after `×speed: `. */
  speedNote(speed: number): string;
  /** Printed after the GitHub summary and with it in its JSON object. */
  moreSummary?(session: S): { lines: string[]; data: Record<string, unknown> };
  /** The sentence printed when the story ended as scripted. */
  scripted: string;
  /** Printed after the verdict. */
  afterVerdict?(session: S, print: Print): void;
  /** What keeps running beside the app (`the simulator`, `the simulators`), for the line that says so. */
  keepsRunning: string;
  /** The story's other services, listed (and in the JSON object) after the app and the GitHub simulator while they serve. */
  moreServing?(session: S): { lines: string[]; data: Record<string, unknown> };
}

/** Plays the default story, prints it, then stops or serves until interrupted; returns the exit code. */
async function runDemo(io: CliIo, settings: DemoSettings): Promise<number> {
  return runStory<DemoEndpoints, DemoSession>(io, settings, {
    intro: [
      `shipgate demo: the app against a built-in GitHub simulator (embedded database, no GitHub account, no network)`,
      `pipeline ${DEMO_PIPELINE} of ${DEMO_REPO}: build → test + scan in parallel → gates ${DEMO_GATES.join(', ')} → deploy-staging (main only)`,
      `environments: ${DEMO_STAGING} (deployed by the pipeline), ${DEMO_PRODUCTION} (deployed with /deploy, rolled back with /rollback)`,
      `approvals: ${DEMO_PRODUCTION} needs ${DEMO_APPROVALS} from @${DEMO_APPROVER} or @${DEMO_ORG}/${DEMO_APPROVER_TEAM} (not @${DEMO_RELEASE_MANAGER}, who deploys), by /approve or 👍 on shipgate's request comment, then a ${DEMO_WAIT} wait timer; rollbacks skip both`,
    ],
    play: playDemo,
    services: () => [],
    speedNote: (speed) => {
      const longest = Math.max(...Object.values(DEMO_DURATIONS_MS));
      return `a ${longest / 1000} s workflow run takes ${(longest / speed / 1000).toFixed(1)} s`;
    },
    scripted: `The story ended as scripted: pipeline ${DEMO_PIPELINE} succeeded on main with every gate passing (${DEMO_GATES.join(', ')}) and deployed ${DEMO_STAGING}; on the pull request the ${DEMO_TESTS_GATE} gate failed on a failing test, the failed job ran again after /retry, the gate passed, and shipgate/${DEMO_PIPELINE} and shipgate are green; /deploy ${DEMO_PRODUCTION} waited for ${approvalWords(DEMO_RELEASE_APPROVALS.first)} and the ${DEMO_WAIT} wait timer, then deployed main; the merge commit deployed ${DEMO_STAGING} through the pipeline and ${DEMO_PRODUCTION} once its pipeline succeeded, ${approvalWords(DEMO_RELEASE_APPROVALS.merge)} came and the wait timer ran out (under a lock); and /rollback ${DEMO_PRODUCTION} deployed the first commit again, without approvals.`,
    // The same figures `shipgate stats` prints (the demo's database lives in memory, so it prints them itself; the dashboard serves them while it stays up).
    afterVerdict: (session, print) => print(['', `shipgate stats --repo ${DEMO_REPO} (the story's window):`, '', formatStats(session.stats), ''].join('\n'), { type: 'stats', stats: session.stats }),
    keepsRunning: 'the simulator',
  });
}

/**
 * Plays `--story providers` and prints it: what it scripts, where the pieces
 * listen, the timeline, the GitHub summary (with the gates table of
 * `shipgate/ci` and the staging deployment), the requests Jenkins and GitLab
 * served, and the verdict; then stops or serves until interrupted. Returns
 * the exit code.
 */
async function runProvidersDemo(io: CliIo, settings: DemoSettings): Promise<number> {
  return runStory<ProvidersDemoEndpoints, ProvidersDemoSession>(io, settings, {
    intro: [
      'shipgate demo --story providers: the app against built-in GitHub, Jenkins and GitLab simulators on one clock (embedded database, no accounts, no network)',
      `pipeline ${PROVIDERS_PIPELINE} of ${DEMO_REPO}: build (GitHub Actions) → verify: legacy on Jenkins ${PROVIDERS_JENKINS_JOB} (retries: 1) + mobile on GitLab CI ${PROVIDERS_GITLAB_PROJECT}, in parallel → gate ${PROVIDERS_GATE} on the Jenkins build's archived JUnit report → deploy-staging (GitHub Actions, environment ${DEMO_STAGING})`,
      'scripted: the first Jenkins build is UNSTABLE (a test fails) and its automatic retry passes; the GitLab pipeline succeeds and reports through its pipeline hook',
    ],
    play: playProvidersDemo,
    services: (endpoints) => [
      `  jenkins    ${endpoints.jenkinsUrl}  (JENKINS_URL; job ${PROVIDERS_JENKINS_JOB}; its Notification plugin posts to the app's ${JENKINS_HOOK_PATH})`,
      `  gitlab     ${endpoints.gitlabUrl}  (GITLAB_URL; project ${PROVIDERS_GITLAB_PROJECT}; its pipeline hook posts to the app's ${GITLAB_HOOK_PATH})`,
    ],
    speedNote: (speed) => {
      const build = PROVIDERS_DURATIONS_MS.jenkinsBuild;
      return `a ${build / 1000} s Jenkins build takes ${(build / speed / 1000).toFixed(1)} s, shipgate's ${PROVIDERS_RETRY_BASE_MS / 1000} s retry backoff ${(providersRetryBaseMs(speed) / 1000).toFixed(1)} s`;
    },
    moreSummary: ({ providerRequests }) => ({ lines: [...formatProviderRequests(providerRequests), ''], data: { providerRequests } }),
    scripted: `The story ended as scripted: build ran on GitHub Actions; verify/legacy's first build of ${PROVIDERS_JENKINS_JOB} on Jenkins was UNSTABLE and its automatic retry passed, one build per attempt; verify/mobile ran one GitLab pipeline of ${PROVIDERS_GITLAB_PROJECT}, which succeeded and reported through its pipeline hooks; the ${PROVIDERS_GATE} gate passed on attempt 2 from the Jenkins build's archived JUnit report; ${PROVIDERS_SCRIPT.pipelineCheck} and shipgate are green, and deploy-staging deployed ${DEMO_STAGING}.`,
    keepsRunning: 'the simulators',
    moreServing: (session) => ({
      lines: [
        `  Jenkins        ${session.jenkinsUrl}  (Jenkins's REST API; requests need the app's user and API token)`,
        `  GitLab         ${session.gitlabUrl}/api/v4  (GitLab's REST API; requests need the app's token)`,
      ],
      data: { jenkinsUrl: session.jenkinsUrl, gitlabUrl: session.gitlabUrl },
    }),
  });
}

/**
 * Plays a story and prints it the way every story is printed: its intro,
 * where the pieces listen, the timeline as it happens, the summary, the
 * verdict; then stops (with --exit, or once interrupted) or says what keeps
 * serving and waits for Ctrl-C. Returns the exit code: 0 when the story ended
 * as scripted, 1 otherwise.
 */
async function runStory<E extends DemoEndpoints, S extends StorySession<E>>(io: CliIo, settings: DemoSettings, run: StoryRun<E, S>): Promise<number> {
  const { json, speed } = settings;
  const print: Print = (text, data) => io.stdout(json ? JSON.stringify(data) : text);
  if (!json) for (const line of run.intro) io.stdout(line);
  const log = pino({ level: settings.logLevel }, pino.destination({ dest: 2, sync: true }));
  const session = await run.play({
    speed,
    log,
    signal: settings.interrupt,
    onReady: (endpoints) => {
      print(
        [
          `  simulator  ${endpoints.simulatorApiUrl}  (organisation acme, repository ${DEMO_REPO}, app id ${endpoints.appId})`,
          ...run.services(endpoints),
          `  app        ${endpoints.appUrl}  (embedded PGlite in memory)`,
          `  speed      ×${speed}: ${run.speedNote(speed)}`,
          // The dashboard stays up with the app after the story, unless --exit.
          ...(settings.exit ? [] : [`Dashboard: ${endpoints.dashboardUrl}`]),
          '',
        ].join('\n'),
        { type: 'ready', ...endpoints, speed },
      );
    },
    onEntry: (entry) => io.stdout(json ? timelineJson(entry) : formatTimelineLine(entry)),
  });

  try {
    const { outcome, summary } = session;
    const more = run.moreSummary?.(session) ?? { lines: [], data: {} };
    print(['', ...formatSummary(summary), '', ...more.lines].join('\n'), { type: 'summary', ...summary, ...more.data });
    if (outcome.ok) print(run.scripted, { type: 'outcome', ok: true, problems: [] });
    else print(['The story did not end as scripted:', ...outcome.problems.map((p) => `  - ${p}`)].join('\n'), { type: 'outcome', ok: false, problems: outcome.problems });
    run.afterVerdict?.(session, print);
    const exitCode = outcome.ok ? 0 : 1;
    if (settings.exit || settings.interrupt.aborted) return exitCode;

    const healthUrl = `${session.appUrl}/healthz`;
    const serving = run.moreServing?.(session) ?? { lines: [], data: {} };
    print(
      [
        '',
        `The app and ${run.keepsRunning} keep running; press Ctrl-C to stop.`,
        `  app health     ${healthUrl}`,
        `  simulator API  ${session.simulatorApiUrl}  (GitHub's REST API; requests need the app's credentials, as on GitHub)`,
        ...serving.lines,
      ].join('\n'),
      { type: 'serving', healthUrl, simulatorApiUrl: session.simulatorApiUrl, ...serving.data },
    );
    await new Promise<void>((resolve) => {
      if (settings.interrupt.aborted) resolve();
      settings.interrupt.addEventListener('abort', () => resolve(), { once: true });
    });
    print('stopping…', { type: 'stopping' });
    return exitCode;
  } finally {
    await session.stop();
    if (!settings.exit) print('stopped', { type: 'stopped' });
  }
}

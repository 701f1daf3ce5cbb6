/**
 * What every story's play (`play-demo.ts`, `play-providers.ts`) does alike
 * around its own script: the app's GitHub write pace at the story's speed,
 * where the app and the GitHub simulator listen, the watch of shipgate's
 * deployment records, and the push that starts the story on the timeline.
 * One place for each, so the stories cannot drift apart on them.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { DEFAULT_REQUEST_POLICY, type RequestPolicyOptions } from '../github/request-policy.ts';
import type { GitHubSimulator, PushResult } from '../sim/index.ts';
import type { DbOrTrx } from '../store/db.ts';
import type { DemoEndpoints } from './play-demo.ts';
import { DEMO_PUSHER, DEMO_REPO } from './story.ts';
import type { StoryRecorder } from './story-recorder.ts';
import { watchDeployments, type DeploymentWatch } from './watch-deployments.ts';

/**
 * The app's request policy for a story played at `speed`: the simulator runs
 * `speed` times faster than real time, so one write per simulated second is
 * one per 1/speed real seconds (10 ms at the least).
 */
export function requestPolicyAtSpeed(speed: number): RequestPolicyOptions {
  return { ...DEFAULT_REQUEST_POLICY, writeIntervalMs: Math.max(10, Math.round(DEFAULT_REQUEST_POLICY.writeIntervalMs / speed)) };
}

/** Where the app and the GitHub simulator listen, and the dashboard's login URL with this run's `dashboardToken`. */
export function demoEndpoints(appUrl: string, sim: GitHubSimulator, dashboardToken: string): DemoEndpoints {
  return { appUrl, simulatorApiUrl: sim.baseUrl, appId: sim.app.id, dashboardUrl: `${appUrl}/login?token=${dashboardToken}` };
}

/** Follows what shipgate records about `acme/shop`'s deployments onto the story's timeline; a failed read is logged and the next look tries again. */
export function watchStoryDeployments(db: DbOrTrx, options: { clock: Clock; story: StoryRecorder; log: Logger }): DeploymentWatch {
  const { story, log } = options;
  return watchDeployments(db, {
    repo: DEMO_REPO,
    clock: options.clock,
    onChange: (change) => story.onDeploymentChange(change),
    onError: (err: unknown) => log.warn({ err }, 'demo: reading the deployments failed'),
  });
}

/** Puts the push that starts a story on its timeline: who pushed which commit to `acme/shop` main, and its message. */
export function notePush(story: StoryRecorder, pushed: PushResult): void {
  const commit = pushed.commits.at(-1);
  story.note('push', `${commit?.author.login ?? DEMO_PUSHER} pushed ${pushed.sha.slice(0, 7)} to ${DEMO_REPO} main: "${commit?.message ?? ''}"`, { sha: pushed.sha, before: pushed.before });
}

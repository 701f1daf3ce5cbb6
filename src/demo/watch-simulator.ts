/**
 * Watches the simulator's state for what the engine's events do not tell:
 * webhook deliveries reaching the app, the app's check runs changing, the
 * GitHub deployments it creates and each status it posts, and its replies on
 * the issues and pull requests the story follows.
 * The simulator runs in the same process, so a short poll of its records is
 * cheap and sees every state the app wrote.
 */
import type { Clock } from '../clock.ts';
import type { GitHubSimulator } from '../sim/index.ts';
import { pollEvery } from './poll-loop.ts';

/** Something the simulator saw. */
export type SimulatorChange =
  | { kind: 'delivery'; deliveryId: string; event: string; action: string | undefined; status: number | undefined; error: string | undefined; durationMs: number }
  | { kind: 'check-run'; checkRunId: number; name: string; headSha: string; status: string; conclusion: string | null; title: string | null }
  | { kind: 'deployment'; deploymentId: number; environment: string; sha: string; ref: string; production: boolean; payload: unknown }
  | {
      kind: 'deployment-status';
      deploymentId: number;
      environment: string;
      sha: string;
      state: string;
      description: string;
      logUrl: string;
      environmentUrl: string;
    }
  | { kind: 'reply'; issue: number; commentId: number; body: string };

export interface WatchOptions {
  /** `owner/name`: only this repository's check runs. */
  repo: string;
  /** Webhook events whose deliveries are reported (each delivery once, at its first answer). */
  events: readonly string[];
  clock: Clock;
  /** How often to look (default 50 ms). */
  intervalMs?: number;
  onChange(change: SimulatorChange): void;
}

/** A running watch: `poll()` looks now (e.g. before judging the end), `stop()` ends it. */
export interface SimulatorWatch {
  poll(): void;
  /** Reports the app's comments on issue or pull request `number` from now on (those already there too). */
  followIssue(number: number): void;
  stop(): void;
}

/** Starts polling `sim`; changes are reported in the order they are seen. */
export function watchSimulator(sim: GitHubSimulator, options: WatchOptions): SimulatorWatch {
  const reportedDeliveries = new Set<string>();
  const checkRunStates = new Map<number, string>();
  const statusesSeen = new Map<number, number>();
  const followed = new Set<number>();
  const repliesSeen = new Set<number>();

  const poll = () => {
    for (const delivery of sim.webhooks.deliveries) {
      if (reportedDeliveries.has(delivery.id) || !options.events.includes(delivery.event)) continue;
      const attempt = delivery.attempts[0];
      if (!attempt || (attempt.status === undefined && attempt.error === undefined)) continue;
      reportedDeliveries.add(delivery.id);
      options.onChange({
        kind: 'delivery',
        deliveryId: delivery.id,
        event: delivery.event,
        action: delivery.action,
        status: attempt.status,
        error: attempt.error,
        durationMs: Math.round(attempt.durationMs),
      });
    }
    for (const checkRun of sim.checkRuns(options.repo)) {
      if (checkRun.app.id !== sim.app.id) continue;
      const state = `${checkRun.status}/${checkRun.conclusion ?? ''}`;
      if (checkRunStates.get(checkRun.id) === state) continue;
      checkRunStates.set(checkRun.id, state);
      options.onChange({
        kind: 'check-run',
        checkRunId: checkRun.id,
        name: checkRun.name,
        headSha: checkRun.headSha,
        status: checkRun.status,
        conclusion: checkRun.conclusion,
        title: checkRun.output.title,
      });
    }
    for (const deployment of sim.deployments(options.repo)) {
      if (deployment.app?.id !== sim.app.id) continue;
      const seen = statusesSeen.get(deployment.id);
      const { id, environment, sha, ref, production, payload } = deployment;
      if (seen === undefined) options.onChange({ kind: 'deployment', deploymentId: id, environment, sha, ref, production, payload });
      for (const status of deployment.statuses.slice(seen ?? 0)) {
        options.onChange({
          kind: 'deployment-status',
          deploymentId: id,
          environment: status.environment,
          sha,
          state: status.state,
          description: status.description,
          logUrl: status.logUrl,
          environmentUrl: status.environmentUrl,
        });
      }
      statusesSeen.set(id, deployment.statuses.length);
    }
    for (const issue of followed) {
      for (const comment of sim.comments(options.repo, issue)) {
        if (comment.app?.id !== sim.app.id || repliesSeen.has(comment.id)) continue;
        repliesSeen.add(comment.id);
        options.onChange({ kind: 'reply', issue, commentId: comment.id, body: comment.body });
      }
    }
  };
  const loop = pollEvery(options.clock, options.intervalMs ?? 50, poll);

  return {
    poll,
    followIssue(number) {
      followed.add(number);
    },
    stop: () => loop.stop(),
  };
}

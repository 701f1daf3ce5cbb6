/**
 * Watches the simulator's state for what the engine's events do not tell:
 * webhook deliveries reaching the app, and the app's check runs changing.
 * The simulator runs in the same process, so a short poll of its records is
 * cheap and sees every state the app wrote.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { GitHubSimulator } from '../sim/index.ts';

/** Something the simulator saw. */
export type SimulatorChange =
  | { kind: 'delivery'; deliveryId: string; event: string; action: string | undefined; status: number | undefined; error: string | undefined; durationMs: number }
  | { kind: 'check-run'; checkRunId: number; name: string; status: string; conclusion: string | null; title: string | null };

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
  stop(): void;
}

/** Starts polling `sim`; changes are reported in the order they are seen. */
export function watchSimulator(sim: GitHubSimulator, options: WatchOptions): SimulatorWatch {
  const reportedDeliveries = new Set<string>();
  const checkRunStates = new Map<number, string>();
  let timer: TimerHandle | undefined;
  let stopped = false;

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
        status: checkRun.status,
        conclusion: checkRun.conclusion,
        title: checkRun.output.title,
      });
    }
  };
  const schedule = () => {
    timer = options.clock.setTimeout(() => {
      if (stopped) return;
      poll();
      schedule();
    }, options.intervalMs ?? 50);
  };
  schedule();

  return {
    poll,
    stop() {
      stopped = true;
      if (timer) options.clock.clearTimeout(timer);
    },
  };
}

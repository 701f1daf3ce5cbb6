/**
 * The timer behind the demo's watches (the GitHub simulator, the provider
 * simulators, the database): look, wait `intervalMs` of the clock, look
 * again, until stopped. One loop for all of them, so each watch says only
 * what it looks at.
 */
import type { Clock, TimerHandle } from '../clock.ts';

/** A running loop: `stop()` ends it (a look already under way still finishes). */
export interface PollLoop {
  stop(): void;
}

/**
 * Calls `look` every `intervalMs` of `clock`, the first time after one
 * interval. A look that returns a promise is waited for before the next
 * interval starts, so looks never overlap; a synchronous one schedules the
 * next at once.
 */
export function pollEvery(clock: Clock, intervalMs: number, look: () => void | Promise<unknown>): PollLoop {
  let timer: TimerHandle | undefined;
  let stopped = false;
  const schedule = () => {
    timer = clock.setTimeout(() => {
      if (stopped) return;
      const looking = look();
      if (looking instanceof Promise) {
        void looking.then(() => {
          if (!stopped) schedule();
        });
      } else schedule();
    }, intervalMs);
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clock.clearTimeout(timer);
    },
  };
}

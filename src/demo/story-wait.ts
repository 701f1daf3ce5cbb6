/**
 * How a demo story waits for its next step: until a condition holds after
 * some progress, until the story's time is up, or until the user presses
 * Ctrl-C, whichever comes first. Every story plays through one of these.
 */
import type { Clock } from '../clock.ts';

/** How a wait for the story's next step ended. */
export type StoryEnd = 'ended' | 'timed-out' | 'interrupted';

/** The waits of one story, all against one deadline. */
export interface StoryWait {
  /** Resolves when `done()` holds (checked now and after each `progress()`), when the story's time is up, or on Ctrl-C. */
  until(done: () => boolean): Promise<StoryEnd>;
  /** Something was recorded: the pending wait checks its condition again. */
  progress(): void;
}

export interface StoryWaitOptions {
  clock: Clock;
  /** When the story's time is up (clock time). */
  deadline: number;
  /** Aborting ends the pending wait as `interrupted`. */
  signal?: AbortSignal | undefined;
}

/** Creates the waits of a story; one wait is pending at a time. */
export function createStoryWait(options: StoryWaitOptions): StoryWait {
  const { clock, deadline, signal } = options;
  let checkOver = () => {};
  return {
    until(done) {
      return new Promise<StoryEnd>((resolve) => {
        const timer = clock.setTimeout(() => end('timed-out'), Math.max(0, deadline - clock.now()));
        const onAbort = () => end('interrupted');
        function end(how: StoryEnd) {
          clock.clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          checkOver = () => {};
          resolve(how);
        }
        checkOver = () => {
          if (done()) end('ended');
        };
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
        checkOver();
      });
    },
    progress() {
      checkOver();
    },
  };
}

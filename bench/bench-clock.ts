import type { Clock, TimerHandle } from '../src/clock.ts';

/** A timer waiting in a `GatedClock`. */
export interface GatedTimer {
  readonly id: number;
  /** The delay it was set with, in ms: how the bench tells one run's timer from another's. */
  readonly delayMs: number;
  /** When it would have fallen due on the wall clock. */
  readonly dueAt: number;
}

interface PendingTimer extends GatedTimer {
  fn: () => void;
}

/**
 * The simulator's clock in the bench: `now()` is the wall clock (sub-millisecond,
 * so the sim's request log and webhook log share one time base with the bench),
 * but timers never fire by themselves. The bench releases them: a workflow run
 * ends exactly when it is told to, and nothing else moves meanwhile.
 */
export class GatedClock implements Clock {
  readonly #timers = new Map<number, PendingTimer>();
  #next = 1;

  now(): number {
    return performance.timeOrigin + performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    const delayMs = Math.max(0, ms);
    this.#timers.set(id, { id, delayMs, dueAt: this.now() + delayMs, fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle.id);
  }

  /** The timers waiting to be released, in due order. */
  pending(): GatedTimer[] {
    return [...this.#timers.values()].sort(byDue).map(({ id, delayMs, dueAt }) => ({ id, delayMs, dueAt }));
  }

  /**
   * Fires, in due order, every timer pending now that `which` selects (all by
   * default). Timers set while they fire wait for a later release. Returns how
   * many fired.
   */
  release(which: (timer: GatedTimer) => boolean = () => true): number {
    const chosen = [...this.#timers.values()].filter(which).sort(byDue);
    let fired = 0;
    for (const timer of chosen) {
      // An earlier callback may have cleared it.
      if (!this.#timers.delete(timer.id)) continue;
      timer.fn();
      fired++;
    }
    return fired;
  }
}

function byDue(a: GatedTimer, b: GatedTimer): number {
  return a.dueAt - b.dueAt || a.id - b.id;
}

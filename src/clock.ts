/**
 * The one clock of shipgate. Everything that waits, times out or stamps a time
 * takes a `Clock`, so tests and the simulator drive time with `ManualClock`
 * instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms` of this clock's time. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

/** Wall-clock time with Node's timers. */
export function systemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const id = next++;
      const timer = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      timer.unref?.();
      timers.set(id, timer);
      return { id };
    },
    clearTimeout(handle) {
      const timer = timers.get(handle.id);
      if (timer) clearTimeout(timer);
      timers.delete(handle.id);
    },
  };
}

interface PendingTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer that
 * falls due, in due order (ties in creation order), each seeing `now()` at its
 * own due time.
 */
export class ManualClock implements Clock {
  #now: number;
  #timers = new Map<number, PendingTimer>();
  #next = 1;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), seq: id, fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle.id);
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers synchronously in order. */
  advance(ms: number): void {
    const target = this.#now + Math.max(0, ms);
    for (;;) {
      let due: PendingTimer | undefined;
      for (const timer of this.#timers.values()) {
        if (timer.at > target) continue;
        if (!due || timer.at < due.at || (timer.at === due.at && timer.seq < due.seq)) due = timer;
      }
      if (!due) break;
      this.#timers.delete(due.id);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = target;
  }

  /** Moves time to the next due timer (if any) and fires it; returns whether one fired. */
  runNext(): boolean {
    let due: PendingTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (!due || timer.at < due.at || (timer.at === due.at && timer.seq < due.seq)) due = timer;
    }
    if (!due) return false;
    this.advance(due.at - this.#now);
    return true;
  }
}

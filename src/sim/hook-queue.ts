/**
 * How the simulators send their hooks (GitHub's webhooks, GitLab's pipeline
 * hooks): one at a time from a queue, so a test can `drain()` them and every
 * receiver sees them in a known order, each POST given up after 10 s, and
 * all of it stopped at once on `close()`.
 */

/** How long one hook may wait for its receiver's answer. */
const HOOK_TIMEOUT_MS = 10_000;

/** The hooks queued to send, and the one being sent. */
export class HookQueue<T> {
  readonly #items: T[] = [];
  readonly #send: (item: T, signal: AbortSignal) => Promise<void>;
  readonly #pick: (waiting: number) => number;
  readonly #inFlight = new Set<AbortController>();
  #pump: Promise<void> | undefined;
  #closed = false;

  /**
   * `send` delivers one item (its POST aborted by `signal` after 10 s or on
   * close); `pick` chooses which of the `waiting` items goes next (the oldest
   * unless a fault reorders them).
   */
  constructor(send: (item: T, signal: AbortSignal) => Promise<void>, pick: (waiting: number) => number = () => 0) {
    this.#send = send;
    this.#pick = pick;
  }

  /** Queues `items` to send after those waiting; nothing once closed. */
  push(...items: T[]): void {
    if (this.#closed) return;
    this.#items.push(...items);
    this.#kick();
  }

  /** Resolves when every queued item has been sent and answered. */
  async drain(): Promise<void> {
    while (this.#pump) await this.#pump;
  }

  /** Stops sending: aborts what is in flight and forgets the queue. */
  close(): void {
    this.#closed = true;
    this.#items.length = 0;
    for (const controller of this.#inFlight) controller.abort();
  }

  #kick(): void {
    if (this.#pump || this.#closed) return;
    this.#pump = this.#run().finally(() => {
      this.#pump = undefined;
      if (this.#items.length && !this.#closed) this.#kick();
    });
  }

  async #run(): Promise<void> {
    // Let everything that happens in the same tick join the queue (so reordering can mix it).
    await Promise.resolve();
    while (this.#items.length && !this.#closed) {
      const [item] = this.#items.splice(this.#pick(this.#items.length), 1);
      if (item !== undefined) await this.#deliver(item);
    }
  }

  async #deliver(item: T): Promise<void> {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), HOOK_TIMEOUT_MS);
    this.#inFlight.add(controller);
    try {
      await this.#send(item, controller.signal);
    } finally {
      clearTimeout(timeout);
      this.#inFlight.delete(controller);
    }
  }
}

/** What a receiver made of one hook: its HTTP status, or why there was none. */
export type HookAnswer = { status: number; error?: undefined } | { status?: undefined; error: string };

/** POSTs one hook (`init` adds fetch options, e.g. `redirect`) and reads the whole answer, so the connection is free for the next. */
export async function postHook(url: string, headers: Record<string, string>, body: string, signal: AbortSignal, init: Pick<RequestInit, 'redirect'> = {}): Promise<HookAnswer> {
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal, ...init });
    await response.arrayBuffer();
    return { status: response.status };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

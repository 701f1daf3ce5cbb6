/**
 * The Notification plugin of the Jenkins simulator: one unsigned JSON POST
 * per build phase to `notificationUrl`, sent one after the other in the order
 * the phases happened (the plugin sends from the build's listener, so a
 * receiver sees QUEUED, STARTED, COMPLETED, FINALIZED in order). Sending is
 * fire-and-forget; tests await `drain()`.
 */
import type { JenkinsPhase } from './jenkins-world.ts';

const SEND_TIMEOUT_MS = 10_000;

/** One post, as it went. */
export interface NotificationAttempt {
  phase: JenkinsPhase;
  job: string;
  number: number;
  /** Sim-clock time of the phase. */
  at: number;
  /** The receiver's status, once it answered. */
  status: number | undefined;
  /** Why there was no answer. */
  error: string | undefined;
  payload: Record<string, unknown>;
}

export class NotificationSender {
  readonly attempts: NotificationAttempt[] = [];
  #url: string | undefined;
  #tail: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();

  constructor(url: string | undefined) {
    this.#url = url;
  }

  get url(): string | undefined {
    return this.#url;
  }

  set url(url: string | undefined) {
    this.#url = url;
  }

  /** Queues a post (nothing when no URL is set). */
  enqueue(attempt: Omit<NotificationAttempt, 'status' | 'error'>): void {
    const url = this.#url;
    if (url === undefined || this.#abort.signal.aborted) return;
    const record: NotificationAttempt = { ...attempt, status: undefined, error: undefined };
    this.attempts.push(record);
    this.#tail = this.#tail.then(() => this.#send(url, record));
  }

  /** Resolves once every queued post was answered or failed. */
  async drain(): Promise<void> {
    for (;;) {
      const tail = this.#tail;
      await tail;
      if (tail === this.#tail) return;
    }
  }

  /** Stops sending: posts in flight are aborted, queued ones dropped. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.drain();
  }

  async #send(url: string, record: NotificationAttempt): Promise<void> {
    if (this.#abort.signal.aborted) {
      record.error = 'simulator closed';
      return;
    }
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=UTF-8' },
        body: JSON.stringify(record.payload),
        redirect: 'manual',
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
      });
      await response.body?.cancel();
      record.status = response.status;
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
  }
}

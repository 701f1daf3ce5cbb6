/**
 * Pipeline Hooks as GitLab sends them: a JSON POST per status change with
 * `X-Gitlab-Event: Pipeline Hook`, the secret in `X-Gitlab-Token` (GitLab does
 * not sign hooks) and a fresh `X-Gitlab-Event-UUID`, one at a time from a
 * queue in the order the changes happened (so `drain()` can wait for them).
 * Fire-and-forget: the receiver's answer is recorded, never retried.
 */
import { randomUUID } from 'node:crypto';

export interface GitLabHookDelivery {
  /** `X-Gitlab-Event-UUID`. */
  uuid: string;
  pipelineId: number;
  /** The pipeline's status the hook reports. */
  status: string;
  /** The exact bytes sent. */
  body: string;
  headers: Record<string, string>;
  /** Sim-clock time of the change. */
  at: number;
  /** Lost on purpose (`faults.dropHooks`) or for want of a hook URL: never sent. */
  dropped: boolean;
  /** The receiver's HTTP status, once answered. */
  response: number | undefined;
  error: string | undefined;
}

/** The hook side of the GitLab sim, reachable as `sim.hooks` (its deliveries). */
export class GitLabHookSender {
  readonly deliveries: GitLabHookDelivery[] = [];
  readonly #queue: Array<{ delivery: GitLabHookDelivery; url: string }> = [];
  readonly #inFlight = new Set<AbortController>();
  #pump: Promise<void> | undefined;
  #closed = false;

  /** Records one hook and queues it for `url` (not sent when `url` is missing or `drop`). */
  enqueue(input: { pipelineId: number; status: string; payload: Record<string, unknown>; url: string | undefined; token: string | undefined; at: number; drop: boolean; instance: string }): GitLabHookDelivery {
    const uuid = randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'GitLab/18.0.0-sim',
      'x-gitlab-event': 'Pipeline Hook',
      'x-gitlab-event-uuid': uuid,
      'x-gitlab-webhook-uuid': '5b4c0a2e-6f1d-4c8e-9a37-0d2f1e3c4b5a',
      'x-gitlab-instance': input.instance,
      'idempotency-key': uuid,
    };
    if (input.token !== undefined) headers['x-gitlab-token'] = input.token;
    const delivery: GitLabHookDelivery = {
      uuid,
      pipelineId: input.pipelineId,
      status: input.status,
      body: JSON.stringify(input.payload),
      headers,
      at: input.at,
      dropped: input.drop || input.url === undefined,
      response: undefined,
      error: undefined,
    };
    this.deliveries.push(delivery);
    if (!delivery.dropped && input.url !== undefined && !this.#closed) {
      this.#queue.push({ delivery, url: input.url });
      this.#kick();
    }
    return delivery;
  }

  /** Resolves when every queued hook has been sent and answered. */
  async drain(): Promise<void> {
    while (this.#pump) await this.#pump;
  }

  /** Stops sending: aborts what is in flight and forgets the queue. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    for (const controller of this.#inFlight) controller.abort();
  }

  #kick(): void {
    if (this.#pump || this.#closed) return;
    this.#pump = this.#run().finally(() => {
      this.#pump = undefined;
      if (this.#queue.length && !this.#closed) this.#kick();
    });
  }

  async #run(): Promise<void> {
    await Promise.resolve();
    for (let item = this.#queue.shift(); item && !this.#closed; item = this.#queue.shift()) await this.#send(item.delivery, item.url);
  }

  async #send(delivery: GitLabHookDelivery, url: string): Promise<void> {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), 10_000);
    this.#inFlight.add(controller);
    try {
      const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body, signal: controller.signal, redirect: 'manual' });
      await response.arrayBuffer();
      delivery.response = response.status;
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timeout);
      this.#inFlight.delete(controller);
    }
  }
}

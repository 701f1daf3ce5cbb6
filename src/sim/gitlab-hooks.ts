/**
 * Pipeline Hooks as GitLab sends them: a JSON POST per status change with
 * `X-Gitlab-Event: Pipeline Hook`, the secret in `X-Gitlab-Token` (GitLab does
 * not sign hooks) and a fresh `X-Gitlab-Event-UUID`, one at a time from a
 * queue in the order the changes happened (so `drain()` can wait for them).
 * Fire-and-forget: the receiver's answer is recorded, never retried.
 */
import { randomUUID } from 'node:crypto';
import { HookQueue, postHook } from './hook-queue.ts';

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
  readonly #queue = new HookQueue<{ delivery: GitLabHookDelivery; url: string }>(async ({ delivery, url }, signal) => {
    const answer = await postHook(url, delivery.headers, delivery.body, signal, { redirect: 'manual' });
    if (answer.error === undefined) delivery.response = answer.status;
    else delivery.error = answer.error;
  });

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
    if (!delivery.dropped && input.url !== undefined) this.#queue.push({ delivery, url: input.url });
    return delivery;
  }

  /** Resolves when every queued hook has been sent and answered. */
  drain(): Promise<void> {
    return this.#queue.drain();
  }

  /** Stops sending: aborts what is in flight and forgets the queue. */
  close(): void {
    this.#queue.close();
  }
}

/**
 * Webhook deliveries like GitHub sends them: JSON POSTs signed with the app's
 * secret, one at a time from a queue (so `drain()` can wait for them), each
 * logged with the app's answer and redeliverable under the same delivery id.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Faults } from './faults.ts';
import { HookQueue, postHook } from './hook-queue.ts';
import type { SimApp } from './model.ts';

export interface DeliveryAttempt {
  /** The attempt's id in `GET /app/hook/deliveries` (the event's id is the delivery's `id`, GitHub's `guid`). */
  id: number;
  /** Sim-clock time of the attempt. */
  at: number;
  /** The app's HTTP status; undefined when the request failed. */
  status: number | undefined;
  error: string | undefined;
  /** Wall-clock milliseconds until the app answered. */
  durationMs: number;
  duplicate: boolean;
  redelivery: boolean;
  /** False when there was no webhook URL to send to: GitHub makes (and lists) no attempt then. */
  sent: boolean;
}

export interface WebhookDelivery {
  /** `X-GitHub-Delivery`. */
  id: string;
  event: string;
  action: string | undefined;
  appId: number;
  installationId: number | undefined;
  payload: Record<string, unknown>;
  /** The exact bytes sent (and signed). */
  body: string;
  headers: Record<string, string>;
  queuedAt: number;
  dropped: boolean;
  attempts: DeliveryAttempt[];
}

interface QueueItem {
  delivery: WebhookDelivery;
  app: SimApp;
  duplicate: boolean;
  redelivery: boolean;
}

/** The webhook side of the simulator, reachable as `sim.webhooks`. */
export class WebhookDispatcher {
  /** Every delivery, in the order the events happened. */
  readonly deliveries: WebhookDelivery[] = [];
  readonly #faults: Faults;
  readonly #now: () => number;
  readonly #apps: (id: number) => SimApp | undefined;
  readonly #queue: HookQueue<QueueItem>;
  #nextAttemptId = 1;

  constructor(options: { faults: Faults; now: () => number; apps: (id: number) => SimApp | undefined }) {
    this.#faults = options.faults;
    this.#now = options.now;
    this.#apps = options.apps;
    this.#queue = new HookQueue<QueueItem>(
      (item, signal) => this.#send(item, signal),
      (waiting) => this.#faults.nextWebhookIndex(waiting),
    );
  }

  /** Queues one event for one app; returns the delivery record. */
  enqueue(app: SimApp, event: string, payload: Record<string, unknown>, installationId: number | undefined): WebhookDelivery {
    const body = JSON.stringify(payload);
    const id = randomUUID();
    const delivery: WebhookDelivery = {
      id,
      event,
      action: typeof payload.action === 'string' ? payload.action : undefined,
      appId: app.id,
      installationId,
      payload,
      body,
      headers: signedHeaders(app, event, id, body),
      queuedAt: this.#now(),
      dropped: false,
      attempts: [],
    };
    this.deliveries.push(delivery);
    const fate = this.#faults.webhookFate();
    if (fate.drop) {
      delivery.dropped = true;
      return delivery;
    }
    this.#queue.push({ delivery, app, duplicate: false, redelivery: false });
    if (fate.duplicate) this.#queue.push({ delivery, app, duplicate: true, redelivery: false });
    return delivery;
  }

  /** Sends a delivery again: same id, same body (as "Redeliver" in GitHub's UI). */
  async redeliver(deliveryId: string): Promise<DeliveryAttempt> {
    const delivery = this.deliveries.find((d) => d.id === deliveryId);
    if (!delivery) throw new Error(`no webhook delivery ${deliveryId}`);
    const app = this.#apps(delivery.appId);
    if (!app) throw new Error(`app ${delivery.appId} is gone`);
    this.#queue.push({ delivery, app, duplicate: false, redelivery: true });
    await this.drain();
    const last = delivery.attempts[delivery.attempts.length - 1];
    if (!last) throw new Error(`delivery ${deliveryId} was not attempted`);
    return last;
  }

  /**
   * Every finished attempt (sent to a webhook URL) of `appId`'s deliveries, newest first (as
   * `GET /app/hook/deliveries` lists them), with its delivery.
   */
  attemptsOf(appId: number): Array<{ delivery: WebhookDelivery; attempt: DeliveryAttempt }> {
    const all: Array<{ delivery: WebhookDelivery; attempt: DeliveryAttempt }> = [];
    for (const delivery of this.deliveries) {
      if (delivery.appId !== appId) continue;
      for (const attempt of delivery.attempts) {
        // Attempts still in flight are not listed yet, as on GitHub.
        if (attempt.sent && (attempt.status !== undefined || attempt.error !== undefined)) all.push({ delivery, attempt });
      }
    }
    return all.sort((a, b) => b.attempt.id - a.attempt.id);
  }

  /**
   * Queues a redelivery of the delivery that attempt `attemptId` of `appId`
   * belongs to, as `POST /app/hook/deliveries/{id}/attempts` does (without
   * waiting for it); returns the delivery, or undefined for an unknown attempt.
   */
  redeliverAttempt(appId: number, attemptId: number): WebhookDelivery | undefined {
    const found = this.attemptsOf(appId).find((entry) => entry.attempt.id === attemptId);
    const app = found ? this.#apps(appId) : undefined;
    if (!found || !app) return undefined;
    this.#queue.push({ delivery: found.delivery, app, duplicate: false, redelivery: true });
    return found.delivery;
  }

  /** Resolves when every queued delivery has been sent and answered. */
  drain(): Promise<void> {
    return this.#queue.drain();
  }

  /** Deliveries of one event (and action), in order. */
  find(event: string, action?: string): WebhookDelivery[] {
    return this.deliveries.filter((d) => d.event === event && (action === undefined || d.action === action));
  }

  /** Stops sending: aborts what is in flight and forgets the queue. */
  close(): void {
    this.#queue.close();
  }

  async #send(item: QueueItem, signal: AbortSignal): Promise<void> {
    const { delivery, app } = item;
    const attempt: DeliveryAttempt = {
      id: this.#nextAttemptId++,
      at: this.#now(),
      status: undefined,
      error: undefined,
      durationMs: 0,
      duplicate: item.duplicate,
      redelivery: item.redelivery,
      sent: false,
    };
    delivery.attempts.push(attempt);
    if (!app.webhookUrl) {
      attempt.error = 'no webhook URL configured (sim.setWebhookUrl)';
      return;
    }
    attempt.sent = true;
    const started = performance.now();
    const answer = await postHook(app.webhookUrl, delivery.headers, delivery.body, signal);
    attempt.durationMs = performance.now() - started;
    if (answer.error === undefined) attempt.status = answer.status;
    else attempt.error = answer.error;
  }
}

/** The headers GitHub puts on a delivery, with both signatures over the exact body. */
export function signedHeaders(app: SimApp, event: string, deliveryId: string, body: string): Record<string, string> {
  const sign = (algorithm: 'sha1' | 'sha256'): string =>
    `${algorithm}=${createHmac(algorithm, app.webhookSecret).update(body).digest('hex')}`;
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/sim',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-github-hook-id': String(app.hookId),
    'x-github-hook-installation-target-id': String(app.id),
    'x-github-hook-installation-target-type': 'integration',
    'x-hub-signature': sign('sha1'),
    'x-hub-signature-256': sign('sha256'),
  };
}

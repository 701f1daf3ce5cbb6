import type { BenchEnvironment } from './environment.ts';
import { postWebhook } from './post-webhook.ts';
import { sleep } from './wait.ts';

/** A trickle of webhooks running in the background. */
export interface IdleTraffic {
  /** Webhooks sent so far. */
  readonly sent: number;
  stop(): Promise<void>;
}

/**
 * Sends one idle webhook (a `push` to the repository without a config) every
 * `intervalMs`, as the steady stream of events of a busy organisation would.
 * The bench runs it only in steps it does not time (setup and wind-down) and
 * in figure 6, because shipgate's queue workers otherwise sleep with work
 * queued once webhooks stop arriving (see bench/README.md).
 */
export function startIdleTraffic(env: Pick<BenchEnvironment, 'idlePushes' | 'webhookUrl' | 'secret'>, intervalMs = 200): IdleTraffic {
  const webhooks = env.idlePushes;
  let stopped = false;
  let sent = 0;
  const loop = (async () => {
    while (!stopped) {
      const webhook = webhooks[sent % webhooks.length];
      if (!webhook) return;
      await postWebhook(env.webhookUrl, env.secret, webhook).catch(() => undefined);
      sent++;
      await sleep(intervalMs);
    }
  })();
  return {
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

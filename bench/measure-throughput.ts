import type { BenchEnvironment } from './environment.ts';
import { idleWebhooks } from './measure-ack.ts';
import type { Progress } from './measure-pipelines.ts';
import { postWebhook, type WebhookToSend } from './post-webhook.ts';
import type { ThroughputResult } from './results.ts';
import { waitFor } from './wait.ts';

export const THROUGHPUT_DELIVERIES = 500;
export const THROUGHPUT_CONCURRENCY = 8;

/**
 * Figure 4. Fires signed `push` webhooks for a repository without a config
 * (each one a new delivery: recorded, queued, then processed by reading the
 * missing config from the sim), `concurrency` at a time, and measures until
 * the last is acknowledged and until the last is processed in `deliveries`.
 */
export async function measureThroughput(env: BenchEnvironment, progress: Progress, total = THROUGHPUT_DELIVERIES, concurrency = THROUGHPUT_CONCURRENCY): Promise<ThroughputResult> {
  const pushes: WebhookToSend[] = (await idleWebhooks(env)).filter((w) => w.event === 'push');
  progress(`throughput: ${total} push webhooks, ${concurrency} at a time`);
  const ids: string[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const sender = async () => {
    while (next < total) {
      const webhook = pushes[next++ % pushes.length];
      if (!webhook) return;
      const answer = await postWebhook(env.webhookUrl, env.secret, webhook);
      if (answer.status === 200) ids.push(answer.deliveryId);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  const acked = performance.now();
  const processed = async () => {
    const row = await env.store.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', 'in', ids)
      .where('status', 'in', ['processed', 'ignored'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  let lastReport = performance.now();
  await waitFor(`${ids.length} deliveries to be processed`, 180_000, 50, async () => {
    const n = ids.length ? await processed() : 0;
    if (performance.now() - lastReport > 5_000) {
      progress(`throughput: ${n}/${ids.length} processed`);
      lastReport = performance.now();
    }
    return n === ids.length;
  });
  const finished = performance.now();
  await env.settle();
  return {
    deliveries: ids.length,
    concurrency,
    ackedPerSecond: ids.length / ((acked - started) / 1000),
    processedPerSecond: ids.length / ((finished - started) / 1000),
    elapsedMs: finished - started,
    errors,
  };
}

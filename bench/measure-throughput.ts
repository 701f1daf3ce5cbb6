import type { BenchEnvironment } from './environment.ts';
import type { Progress } from './measure-pipelines.ts';
import { postWebhook, type WebhookToSend } from './post-webhook.ts';
import type { ThroughputResult } from './results.ts';
import { waitUntil } from './wait.ts';

/** Webhooks fired in figure 4. */
export const THROUGHPUT_DELIVERIES = 500;
/** How many are in flight at once. */
export const THROUGHPUT_CONCURRENCY = 8;

/**
 * Figure 4. Fires signed `push` webhooks for a repository without a config
 * (each one a new delivery: recorded, queued, then processed by reading the
 * missing config from the sim), `concurrency` at a time, and measures until
 * the last is acknowledged and until the last is processed in `deliveries`.
 * Waits at most `timeoutMs` for the processing; past it, the rate counts what
 * was processed by then and `unprocessed` says how many were not.
 */
export async function measureThroughput(
  env: BenchEnvironment,
  progress: Progress,
  options: { total?: number; concurrency?: number; timeoutMs?: number } = {},
): Promise<ThroughputResult> {
  const { total = THROUGHPUT_DELIVERIES, concurrency = THROUGHPUT_CONCURRENCY, timeoutMs = 90_000 } = options;
  const pushes: WebhookToSend[] = env.idlePushes;
  // Start from an empty queue when the app gets there in time; say so when it does not.
  const backlogAtStart = (await env.trySettle(15_000)) ? 0 : await env.openDeliveries();
  progress(`throughput: ${total} push webhooks, ${concurrency} at a time${backlogAtStart ? ` (${backlogAtStart} earlier deliveries still queued)` : ''}`);
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
  let done = 0;
  const complete = await waitUntil(timeoutMs, 50, async () => {
    done = ids.length ? await processed() : 0;
    if (performance.now() - lastReport > 5_000) {
      progress(`throughput: ${done}/${ids.length} processed`);
      lastReport = performance.now();
    }
    return done === ids.length;
  });
  const finished = performance.now();
  if (complete) await env.trySettle(10_000);
  return {
    deliveries: ids.length,
    concurrency,
    ackedPerSecond: ids.length / ((acked - started) / 1000),
    processedPerSecond: done / ((finished - started) / 1000),
    elapsedMs: finished - started,
    errors,
    unprocessed: ids.length - done,
    backlogAtStart,
  };
}

import type { BenchEnvironment } from './environment.ts';
import type { Progress } from './measure-pipelines.ts';
import { postWebhook, type WebhookToSend } from './post-webhook.ts';
import type { AckResult } from './results.ts';
import { summarize } from './stats.ts';

/** Webhooks timed per app. */
export const ACK_SAMPLES = 300;
/** Webhooks sent to each app first, not timed. */
export const ACK_WARMUP = 50;

/**
 * Realistic webhooks nobody acts on, made by the simulator: `push` events to a
 * repository without a shipgate.yml, and `workflow_run.completed` events
 * copied from a real DAG run (a `requested` one made to look completed, if no
 * run has ended yet) with the run id and title changed, so they belong to no
 * job; alternating.
 */
export function idleWebhooks(env: BenchEnvironment): WebhookToSend[] {
  const [completed] = env.sim.webhooks.find('workflow_run', 'completed');
  const [requested] = env.sim.webhooks.find('workflow_run', 'requested');
  const model = completed ?? requested;
  const runs: WebhookToSend[] = [];
  if (model) {
    for (let i = 0; i < env.idlePushes.length; i++) {
      const payload = structuredClone(model.payload) as { action: string; workflow_run: Record<string, unknown> };
      payload.action = 'completed';
      Object.assign(payload.workflow_run, { status: 'completed', conclusion: 'success' });
      payload.workflow_run['id'] = 990_000_000 + i;
      payload.workflow_run['display_title'] = `nightly ${i}`;
      runs.push({ event: 'workflow_run', body: JSON.stringify(payload) });
    }
  }
  return env.idlePushes.flatMap((push, i) => (runs[i] ? [push, runs[i]] : [push]));
}

/** POSTs `count` of `webhooks` (cycling) one at a time to `url`: each one's client-side time, ms, and how many were not answered 200. */
export async function sampleAcks(url: string, secret: string, webhooks: readonly WebhookToSend[], count: number): Promise<{ ms: number[]; errors: number }> {
  const ms: number[] = [];
  let errors = 0;
  for (let i = 0; i < count; i++) {
    const webhook = webhooks[i % webhooks.length];
    if (!webhook) break;
    const answer = await postWebhook(url, secret, webhook);
    if (answer.status !== 200) errors++;
    ms.push(answer.ms);
  }
  return { ms, errors };
}

/**
 * Figure 1. The same signed webhooks, one at a time, to the bare Probot app
 * and then to shipgate (after a warm-up of both): the client-side time from
 * the start of the POST to the end of the answer. shipgate's answer comes
 * after it recorded and queued the delivery; its processing runs behind, as
 * in production, and is left to the next phase.
 */
export async function measureAck(env: BenchEnvironment, progress: Progress): Promise<AckResult> {
  const webhooks = idleWebhooks(env);
  if (webhooks.length === 0) throw new Error('the sim made no webhooks to send');
  progress(`webhook ack: warm-up (${ACK_WARMUP} each), then ${ACK_SAMPLES} to the bare Probot app and ${ACK_SAMPLES} to shipgate`);
  await sampleAcks(env.bare.webhookUrl, env.secret, webhooks, ACK_WARMUP);
  await sampleAcks(env.webhookUrl, env.secret, webhooks, ACK_WARMUP);
  // Let the warm-up's processing pass (not required: a slow queue only costs this wait).
  await env.trySettle(10_000);
  const bare = await sampleAcks(env.bare.webhookUrl, env.secret, webhooks, ACK_SAMPLES);
  const shipgate = await sampleAcks(env.webhookUrl, env.secret, webhooks, ACK_SAMPLES);
  return { shipgate: summarize(shipgate.ms), bare: summarize(bare.ms), errors: bare.errors + shipgate.errors };
}

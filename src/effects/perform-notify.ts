/**
 * Performs `notify` (SPEC §12): sends one event to one target.
 * - Slack: the incoming webhook of `SLACK_WEBHOOK_URL` as set now (unset: the
 *   effect is done, skipped, and the log says why), a Block Kit message with a
 *   fallback `text`, at most one message per second per URL across replicas.
 * - Outgoing webhooks: a JSON body `{type, timestamp, data}` signed per
 *   Standard Webhooks with `SHIPGATE_WEBHOOK_SECRET`; `webhook-id` is the
 *   effect's key, the same on every try; `webhook-timestamp` is the try's.
 * 2xx is done; 408/425/429/5xx and network errors are retried (after
 * `Retry-After` when given, else on the runner's backoff); 410 disables the
 * endpoint (later events to it are skipped and logged); other answers fail
 * the effect; a loopback/private target is refused unless
 * `SHIPGATE_ALLOW_PRIVATE_URLS=1`.
 */
import { z } from 'zod';
import type { AppConfig } from '../config/app-config.ts';
import type { EngineDeps } from '../engine/deps.ts';
import type { Resolver } from '../notify/addresses.ts';
import { notifyEventSchema } from '../notify/events.ts';
import { eventLinks, githubWebBase, slackMessage, webhookBody } from '../notify/messages.ts';
import { verdictOf } from '../notify/responses.ts';
import { postNotification } from '../notify/send.ts';
import { signingKeys } from '../notify/settings.ts';
import { signingHeaders } from '../notify/signature.ts';
import { disableEndpoint, disabledEndpoint, takeFreeSlot } from '../notify/store.ts';
import { originOf, urlHash } from '../notify/targets.ts';
import type { Effect } from '../store/schema/index.ts';
import type { PerformOutcome, Performer } from './runner.ts';


/** Slack's limit for incoming webhooks: one message per second per URL. */
export const SLACK_INTERVAL_MS = 1_000;

const payloadSchema = z.object({
  event: notifyEventSchema,
  target: z.discriminatedUnion('kind', [z.object({ kind: z.literal('slack') }), z.object({ kind: z.literal('webhook'), url: z.string() })]),
});

/** Tuning for tests: how names resolve, the send timeout. */
export interface NotifyPerformerOptions {
  resolve?: Resolver;
  timeoutMs?: number;
}

export function notifyPerformer(
  deps: Pick<EngineDeps, 'db' | 'clock' | 'log'>,
  config: Pick<AppConfig, 'slackWebhookUrl' | 'notificationSecret' | 'allowPrivateUrls' | 'githubBaseUrl'>,
  options: NotifyPerformerOptions = {},
): Performer {
  const keys = signingKeys(config.notificationSecret);
  const webBase = githubWebBase(config.githubBaseUrl);
  const allowPrivate = config.allowPrivateUrls === true;
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = payloadSchema.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed notify effect: ${parsed.error.message}` };
    const { event, target } = parsed.data;
    const url = target.kind === 'slack' ? config.slackWebhookUrl : target.url;
    const context = { effect: effect.key, event: event.id, target: target.kind, ...(url ? { endpoint: originOf(url) } : {}) };
    if (url === undefined) {
      deps.log.info(context, 'Slack notification skipped: SLACK_WEBHOOK_URL is not set');
      return { kind: 'done' };
    }
    if (target.kind === 'webhook' && keys.length === 0) {
      deps.log.warn(context, 'webhook notification skipped: SHIPGATE_WEBHOOK_SECRET is not set, and webhooks are only sent signed');
      return { kind: 'done' };
    }
    const hash = urlHash(url);
    const disabled = await disabledEndpoint(deps.db, hash);
    if (disabled) {
      deps.log.warn({ ...context, disabledAt: disabled.disabled_at, reason: disabled.disabled_reason }, 'notification skipped: the endpoint is disabled (it answered 410); delete its notification_endpoints row to send to it again');
      return { kind: 'done' };
    }
    if (target.kind === 'slack') {
      const slot = await takeFreeSlot(deps.db, `slack:${hash}`, deps.clock.now(), SLACK_INTERVAL_MS);
      // Not a failed try: asked again when the URL's next second is free.
      if (!slot.ok) return { kind: 'again', at: new Date(slot.at) };
    }
    const links = eventLinks(event, webBase);
    const body = target.kind === 'slack' ? JSON.stringify(slackMessage(event, links)) : webhookBody(event, links);
    const headers = target.kind === 'slack' ? {} : signingHeaders(keys, effect.key, Math.floor(deps.clock.now() / 1000), body);
    const result = await postNotification(url, body, headers, { allowPrivate, ...(options.resolve ? { resolve: options.resolve } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
    if (result.kind === 'refused') {
      deps.log.error({ ...context, error: result.error }, 'notification refused');
      return { kind: 'failed', error: result.error };
    }
    if (result.kind === 'network') return { kind: 'retry', error: result.error };
    const verdict = verdictOf(result.status, result.retryAfter, deps.clock.now(), originOf(url));
    switch (verdict.kind) {
      case 'delivered':
        deps.log.info({ ...context, status: result.status }, 'notification sent');
        return { kind: 'done' };
      case 'retry':
        return { kind: 'retry', error: verdict.error, ...(verdict.afterMs !== undefined ? { afterMs: verdict.afterMs } : {}) };
      case 'gone':
        await disableEndpoint(deps.db, { hash, kind: target.kind, origin: originOf(url), reason: verdict.error, now: new Date(deps.clock.now()) });
        deps.log.warn({ ...context, status: result.status }, 'notification endpoint disabled: it answered 410 Gone');
        return { kind: 'failed', error: verdict.error };
      case 'failed': {
        const said = result.body.trim().replace(/\s+/g, ' ').slice(0, 200);
        return { kind: 'failed', error: said ? `${verdict.error}: ${said}` : verdict.error };
      }
    }
  };
}

/**
 * Where an event is sent, as a run plan or an environment snapshot keeps it:
 * the `notifications` of the trusted config (the default branch's) when the
 * run started or the request was made. Small and JSON-safe.
 */
import { createHash } from 'node:crypto';
import { NOTIFICATION_EVENTS, type NotificationEvent } from '../repo-config/schema-commands.ts';
import type { Notifications } from '../repo-config/schema.ts';

/** The notification settings of a config, kept in plans and snapshots. */
export type NotificationTargets = {
  /** Events sent to Slack (`SLACK_WEBHOOK_URL`). */
  slack?: NotificationEvent[];
  /** Outgoing webhooks and their events. */
  webhooks?: Array<{ url: string; on: NotificationEvent[] }>;
};

/** One destination of one event. */
export type NotifyTarget = { kind: 'slack' } | { kind: 'webhook'; url: string };

/** The targets of a parsed config's `notifications`; undefined when it has none. */
export function targetsFromConfig(notifications: Notifications | undefined): NotificationTargets | undefined {
  if (!notifications) return undefined;
  const targets: NotificationTargets = {
    ...(notifications.slack ? { slack: [...notifications.slack.on] } : {}),
    ...(notifications.webhooks && notifications.webhooks.length > 0 ? { webhooks: notifications.webhooks.map((w) => ({ url: w.url, on: [...w.on] })) } : {}),
  };
  return targets.slack || targets.webhooks ? targets : undefined;
}

/** `{ notifications }` for a run plan, or nothing: a plan without notifications has no key. */
export function plannedNotifications(notifications: Notifications | undefined): { notifications?: NotificationTargets } {
  const targets = targetsFromConfig(notifications);
  return targets ? { notifications: targets } : {};
}

const isEvent = (value: unknown): value is NotificationEvent => (NOTIFICATION_EVENTS as readonly unknown[]).includes(value);

/** Reads targets back from a stored plan or snapshot (rows are data: anything malformed is dropped). */
export function readTargets(value: unknown): NotificationTargets | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const raw = value as Record<string, unknown>;
  const slack = Array.isArray(raw['slack']) ? raw['slack'].filter(isEvent) : undefined;
  const webhooks = Array.isArray(raw['webhooks'])
    ? raw['webhooks'].flatMap((w: unknown) => {
        const hook = w !== null && typeof w === 'object' ? (w as Record<string, unknown>) : {};
        const url = hook['url'];
        return typeof url === 'string' && Array.isArray(hook['on']) ? [{ url, on: hook['on'].filter(isEvent) }] : [];
      })
    : undefined;
  const targets: NotificationTargets = { ...(slack ? { slack } : {}), ...(webhooks && webhooks.length > 0 ? { webhooks } : {}) };
  return targets.slack || targets.webhooks ? targets : undefined;
}

/** The targets an event goes to (pure): Slack if it lists the event, each webhook that does, one per URL. */
export function targetsFor(targets: NotificationTargets | undefined, event: NotificationEvent): NotifyTarget[] {
  if (!targets) return [];
  const out: NotifyTarget[] = targets.slack?.includes(event) ? [{ kind: 'slack' }] : [];
  const urls = new Set<string>();
  for (const hook of targets.webhooks ?? []) {
    if (!hook.on.includes(event) || urls.has(hook.url)) continue;
    urls.add(hook.url);
    out.push({ kind: 'webhook', url: hook.url });
  }
  return out;
}

/** A URL's hash (hex SHA-256, 32 digits): how endpoints are named without writing secrets in URLs to rows or logs. */
export function urlHash(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 32);
}

/** The target's part of an effect key: `slack`, or `webhook-<hash of the URL>`. */
export function targetKey(target: NotifyTarget): string {
  return target.kind === 'slack' ? 'slack' : `webhook-${urlHash(target.url).slice(0, 16)}`;
}

/** A URL as logs and messages may show it: scheme, host and port only (paths and queries carry tokens). */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

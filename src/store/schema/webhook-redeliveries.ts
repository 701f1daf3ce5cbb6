import type { Insertable, Selectable } from 'kysely';

/**
 * A delivery GitHub could not make to shipgate (the app was down, or answered
 * an error) that shipgate asked GitHub to redeliver. Keyed by the event's guid
 * (GitHub's `X-GitHub-Delivery`), so each event is asked for once, whichever
 * replica sees it first.
 */
export interface WebhookRedeliveryTable {
  /** The event's guid, shared by every delivery attempt of it (the `X-GitHub-Delivery` header). */
  guid: string;
  /** The id of GitHub's failed delivery attempt that was redelivered. */
  hook_delivery_id: number;
  event: string;
  action: string | null;
  /** The HTTP status GitHub recorded for the failed attempt (0 when it got no answer). */
  status_code: number;
  /** When shipgate asked (the injected clock's time). */
  requested_at: Date;
}

/**
 * Where the next look at GitHub's list of the app's deliveries starts: one row
 * per list (`name` = `app` for the app's webhook).
 */
export interface WebhookRedeliveryScanTable {
  name: string;
  /** Deliveries made before this time were looked at already. */
  scanned_from: Date;
}

export type WebhookRedelivery = Selectable<WebhookRedeliveryTable>;
export type NewWebhookRedelivery = Insertable<WebhookRedeliveryTable>;

import type { GitHubClient } from './client.ts';

/** One delivery attempt of the app's webhook, as `GET /app/hook/deliveries` lists it. */
export interface HookDelivery {
  /** The attempt's own id (what `POST /app/hook/deliveries/{id}/attempts` takes). */
  id: number;
  /** The event's id, shared by its redeliveries: the `X-GitHub-Delivery` header. */
  guid: string;
  /** When GitHub made the attempt (ms since the epoch). */
  deliveredAt: number;
  redelivery: boolean;
  /** The app's HTTP status; GitHub reports a failure to connect or a timeout with a code outside 2xx. */
  statusCode: number;
  status: string;
  event: string;
  action: string | null;
  installationId: number | null;
}

/** The answer of one listing: the attempts, and whether it reached back to `since` (or the end). */
export interface HookDeliveryListing {
  deliveries: HookDelivery[];
  complete: boolean;
}

/**
 * The app's webhook delivery attempts made at or after `since`, newest first
 * (GitHub's order), following the `Link` header's cursor pages until an older
 * attempt or the end, at most `maxPages` pages of 100. Needs the app's JWT
 * (`probot.auth()` without an installation id).
 */
export async function listHookDeliveriesSince(
  octokit: GitHubClient,
  since: Date,
  options: { maxPages?: number } = {},
): Promise<HookDeliveryListing> {
  const maxPages = options.maxPages ?? 20;
  const deliveries: HookDelivery[] = [];
  let pages = 0;
  for await (const page of octokit.paginate.iterator(octokit.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
    pages += 1;
    for (const item of page.data) {
      const deliveredAt = Date.parse(item.delivered_at);
      if (deliveredAt < since.getTime()) return { deliveries, complete: true };
      deliveries.push({
        id: item.id,
        guid: item.guid,
        deliveredAt,
        redelivery: item.redelivery,
        statusCode: item.status_code,
        status: item.status,
        event: item.event,
        action: item.action,
        installationId: item.installation_id,
      });
    }
    if (pages >= maxPages) return { deliveries, complete: false };
  }
  return { deliveries, complete: true };
}

/** Asks GitHub to deliver the attempt `hookDeliveryId` again (same guid, same payload); GitHub answers 202. */
export async function requestHookRedelivery(octokit: GitHubClient, hookDeliveryId: number): Promise<void> {
  await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: hookDeliveryId });
}

import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import { githubMessage, type GitHubClient } from '../github/client.ts';
import { listHookDeliveriesSince, requestHookRedelivery, type HookDelivery } from '../github/hook-deliveries.ts';
import type { DbOrTrx } from '../store/db.ts';
import { deliveryStatusesOf } from '../store/repos/deliveries.ts';
import {
  claimRedelivery,
  claimedRedeliveries,
  redeliveryScanFrom,
  releaseRedelivery,
  setRedeliveryScanFrom,
} from '../store/repos/webhook-redeliveries.ts';

/** How far back the first pass looks (GitHub keeps deliveries for 3 days). */
export const FIRST_LOOK_BACK_MS = 24 * 60 * 60 * 1000;
/** Each pass looks this much further back than where the last one ended: attempts land in the list late. */
export const SCAN_OVERLAP_MS = 2 * 60 * 1000;
/**
 * A 2xx attempt whose event shipgate has not recorded after this long was
 * lost after the answer (Probot answers 202 after 9 s while the handler still
 * runs): it is redelivered too.
 */
export const ANSWERED_BUT_LOST_AFTER_MS = 60 * 1000;
const SCAN = 'app';

export interface RedeliveryPassDeps {
  db: DbOrTrx;
  clock: Clock;
  log: Logger;
  /** An app-authenticated client (Probot's `auth()` with no installation id: the app's JWT). */
  appGitHub(): Promise<GitHubClient>;
}

export interface RedeliveryReport {
  /** Delivery attempts listed by GitHub in the window. */
  listed: number;
  /** Events asked for again. */
  requested: number;
  /** Redeliveries GitHub refused or did not answer (asked for again by a later pass). */
  refused: number;
  /** Whether the listing reached back to the window's start. */
  complete: boolean;
}

/**
 * The events among `attempts` that shipgate never got: not recorded, not asked
 * for already, and either never answered with a 2xx, or answered but still not
 * recorded `lostAfterMs` later. One entry per event guid: its newest attempt
 * (the one to redeliver). Pure.
 */
export function missedDeliveries(
  attempts: readonly HookDelivery[],
  known: { recorded: ReadonlySet<string>; claimed: ReadonlySet<string> },
  options: { now: number; lostAfterMs?: number },
): HookDelivery[] {
  const lostAfterMs = options.lostAfterMs ?? ANSWERED_BUT_LOST_AFTER_MS;
  const byGuid = new Map<string, HookDelivery[]>();
  for (const attempt of attempts) byGuid.set(attempt.guid, [...(byGuid.get(attempt.guid) ?? []), attempt]);
  const missed: HookDelivery[] = [];
  for (const [guid, ofEvent] of byGuid) {
    if (known.recorded.has(guid) || known.claimed.has(guid)) continue;
    const newest = ofEvent.reduce((a, b) => (b.deliveredAt > a.deliveredAt || (b.deliveredAt === a.deliveredAt && b.id > a.id) ? b : a));
    const answered = ofEvent.filter((attempt) => isSuccess(attempt.statusCode));
    if (answered.length > 0 && answered.some((attempt) => options.now - attempt.deliveredAt < lostAfterMs)) continue;
    missed.push(newest);
  }
  return missed.sort((a, b) => a.deliveredAt - b.deliveredAt || a.id - b.id);
}

function isSuccess(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/**
 * GitHub does not redeliver failed webhook deliveries on its own. This pass
 * lists the app's delivery attempts since the last pass (the last 24 h the
 * first time), finds the events shipgate never recorded (`missedDeliveries`)
 * and asks GitHub once for each to deliver it again. Each ask is claimed in
 * `webhook_redeliveries` first, so replicas and restarts never ask twice; a
 * refused ask gives its claim back and the next pass looks back far enough to
 * ask again.
 */
export async function redeliverMissedDeliveries(deps: RedeliveryPassDeps): Promise<RedeliveryReport> {
  const now = deps.clock.now();
  const from = (await redeliveryScanFrom(deps.db, SCAN)) ?? new Date(now - FIRST_LOOK_BACK_MS);
  const octokit = await deps.appGitHub();
  const listing = await listHookDeliveriesSince(octokit, from);
  const guids = [...new Set(listing.deliveries.map((attempt) => attempt.guid))];
  const recorded = new Set((await deliveryStatusesOf(deps.db, guids)).keys());
  const claimed = await claimedRedeliveries(deps.db, guids);
  const missed = missedDeliveries(listing.deliveries, { recorded, claimed }, { now });

  let nextFrom = now - SCAN_OVERLAP_MS;
  let requested = 0;
  let refused = 0;
  for (const attempt of missed) {
    const claim = {
      guid: attempt.guid,
      hook_delivery_id: attempt.id,
      event: attempt.event,
      action: attempt.action,
      status_code: attempt.statusCode,
      requested_at: new Date(now),
    };
    if (!(await claimRedelivery(deps.db, claim))) continue;
    try {
      await requestHookRedelivery(octokit, attempt.id);
      requested += 1;
      deps.log.info({ delivery: attempt.guid, hookDelivery: attempt.id, event: attempt.event, statusCode: attempt.statusCode }, 'asked GitHub to redeliver a webhook shipgate missed');
    } catch (err) {
      refused += 1;
      await releaseRedelivery(deps.db, attempt.guid);
      nextFrom = Math.min(nextFrom, attempt.deliveredAt);
      deps.log.warn({ delivery: attempt.guid, hookDelivery: attempt.id, error: githubMessage(err) }, 'GitHub did not redeliver a missed webhook; the next pass asks again');
    }
  }
  if (!listing.complete) deps.log.warn({ listed: listing.deliveries.length, from }, 'more webhook deliveries than one pass lists; older ones were not checked');
  await setRedeliveryScanFrom(deps.db, SCAN, new Date(nextFrom));
  return { listed: listing.deliveries.length, requested, refused, complete: listing.complete };
}

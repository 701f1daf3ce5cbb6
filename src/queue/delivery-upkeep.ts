import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { GitHubClient } from '../github/client.ts';
import { redeliverMissedDeliveries, type RedeliveryReport } from '../intake/redeliver-missed.ts';
import type { DbOrTrx } from '../store/db.ts';
import { pruneDeliveries } from '../store/repos/deliveries.ts';
import { pruneRedeliveries } from '../store/repos/webhook-redeliveries.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DeliveryUpkeepDeps {
  db: DbOrTrx;
  clock: Clock;
  log: Logger;
  /** Days finished deliveries are kept (`SHIPGATE_DELIVERY_RETENTION_DAYS`). */
  retentionDays: number;
  /** The app-authenticated client for the redelivery pass; without it the pass is skipped. */
  appGitHub?: (() => Promise<GitHubClient>) | undefined;
  /** Rows deleted per statement (default 500) and statements per pass (default 10): one pass stays short. */
  pruneBatch?: number;
  pruneBatches?: number;
}

export interface DeliveryUpkeepReport {
  /** Finished deliveries deleted by retention. */
  pruned: number;
  /** The redelivery pass, or the reason it did not run. */
  redelivery: RedeliveryReport | { skipped: 'no-app-client' } | { error: string };
}

/**
 * The deliveries' share of each reconciliation pass (and of the start):
 * deletes finished deliveries (and redelivery claims) older than the
 * retention, in bounded batches so one pass never holds the database for long
 * (a backlog is worked off over the following passes), then asks GitHub to
 * redeliver the webhooks shipgate missed. A failing redelivery pass is logged
 * and reported; it does not fail the reconciliation.
 */
export async function runDeliveryUpkeep(deps: DeliveryUpkeepDeps): Promise<DeliveryUpkeepReport> {
  const before = new Date(deps.clock.now() - deps.retentionDays * DAY_MS);
  const batch = deps.pruneBatch ?? 500;
  const batches = deps.pruneBatches ?? 10;
  let pruned = 0;
  for (let i = 0; i < batches; i++) {
    const deleted = await pruneDeliveries(deps.db, { before, limit: batch });
    pruned += deleted;
    if (deleted < batch) break;
  }
  await pruneRedeliveries(deps.db, { before, limit: batch });
  if (pruned > 0) deps.log.info({ pruned, before }, 'deleted deliveries past their retention');

  if (!deps.appGitHub) return { pruned, redelivery: { skipped: 'no-app-client' } };
  try {
    return { pruned, redelivery: await redeliverMissedDeliveries({ db: deps.db, clock: deps.clock, log: deps.log, appGitHub: deps.appGitHub }) };
  } catch (err) {
    deps.log.warn({ err }, 'could not check GitHub for missed webhook deliveries; the next pass tries again');
    return { pruned, redelivery: { error: (err as Error).message } };
  }
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import {
  countDeliveriesByStatus,
  countOpenDeliveries,
  deliveryStatusesOf,
  failedDeliveries,
  getDelivery,
  markDelivery,
  OPEN_DELIVERY_STATUSES,
  pendingDeliveries,
  pruneDeliveries,
  recordDelivery,
  reopenFailedDeliveries,
} from '../../../src/store/repos/deliveries.ts';
import { deliveryStatuses, type DeliveryStatus } from '../../../src/store/schema/index.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { BIG_ID } from '../fixtures.ts';

const payload = {
  action: 'completed',
  workflow_run: { id: BIG_ID, name: 'build', conclusion: 'success', pull_requests: [] },
  repository: { full_name: 'acme/app' },
  installation: { id: BIG_ID },
  head_commit: { message: 'fix: NUL \u0000 in a message', emoji: '🚀' },
};

function delivery(id: string, receivedAt = new Date('2026-01-01T00:00:00Z')) {
  return {
    id,
    event: 'workflow_run',
    action: 'completed',
    installation_id: BIG_ID,
    repository: 'acme/app',
    payload,
    received_at: receivedAt,
  };
}

describe.each(databaseTargets())('deliveries on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('records a delivery with its payload', async () => {
    expect(await recordDelivery(store.db, delivery('d-1'))).toEqual({ inserted: true });
    const recorded = await getDelivery(store.db, 'd-1');
    expect(recorded).toEqual({
      id: 'd-1',
      event: 'workflow_run',
      action: 'completed',
      installation_id: BIG_ID,
      repository: 'acme/app',
      payload: {
        ...payload,
        head_commit: { message: 'fix: NUL \ufffd in a message', emoji: '🚀' },
      },
      received_at: new Date('2026-01-01T00:00:00Z'),
      status: 'received',
      attempts: 0,
      processed_at: null,
      error: null,
    });
  });

  it('records a redelivered id once, even when the copies arrive together', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => recordDelivery(store.db, delivery('same-id'))),
    );
    expect(results.filter((result) => result.inserted)).toHaveLength(1);
    expect(await recordDelivery(store.db, { ...delivery('same-id'), event: 'push' })).toEqual({ inserted: false });
    expect((await getDelivery(store.db, 'same-id'))?.event).toBe('workflow_run');
  });

  it('counts processing attempts and stamps the end', async () => {
    await recordDelivery(store.db, delivery('d-1'));
    await markDelivery(store.db, 'd-1', 'processing');
    const failed = await markDelivery(store.db, 'd-1', 'failed', 'GitHub said 502', new Date('2026-01-01T00:01:00Z'));
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'GitHub said 502',
      processed_at: new Date('2026-01-01T00:01:00Z'),
    });
    await markDelivery(store.db, 'd-1', 'processing');
    const processed = await markDelivery(store.db, 'd-1', 'processed');
    expect(processed).toMatchObject({ status: 'processed', attempts: 2, error: null });
    expect(processed?.processed_at).toBeInstanceOf(Date);
    expect(await markDelivery(store.db, 'missing', 'processed')).toBeUndefined();
  });

  it('finds the deliveries a crash left unfinished, oldest first', async () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    await recordDelivery(store.db, delivery('new', at(30)));
    await recordDelivery(store.db, delivery('stuck', at(2)));
    await recordDelivery(store.db, delivery('waiting', at(1)));
    await recordDelivery(store.db, delivery('done', at(0)));
    await markDelivery(store.db, 'stuck', 'processing');
    await markDelivery(store.db, 'done', 'processed');

    const pending = await pendingDeliveries(store.db, { olderThan: at(10) });
    expect(pending.map((d) => d.id)).toEqual(['waiting', 'stuck']);
    expect((await pendingDeliveries(store.db)).map((d) => d.id)).toEqual(['waiting', 'stuck', 'new']);
    expect((await pendingDeliveries(store.db, { limit: 1 })).map((d) => d.id)).toEqual(['waiting']);
  });

  it('prunes finished deliveries only', async () => {
    await recordDelivery(store.db, delivery('done'));
    await recordDelivery(store.db, delivery('open'));
    await markDelivery(store.db, 'done', 'ignored');
    expect(await pruneDeliveries(store.db, { before: new Date('2026-02-01T00:00:00Z') })).toBe(1);
    expect(await getDelivery(store.db, 'done')).toBeUndefined();
    expect(await getDelivery(store.db, 'open')).toBeDefined();
  });

  /** One delivery in each status, received a minute apart in this order. */
  async function oneOfEach(): Promise<void> {
    for (const [i, status] of deliveryStatuses.entries()) {
      await recordDelivery(store.db, delivery(status, new Date(Date.UTC(2026, 0, 1, 0, i))));
      if (status !== 'received') await markDelivery(store.db, status, status as DeliveryStatus, status === 'failed' ? 'boom' : undefined);
    }
  }

  it('has one definition of open: received or processing, never failed', async () => {
    await oneOfEach();
    expect([...OPEN_DELIVERY_STATUSES]).toEqual(['received', 'processing']);
    expect(await countOpenDeliveries(store.db)).toBe(2);
    expect((await pendingDeliveries(store.db)).map((d) => d.status)).toEqual(['received', 'processing']);
    expect(await countDeliveriesByStatus(store.db)).toEqual({ received: 1, processing: 1, processed: 1, failed: 1, ignored: 1 });
  });

  it('prunes finished deliveries in bounded batches, oldest first, never open ones', async () => {
    await oneOfEach();
    const before = new Date('2026-02-01T00:00:00Z');
    expect(await pruneDeliveries(store.db, { before, limit: 2 })).toBe(2);
    // processed (minute 2) and failed (minute 3) went first; ignored (minute 4) is left for the next batch.
    expect([...(await deliveryStatusesOf(store.db, [...deliveryStatuses])).keys()].sort()).toEqual(['ignored', 'processing', 'received']);
    expect(await pruneDeliveries(store.db, { before, limit: 2 })).toBe(1);
    expect(await pruneDeliveries(store.db, { before, limit: 2 })).toBe(0);
    expect(await countOpenDeliveries(store.db)).toBe(2);
  });

  it('keeps finished deliveries received at or after the cut-off', async () => {
    await recordDelivery(store.db, delivery('old', new Date('2026-01-01T00:00:00Z')));
    await recordDelivery(store.db, delivery('edge', new Date('2026-01-15T00:00:00Z')));
    await markDelivery(store.db, 'old', 'processed');
    await markDelivery(store.db, 'edge', 'processed');
    expect(await pruneDeliveries(store.db, { before: new Date('2026-01-15T00:00:00Z') })).toBe(1);
    expect(await getDelivery(store.db, 'edge')).toBeDefined();
  });

  it('lists failed deliveries most recent first, and reopens only failed ones', async () => {
    await oneOfEach();
    await recordDelivery(store.db, delivery('failed-later', new Date('2026-01-02T00:00:00Z')));
    await markDelivery(store.db, 'failed-later', 'failed', 'later');
    expect((await failedDeliveries(store.db)).map((d) => [d.id, d.error])).toEqual([
      ['failed-later', 'later'],
      ['failed', 'boom'],
    ]);
    expect(await failedDeliveries(store.db, { limit: 1 })).toHaveLength(1);

    expect(await reopenFailedDeliveries(store.db, ['failed', 'processed', 'unknown'])).toEqual(['failed']);
    expect(await getDelivery(store.db, 'failed')).toMatchObject({ status: 'received', error: null, processed_at: null });
    expect((await getDelivery(store.db, 'processed'))?.status).toBe('processed');
    expect(await reopenFailedDeliveries(store.db, 'all-failed')).toEqual(['failed-later']);
    expect(await failedDeliveries(store.db)).toEqual([]);
  });
});

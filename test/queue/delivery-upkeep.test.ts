import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { runDeliveryUpkeep } from '../../src/queue/delivery-upkeep.ts';
import type { Store } from '../../src/store/db.ts';
import { countDeliveriesByStatus, markDelivery, recordDelivery } from '../../src/store/repos/deliveries.ts';
import type { DeliveryStatus } from '../../src/store/schema/index.ts';
import { databaseTargets } from '../helpers/databases.ts';

const DAY = 24 * 60 * 60 * 1000;
const log = pino({ level: 'silent' });

describe.each(databaseTargets())('delivery upkeep on $name', (target) => {
  let store: Store;
  let clock: ManualClock;
  beforeEach(async () => {
    store = await target.open();
    clock = new ManualClock(Date.UTC(2026, 0, 1));
  });
  afterEach(async () => {
    await store.close();
  });

  async function deliver(id: string, status: DeliveryStatus): Promise<void> {
    await recordDelivery(store.db, { id, event: 'push', payload: {}, received_at: new Date(clock.now()) });
    if (status !== 'received') await markDelivery(store.db, id, status);
  }

  it('deletes finished deliveries older than the retention, in bounded batches per pass, never open ones', async () => {
    for (let i = 0; i < 5; i++) await deliver(`processed-${i}`, 'processed');
    await deliver('failed', 'failed');
    await deliver('ignored', 'ignored');
    await deliver('received', 'received');
    await deliver('processing', 'processing');
    clock.advance(DAY);
    await deliver('recent', 'processed');

    clock.advance(13 * DAY);
    // Exactly 14 days after the first ones: not older than the retention yet.
    expect(await runDeliveryUpkeep({ db: store.db, clock, log, retentionDays: 14 })).toEqual({ pruned: 0, redelivery: { skipped: 'no-app-client' } });

    clock.advance(1);
    const first = await runDeliveryUpkeep({ db: store.db, clock, log, retentionDays: 14, pruneBatch: 2, pruneBatches: 2 });
    expect(first.pruned).toBe(4);
    const second = await runDeliveryUpkeep({ db: store.db, clock, log, retentionDays: 14, pruneBatch: 2, pruneBatches: 2 });
    expect(second.pruned).toBe(3);
    expect(await countDeliveriesByStatus(store.db)).toEqual({ received: 1, processing: 1, processed: 1, failed: 0, ignored: 0 });

    clock.advance(DAY);
    expect((await runDeliveryUpkeep({ db: store.db, clock, log, retentionDays: 14 })).pruned).toBe(1);
  });

  it('reports a redelivery pass that cannot reach GitHub without failing the upkeep', async () => {
    const report = await runDeliveryUpkeep({
      db: store.db,
      clock,
      log,
      retentionDays: 14,
      appGitHub: () => Promise.reject(new Error('GitHub is down')),
    });
    expect(report).toEqual({ pruned: 0, redelivery: { error: 'GitHub is down' } });
  });
});

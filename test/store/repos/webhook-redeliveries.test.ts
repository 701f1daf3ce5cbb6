import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import {
  claimedRedeliveries,
  claimRedelivery,
  listRedeliveries,
  pruneRedeliveries,
  redeliveryScanFrom,
  releaseRedelivery,
  setRedeliveryScanFrom,
} from '../../../src/store/repos/webhook-redeliveries.ts';
import { databaseTargets } from '../../helpers/databases.ts';

const claim = (guid: string, requestedAt = new Date('2026-01-01T00:00:00Z')) => ({
  guid,
  hook_delivery_id: 9_007_199_254_740_000,
  event: 'push',
  action: null,
  status_code: 500,
  requested_at: requestedAt,
});

describe.each(databaseTargets())('webhook redeliveries on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('lets exactly one of many concurrent callers claim an event, until it is released', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => claimRedelivery(store.db, claim('g-1'))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await listRedeliveries(store.db)).toEqual([claim('g-1')]);
    expect(await claimedRedeliveries(store.db, ['g-1', 'g-2'])).toEqual(new Set(['g-1']));
    await releaseRedelivery(store.db, 'g-1');
    expect(await claimRedelivery(store.db, claim('g-1'))).toBe(true);
  });

  it('remembers where the next scan starts, and prunes old claims', async () => {
    expect(await redeliveryScanFrom(store.db, 'app')).toBeUndefined();
    await setRedeliveryScanFrom(store.db, 'app', new Date('2026-01-01T00:00:00Z'));
    await setRedeliveryScanFrom(store.db, 'app', new Date('2026-01-02T00:00:00Z'));
    expect(await redeliveryScanFrom(store.db, 'app')).toEqual(new Date('2026-01-02T00:00:00Z'));

    await claimRedelivery(store.db, claim('old', new Date('2026-01-01T00:00:00Z')));
    await claimRedelivery(store.db, claim('new', new Date('2026-01-20T00:00:00Z')));
    expect(await pruneRedeliveries(store.db, { before: new Date('2026-01-15T00:00:00Z') })).toBe(1);
    expect((await listRedeliveries(store.db)).map((r) => r.guid)).toEqual(['new']);
  });
});

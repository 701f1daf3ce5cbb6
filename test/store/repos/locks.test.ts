import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { acquireLock, getLock, listLocks, releaseLock } from '../../../src/store/repos/locks.ts';
import { databaseTargets } from '../../helpers/databases.ts';

const production = { owner: 'acme', repo: 'app', environment: 'production' };

describe.each(databaseTargets())('locks on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('locks a free environment, and refuses anyone else while held', async () => {
    const first = await acquireLock(store.db, { ...production, holder: 'octocat', reason: 'release freeze' });
    expect(first).toMatchObject({ acquired: true, lock: { holder: 'octocat', reason: 'release freeze' } });

    const other = await acquireLock(store.db, { ...production, holder: 'hubot', reason: 'mine' });
    expect(other).toMatchObject({ acquired: false, heldBy: { holder: 'octocat', reason: 'release freeze' } });

    // The holder may lock again (any case of their login); the reason follows.
    const again = await acquireLock(store.db, { ...production, holder: 'OctoCat', reason: 'still frozen' });
    expect(again).toMatchObject({ acquired: true, lock: { holder: 'octocat', reason: 'still frozen' } });

    expect(await acquireLock(store.db, { ...production, environment: 'staging', holder: 'hubot' })).toMatchObject({
      acquired: true,
    });
    expect((await listLocks(store.db, { owner: 'acme', repo: 'app' })).map((l) => l.environment)).toEqual([
      'production',
      'staging',
    ]);
  });

  it('gives a contested lock to exactly one holder', async () => {
    const holders = ['a', 'b', 'c', 'd', 'e', 'f'];
    const results = await Promise.all(holders.map((holder) => acquireLock(store.db, { ...production, holder })));
    const winners = results.filter((result) => result.acquired);
    expect(winners).toHaveLength(1);
    const holder = (await getLock(store.db, production))?.holder;
    for (const result of results) {
      expect(result.acquired ? result.lock.holder : result.heldBy.holder).toBe(holder);
    }
  });

  it('unlocks for the holder, or for anyone without a holder given', async () => {
    await acquireLock(store.db, { ...production, holder: 'octocat' });
    expect(await releaseLock(store.db, production, { holder: 'hubot' })).toMatchObject({
      released: false,
      heldBy: { holder: 'octocat' },
    });
    expect(await releaseLock(store.db, production, { holder: 'OCTOCAT' })).toMatchObject({ released: true });
    expect(await releaseLock(store.db, production)).toEqual({ released: false });

    await acquireLock(store.db, { ...production, holder: 'octocat' });
    expect(await releaseLock(store.db, production)).toMatchObject({ released: true, lock: { holder: 'octocat' } });
    expect(await getLock(store.db, production)).toBeUndefined();
    expect(await acquireLock(store.db, { ...production, holder: 'hubot' })).toMatchObject({ acquired: true });
  });
});

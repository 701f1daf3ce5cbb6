/**
 * What the demo reads of shipgate's deployment records: the watch that turns
 * `deployment_events`, `locks` and the outbox into timeline changes, and the
 * reader the verdict and the summary use, against a real migrated database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { readDeployments } from '../../src/demo/deployment-records.ts';
import { lockChanges, watchDeployments, type DeploymentRecordChange } from '../../src/demo/watch-deployments.ts';
import { reason } from '../../src/engine/reasons.ts';
import type { Store } from '../../src/store/db.ts';
import { createDeployment, transitionDeployment, updateDeploymentFields } from '../../src/store/repos/deployments.ts';
import { recordEffect } from '../../src/store/repos/effects.ts';
import { acquireLock, releaseLock } from '../../src/store/repos/locks.ts';
import { databaseTargets } from '../helpers/databases.ts';

const T0 = new Date(Date.UTC(2026, 11, 1, 10));
const SHOP = { owner: 'acme', repo: 'shop' };

async function request(store: Store, change: { repo?: string; environment?: string; sha: string; source?: 'stage' | 'command' | 'rollback'; rollbackOf?: number }) {
  return createDeployment(store.db, {
    installation_id: 1,
    owner: 'acme',
    repo: change.repo ?? 'shop',
    environment: change.environment ?? 'production',
    ref: 'main',
    sha: change.sha,
    requested_by: 'alice',
    source: change.source ?? 'command',
    stage: 'deploy',
    rollback_of: change.rollbackOf ?? null,
    ref_branches: ['main'],
    policy: {},
    now: T0,
  });
}

describe('lockChanges', () => {
  const lock = (holder: string, since = 1, why: string | null = null) => ({ holder, reason: why, since });
  it('reports a lock taken, re-taken or re-worded, and one released; an unchanged lock says nothing', () => {
    expect(lockChanges(new Map(), new Map([['production', lock('alice', 1, 'release')]]))).toEqual([{ kind: 'locked', environment: 'production', holder: 'alice', reason: 'release', since: 1 }]);
    expect(lockChanges(new Map([['production', lock('alice')]]), new Map([['production', lock('alice')]]))).toEqual([]);
    expect(lockChanges(new Map([['production', lock('alice')]]), new Map([['production', lock('bob', 2)]]))).toEqual([{ kind: 'locked', environment: 'production', holder: 'bob', reason: null, since: 2 }]);
    expect(lockChanges(new Map([['production', lock('alice', 1, 'a')]]), new Map([['production', lock('alice', 1, 'b')]]))).toHaveLength(1);
    expect(lockChanges(new Map([['qa', lock('carol')], ['production', lock('alice')]]), new Map())).toEqual([
      { kind: 'unlocked', environment: 'production', holder: 'alice' },
      { kind: 'unlocked', environment: 'qa', holder: 'carol' },
    ]);
  });
});

describe.each(databaseTargets())('deployment records on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it("watches each transition once, in order, with its reason and actor; locks taken and released; the outbox emptying; other repositories' requests left out", async () => {
    const changes: DeploymentRecordChange[] = [];
    const watch = watchDeployments(store.db, { repo: 'acme/shop', clock: new ManualClock(), onChange: (change) => changes.push(change) });
    const first = await request(store, { sha: 'a'.repeat(40) });
    await request(store, { repo: 'other', sha: 'c'.repeat(40) });
    await transitionDeployment(store.db, first.id, 'waiting', { reason: { ...reason('deploy.pipelines-running', { sha: first.sha, pipelines: ['ci'] }) }, actor: 'alice', now: T0 });
    await acquireLock(store.db, { ...SHOP, environment: 'production', holder: 'alice', reason: 'release in progress', now: T0 });
    await recordEffect(store.db, { kind: 'check-run', key: 'k1', payload: {}, now: T0 });
    await watch.poll();
    expect(changes).toEqual([
      { kind: 'transition', transition: expect.objectContaining({ deploymentId: first.id, environment: 'production', source: 'command', stage: 'deploy', from: null, to: 'requested', reason: null, actor: 'alice', at: T0.getTime() }) },
      { kind: 'transition', transition: expect.objectContaining({ deploymentId: first.id, from: 'requested', to: 'waiting', reason: expect.objectContaining({ code: 'deploy.pipelines-running' }) }) },
      { kind: 'locked', environment: 'production', holder: 'alice', reason: 'release in progress', since: T0.getTime() },
      { kind: 'outbox', pending: 1 },
    ]);

    // Nothing new: nothing reported.
    await watch.poll();
    expect(changes).toHaveLength(4);

    await transitionDeployment(store.db, first.id, 'deploying', { actor: 'shipgate', now: T0 });
    await releaseLock(store.db, { ...SHOP, environment: 'production' }, { holder: 'alice' });
    await store.db.updateTable('effects').set({ status: 'done' }).execute();
    await watch.poll();
    watch.stop();
    expect(changes.slice(4)).toEqual([
      { kind: 'transition', transition: expect.objectContaining({ from: 'waiting', to: 'deploying', actor: 'shipgate' }) },
      { kind: 'unlocked', environment: 'production', holder: 'alice' },
      { kind: 'outbox', pending: 0 },
    ]);
    // Stopped: what comes later is not reported.
    await transitionDeployment(store.db, first.id, 'succeeded', { actor: 'shipgate', now: T0 });
    await watch.poll();
    expect(changes).toHaveLength(7);
  });

  it("reads every request of a repository, oldest first, with the path of its statuses and its reasons' codes", async () => {
    const first = await request(store, { sha: 'a'.repeat(40) });
    await transitionDeployment(store.db, first.id, 'waiting', { reason: { ...reason('deploy.pipelines-running', { sha: first.sha, pipelines: ['ci'] }) }, actor: 'alice', now: T0 });
    await transitionDeployment(store.db, first.id, 'waiting', { reason: { ...reason('deploy.locked', { environment: 'production', holder: 'bob', reason: null, since: 'x' }) }, actor: 'bob', now: T0 });
    await transitionDeployment(store.db, first.id, 'deploying', { actor: 'shipgate', now: T0 });
    await updateDeploymentFields(store.db, first.id, { github_deployment_id: 500_001 }, T0);
    await transitionDeployment(store.db, first.id, 'succeeded', { actor: 'shipgate', now: T0 });
    const rollback = await request(store, { sha: 'b'.repeat(40), source: 'rollback', rollbackOf: first.id });
    await request(store, { repo: 'other', sha: 'c'.repeat(40) });

    expect(await readDeployments(store.db, 'acme/shop')).toEqual([
      expect.objectContaining({
        id: first.id,
        status: 'succeeded',
        githubDeploymentId: 500_001,
        path: ['requested', 'waiting', 'deploying', 'succeeded'],
        reasons: ['deploy.pipelines-running', 'deploy.locked'],
        rollbackOf: null,
        ref: 'main',
        requestedBy: 'alice',
      }),
      expect.objectContaining({ id: rollback.id, source: 'rollback', status: 'requested', rollbackOf: first.id, githubDeploymentId: null, path: ['requested'], reasons: [] }),
    ]);
    expect(await readDeployments(store.db, 'acme/nothing')).toEqual([]);
  });
});

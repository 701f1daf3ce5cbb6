/**
 * Two requests for one environment decided at the same moment (two replicas,
 * two transactions): the environment's advisory lock makes them one after the
 * other, so one deploys and one queues behind it — never two deploying.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { withTransaction } from '../../src/store/db.ts';
import { createDeployRun } from '../../src/deploy/lifecycle.ts';
import { reviewEnvironment } from '../../src/deploy/queue.ts';
import type { EnvironmentSnapshot } from '../../src/deploy/environment-policy.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { acquireLock } from '../../src/store/repos/locks.ts';

const production: EnvironmentSnapshot = { name: 'production', approvals: 0, approvers: [], allowSelfApproval: false, workflow: 'deploy.yml', inputs: {}, production: true, autoRollback: false };

describe.each(databaseTargets())('the environment queue on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('lets exactly one of two simultaneous requests deploy; the other is queued behind it', async () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const request = (sha: string) =>
      withTransaction(store.db, (trx) =>
        createDeployRun(trx, {
          installationId: 1,
          owner: 'acme',
          repo: 'api',
          environment: 'production',
          snapshot: production,
          sha,
          ref: 'main',
          refBranches: ['main'],
          dispatchRef: 'main',
          requestedBy: 'alice',
          source: 'rollback',
          prNumber: null,
          deliveryId: null,
          now,
        }),
      );
    for (let round = 0; round < 5; round++) {
      await store.db.deleteFrom('deployments').execute();
      const results = await Promise.all([request('a'.repeat(40)), request('b'.repeat(40))]);
      const rows = await store.db.selectFrom('deployments').select(['id', 'status', 'reason']).orderBy('id').execute();
      expect(rows.map((r) => r.status).sort()).toEqual(['deploying', 'queued']);
      const queued = rows.find((r) => r.status === 'queued');
      const deploying = rows.find((r) => r.status === 'deploying');
      expect(queued?.reason).toMatchObject({ code: 'deploy.queued', position: 2, ahead: [deploying?.id] });
      expect(results.map((r) => r.run.trigger)).toEqual(['deploy', 'deploy']);
      // One create-deployment effect: only the request that took the slot asks GitHub.
      const creates = await store.db.selectFrom('effects').select('key').where('kind', '=', 'create-deployment').execute();
      expect(creates.map((e) => e.key)).toContain(`deployment:${deploying?.id}`);
      expect(creates.map((e) => e.key)).not.toContain(`deployment:${queued?.id}`);
    }
  });

  it("lets the lock holder's request go past one that waits for the holder's lock", async () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const key = { owner: 'acme', repo: 'api', environment: 'production' };
    const request = (sha: string, requestedBy: string) =>
      withTransaction(store.db, (trx) =>
        createDeployRun(trx, {
          installationId: 1, owner: 'acme', repo: 'api', environment: 'production', snapshot: production, sha, ref: 'main', refBranches: ['main'],
          dispatchRef: 'main', requestedBy, source: 'command', prNumber: null, deliveryId: null, now,
        }),
      );
    const bob = await request('b'.repeat(40), 'bob');
    const carol = await request('c'.repeat(40), 'carol');
    // alice locks while carol's request is queued behind bob's deploy.
    await acquireLock(store.db, { ...key, holder: 'alice', reason: 'freeze', now });
    await withTransaction(store.db, (trx) => reviewEnvironment(trx, key, now));
    const alice = await request('a'.repeat(40), 'alice');
    const rows = await store.db.selectFrom('deployments').select(['id', 'status', 'reason']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: bob.deployment.id, status: 'deploying', reason: null },
      { id: carol.deployment.id, status: 'waiting', reason: expect.objectContaining({ code: 'deploy.locked', holder: 'alice' }) },
      // Behind the deploy under way, not behind carol's request that the lock holds.
      { id: alice.deployment.id, status: 'queued', reason: expect.objectContaining({ code: 'deploy.queued', position: 2, ahead: [bob.deployment.id] }) },
    ]);
  });
});

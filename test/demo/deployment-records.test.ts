/**
 * What the demo reads of shipgate's deployment records: the watch that turns
 * `deployment_events`, `locks` and the outbox into timeline changes, and the
 * reader the verdict and the summary use, against a real migrated database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { readApprovalRequests, readDeployments } from '../../src/demo/deployment-records.ts';
import { lockChanges, orderChanges, watchDeployments, type DeploymentRecordChange } from '../../src/demo/watch-deployments.ts';
import { reason } from '../../src/engine/reasons.ts';
import type { Store } from '../../src/store/db.ts';
import { createApprovalRequest, recordApproval, updateApprovalRequest } from '../../src/store/repos/approvals.ts';
import { createDeployment, transitionDeployment, updateDeploymentFields } from '../../src/store/repos/deployments.ts';
import { recordEffect } from '../../src/store/repos/effects.ts';
import { acquireLock, releaseLock } from '../../src/store/repos/locks.ts';
import { databaseTargets } from '../helpers/databases.ts';

const T0 = new Date(Date.UTC(2026, 11, 1, 10));
const SHOP = { owner: 'acme', repo: 'shop' };

async function request(store: Store, change: { repo?: string; environment?: string; sha: string; source?: 'stage' | 'command' | 'rollback'; rollbackOf?: number; wait?: string }) {
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
    policy: change.wait ? { approvals: 2, wait: change.wait } : {},
    now: T0,
  });
}

/** The approval request of a deployment, as shipgate opens it: two approvals from carol or the release managers. */
async function openRequest(store: Store, deployment: { id: number; sha: string }, repo = 'shop') {
  const { approvalRequest } = await createApprovalRequest(store.db, {
    deployment_id: deployment.id,
    owner: 'acme',
    repo,
    environment: 'production',
    sha: deployment.sha,
    required: 2,
    expires_at: null,
    requested_by: 'alice',
    approvers: ['carol', '@acme/release-managers'],
    allow_self_approval: false,
    comment_kind: 'issue',
    issue_number: 2,
    now: T0,
  });
  return approvalRequest;
}

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

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

describe('orderChanges', () => {
  const transition = (eventId: number, atMs: number): DeploymentRecordChange => ({
    kind: 'transition',
    transition: { eventId, deploymentId: 2, environment: 'production', sha: 'a'.repeat(40), ref: 'main', source: 'command', stage: 'deploy', requestedBy: 'alice', rollbackOf: null, from: 'waiting', to: 'waiting', reason: null, actor: 'shipgate', at: atMs },
  });
  const approval: DeploymentRecordChange = {
    kind: 'approval',
    approval: { approvalId: 1, requestId: 1, deploymentId: 2, environment: 'production', approver: 'dave', via: 'reaction', sha: 'a'.repeat(40), given: 2, required: 2, at: 6 },
  };
  const settled: DeploymentRecordChange = {
    kind: 'approval-request',
    request: {
      requestId: 1,
      deploymentId: 2,
      environment: 'production',
      sha: 'a'.repeat(40),
      required: 2,
      approvers: ['carol'],
      requestedBy: 'alice',
      allowSelfApproval: false,
      status: 'approved',
      issueNumber: 2,
      commentId: 3_000_001,
      approvedAt: 6,
      waitMs: 5_000,
      at: 1,
    },
  };

  it('orders the changes of one look by time, and at one moment an approval before the transition it causes before the request it settles', () => {
    expect(
      orderChanges([
        { at: 6, change: transition(3, 6) },
        { at: 6, change: settled },
        { at: 2, change: transition(2, 2) },
        { at: 6, change: approval },
      ]),
    ).toEqual([transition(2, 2), approval, transition(3, 6), settled]);
    // Two of a kind at one moment keep the order they were read in.
    expect(orderChanges([{ at: 1, change: transition(5, 1) }, { at: 1, change: transition(4, 1) }])).toEqual([transition(5, 1), transition(4, 1)]);
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

  it("watches an approval request opened, its comment written and its approval, each approval counted (who, how, how many of how many), in the order they were recorded; other repositories' left out", async () => {
    const changes: DeploymentRecordChange[] = [];
    const watch = watchDeployments(store.db, { repo: 'acme/shop', clock: new ManualClock(), onChange: (change) => changes.push(change) });
    const deployment = await request(store, { sha: 'a'.repeat(40), wait: '5s' });
    const needed = reason('deploy.approvals-needed', { environment: 'production', given: 0, required: 2, approvers: ['carol'] });
    await transitionDeployment(store.db, deployment.id, 'waiting', { reason: { ...needed }, actor: 'alice', now: T0 });
    const opened = await openRequest(store, deployment);
    const elsewhere = await request(store, { repo: 'other', sha: 'c'.repeat(40) });
    await openRequest(store, elsewhere, 'other');
    await watch.poll();
    expect(changes.filter((c) => c.kind !== 'outbox').map((c) => c.kind)).toEqual(['transition', 'transition', 'approval-request']);
    expect(changes.find((c) => c.kind === 'approval-request')).toEqual({
      kind: 'approval-request',
      request: {
        requestId: opened.id,
        deploymentId: deployment.id,
        environment: 'production',
        sha: 'a'.repeat(40),
        required: 2,
        approvers: ['carol', '@acme/release-managers'],
        requestedBy: 'alice',
        allowSelfApproval: false,
        status: 'pending',
        issueNumber: 2,
        commentId: null,
        approvedAt: null,
        waitMs: 5_000,
        at: T0.getTime(),
      },
    });

    // Its comment is written: one change; a poll of its reactions (no new status, no new comment): none.
    await updateApprovalRequest(store.db, opened.id, { comment_id: 3_000_001 }, { now: at(1) });
    await watch.poll();
    await updateApprovalRequest(store.db, opened.id, { polls: 1, reactions_polled_at: at(5) }, { now: at(5) });
    await watch.poll();
    expect(changes.filter((c) => c.kind === 'approval-request').map((c) => (c.kind === 'approval-request' ? [c.request.status, c.request.commentId] : []))).toEqual([
      ['pending', null],
      ['pending', 3_000_001],
    ]);

    // carol's /approve, then dave's 👍 approves it: in one transaction the approval, the wait timer's transition, the request approved.
    await recordApproval(store.db, { approval_request_id: opened.id, approver: 'carol', sha: deployment.sha, via: 'command', now: at(2) });
    await updateApprovalRequest(store.db, opened.id, { status: 'approved', approved_at: at(6) }, { now: at(6) });
    const timer = reason('deploy.approval-wait-timer', { environment: 'production', until: '2026-12-01 10:00 UTC' });
    await transitionDeployment(store.db, deployment.id, 'waiting', { reason: { ...timer }, actor: 'dave', now: at(6) });
    await recordApproval(store.db, { approval_request_id: opened.id, approver: 'dave', sha: deployment.sha, via: 'reaction', now: at(6) });
    const seen = changes.length;
    await watch.poll();
    watch.stop();
    const later = changes.slice(seen).filter((c) => c.kind !== 'outbox');
    expect(later.map((c) => c.kind)).toEqual(['approval', 'approval', 'transition', 'approval-request']);
    expect(later.flatMap((c) => (c.kind === 'approval' ? [c.approval] : []))).toEqual([
      expect.objectContaining({ requestId: opened.id, deploymentId: deployment.id, environment: 'production', approver: 'carol', via: 'command', given: 1, required: 2, at: at(2).getTime() }),
      expect.objectContaining({ approver: 'dave', via: 'reaction', sha: deployment.sha, given: 2, required: 2, at: at(6).getTime() }),
    ]);
    expect(later.at(-1)).toEqual({ kind: 'approval-request', request: expect.objectContaining({ status: 'approved', approvedAt: at(6).getTime(), commentId: 3_000_001 }) });
  });

  it('reads the approval requests of a repository with their approvals in order, and when each request first started deploying', async () => {
    const deployment = await request(store, { sha: 'a'.repeat(40), wait: '5s' });
    const opened = await openRequest(store, deployment);
    await recordApproval(store.db, { approval_request_id: opened.id, approver: 'carol', sha: deployment.sha, via: 'command', now: at(2) });
    await recordApproval(store.db, { approval_request_id: opened.id, approver: 'dave', sha: deployment.sha, via: 'reaction', now: at(6) });
    await updateApprovalRequest(store.db, opened.id, { status: 'approved', approved_at: at(6) }, { now: at(6) });
    await transitionDeployment(store.db, deployment.id, 'deploying', { actor: 'shipgate', now: at(12) });
    const untouched = await request(store, { sha: 'b'.repeat(40) });
    await openRequest(store, await request(store, { repo: 'other', sha: 'c'.repeat(40) }), 'other');

    expect(await readApprovalRequests(store.db, 'acme/shop')).toEqual([
      {
        id: opened.id,
        deploymentId: deployment.id,
        environment: 'production',
        sha: deployment.sha,
        required: 2,
        status: 'approved',
        approvedAt: at(6).getTime(),
        approvals: [
          { approver: 'carol', via: 'command', sha: deployment.sha, at: at(2).getTime() },
          { approver: 'dave', via: 'reaction', sha: deployment.sha, at: at(6).getTime() },
        ],
      },
    ]);
    expect(await readApprovalRequests(store.db, 'acme/nothing')).toEqual([]);
    const read = await readDeployments(store.db, 'acme/shop');
    expect(read.map((d) => [d.id, d.deployingAt])).toEqual([
      [deployment.id, at(12).getTime()],
      [untouched.id, null],
    ]);
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

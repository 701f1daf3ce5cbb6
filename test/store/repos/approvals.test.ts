import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withTransaction, type DbOrTrx, type Store } from '../../../src/store/db.ts';
import {
  createApprovalRequest,
  findApprovalRequestByDeployment,
  getApprovalRequest,
  listApprovals,
  listPendingApprovalRequests,
  lockApprovalRequest,
  recordApproval,
  removeApproval,
  updateApprovalRequest,
  type ApprovalRequestInput,
} from '../../../src/store/repos/approvals.ts';
import { createDeployment } from '../../../src/store/repos/deployments.ts';
import type { ApprovalCommentKind } from '../../../src/store/schema/index.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { BIG_ID } from '../fixtures.ts';

const production = { owner: 'acme', repo: 'app', environment: 'production' };
const sha = 'e'.repeat(40);
const CREATED_AT = new Date('2026-01-01T00:00:00Z');

/** A deployment to approve, so the request's foreign key holds. */
async function deploymentId(db: DbOrTrx): Promise<number> {
  const deployment = await createDeployment(db, { ...production, installation_id: 1, ref: 'main', sha, requested_by: 'dev', source: 'command', ref_branches: ['main'], policy: {}, now: CREATED_AT });
  return deployment.id;
}

/** An approval request of `deployment_id` with sensible defaults; `overrides` replaces any field. */
function requestInput(deployment_id: number, overrides: Partial<ApprovalRequestInput> = {}): ApprovalRequestInput {
  return {
    ...production,
    deployment_id,
    sha,
    required: 2,
    expires_at: new Date('2026-01-02T00:00:00Z'),
    requested_by: 'dev',
    approvers: ['@acme/release-managers', 'octocat'],
    allow_self_approval: false,
    comment_kind: 'issue',
    issue_number: 7,
    comment_id: BIG_ID,
    now: CREATED_AT,
    ...overrides,
  };
}

describe.each(databaseTargets())('approvals on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps one request per deployment and one approval per approver', async () => {
    const deployment = await deploymentId(store.db);
    const request = requestInput(deployment);
    const [a, b] = await Promise.all([createApprovalRequest(store.db, request), createApprovalRequest(store.db, request)]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.approvalRequest.id).toBe(b.approvalRequest.id);
    const { approvalRequest } = a;
    expect(approvalRequest).toMatchObject({ status: 'pending', comment_id: BIG_ID, required: 2 });

    const viaCommand = await recordApproval(store.db, {
      approval_request_id: approvalRequest.id,
      approver: 'octocat',
      sha,
      via: 'command',
    });
    expect(viaCommand.recorded).toBe(true);
    const viaReaction = await recordApproval(store.db, {
      approval_request_id: approvalRequest.id,
      approver: 'octocat',
      sha,
      via: 'reaction',
    });
    expect(viaReaction).toEqual({ recorded: false, approval: viaCommand.approval });
    await recordApproval(store.db, { approval_request_id: approvalRequest.id, approver: 'hubot', sha, via: 'check_run' });
    expect((await listApprovals(store.db, approvalRequest.id)).map((x) => [x.approver, x.via])).toEqual([
      ['octocat', 'command'],
      ['hubot', 'check_run'],
    ]);

    expect((await listPendingApprovalRequests(store.db, { owner: 'acme', repo: 'app', issue_number: 7 })).map((r) => r.id)).toEqual([
      approvalRequest.id,
    ]);
    const approved = await updateApprovalRequest(
      store.db,
      approvalRequest.id,
      { status: 'approved', resolved_at: new Date('2026-01-01T01:00:00Z') },
      { onlyIf: { status: ['pending'] } },
    );
    expect(approved?.status).toBe('approved');
    expect(
      await updateApprovalRequest(store.db, approvalRequest.id, { status: 'expired' }, { onlyIf: { status: ['pending'] } }),
    ).toBeUndefined();
    expect(await listPendingApprovalRequests(store.db, { owner: 'acme', repo: 'app' })).toEqual([]);
    expect((await findApprovalRequestByDeployment(store.db, deployment))?.id).toBe(approvalRequest.id);
    expect((await getApprovalRequest(store.db, approvalRequest.id))?.resolved_at).toEqual(new Date('2026-01-01T01:00:00Z'));
  });

  it('keeps a request without approval-timeout open forever (expires_at null)', async () => {
    const id = await deploymentId(store.db);
    const { approvalRequest } = await createApprovalRequest(store.db, requestInput(id, { expires_at: null }));
    expect(approvalRequest.expires_at).toBeNull();
    expect((await getApprovalRequest(store.db, approvalRequest.id))?.expires_at).toBeNull();
    // A timeout given is kept as the instant it was.
    const other = await createApprovalRequest(store.db, requestInput(await deploymentId(store.db)));
    expect(other.approvalRequest.expires_at).toEqual(new Date('2026-01-02T00:00:00Z'));
  });

  it('round-trips who asked, the approvers (a JSON array), self-approval and where the comment is', async () => {
    const onPr = await createApprovalRequest(store.db, requestInput(await deploymentId(store.db)));
    const onCommit = await createApprovalRequest(
      store.db,
      requestInput(await deploymentId(store.db), { requested_by: 'octocat', approvers: ['octocat'], allow_self_approval: true, comment_kind: 'commit', issue_number: null }),
    );
    const pr = await getApprovalRequest(store.db, onPr.approvalRequest.id);
    expect(pr).toMatchObject({ requested_by: 'dev', allow_self_approval: false, comment_kind: 'issue', issue_number: 7 });
    expect(pr?.approvers).toEqual(['@acme/release-managers', 'octocat']);
    expect(Array.isArray(pr?.approvers)).toBe(true);
    const commit = await getApprovalRequest(store.db, onCommit.approvalRequest.id);
    expect(commit).toMatchObject({ requested_by: 'octocat', approvers: ['octocat'], allow_self_approval: true, comment_kind: 'commit', issue_number: null });
    // What a new request has not got yet.
    expect(pr).toMatchObject({ approved_at: null, reason: null, resolved_by: null, polls: 0 });
  });

  it('keeps no approvers as an empty array', async () => {
    const { approvalRequest } = await createApprovalRequest(store.db, requestInput(await deploymentId(store.db), { approvers: [] }));
    expect((await getApprovalRequest(store.db, approvalRequest.id))?.approvers).toEqual([]);
  });

  it("refuses a comment kind that is neither 'issue' nor 'commit'", async () => {
    // A value from outside the types (a bad caller, a hand-written row) is stopped by the table's check.
    const bad = requestInput(await deploymentId(store.db), { comment_kind: 'pull' as ApprovalCommentKind });
    await expect(createApprovalRequest(store.db, bad)).rejects.toThrow(/approval_requests_comment_kind_check/);
  });

  it('stores why and when a request ended (reason as a JSON object), and clears them again', async () => {
    const { approvalRequest } = await createApprovalRequest(store.db, requestInput(await deploymentId(store.db)));
    const approvedAt = new Date('2026-01-01T00:30:00Z');
    const approved = await updateApprovalRequest(store.db, approvalRequest.id, { status: 'approved', approved_at: approvedAt }, { onlyIf: { status: ['pending'] } });
    expect(approved).toMatchObject({ status: 'approved', approved_at: approvedAt, reason: null });

    const voided = { code: 'deploy.sha-changed', environment: 'production', sha, head: 'f'.repeat(40), ahead: [3, 4], note: null };
    const cancelled = await updateApprovalRequest(
      store.db,
      approvalRequest.id,
      { status: 'cancelled', reason: voided, resolved_by: 'shipgate', resolved_at: new Date('2026-01-01T01:00:00Z') },
      { now: new Date('2026-01-01T01:00:00Z') },
    );
    expect(cancelled?.reason).toEqual(voided);
    expect(cancelled).toMatchObject({ status: 'cancelled', resolved_by: 'shipgate', approved_at: approvedAt, updated_at: new Date('2026-01-01T01:00:00Z') });
    expect((await getApprovalRequest(store.db, approvalRequest.id))?.reason).toEqual(voided);

    // A change that names no reason leaves the stored one alone.
    expect((await updateApprovalRequest(store.db, approvalRequest.id, { polls: 3 }))?.reason).toEqual(voided);
    // null clears it, and approved_at too.
    const cleared = await updateApprovalRequest(store.db, approvalRequest.id, { reason: null, approved_at: null });
    expect(cleared).toMatchObject({ reason: null, approved_at: null, polls: 3 });
  });

  it('updates nothing for an unknown request', async () => {
    expect(await updateApprovalRequest(store.db, 999_999, { reason: { code: 'x' } })).toBeUndefined();
  });

  it('removes one approver\'s approval once: true, then false', async () => {
    const { approvalRequest } = await createApprovalRequest(store.db, requestInput(await deploymentId(store.db)));
    await recordApproval(store.db, { approval_request_id: approvalRequest.id, approver: 'octocat', sha, via: 'reaction' });
    await recordApproval(store.db, { approval_request_id: approvalRequest.id, approver: 'hubot', sha, via: 'command' });

    expect(await removeApproval(store.db, approvalRequest.id, 'octocat')).toBe(true);
    expect(await removeApproval(store.db, approvalRequest.id, 'octocat')).toBe(false);
    expect(await removeApproval(store.db, approvalRequest.id, 'nobody')).toBe(false);
    expect(await removeApproval(store.db, 999_999, 'hubot')).toBe(false);
    // The other approver's approval stays.
    expect((await listApprovals(store.db, approvalRequest.id)).map((a) => a.approver)).toEqual(['hubot']);
    // Approving again after the removal counts as a new approval.
    expect((await recordApproval(store.db, { approval_request_id: approvalRequest.id, approver: 'octocat', sha, via: 'command' })).recorded).toBe(true);
  });

  it('locks a request for the rest of a transaction, and finds no unknown one', async () => {
    const { approvalRequest } = await createApprovalRequest(store.db, requestInput(await deploymentId(store.db)));
    const locked = await withTransaction(store.db, (trx) => lockApprovalRequest(trx, approvalRequest.id));
    expect(locked).toMatchObject({ id: approvalRequest.id, status: 'pending', approvers: ['@acme/release-managers', 'octocat'] });
    expect(await withTransaction(store.db, (trx) => lockApprovalRequest(trx, 999_999))).toBeUndefined();
  });

  it('makes a second transaction that locks the request wait for the first: no update is lost', async () => {
    const { approvalRequest } = await createApprovalRequest(store.db, requestInput(await deploymentId(store.db)));
    const bump = () =>
      withTransaction(store.db, async (trx) => {
        const row = await lockApprovalRequest(trx, approvalRequest.id);
        if (!row) throw new Error('the request vanished');
        // Hold the lock while the other transaction tries to read the row.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await updateApprovalRequest(trx, approvalRequest.id, { polls: row.polls + 1 });
      });
    await Promise.all([bump(), bump(), bump()]);
    expect((await getApprovalRequest(store.db, approvalRequest.id))?.polls).toBe(3);
  });
});

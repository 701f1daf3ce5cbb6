import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import {
  createApprovalRequest,
  findApprovalRequestByDeployment,
  getApprovalRequest,
  listApprovals,
  listPendingApprovalRequests,
  recordApproval,
  updateApprovalRequest,
} from '../../../src/store/repos/approvals.ts';
import { createDeployment } from '../../../src/store/repos/deployments.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { BIG_ID } from '../fixtures.ts';

const production = { owner: 'acme', repo: 'app', environment: 'production' };
const sha = 'e'.repeat(40);

describe.each(databaseTargets())('approvals on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps one request per deployment and one approval per approver', async () => {
    const deployment = await createDeployment(store.db, { ...production, installation_id: 1, ref: 'main', sha, requested_by: 'dev', source: 'command', ref_branches: ['main'], policy: {}, now: new Date('2026-01-01T00:00:00Z') });
    const request = {
      ...production,
      deployment_id: deployment.id,
      sha,
      required: 2,
      expires_at: new Date('2026-01-02T00:00:00Z'),
      issue_number: 7,
      comment_id: BIG_ID,
    };
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
    expect((await findApprovalRequestByDeployment(store.db, deployment.id))?.id).toBe(approvalRequest.id);
    expect((await getApprovalRequest(store.db, approvalRequest.id))?.resolved_at).toEqual(new Date('2026-01-01T01:00:00Z'));
  });
});

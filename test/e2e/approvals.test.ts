/**
 * Approvals end to end (SPEC §6): a deployment to an environment with
 * `approvals:` waits for distinct approvers, who approve by an `/approve`
 * comment, a 👍 on the request comment (polled: GitHub sends no reaction
 * webhooks) or the check run's Approve button — all counted in one place,
 * for the request's commit only; then the wait timer, then the deploy.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API } from '../helpers/acme-harness.ts';
import { appComments, approvalRows, checkOf, finish, lastReply, latestDeployment, requestComment, startWithRequest } from '../helpers/approvals.ts';

const MINUTE = 60_000;
const deployment = latestDeployment;
const approvals = approvalRows;

describe.each(databaseTargets())('approvals on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('one /approve and one 👍 approve it; the wait timer runs from the last approval; then it deploys', async () => {
    const started = await startWithRequest(target);
    h = started.h;
    const { pr } = started;
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.approvals-needed', given: 0, required: 2 }) });
    const request = requestComment(h, pr.number);
    expect(request?.body).toContain('0 of 2');
    expect(request?.body).toContain('@acme/release');
    const pending = checkOf(h, pr.headSha, 'shipgate/deploy/production');
    expect(pending).toMatchObject({ status: 'queued' });
    expect(pending?.actions?.map((a) => a.identifier)).toEqual(['approve']);

    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/approve production', author: 'carol' });
    await h.settle();
    expect(lastReply(h, pr.number)).toContain('approval counted for production: 1 of 2');
    expect(requestComment(h, pr.number)?.body).toContain('1 of 2');
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/status', author: 'alice' });
    await h.settle();
    expect(appComments(h, pr.number).find((c) => c.body.includes('<!-- shipgate:status:'))?.body).toContain('approvals 1 of 2 (pending, expires');

    h.sim.react({ repo: ACME_API, commentId: request?.id ?? 0, content: '+1', user: 'dave' });
    await h.advance(6_000);
    await h.settle();
    expect(await approvals(h)).toEqual([
      { approver: 'carol', via: 'command', sha: pr.headSha },
      { approver: 'dave', via: 'reaction', sha: pr.headSha },
    ]);
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.approval-wait-timer' }) });
    expect(h.sim.deployments(ACME_API)).toEqual([]);
    await h.advance(9 * MINUTE);
    await h.reconcile();
    expect(await deployment(h)).toMatchObject({ status: 'waiting' });
    await h.advance(MINUTE + 1_000);
    await h.reconcile();
    await finish(h);
    expect(await deployment(h)).toMatchObject({ status: 'succeeded' });
    expect(h.sim.deployments(ACME_API).map((d) => d.sha)).toEqual([pr.headSha]);
    expect(requestComment(h, pr.number)?.body).toMatch(/Approved/);
  });
});

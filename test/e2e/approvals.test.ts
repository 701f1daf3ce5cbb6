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
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';

const CONFIG = `version: 1
pipelines:
  ci:
    on:
      pull_request: { branches: [main] }
      push: { branches: [main] }
    stages:
      test:
        jobs:
          unit: { workflow: test.yml }
environments:
  production:
    approvals: 2
    approvers: ['@acme/release', carol, dave, alice]
    wait: 10m
    approval-timeout: 24h
    workflow: deploy.yml
`;

const MINUTE = 60_000;
const appComments = (h: Harness, issue: number) => h.sim.comments(ACME_API, issue).filter((c) => c.app !== undefined);
const requestComment = (h: Harness, issue: number) => appComments(h, issue).find((c) => c.body.includes('<!-- shipgate:approval:'));
const lastReply = (h: Harness, issue: number) => appComments(h, issue).filter((c) => !c.body.includes('<!-- shipgate:approval:')).at(-1)?.body ?? '';
const checkOf = (h: Harness, sha: string, name: string) =>
  h.sim
    .checkRuns(ACME_API)
    .filter((c) => c.headSha === sha && c.name === name)
    .at(-1);

async function deployment(h: Harness) {
  return h.store.db.selectFrom('deployments').select(['id', 'status', 'reason', 'sha']).orderBy('id', 'desc').executeTakeFirst();
}
async function approvals(h: Harness) {
  return h.store.db.selectFrom('approvals').select(['approver', 'via', 'sha']).orderBy('id').execute();
}
async function finish(h: Harness, rounds = 4) {
  await h.settle();
  for (let i = 0; i < rounds; i++) await h.advance(31_000);
}

async function startWithRequest(target: Parameters<typeof startAcmeHarness>[0]) {
  const h = await startAcmeHarness(target, CONFIG, {
    setup: (sim) => {
      for (const user of ['carol', 'dave', 'erin', 'frank']) sim.setPermission(ACME_API, user, 'read');
      sim.addTeamMember('acme', 'release', 'erin');
    },
  });
  const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
  await finish(h);
  h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy production', author: 'alice' });
  await h.settle();
  return { h, pr };
}

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

/**
 * Approvals that must not count, end to end (SPEC §6): the requester's own,
 * a bot's, a former or pending team member's, the same person twice, an
 * edited comment, an approval with nothing to approve, approvals racing on two
 * replicas, a 👍 taken back, a push between approvals, a late approval, a
 * rate-limited reactions API, rejections and the check run's button. Each case
 * looks at what people and GitHub see: the approval rows, the deployment's
 * status and reason, the reply, the request comment, the check run, and the
 * GitHub deployments created (or not).
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { REACTION_POLL_DELAYS_MS } from '../../src/deploy/approval-requests.ts';
import { startShipgate } from '../../src/server.ts';
import { openDatabase } from '../../src/store/db.ts';
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { appConfigFor, type Harness } from '../helpers/harness.ts';
import { DISPATCH } from '../helpers/routes.ts';
import { appComments, approvalRows, approvalsConfig, checkOf, finish, lastReply, latestDeployment, replies, requestComment, say, startWithRequest } from '../helpers/approvals.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const REACTIONS = 'GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions';

const reactionPolls = (h: Harness) => h.sim.requests.filter((r) => r.route === REACTIONS);
const deployDispatches = (h: Harness) => h.sim.dispatches().filter((d) => d.workflow === 'deploy.yml' && d.status < 300);
const deployment = latestDeployment;
const approvals = approvalRows;

async function approvalRequest(h: Harness) {
  return h.store.db.selectFrom('approval_requests').select(['id', 'status', 'reason', 'sha', 'polls']).orderBy('id', 'desc').executeTakeFirstOrThrow();
}
async function audits(h: Harness, action: string) {
  return h.store.db.selectFrom('audit_log').select(['actor', 'outcome', 'target']).where('action', '=', action).orderBy('id').execute();
}
/** Moves time on in small steps, as it passes (the clock fires every due poll at its own time). */
async function advanceInSteps(h: Harness, ms: number, step = 1_000) {
  for (let passed = 0; passed < ms; passed += step) await h.advance(Math.min(step, ms - passed));
}
/** Moves time on a second at a time until `done` holds (at most `maxMs`). */
async function advanceUntil(h: Harness, done: () => Promise<boolean>, maxMs = 10 * MINUTE) {
  for (let passed = 0; !(await done()); passed += 1_000) {
    if (passed >= maxMs) throw new Error(`still not done after ${maxMs} ms`);
    await h.advance(1_000);
  }
}
describe.each(databaseTargets())('approvals that do not count, on $name', (target) => {
  let h: Harness | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.reverse()) await close();
    closers.length = 0;
    await h?.close();
    h = undefined;
  });


  it('the requester approving her own deployment is refused (approval.self) and counts nothing', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    await say(h, s.pr.number, 'alice', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.self`)');
    expect(lastReply(h, s.pr.number)).toContain('@alice asked for this deployment to production and may not approve it');
    expect(await approvals(h)).toEqual([]);
    expect(requestComment(h, s.pr.number)?.body).toContain('Approvals: 0 of 2');
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.approvals-needed', given: 0 }) });
    expect(await audits(h, 'approval.approve')).toEqual([{ actor: 'alice', outcome: 'approval.self', target: `pull/${s.pr.number}` }]);

    // Her 👍 is refused the same way, once (not at every poll).
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'alice' });
    await advanceInSteps(h, 30_000, 5_000);
    expect(await approvals(h)).toEqual([]);
    expect((await audits(h, 'approval.approve')).map((a) => a.outcome)).toEqual(['approval.self', 'approval.self']);
  });

  it("a bot's 👍 never counts, even a bot in the approvers' team", async () => {
    const s = await startWithRequest(target);
    h = s.h;
    // One account of GitHub's type Bot (an app's), one only by its `[bot]` login.
    h.sim.createApp({ slug: 'ci-helper' });
    h.sim.addTeamMember('acme', 'release', 'ci-helper[bot]');
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'ci-helper[bot]' });
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'renovate[bot]' });
    await advanceInSteps(h, 30_000, 5_000);
    expect(await approvals(h)).toEqual([]);
    expect(requestComment(h, s.pr.number)?.body).toContain('Approvals: 0 of 2');
    expect((await audits(h, 'approval.approve')).map((a) => [a.actor, a.outcome])).toEqual([
      ['ci-helper[bot]', 'approval.bot'],
      ['renovate[bot]', 'approval.bot'],
    ]);
    // Bots are judged before any lookup: no membership or permission request for them.
    expect(h.sim.requests.filter((r) => r.path.includes('[bot]') || r.path.includes('%5Bbot%5D'))).toEqual([]);
  });

  it('an approver who left the team (membership 404) or whose membership is pending is no approver', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    h.sim.removeTeamMember('acme', 'release', 'erin');
    h.sim.addTeamMember('acme', 'release', 'gina', { state: 'pending' });
    await say(h, s.pr.number, 'erin', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.not-approver`)');
    expect(lastReply(h, s.pr.number)).toContain('@erin is not an approver of production');
    await say(h, s.pr.number, 'gina', '/approve');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.not-approver`)');
    expect(lastReply(h, s.pr.number)).toContain('a team counts only for its active members');
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'gina' });
    await advanceInSteps(h, 30_000, 5_000);
    expect(await approvals(h)).toEqual([]);
    expect((await audits(h, 'approval.approve')).map((a) => [a.actor, a.outcome])).toEqual([
      ['erin', 'approval.not-approver'],
      ['gina', 'approval.not-approver'],
      ['gina', 'approval.not-approver'],
    ]);
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ given: 0 }) });

    // gina accepts the invitation, takes her 👍 back and gives it again: a new reaction is judged anew.
    h.sim.addTeamMember('acme', 'release', 'gina', { state: 'active' });
    await advanceInSteps(h, 60_000, 5_000);
    expect(await approvals(h)).toEqual([]);
    h.sim.unreact({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'gina' });
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'gina' });
    await advanceInSteps(h, 400_000, 5_000);
    expect((await approvals(h)).map((a) => [a.approver, a.via])).toEqual([['gina', 'reaction']]);
  });

  it('an approval given before its approver left the team is dropped when the count is decided', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    await say(h, s.pr.number, 'erin', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('approval counted for production: 1 of 2');
    h.sim.removeTeamMember('acme', 'release', 'erin');
    await say(h, s.pr.number, 'carol', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('approval counted for production: 1 of 2');
    expect(await approvals(h)).toEqual([{ approver: 'carol', via: 'command', sha: s.pr.headSha }]);
    expect(await audits(h, 'approval.dropped')).toEqual([{ actor: 'erin', outcome: 'approval.not-approver', target: `pull/${s.pr.number}` }]);
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.approvals-needed', given: 1 }) });
    expect(requestComment(h, s.pr.number)?.body).toContain('Approvals: 1 of 2');
  });

  it('the same user approving by comment and by 👍 counts once', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    await say(h, s.pr.number, 'carol', '/approve production');
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'carol' });
    await advanceInSteps(h, 30_000, 5_000);
    expect(await approvals(h)).toEqual([{ approver: 'carol', via: 'command', sha: s.pr.headSha }]);
    expect(requestComment(h, s.pr.number)?.body).toContain('Approvals: 1 of 2');
    // And the other way round: dave's 👍 first, then his comment is 'already'.
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'dave' });
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'carol' });
    await say(h, s.pr.number, 'carol', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('@carol had already approved production (an approver counts once): 1 of 2');
    expect(await approvals(h)).toEqual([{ approver: 'carol', via: 'command', sha: s.pr.headSha }]);
    expect((await audits(h, 'approval.approve')).map((a) => [a.actor, a.outcome])).toEqual([
      ['carol', 'ok'],
      ['carol', 'approval.already'],
    ]);
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.approvals-needed', given: 1 }) });
  });

  it('/approve in an edited comment does nothing', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    const comment = h.sim.comment({ repo: ACME_API, issue: s.pr.number, body: 'looks good to me', author: 'carol' });
    await h.settle();
    const before = appComments(h, s.pr.number).length;
    h.sim.updateComment({ repo: ACME_API, commentId: comment.id, body: '/approve production', author: 'carol' });
    await h.settle();
    expect(h.sim.webhooks.find('issue_comment', 'edited')).toHaveLength(1);
    expect(await approvals(h)).toEqual([]);
    expect(appComments(h, s.pr.number)).toHaveLength(before);
    expect(h.sim.comments(ACME_API, s.pr.number).find((c) => c.id === comment.id)?.reactions).toEqual([]);
    expect(await audits(h, 'approval.approve')).toEqual([]);
    expect(requestComment(h, s.pr.number)?.body).toContain('Approvals: 0 of 2');
  });

  it('/approve with no open request, or naming an environment with none, is answered approval.no-request', async () => {
    h = await startAcmeHarness(target, approvalsConfig(), { setup: (sim) => sim.setPermission(ACME_API, 'carol', 'read') });
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await finish(h);
    await say(h, pr.number, 'carol', '/approve');
    expect(lastReply(h, pr.number)).toContain('**refused** (`approval.no-request`)');
    expect(lastReply(h, pr.number)).toContain('nothing here waits for approval');
    await say(h, pr.number, 'alice', '/deploy production');
    await say(h, pr.number, 'carol', '/approve staging');
    expect(lastReply(h, pr.number)).toContain('**refused** (`approval.no-request`)');
    expect(lastReply(h, pr.number)).toContain("no deployment to staging waits for approval here; open requests are for 'production'");
    expect(await approvals(h)).toEqual([]);
  });

  it('two approvals at the same moment deploy once', async () => {
    // No wait timer: the approval that completes the count starts the deploy itself.
    const s = await startWithRequest(target, { wait: false });
    h = s.h;
    const harness = h;
    // On PostgreSQL, two replicas on one database (as test/e2e/replicas.test.ts), one approval
    // delivered to each at the same moment; either replica's queue worker may process either.
    // PGlite belongs to one process, so there the two deliveries go to the one app at once.
    const urls = [harness.app.url];
    if (target.name === 'postgres') {
      const store = await openDatabase({ url: String(harness.store.pool?.options.connectionString), poolSize: 4 });
      closers.push(() => store.close());
      const second = await startShipgate(appConfigFor(harness.sim), {
        clock: harness.clock,
        log: pino({ level: 'silent' }),
        store,
        requestPolicy: { writeIntervalMs: 0, retryBaseMs: 5, maxWaitMs: 50 },
        scheduleReconcile: false,
      });
      closers.push(() => second.stop());
      urls.push(second.url);
    } else {
      urls.push(harness.app.url);
    }
    // The sim records both comments' webhooks without sending them; they are sent below at once.
    harness.sim.faults.set({ webhookDropRate: 1 });
    harness.sim.comment({ repo: ACME_API, issue: s.pr.number, body: '/approve production', author: 'carol' });
    harness.sim.comment({ repo: ACME_API, issue: s.pr.number, body: '/approve production', author: 'dave' });
    harness.sim.faults.clear();
    const held = harness.sim.webhooks.find('issue_comment', 'created').slice(-2);
    expect(held.map((d) => d.dropped)).toEqual([true, true]);
    const answers = await Promise.all(held.map((d, i) => fetch(`${urls[i]}/api/github/webhooks`, { method: 'POST', headers: d.headers, body: d.body })));
    expect(answers.map((a) => a.status < 300)).toEqual([true, true]);
    await finish(harness, 6);

    expect((await approvals(harness)).map((a) => a.approver).sort()).toEqual(['carol', 'dave']);
    expect(await deployment(harness)).toMatchObject({ status: 'succeeded' });
    expect(harness.sim.deployments(ACME_API).map((d) => d.sha)).toEqual([s.pr.headSha]);
    expect(deployDispatches(harness)).toHaveLength(1);
    expect(replies(harness, s.pr.number).filter((r) => r.includes('approval counted for production')).map((r) => /(\d) of 2/.exec(r)?.[1]).sort()).toEqual(['1', '2']);
    harness.sim.assertNoViolations();
  });

  it('a 👍 taken back before the poll never counts; one taken back after it is withdrawn before the second approval', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'dave' });
    await h.advance(2_000);
    h.sim.unreact({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'dave' });
    await advanceInSteps(h, 20_000, 5_000);
    expect(reactionPolls(h).length).toBeGreaterThan(0);
    expect(await approvals(h)).toEqual([]);

    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'carol' });
    await advanceInSteps(h, 20_000, 5_000);
    expect(await approvals(h)).toEqual([{ approver: 'carol', via: 'reaction', sha: s.pr.headSha }]);
    expect(requestComment(h, s.pr.number)?.body).toContain('Approvals: 1 of 2');
    h.sim.unreact({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'carol' });
    await advanceInSteps(h, 40_000, 5_000);
    expect(await approvals(h)).toEqual([]);
    expect(requestComment(h, s.pr.number)?.body).toContain('Approvals: 0 of 2');
    expect(await audits(h, 'approval.withdrawn')).toEqual([{ actor: 'carol', outcome: 'ok', target: `comment:${s.request.id}` }]);

    await say(h, s.pr.number, 'dave', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('approval counted for production: 1 of 2');
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.approvals-needed', given: 1 }) });
  });

  it('a push between the first and the second approval cancels the request (deploy.sha-changed); nothing deploys', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    await say(h, s.pr.number, 'carol', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('1 of 2');
    const pushed = h.sim.push({ repo: ACME_API, branch: 'topic', files: { 'src/app.ts': 'export const x = 2;\n' }, author: 'alice' });
    await h.settle();
    expect(await approvalRequest(h)).toMatchObject({ status: 'cancelled', reason: expect.objectContaining({ code: 'deploy.sha-changed', sha: s.pr.headSha, head: pushed.sha }) });
    expect(await deployment(h)).toMatchObject({ status: 'cancelled', sha: s.pr.headSha, reason: expect.objectContaining({ code: 'deploy.sha-changed' }) });
    const body = requestComment(h, s.pr.number)?.body ?? '';
    expect(body).toContain('🚫 Cancelled');
    expect(body).toContain('a new `/deploy production` is needed');
    expect(checkOf(h, s.pr.headSha)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });

    const pollsAtPush = reactionPolls(h).length;
    await say(h, s.pr.number, 'dave', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.sha-changed`)');
    expect(lastReply(h, s.pr.number)).toContain(`the pull request is now at ${pushed.sha.slice(0, 7)}; a new \`/deploy production\` is needed`);
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'dave' });
    await finish(h);
    await h.advance(11 * MINUTE);
    await h.reconcile();
    await finish(h);
    expect(reactionPolls(h)).toHaveLength(pollsAtPush);
    expect(await approvals(h)).toEqual([{ approver: 'carol', via: 'command', sha: s.pr.headSha }]);
    expect(h.sim.deployments(ACME_API)).toEqual([]);
    expect(deployDispatches(h)).toEqual([]);
  });

  it('a push whose webhook has not arrived yet voids the request at the approval that would complete it, by comment or by 👍', async () => {
    const s = await startWithRequest(target, { wait: false });
    h = s.h;
    await say(h, s.pr.number, 'carol', '/approve production');
    h.sim.faults.set({ webhookDropRate: 1 });
    const pushed = h.sim.push({ repo: ACME_API, branch: 'topic', files: { 'src/app.ts': 'export const x = 2;\n' }, author: 'alice' });
    h.sim.faults.clear();
    // dave's 👍 would complete the count: the poll asks for the pull request's head first.
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'dave' });
    await advanceInSteps(h, 30_000, 5_000);
    expect(await approvals(h)).toEqual([{ approver: 'carol', via: 'command', sha: s.pr.headSha }]);
    expect(await approvalRequest(h)).toMatchObject({ status: 'cancelled', reason: expect.objectContaining({ code: 'deploy.sha-changed', head: pushed.sha }) });
    expect(await deployment(h)).toMatchObject({ status: 'cancelled', reason: expect.objectContaining({ code: 'deploy.sha-changed' }) });
    expect(await audits(h, 'approval.approve')).toContainEqual({ actor: 'dave', outcome: 'approval.sha-changed', target: `comment:${s.request.id}` });
    await say(h, s.pr.number, 'erin', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.sha-changed`)');
    expect(lastReply(h, s.pr.number)).toContain(`the pull request is now at ${pushed.sha.slice(0, 7)}`);
    await h.reconcile();
    await finish(h);
    expect(h.sim.deployments(ACME_API)).toEqual([]);
    expect(deployDispatches(h)).toEqual([]);
  });

  it('a push whose webhook has not arrived yet voids the request at the next /approve', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    h.sim.faults.set({ webhookDropRate: 1 });
    const pushed = h.sim.push({ repo: ACME_API, branch: 'topic', files: { 'src/app.ts': 'export const x = 2;\n' }, author: 'alice' });
    h.sim.faults.clear();
    await h.settle();
    await say(h, s.pr.number, 'dave', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.sha-changed`)');
    expect(lastReply(h, s.pr.number)).toContain(`the pull request is now at ${pushed.sha.slice(0, 7)}`);
    expect(await approvals(h)).toEqual([]);
    expect(await approvalRequest(h)).toMatchObject({ status: 'cancelled', reason: expect.objectContaining({ code: 'deploy.sha-changed' }) });
    expect(await deployment(h)).toMatchObject({ status: 'cancelled' });
  });

  it('an approval after the request expired is refused (approval.expired); the deployment expires and polling stops', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    await say(h, s.pr.number, 'carol', '/approve production');
    // Half a day of polls, then past the expiry.
    await h.advance(12 * HOUR);
    await h.advance(12 * HOUR + MINUTE);
    expect(await approvalRequest(h)).toMatchObject({ status: 'expired' });
    expect(await deployment(h)).toMatchObject({ status: 'expired', reason: expect.objectContaining({ code: 'deploy.approval-expired' }) });
    expect(requestComment(h, s.pr.number)?.body).toContain('⌛ Expired at');
    expect(checkOf(h, s.pr.headSha)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const expiredAt = h.clock.now();
    const pollsAtExpiry = reactionPolls(h).length;

    await say(h, s.pr.number, 'dave', '/approve production');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.expired`)');
    expect(lastReply(h, s.pr.number)).toContain('the approval request for production expired at');
    await say(h, s.pr.number, 'dave', '/reject too late anyway');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.expired`)');
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'dave' });
    await advanceInSteps(h, 2 * HOUR, 10 * MINUTE);
    await h.reconcile();
    expect(reactionPolls(h).filter((r) => r.at >= expiredAt)).toEqual([]);
    expect(reactionPolls(h)).toHaveLength(pollsAtExpiry);
    expect(await approvals(h)).toEqual([{ approver: 'carol', via: 'command', sha: s.pr.headSha }]);
    expect(h.sim.deployments(ACME_API)).toEqual([]);
  });

  it('a rate-limited reactions API: polls back off, never give up, and the 👍 given meanwhile counts once it lifts', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    await say(h, s.pr.number, 'carol', '/approve production');
    const limitFrom = h.clock.now();
    h.sim.faults.set({ routes: [REACTIONS], rateLimitRate: 1, rateLimitStatus: 403, retryAfterSeconds: 60 });
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'dave' });
    await advanceInSteps(h, 10 * MINUTE, 5_000);
    const limited = reactionPolls(h).filter((r) => r.at >= limitFrom);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((r) => r.fault === 'rate-limit')).toBe(true);
    // The tries (each a few requests at one moment: the client's own retries) come further and further apart.
    const harness = h;
    const triesAt = (from: number) => [...new Set(reactionPolls(harness).filter((r) => r.at >= from).map((r) => r.at))];
    const tries = triesAt(limitFrom);
    const gaps = tries.slice(1).map((at, i) => at - (tries[i] ?? 0));
    expect(gaps.length).toBeGreaterThan(2);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1] ?? 0);
    expect(tries.length).toBeLessThan(12);

    // Three hours of it: a try every 5 minutes at most, and the poll is still there (it once gave up after 25 tries).
    const later = h.clock.now();
    await advanceInSteps(h, 3 * HOUR, MINUTE);
    expect(triesAt(later).length).toBeLessThanOrEqual((3 * HOUR) / (5 * MINUTE) + 1);
    const poll = await h.store.db.selectFrom('effects').select(['status']).where('kind', '=', 'approval-reactions').executeTakeFirstOrThrow();
    expect(poll.status).toBe('pending');
    expect(await approvals(h)).toHaveLength(1);

    h.sim.faults.clear();
    await advanceInSteps(h, 6 * MINUTE, 10_000);
    expect(await approvals(h)).toEqual([
      { approver: 'carol', via: 'command', sha: s.pr.headSha },
      { approver: 'dave', via: 'reaction', sha: s.pr.headSha },
    ]);
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.approval-wait-timer' }) });
  });

  it('/reject by an approver ends the request: rejected with its reason, the check fails', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    await say(h, s.pr.number, 'frank', '/reject production not from me');
    expect(lastReply(h, s.pr.number)).toContain('**refused** (`approval.not-approver`)');
    await say(h, s.pr.number, 'carol', '/reject production needs more testing');
    const d = await deployment(h);
    expect(d).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: 'deploy.approval-rejected', by: 'carol', reason: 'needs more testing' }) });
    expect(lastReply(h, s.pr.number)).toContain(`rejected deployment #${d?.id} of ${s.pr.headSha.slice(0, 7)} to production (“needs more testing”)`);
    expect(requestComment(h, s.pr.number)?.body).toContain('❌ Rejected by @carol — “needs more testing”');
    await finish(h);
    expect(checkOf(h, s.pr.headSha)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(h.sim.deployments(ACME_API)).toEqual([]);
    expect(await audits(h, 'approval.reject')).toEqual([
      { actor: 'frank', outcome: 'approval.not-approver', target: `pull/${s.pr.number}` },
      { actor: 'carol', outcome: 'ok', target: `pull/${s.pr.number}` },
    ]);
  });

  it("👎 by a non-approver does nothing; 👎 by an approver rejects", async () => {
    const s = await startWithRequest(target);
    h = s.h;
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '-1', user: 'frank' });
    await advanceInSteps(h, 30_000, 5_000);
    expect(await deployment(h)).toMatchObject({ status: 'waiting' });
    expect(await approvalRequest(h)).toMatchObject({ status: 'pending' });
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '-1', user: 'dave' });
    await advanceInSteps(h, 60_000, 5_000);
    expect(await deployment(h)).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: 'deploy.approval-rejected', by: 'dave', reason: null }) });
    expect(requestComment(h, s.pr.number)?.body).toContain('❌ Rejected by @dave');
    await finish(h);
    expect(checkOf(h, s.pr.headSha)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect((await audits(h, 'approval.reject')).map((a) => [a.actor, a.outcome])).toEqual([
      ['frank', 'approval.not-approver'],
      ['dave', 'ok'],
    ]);
    const polls = reactionPolls(h).length;
    await advanceInSteps(h, 10 * MINUTE, MINUTE);
    expect(reactionPolls(h)).toHaveLength(polls);
    expect(h.sim.deployments(ACME_API)).toEqual([]);
  });

  it("the check run's Approve button counts for an approver (via check_run), not for anyone else", async () => {
    const s = await startWithRequest(target);
    h = s.h;
    const check = checkOf(h, s.pr.headSha);
    expect(check?.actions.map((a) => a.identifier)).toEqual(['approve']);
    h.sim.clickCheckRunButton({ checkRunId: check?.id ?? 0, identifier: 'approve', user: 'frank' });
    await h.settle();
    expect(await approvals(h)).toEqual([]);
    h.sim.clickCheckRunButton({ checkRunId: check?.id ?? 0, identifier: 'approve', user: 'carol' });
    await h.settle();
    expect(await approvals(h)).toEqual([{ approver: 'carol', via: 'check_run', sha: s.pr.headSha }]);
    expect(await audits(h, 'approval.approve')).toEqual([
      { actor: 'frank', outcome: 'approval.not-approver', target: `check_run:${check?.id}` },
      { actor: 'carol', outcome: 'ok', target: `check_run:${check?.id}` },
    ]);
    expect(requestComment(h, s.pr.number)?.body).toContain('Approve button');
    expect(requestComment(h, s.pr.number)?.body).toContain('Approvals: 1 of 2');
    expect(checkOf(h, s.pr.headSha)?.output.summary).toContain('@carol by Approve button');

    // dave's press completes the count (the pull request's head is asked first: still the request's commit).
    h.sim.clickCheckRunButton({ checkRunId: check?.id ?? 0, identifier: 'approve', user: 'dave' });
    await h.settle();
    expect((await approvals(h)).map((a) => [a.approver, a.via])).toEqual([
      ['carol', 'check_run'],
      ['dave', 'check_run'],
    ]);
    expect(await deployment(h)).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.approval-wait-timer' }) });
    // Approved: the check run's update replaces its buttons with none (GitHub keeps buttons until an update replaces them).
    expect(checkOf(h, s.pr.headSha)?.actions).toEqual([]);
  });

  /*
   * What a 👍 costs. Polls are at 5, 10, 20, 35, 65, 95, 155, 215, 335 and 635 s after the
   * request (REACTION_POLL_DELAYS_MS), then every 5 minutes until it ends or expires. Measured:
   * a 👍 given right after the request comment is counted by the first poll — 1 reaction-list
   * request; one given 55 s after it by the fifth — 5 requests in all. The bound is the schedule's
   * polls before the 👍 plus the one that sees it. (A request left pending for its whole 24 h costs
   * 10 + ⌈(24 h − 635 s) / 5 min⌉ = 296 polls.) The 👍 that completes the count also costs one
   * `GET /pulls/{n}`: the head is checked before a reaction or a button press deploys.
   */
  it('what one 👍 approval costs in reaction-list requests', async () => {
    const s = await startWithRequest(target);
    h = s.h;
    const harness = h;
    const cumulative = REACTION_POLL_DELAYS_MS.reduce<number[]>((at, delay) => [...at, (at.at(-1) ?? 0) + delay], []);
    /** Polls the schedule makes up to `t` ms after the request, plus the one that sees a 👍 given at `t`. */
    const bound = (t: number) => cumulative.filter((at) => at < t).length + 1;

    // A 👍 right after the request comment: the first poll (5 s later) counts it — 1 request.
    const before = reactionPolls(h).length;
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'carol' });
    await advanceUntil(harness, async () => (await approvals(harness)).length === 1);
    const first = reactionPolls(h).length - before;
    expect(first).toBe(1);
    expect(first).toBeLessThanOrEqual(bound(0));

    // A 👍 a minute later: polls at 5, 10, 20, 35 and 65 s after the request — counted by the 5th.
    await advanceInSteps(h, 55_000 - (h.clock.now() - s.request.createdAt), 1_000);
    const sinceRequest = h.clock.now() - s.request.createdAt;
    const pullReads = () => harness.sim.requestsTo('GET', '/repos/{owner}/{repo}/pulls/{pull_number}').length;
    const pullReadsBefore = pullReads();
    h.sim.react({ repo: ACME_API, commentId: s.request.id, content: '+1', user: 'dave' });
    await advanceUntil(harness, async () => (await approvals(harness)).length === 2);
    const total = reactionPolls(h).length - before;
    expect(total).toBeLessThanOrEqual(bound(sinceRequest));
    expect(total).toBe(5);
    expect(pullReads() - pullReadsBefore).toBe(1);
  });
});

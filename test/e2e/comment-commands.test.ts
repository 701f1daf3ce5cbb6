import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import { type Harness, type HarnessOptions } from '../helpers/harness.ts';
import { accepted, appReactions, startAcmeHarness } from '../helpers/acme-harness.ts';
import { DISPATCH } from '../helpers/routes.ts';

const REPO = 'acme/api';
const RERUN_FAILED = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs';
const CANCEL = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel';
const REACTION = 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions';
const PERMISSION = 'GET /repos/{owner}/{repo}/collaborators/{username}/permission';

/** Pull requests run `ci`: one stage, two jobs in parallel. */
const CONFIG = `version: 1
pipelines:
  ci:
    on:
      pull_request: { branches: [main] }
    stages:
      check:
        jobs:
          unit: { workflow: test.yml }
          lint: { workflow: scan.yml }
`;

const harnessWith = (target: Parameters<typeof startAcmeHarness>[0], extra: HarnessOptions = {}) => startAcmeHarness(target, CONFIG, extra);



/** The app's comments on an issue. */
function replies(h: Harness, issue: number): string[] {
  return h.sim.comments(REPO, issue).filter((c) => c.app !== undefined).map((c) => c.body);
}

async function auditRows(h: Harness) {
  const rows = await h.store.db.selectFrom('audit_log').select(['actor', 'action', 'outcome', 'details']).where('action', 'like', 'command.%').orderBy('id').execute();
  return rows.map((r) => ({ actor: r.actor, action: r.action, outcome: r.outcome, details: r.details as Record<string, unknown> }));
}

async function openedPullRequest(h: Harness) {
  const pr = h.sim.openPullRequest({ repo: REPO, head: 'topic', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
  await h.settle();
  return pr;
}

describe.each(databaseTargets())('comment commands on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("answers a reader's /help with 👀, 🚀 and the help text once, and ignores its own reply", async () => {
    h = await harnessWith(target);
    const pr = await openedPullRequest(h);
    const comment = h.sim.comment({ repo: REPO, issue: pr.number, body: '/help', author: 'bob' });
    await h.settle();
    expect(appReactions(h, pr.number, comment.id)).toEqual(['eyes', 'rocket']);
    const [reply, ...more] = replies(h, pr.number);
    expect(more).toEqual([]);
    expect(reply).toMatch(/^@bob/);
    expect(reply).toContain('| `/retry [PIPELINE] [JOB…]` (also `/retest`) | write |');
    expect(reply).toContain('<!-- shipgate:reply:');
    expect(await auditRows(h)).toMatchObject([{ actor: 'bob', action: 'command.help', outcome: 'ok', details: { pr: pr.number, sha: null } }]);
    h.sim.assertNoViolations();
  });

  it('/retry by a writer re-runs only the failed job; by a reader it is refused, replied to and audited', async () => {
    h = await harnessWith(target, {
      setup: (sim) => {
        // unit succeeds before lint fails, so only lint failed.
        sim.scripts.workflow({ repo: REPO, workflow: 'test.yml', attempts: [{ conclusion: 'success', durationMs: 5_000 }] });
        sim.scripts.workflow({ repo: REPO, workflow: 'scan.yml', attempts: [{ conclusion: 'failure', durationMs: 10_000 }, { conclusion: 'success', durationMs: 10_000 }] });
      },
    });
    const pr = await openedPullRequest(h);
    await h.advance(31_000);
    expect(accepted(h, DISPATCH)).toHaveLength(2);
    const run = await h.store.db.selectFrom('pipeline_runs').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure', sha: pr.headSha });

    const refused = h.sim.comment({ repo: REPO, issue: pr.number, body: '/retry', author: 'bob' });
    await h.settle();
    expect(accepted(h, RERUN_FAILED)).toEqual([]);
    expect(appReactions(h, pr.number, refused.id)).toEqual(['eyes', 'confused']);
    expect(replies(h, pr.number).at(-1)).toMatch(/`\/retry`: \*\*refused\*\* \(`refuse.permission`\): @bob has read access to this repository; this needs write access/);

    const timings = timeFromComment(h);
    timings.start();
    const allowed = h.sim.comment({ repo: REPO, issue: pr.number, body: '/retest', author: 'alice' });
    await h.settle();
    const rerun = accepted(h, RERUN_FAILED);
    expect(rerun).toHaveLength(1);
    const failedRun = h.sim.workflowRuns(REPO).find((r) => r.workflowName === 'scan');
    expect(rerun[0]?.path).toBe(`/repos/${REPO}/actions/runs/${failedRun?.id}/rerun-failed-jobs`);
    expect(accepted(h, DISPATCH)).toHaveLength(2);
    expect(appReactions(h, pr.number, allowed.id)).toEqual(['eyes', 'rocket']);
    expect(replies(h, pr.number)).toHaveLength(1);
    console.info(`[comment → 👀] ${timings.eyes().toFixed(1)} ms, [comment → re-run failed jobs] ${timings.effect(RERUN_FAILED).toFixed(1)} ms (${target.name}, wall clock)`);

    await h.advance(31_000);
    expect(await h.store.db.selectFrom('pipeline_runs').select(['status', 'conclusion']).executeTakeFirstOrThrow()).toEqual({ status: 'completed', conclusion: 'success' });
    const attempts = await h.store.db.selectFrom('job_attempts').select(['job', 'attempt', 'conclusion']).orderBy('job').orderBy('attempt').execute();
    expect(attempts).toEqual([
      { job: 'lint', attempt: 1, conclusion: 'failure' },
      { job: 'lint', attempt: 2, conclusion: 'success' },
      { job: 'unit', attempt: 1, conclusion: 'success' },
    ]);
    const audit = await auditRows(h);
    expect(audit.map((a) => [a.actor, a.action, a.outcome])).toEqual([
      ['bob', 'command.retry', 'refuse.permission'],
      ['alice', 'command.retry', 'ok'],
    ]);
    expect(audit[1]?.details).toMatchObject({ sha: pr.headSha, pr: pr.number, command: '/retest' });

    h.sim.comment({ repo: REPO, issue: pr.number, body: '/retry', author: 'alice' });
    await h.settle();
    expect(replies(h, pr.number).at(-1)).toContain('`command.nothing-failed`');
    h.sim.assertNoViolations();
  });

  it('/cancel by a writer cancels the running run; by a reader nothing is cancelled', async () => {
    h = await harnessWith(target, { setup: (sim) => sim.scripts.workflow({ repo: REPO, workflow: 'test.yml', attempts: [{ hang: true }] }) });
    const pr = await openedPullRequest(h);
    h.sim.comment({ repo: REPO, issue: pr.number, body: '/cancel', author: 'bob' });
    await h.settle();
    expect(h.sim.requests.filter((r) => r.route === CANCEL)).toEqual([]);
    const allowed = h.sim.comment({ repo: REPO, issue: pr.number, body: '/cancel ci', author: 'alice' });
    await h.settle();
    await h.advance(3_000);
    expect(accepted(h, CANCEL).length).toBeGreaterThanOrEqual(1);
    expect(await h.store.db.selectFrom('pipeline_runs').select(['status', 'conclusion']).executeTakeFirstOrThrow()).toEqual({ status: 'completed', conclusion: 'cancelled' });
    expect(appReactions(h, pr.number, allowed.id)).toEqual(['eyes', 'rocket']);
    expect((await auditRows(h)).map((a) => [a.actor, a.outcome])).toEqual([
      ['bob', 'refuse.permission'],
      ['alice', 'ok'],
    ]);
    h.sim.assertNoViolations();
  });

  it('/ok-to-test: refused to a reader, dispatches the sha for a writer, and a new fork push waits again', async () => {
    h = await harnessWith(target);
    const pr = h.sim.openPullRequest({ repo: REPO, head: 'patch', fork: { owner: 'mallory' }, files: { 'src/app.ts': 'fork\n' } });
    await h.settle();
    expect(h.sim.requests.filter((r) => r.route === DISPATCH)).toEqual([]);
    const refused = h.sim.comment({ repo: REPO, issue: pr.number, body: '/ok-to-test', author: 'bob' });
    await h.settle();
    expect(h.sim.requests.filter((r) => r.route === DISPATCH)).toEqual([]);
    expect(appReactions(h, pr.number, refused.id)).toEqual(['eyes', 'confused']);

    const allowed = h.sim.comment({ repo: REPO, issue: pr.number, body: '/ok-to-test', author: 'alice' });
    await h.settle();
    expect(accepted(h, DISPATCH)).toHaveLength(2);
    expect(h.sim.dispatches().every((d) => d.inputs['sha'] === undefined || d.inputs['sha'] === pr.headSha)).toBe(true);
    expect(appReactions(h, pr.number, allowed.id)).toEqual(['eyes', 'rocket']);
    expect(await h.store.db.selectFrom('fork_approvals').select(['sha', 'approved_by']).execute()).toEqual([{ sha: pr.headSha, approved_by: 'alice' }]);

    await h.advance(31_000);
    const pushed = h.sim.push({ repo: pr.headRepo, branch: 'patch', files: { 'src/app.ts': 'fork 2\n' }, author: 'mallory' });
    await h.settle();
    await h.advance(31_000);
    expect(accepted(h, DISPATCH)).toHaveLength(2);
    const latest = await h.store.db.selectFrom('pipeline_runs').selectAll().where('sha', '=', pushed.sha).executeTakeFirstOrThrow();
    expect(latest).toMatchObject({ status: 'queued', from_fork: true });
    expect(latest.waiting_reason).toMatchObject({ code: 'wait.fork-needs-ok-to-test' });
    expect((await auditRows(h)).map((a) => [a.actor, a.outcome, a.details['sha']])).toEqual([
      ['bob', 'refuse.permission', null],
      ['alice', 'ok', pr.headSha],
    ]);
    h.sim.assertNoViolations();
  });

  it('an unknown command gets 😕 and the help text', async () => {
    h = await harnessWith(target);
    const pr = await openedPullRequest(h);
    const comment = h.sim.comment({ repo: REPO, issue: pr.number, body: 'Ship it\n/promote production', author: 'alice' });
    await h.settle();
    expect(appReactions(h, pr.number, comment.id)).toEqual(['eyes', 'confused']);
    const reply = replies(h, pr.number)[0] ?? '';
    expect(reply).toContain('`command.unknown`');
    expect(reply).toContain('`/promote` is not a shipgate command');
    expect(reply).toContain('| `/help` | read |');
    expect(await auditRows(h)).toMatchObject([{ action: 'command.unknown', outcome: 'command.unknown' }]);
  });

  it('does nothing for quotes, code blocks, edited comments and bots', async () => {
    h = await harnessWith(target);
    const pr = await openedPullRequest(h);
    const quoted = h.sim.comment({ repo: REPO, issue: pr.number, body: '> /deploy prod\n\nas above\n\n```\n/cancel\n```\n\n    /retry', author: 'alice' });
    await h.settle();
    const plain = h.sim.comment({ repo: REPO, issue: pr.number, body: 'looks good', author: 'alice' });
    await h.settle();
    h.sim.updateComment({ repo: REPO, commentId: plain.id, body: '/retry', author: 'alice' });
    await h.settle();
    const created = h.sim.webhooks.find('issue_comment', 'created').at(-1);
    if (!created) throw new Error('no issue_comment webhook');
    const forged = structuredClone(created.payload) as { comment: { body: string; user: { login: string; type: string } }; sender: { login: string; type: string } };
    forged.comment.body = '/retry';
    forged.comment.user = { ...forged.comment.user, login: 'renovate[bot]', type: 'Bot' };
    forged.sender = { ...forged.sender, login: 'renovate[bot]', type: 'Bot' };
    h.sim.sendWebhook('issue_comment', forged, { appId: created.appId, ...(created.installationId !== undefined ? { installationId: created.installationId } : {}) });
    await h.settle();
    expect(appReactions(h, pr.number, quoted.id)).toEqual([]);
    expect(appReactions(h, pr.number, plain.id)).toEqual([]);
    expect(replies(h, pr.number)).toEqual([]);
    expect(h.sim.requests.filter((r) => r.route === REACTION || r.route === PERMISSION)).toEqual([]);
    expect(await auditRows(h)).toEqual([]);
  });

  it('runs ten commands of one comment in order with one reply, refuses eleven, and reads a 64 KB comment', async () => {
    h = await harnessWith(target);
    const pr = await openedPullRequest(h);
    const ten = h.sim.comment({ repo: REPO, issue: pr.number, body: Array.from({ length: 10 }, (_, i) => (i === 4 ? '/nope' : '/help')).join('\r\n'), author: 'bob' });
    await h.settle();
    expect(appReactions(h, pr.number, ten.id)).toEqual(['eyes', 'confused']);
    expect(replies(h, pr.number)).toHaveLength(1);
    expect(replies(h, pr.number)[0]?.match(/^- `/gm)).toHaveLength(10);
    // One permission request for the ten: the role is looked up once per delivery.
    expect(h.sim.requests.filter((r) => r.route === PERMISSION)).toHaveLength(1);
    expect((await auditRows(h)).map((a) => a.details['index'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const eleven = h.sim.comment({ repo: REPO, issue: pr.number, body: '/help\n'.repeat(11), author: 'bob' });
    await h.settle();
    expect(appReactions(h, pr.number, eleven.id)).toEqual(['eyes', 'confused']);
    expect(replies(h, pr.number).at(-1)).toContain('`command.too-many`');

    const big = h.sim.comment({ repo: REPO, issue: pr.number, body: `${'some log output that goes on\n'.repeat(2_250)}/help`, author: 'bob' });
    expect(big.body.length).toBeGreaterThan(64_000);
    await h.settle();
    expect(appReactions(h, pr.number, big.id)).toEqual(['eyes', 'rocket']);
    h.sim.assertNoViolations();
  });

  it('creates the reply once when GitHub answers its creates with 502 for longer than a request retries', async () => {
    const CREATE_COMMENT = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
    h = await harnessWith(target);
    const pr = await openedPullRequest(h);
    h.sim.faults.set({ routes: [CREATE_COMMENT], failFirst: 12 });
    h.sim.comment({ repo: REPO, issue: pr.number, body: '/nope', author: 'alice' });
    await h.settle();
    expect(replies(h, pr.number)).toEqual([]);
    for (let i = 0; i < 8 && replies(h, pr.number).length === 0; i++) await h.advance(60_000);
    expect(h.sim.requests.filter((r) => r.route === CREATE_COMMENT && r.status === 502)).toHaveLength(12);
    // Every try after the first looked for the reply's marker before creating it.
    expect(h.sim.requestsTo('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments').length).toBeGreaterThanOrEqual(1);
    expect(replies(h, pr.number)).toHaveLength(1);
    await h.advance(60_000);
    expect(replies(h, pr.number)).toHaveLength(1);
    h.sim.assertNoViolations();
  });

  it('rate-limits a user per repository with a clear reply', async () => {
    h = await harnessWith(target);
    const pr = await openedPullRequest(h);
    for (let i = 0; i < 2; i++) h.sim.comment({ repo: REPO, issue: pr.number, body: '/help\n'.repeat(10), author: 'bob' });
    await h.settle();
    const limited = h.sim.comment({ repo: REPO, issue: pr.number, body: '/help', author: 'bob' });
    await h.settle();
    expect(appReactions(h, pr.number, limited.id)).toEqual(['eyes', 'confused']);
    expect(replies(h, pr.number).at(-1)).toMatch(/`command.rate-limited`.*@bob sent more than 20 commands/);
    // Another user is not limited by bob's commands.
    const other = h.sim.comment({ repo: REPO, issue: pr.number, body: '/help', author: 'alice' });
    await h.settle();
    expect(appReactions(h, pr.number, other.id)).toEqual(['eyes', 'rocket']);
  });

  it('treats a 404 from the permission API as no access, and a 5xx that outlasts the retries as "try again"', async () => {
    h = await harnessWith(target);
    const pr = await openedPullRequest(h);
    await h.advance(31_000);
    // A login GitHub does not know: the permission API answers 404.
    const body = h.sim.comment({ repo: REPO, issue: pr.number, body: 'first', author: 'alice' });
    await h.settle();
    const template = h.sim.webhooks.find('issue_comment', 'created').at(-1);
    if (!template) throw new Error('no issue_comment webhook');
    const ghost = structuredClone(template.payload) as { comment: { id: number; body: string; user: { login: string } }; sender: { login: string } };
    ghost.comment = { ...ghost.comment, id: body.id, body: '/retry', user: { ...ghost.comment.user, login: 'ghost-user' } };
    ghost.sender = { ...ghost.sender, login: 'ghost-user' };
    h.sim.sendWebhook('issue_comment', ghost, { appId: template.appId, ...(template.installationId !== undefined ? { installationId: template.installationId } : {}) });
    await h.settle();
    expect(h.sim.requests.filter((r) => r.route === PERMISSION).map((r) => r.status)).toEqual([404]);
    expect(replies(h, pr.number).at(-1)).toContain('@ghost-user has none access to this repository; this needs write access');

    h.sim.faults.set({ routes: [PERMISSION], failFirst: 1_000 });
    const failing = h.sim.comment({ repo: REPO, issue: pr.number, body: '/retry', author: 'alice' });
    await h.settle();
    expect(h.sim.requests.filter((r) => r.route === PERMISSION && r.status === 502).length).toBeGreaterThan(1);
    expect(appReactions(h, pr.number, failing.id)).toEqual(['eyes', 'confused']);
    expect(replies(h, pr.number).at(-1)).toMatch(/`refuse.permission-unknown`.*try again in a minute/);
    expect(accepted(h, RERUN_FAILED)).toEqual([]);

    h.sim.faults.set({ routes: [PERMISSION], failFirst: 1 });
    h.sim.comment({ repo: REPO, issue: pr.number, body: '/retry', author: 'alice' });
    await h.settle();
    // Retried past the one 502: alice's role is known, and nothing failed to retry.
    expect(replies(h, pr.number).at(-1)).toContain('`command.nothing-failed`');
    expect((await auditRows(h)).map((a) => [a.actor, a.outcome])).toEqual([
      ['ghost-user', 'refuse.permission'],
      ['alice', 'refuse.permission-unknown'],
      ['alice', 'command.nothing-failed'],
    ]);
  });
});

/** Wall-clock times from a comment to the app's first reaction and to a given request. */
function timeFromComment(h: Harness) {
  let started = 0;
  const seen = new Map<string, number>();
  h.sim.onResponse((entry) => {
    if (started === 0 || entry.status >= 300 || !entry.route) return;
    if (!seen.has(entry.route)) seen.set(entry.route, performance.now() - started);
  });
  return {
    start: () => {
      started = performance.now();
    },
    eyes: () => seen.get(REACTION) ?? NaN,
    effect: (route: string) => seen.get(route) ?? NaN,
  };
}

import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import { type Harness, type HarnessOptions } from '../helpers/harness.ts';
import { accepted, appReactions, startAcmeHarness } from '../helpers/acme-harness.ts';
import { DISPATCH } from '../helpers/routes.ts';

const REPO = 'acme/api';
const CREATE_COMMENT = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
const UPDATE_COMMENT = 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}';

/** Pull requests run `ci` (two jobs); `nightly` and `smoke` start only by hand, `release` never by hand. */
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
  nightly:
    on: { manual: true }
    stages:
      long:
        jobs:
          soak: { workflow: test.yml }
  smoke:
    on: { manual: true }
    stages:
      quick:
        jobs:
          ping: { workflow: scan.yml }
  release:
    on:
      tag: { tags: ['v*'] }
    stages:
      build:
        jobs:
          dist: { workflow: build.yml, inputs: { target: dist } }
`;

const harnessWith = (target: Parameters<typeof startAcmeHarness>[0], extra: HarnessOptions = {}) => startAcmeHarness(target, CONFIG, extra);



function appComments(h: Harness, issue: number) {
  return h.sim.comments(REPO, issue).filter((c) => c.app !== undefined);
}

async function runs(h: Harness) {
  return h.store.db.selectFrom('pipeline_runs').select(['id', 'pipeline', 'trigger', 'sha', 'status', 'conclusion', 'actor']).orderBy('id').execute();
}

describe.each(databaseTargets())('/status, /run and the fork check on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('/status replies with the runs of the head commit, and a second /status updates the same comment', async () => {
    h = await harnessWith(target, {
      setup: (sim) => {
        sim.scripts.workflow({ repo: REPO, workflow: 'test.yml', attempts: [{ conclusion: 'success', durationMs: 5_000 }] });
        sim.scripts.workflow({ repo: REPO, workflow: 'scan.yml', attempts: [{ conclusion: 'failure', durationMs: 10_000 }, { hang: true }] });
      },
    });
    const pr = h.sim.openPullRequest({ repo: REPO, head: 'topic', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    await h.advance(31_000);

    const first = h.sim.comment({ repo: REPO, issue: pr.number, body: '/status', author: 'bob' });
    await h.settle();
    expect(appReactions(h, pr.number, first.id)).toEqual(['eyes', 'rocket']);
    const [status, ...others] = appComments(h, pr.number);
    expect(others).toEqual([]);
    if (!status) throw new Error('no status comment');
    expect(status.body).toContain(`### shipgate status of #${pr.number} at \`${pr.headSha.slice(0, 7)}\``);
    expect(status.body).toMatch(/\*\*ci\*\* — run #\d+ \(pull_request\): ❌ failure/);
    expect(status.body).toContain('- stages: check ❌ failure');
    const scanRun = h.sim.workflowRuns(REPO).find((r) => r.workflowName === 'scan');
    expect(status.body).toMatch(new RegExp(`- failed: \\[check/lint\\]\\([^)]*/actions/runs/${scanRun?.id}[^)]*\\) \\(failure\\)`));
    expect(status.body).not.toContain('check/unit');
    expect(status.body).toContain(`<!-- shipgate:status:${pr.number} -->`);

    // A retry leaves lint running; the second /status rewrites the same comment.
    h.sim.comment({ repo: REPO, issue: pr.number, body: '/retry', author: 'alice' });
    await h.settle();
    await h.advance(2_000);
    const second = h.sim.comment({ repo: REPO, issue: pr.number, body: '/status', author: 'alice' });
    await h.settle();
    expect(appReactions(h, pr.number, second.id)).toEqual(['eyes', 'rocket']);
    const after = appComments(h, pr.number);
    expect(after.map((c) => c.id)).toEqual([status.id]);
    expect(after[0]?.body).toMatch(/\*\*ci\*\* — run #\d+ \(pull_request\): 🔄 running/);
    expect(after[0]?.body).not.toContain('- failed:');
    expect(accepted(h, CREATE_COMMENT)).toHaveLength(1);
    expect(accepted(h, UPDATE_COMMENT)).toHaveLength(1);
    h.sim.assertNoViolations();
  });

  it('/status says so when nothing ran, shows why a fork run waits, and a user comment quoting the marker is not taken for the reply', async () => {
    h = await harnessWith(target);
    const pr = h.sim.openPullRequest({ repo: REPO, head: 'patch', fork: { owner: 'mallory' }, files: { 'src/app.ts': 'fork\n' } });
    await h.settle();
    h.sim.comment({ repo: REPO, issue: pr.number, body: `I forged it <!-- shipgate:status:${pr.number} -->`, author: 'mallory' });
    await h.settle();
    h.sim.comment({ repo: REPO, issue: pr.number, body: '/status', author: 'bob' });
    await h.settle();
    const [status] = appComments(h, pr.number);
    expect(status?.body).toMatch(/\*\*ci\*\* — run #\d+ \(pull_request\): ⏳ waiting/);
    expect(status?.body).toMatch(/- waiting: .*\/ok-to-test/);
    expect(accepted(h, UPDATE_COMMENT)).toEqual([]);

    // A pull request into a branch no pipeline runs for.
    h.sim.push({ repo: REPO, branch: 'stable', files: { 'docs/b.md': 'b\n' }, author: 'alice' });
    await h.settle();
    const plain = h.sim.openPullRequest({ repo: REPO, head: 'docs', base: 'stable', files: { 'docs/a.md': 'a\n' }, author: 'alice' });
    await h.settle();
    h.sim.comment({ repo: REPO, issue: plain.number, body: '/status', author: 'bob' });
    await h.settle();
    expect(appComments(h, plain.number)[0]?.body).toContain('No pipeline has run on');
  });

  it("the fork's pipeline check says who allowed it with /ok-to-test", async () => {
    h = await harnessWith(target);
    const pr = h.sim.openPullRequest({ repo: REPO, head: 'patch', fork: { owner: 'mallory' }, files: { 'src/app.ts': 'fork\n' } });
    await h.settle();
    const check = () => h?.sim.checkRuns(REPO).find((c) => c.name === 'shipgate/ci' && c.headSha === pr.headSha);
    expect(check()?.output.summary ?? '').not.toContain('Allowed by');
    h.sim.comment({ repo: REPO, issue: pr.number, body: '/ok-to-test', author: 'alice' });
    await h.settle();
    expect(check()?.output.summary).toMatch(/^Allowed by @alice with `\/ok-to-test`\./);
    await h.advance(31_000);
    expect(check()?.conclusion).toBe('success');
    expect(check()?.output.summary).toMatch(/^Allowed by @alice with `\/ok-to-test`\./);
  });

  it('/run starts a manual pipeline on the head commit; refuses other pipelines with the list and readers', async () => {
    h = await harnessWith(target);
    const pr = h.sim.openPullRequest({ repo: REPO, head: 'topic', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    await h.advance(31_000);
    const before = accepted(h, DISPATCH).length;

    const notManual = h.sim.comment({ repo: REPO, issue: pr.number, body: '/run release', author: 'alice' });
    await h.settle();
    expect(appReactions(h, pr.number, notManual.id)).toEqual(['eyes', 'confused']);
    expect(appComments(h, pr.number).at(-1)?.body).toContain(
      "`command.run-not-manual`): pipeline 'release' has no `on.manual: true`, so it cannot be started by hand; the pipelines that can: 'nightly', 'smoke'",
    );
    h.sim.comment({ repo: REPO, issue: pr.number, body: '/run nope', author: 'alice' });
    await h.settle();
    expect(appComments(h, pr.number).at(-1)?.body).toContain("there is no pipeline 'nope'; the pipelines that can: 'nightly', 'smoke'");
    const reader = h.sim.comment({ repo: REPO, issue: pr.number, body: '/run nightly', author: 'bob' });
    await h.settle();
    expect(appReactions(h, pr.number, reader.id)).toEqual(['eyes', 'confused']);
    expect(accepted(h, DISPATCH)).toHaveLength(before);

    const allowed = h.sim.comment({ repo: REPO, issue: pr.number, body: '/run nightly', author: 'alice' });
    await h.settle();
    expect(appReactions(h, pr.number, allowed.id)).toEqual(['eyes', 'rocket']);
    expect(accepted(h, DISPATCH)).toHaveLength(before + 1);
    const dispatched = h.sim.dispatches().at(-1);
    expect(dispatched?.ref).toBe('topic');
    await h.advance(31_000);
    expect((await runs(h)).filter((r) => r.pipeline === 'nightly')).toEqual([
      expect.objectContaining({ trigger: 'manual', sha: pr.headSha, status: 'completed', conclusion: 'success', actor: 'alice' }),
    ]);
    const audit = await h.store.db.selectFrom('audit_log').select(['actor', 'action', 'outcome']).where('action', '=', 'command.run').orderBy('id').execute();
    expect(audit.map((a) => [a.actor, a.outcome])).toEqual([
      ['alice', 'command.run-not-manual'],
      ['alice', 'command.run-not-manual'],
      ['bob', 'refuse.permission'],
      ['alice', 'ok'],
    ]);
    h.sim.assertNoViolations();
  });

  it('/run on an issue starts on the head of the default branch, with the config read there', async () => {
    h = await harnessWith(target);
    const issue = h.sim.openIssue({ repo: REPO, title: 'run the soak', author: 'alice' });
    const main = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'main\n' }, author: 'alice' });
    await h.settle();
    const comment = h.sim.comment({ repo: REPO, issue: issue.number, body: '/run smoke', author: 'alice' });
    await h.settle();
    expect(appReactions(h, issue.number, comment.id)).toEqual(['eyes', 'rocket']);
    expect(h.sim.dispatches().at(-1)).toMatchObject({ ref: 'main' });
    expect((await runs(h)).filter((r) => r.pipeline === 'smoke')).toEqual([expect.objectContaining({ trigger: 'manual', sha: main.sha })]);
  });
});

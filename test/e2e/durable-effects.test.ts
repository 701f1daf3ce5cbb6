import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import { type Harness } from '../helpers/harness.ts';
import { startAcmeHarness } from '../helpers/acme-harness.ts';
import { SINGLE_STAGE_CONFIG } from '../helpers/repo-fixtures.ts';
import { DISPATCH } from '../helpers/routes.ts';

const REPO = 'acme/api';
const CREATE_CHECK = 'POST /repos/{owner}/{repo}/check-runs';

/** A pipeline for pull requests only: a push to the PR's branch matches nothing. */
const PR_ONLY_CONFIG = `version: 1
pipelines:
  ci:
    on:
      pull_request: { branches: [main] }
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: app } }
`;

const harnessWith = startAcmeHarness;

function checksNamed(h: Harness, name: string, sha: string) {
  return h.sim.checkRuns(REPO).filter((c) => c.name === name && c.headSha === sha);
}

function accepted(h: Harness, route: string) {
  return h.sim.requests.filter((r) => r.route === route && r.status < 300);
}

describe.each(databaseTargets())('durable effects on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('never shows the roll-up green while a pull request run on the same sha is going, after a push wrote "none applies"', async () => {
    h = await harnessWith(target, PR_ONLY_CONFIG);
    const pushed = h.sim.push({ repo: REPO, branch: 'topic', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    expect(checksNamed(h, 'shipgate', pushed.sha).map((c) => [c.status, c.conclusion, c.output.title])).toEqual([['completed', 'success', 'No pipeline applies']]);

    h.sim.openPullRequest({ repo: REPO, head: 'topic', author: 'alice' });
    await h.settle();
    expect(accepted(h, DISPATCH)).toHaveLength(1);
    // A new roll-up check run, in progress: the latest one of its name is what branch protection reads.
    const rollup = checksNamed(h, 'shipgate', pushed.sha);
    expect(rollup).toHaveLength(2);
    expect(rollup.reduce((a, b) => (b.id > a.id ? b : a))).toMatchObject({ status: 'in_progress', conclusion: null });

    await h.advance(31_000);
    expect(checksNamed(h, 'shipgate/ci', pushed.sha).map((c) => c.conclusion)).toEqual(['success']);
    expect(checksNamed(h, 'shipgate', pushed.sha).map((c) => [c.status, c.conclusion, c.output.title])).toEqual([
      ['completed', 'success', 'No pipeline applies'],
      ['completed', 'success', '1 pipeline succeeded'],
    ]);
    h.sim.assertNoViolations();
  });

  it('ends every check run correct when the first 4 check-run creates fail with 502', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG, { setup: (sim) => sim.faults.set({ routes: [CREATE_CHECK], failFirst: 4 }) });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    await h.advance(31_000);
    expect(h.sim.requests.filter((r) => r.route === CREATE_CHECK && r.status === 502)).toHaveLength(4);
    expect(checksNamed(h, 'shipgate/build', pushed.sha).map((c) => [c.status, c.conclusion])).toEqual([['completed', 'success']]);
    expect(checksNamed(h, 'shipgate', pushed.sha).map((c) => [c.status, c.conclusion])).toEqual([['completed', 'success']]);
    h.sim.assertNoViolations();
  });

  it('writes every check run once GitHub recovers when check-run creates fail longer than a request retries', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG, { setup: (sim) => sim.faults.set({ routes: [CREATE_CHECK], failFirst: 16 }) });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    // More failures than one request retries: the check-run effects wait for their own retry, on the app's clock.
    expect(checksNamed(h, 'shipgate/build', pushed.sha)).toEqual([]);
    const effects = await h.store.db.selectFrom('effects').select(['status', 'attempts', 'last_error']).where('kind', '=', 'check-run').execute();
    expect(effects).toContainEqual({ status: 'pending', attempts: 1, last_error: 'Server Error' });
    for (let i = 0; i < 6; i++) await h.advance(31_000);
    expect(h.sim.requests.filter((r) => r.route === CREATE_CHECK && r.status === 502)).toHaveLength(16);
    expect(checksNamed(h, 'shipgate/build', pushed.sha).map((c) => [c.status, c.conclusion])).toEqual([['completed', 'success']]);
    expect(checksNamed(h, 'shipgate', pushed.sha).map((c) => [c.status, c.conclusion])).toEqual([['completed', 'success']]);
    expect(accepted(h, DISPATCH)).toHaveLength(1);
    h.sim.assertNoViolations();
  });

  it('resolves a dispatch answered 502 within 30 s: the job runs, dispatched once', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG, { setup: (sim) => sim.faults.set({ routes: [DISPATCH], failFirst: 1 }) });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    expect(h.sim.requests.filter((r) => r.route === DISPATCH).map((r) => r.status)).toEqual([502]);
    expect(accepted(h, DISPATCH)).toHaveLength(0);
    await h.advance(10_000);
    // Looked for the run by its correlation id (none), then sent it again.
    expect(h.sim.requestsTo('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs').length).toBeGreaterThanOrEqual(1);
    expect(accepted(h, DISPATCH)).toHaveLength(1);
    await h.advance(31_000);
    expect(accepted(h, DISPATCH)).toHaveLength(1);
    expect(checksNamed(h, 'shipgate/build', pushed.sha).map((c) => c.conclusion)).toEqual(['success']);
    h.sim.assertNoViolations();
  });

  it('ignores a workflow_run of another repository that carries the same run name', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG, {
      setup: (sim) => sim.scripts.workflow({ repo: REPO, workflow: 'build.yml', attempts: [{ durationMs: 60_000 }] }),
    });
    h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    const [attempt] = await h.store.db.selectFrom('job_attempts').selectAll().execute();
    expect(attempt?.workflow_run_id).toBeTypeOf('number');
    // The window where the attempt does not know its run yet (a 204 dispatch, a crash before recording).
    await h.store.db.updateTable('job_attempts').set({ workflow_run_id: null, run_attempt: null }).execute();
    const original = h.sim.webhooks.find('workflow_run').at(-1);
    expect(original).toBeDefined();
    const foreign = structuredClone(original?.payload ?? {}) as { workflow_run: { id: number; status: string; conclusion: string | null }; repository: { full_name: string } };
    foreign.workflow_run.id = 987_654_321;
    foreign.workflow_run.status = 'completed';
    foreign.workflow_run.conclusion = 'success';
    foreign.repository.full_name = 'evil/copycat';
    if (!original) throw new Error('no workflow_run webhook');
    h.sim.sendWebhook('workflow_run', foreign, { appId: original.appId, ...(original.installationId !== undefined ? { installationId: original.installationId } : {}) });
    await h.settle();
    const after = await h.store.db.selectFrom('job_attempts').selectAll().executeTakeFirstOrThrow();
    expect(after).toMatchObject({ workflow_run_id: null, status: attempt?.status });
    await h.advance(61_000);
    const done = await h.store.db.selectFrom('job_attempts').selectAll().executeTakeFirstOrThrow();
    expect(done).toMatchObject({ workflow_run_id: attempt?.workflow_run_id, status: 'completed', conclusion: 'success' });
    h.sim.assertNoViolations();
  });

  it('dispatches nothing for a fork pull request through Cancel, Re-run failed and Re-run', async () => {
    h = await harnessWith(target, PR_ONLY_CONFIG);
    const pr = h.sim.openPullRequest({ repo: REPO, head: 'patch', fork: { owner: 'mallory' }, files: { 'src/app.ts': 'evil\n' } });
    await h.settle();
    const waiting = checksNamed(h, 'shipgate/ci', pr.headSha);
    expect(waiting.map((c) => c.status)).toEqual(['queued']);
    expect(waiting[0]?.output.summary).toMatch(/ok-to-test/);
    h.sim.clickCheckRunButton({ checkRunId: waiting[0]?.id ?? 0, identifier: 'cancel', user: 'alice' });
    await h.settle();
    const cancelled = checksNamed(h, 'shipgate/ci', pr.headSha).at(-1);
    expect(cancelled).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    h.sim.clickCheckRunButton({ checkRunId: cancelled?.id ?? 0, identifier: 'rerun-failed', user: 'alice' });
    await h.settle();
    h.sim.rerequestCheckRun({ checkRunId: cancelled?.id ?? 0, user: 'alice' });
    await h.settle();
    await h.advance(31_000);
    expect(h.sim.requests.filter((r) => r.route === DISPATCH)).toEqual([]);
    const runs = await h.store.db.selectFrom('pipeline_runs').select(['id', 'status', 'from_fork', 'trigger']).orderBy('id').execute();
    expect(runs.map((r) => [r.trigger, r.status, r.from_fork])).toEqual([
      ['pull_request', 'completed', true],
      ['rerun', 'queued', true],
    ]);
    const audit = await h.store.db.selectFrom('audit_log').select(['action', 'outcome', 'actor']).orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'check_run.cancel', outcome: 'ok', actor: 'alice' },
      { action: 'check_run.rerun-failed', outcome: 'refuse.fork-not-approved', actor: 'alice' },
      { action: 'check_run.rerun-all', outcome: 'ok', actor: 'alice' },
    ]);
    h.sim.assertNoViolations();
  });

  it('refuses the buttons to a reader and to a check run of another app, and audits both', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG, {
      setup: (sim) => sim.scripts.workflow({ repo: REPO, workflow: 'build.yml', attempts: [{ hang: true }] }),
    });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    const running = checksNamed(h, 'shipgate/build', pushed.sha)[0];
    h.sim.clickCheckRunButton({ checkRunId: running?.id ?? 0, identifier: 'cancel', user: 'bob' });
    await h.settle();
    const click = h.sim.webhooks.find('check_run', 'requested_action').at(-1);
    if (!click) throw new Error('no requested_action webhook');
    const forged = structuredClone(click.payload) as { check_run: { app: { id: number } }; sender: { login: string } };
    forged.check_run.app.id = 424_242;
    forged.sender.login = 'alice';
    h.sim.sendWebhook('check_run', forged, { appId: click.appId, ...(click.installationId !== undefined ? { installationId: click.installationId } : {}) });
    await h.settle();
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel')).toEqual([]);
    expect(checksNamed(h, 'shipgate/build', pushed.sha)[0]).toMatchObject({ status: 'in_progress' });
    const audit = await h.store.db.selectFrom('audit_log').select(['action', 'outcome', 'actor', 'details']).orderBy('id').execute();
    expect(audit.map((a) => [a.action, a.outcome, a.actor])).toEqual([
      ['check_run.cancel', 'refuse.permission', 'bob'],
      ['check_run.cancel', 'refuse.foreign-app', 'alice'],
    ]);
    expect(String((audit[0]?.details as { message?: string }).message)).toMatch(/@bob has read access.*needs write/);
    h.sim.assertNoViolations();
  });
});

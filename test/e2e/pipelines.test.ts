import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import { type Harness } from '../helpers/harness.ts';
import { startAcmeHarness } from '../helpers/acme-harness.ts';
import { DAG_CONFIG, SINGLE_STAGE_CONFIG } from '../helpers/repo-fixtures.ts';

const REPO = 'acme/api';

const harnessWith = startAcmeHarness;

/** The dispatches GitHub accepted (a faulted request did nothing). */
function dispatched(h: Harness) {
  return h.sim.dispatches().filter((d) => d.status < 300);
}

function checkRun(h: Harness, name: string, sha?: string) {
  const runs = h.sim.checkRuns(REPO).filter((c) => c.name === name && (sha === undefined || c.headSha === sha));
  return runs[runs.length - 1];
}

describe.each(databaseTargets())('pipelines on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('runs a single-stage pipeline from a push to a green check run and roll-up', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG);
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'export const a = 1;\n' }, author: 'alice' });
    await h.settle();
    const dispatches = dispatched(h);
    expect(dispatches).toHaveLength(1);
    expect(dispatches[0]).toMatchObject({ workflow: 'build.yml', ref: 'main', inputs: { target: 'app', sha: pushed.sha } });
    expect(String(dispatches[0]?.inputs.shipgate_run)).toMatch(/^sg-\d+-build-app-1-[0-9a-f]{16}$/);
    expect(checkRun(h, 'shipgate/build', pushed.sha)).toMatchObject({ status: 'in_progress' });
    // The roll-up is never green early: in progress as soon as a run exists.
    expect(checkRun(h, 'shipgate', pushed.sha)).toMatchObject({ status: 'in_progress' });

    await h.advance(31_000);
    expect(checkRun(h, 'shipgate/build', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(checkRun(h, 'shipgate', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(dispatched(h)).toHaveLength(1);
    h.sim.assertNoViolations();
  });

  it('runs a DAG: parallel stages start together, and one failure stops the rest', async () => {
    h = await harnessWith(target, DAG_CONFIG, {
      setup: (sim) => {
        sim.scripts.workflow({ repo: REPO, workflow: 'build.yml', attempts: [{ conclusion: 'success', durationMs: 10_000 }] });
        sim.scripts.workflow({ repo: REPO, workflow: 'test.yml', attempts: [{ conclusion: 'failure', durationMs: 20_000 }] });
        sim.scripts.workflow({ repo: REPO, workflow: 'scan.yml', attempts: [{ conclusion: 'success', durationMs: 120_000 }] });
      },
    });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    expect(dispatched(h).map((d) => d.workflow)).toEqual(['build.yml']);
    await h.advance(11_000);
    expect(dispatched(h).map((d) => d.workflow).sort()).toEqual(['build.yml', 'scan.yml', 'test.yml']);
    await h.advance(21_000);
    const ci = checkRun(h, 'shipgate/ci', pushed.sha);
    expect(ci).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(ci?.output.summary).toMatch(/deploy-staging.*skipped/);
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel')).toHaveLength(1);
    const scan = h.sim.workflowRuns(REPO).find((r) => r.workflow.path.endsWith('scan.yml'));
    await h.advance(5_000);
    expect(h.sim.workflowRun(scan?.id ?? 0)?.attempts.at(-1)?.conclusion).toBe('cancelled');
    expect(dispatched(h).map((d) => d.workflow)).not.toContain('deploy.yml');
    expect(checkRun(h, 'shipgate', pushed.sha)).toMatchObject({ conclusion: 'failure' });
    h.sim.assertNoViolations();
  });

  it('starts nothing for a push whose paths are all ignored, and the roll-up is green', async () => {
    h = await harnessWith(target, DAG_CONFIG);
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'docs/guide.md': '# guide\n' } });
    await h.settle();
    expect(dispatched(h)).toEqual([]);
    expect(checkRun(h, 'shipgate/ci', pushed.sha)).toBeUndefined();
    expect(checkRun(h, 'shipgate', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success', output: { title: 'No pipeline applies' } });
    h.sim.assertNoViolations();
  });

  it('runs a same-repository pull request on its head branch, and dispatches nothing for a fork', async () => {
    h = await harnessWith(target, DAG_CONFIG);
    h.sim.createBranch({ repo: REPO, branch: 'topic' });
    const pr = h.sim.openPullRequest({ repo: REPO, head: 'topic', base: 'main', files: { 'src/x.ts': 'x\n' }, author: 'alice' });
    await h.settle();
    expect(dispatched(h).map((d) => [d.workflow, d.ref])).toEqual([['build.yml', 'topic']]);
    expect(dispatched(h)[0]?.inputs.sha).toBe(pr.headSha);

    const fork = h.sim.openPullRequest({ repo: REPO, head: 'patch', base: 'main', files: { 'src/y.ts': 'y\n' }, fork: { owner: 'mallory' }, author: 'mallory' });
    await h.settle();
    expect(dispatched(h)).toHaveLength(1);
    const waiting = checkRun(h, 'shipgate/ci', fork.headSha);
    expect(waiting).toMatchObject({ status: 'queued' });
    expect(waiting?.output.summary).toMatch(/ok-to-test/);
    h.sim.assertNoViolations();
  });

  it('dispatches exactly once when every webhook arrives twice and out of order', async () => {
    h = await harnessWith(target, DAG_CONFIG, {
      setup: (sim) => sim.faults.set({ webhookDuplicateRate: 1, webhookReorder: true, seed: 7 }),
    });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'y\n' } });
    await h.settle();
    for (let i = 0; i < 8; i++) await h.advance(16_000);
    expect(dispatched(h).map((d) => d.workflow).sort()).toEqual(['build.yml', 'deploy.yml', 'scan.yml', 'test.yml']);
    expect(checkRun(h, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(checkRun(h, 'shipgate', pushed.sha)).toMatchObject({ conclusion: 'success' });
    const duplicates = await h.store.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(duplicates.n)).toBeGreaterThan(4);
    h.sim.assertNoViolations();
  });

  it('turns an invalid config into a failed shipgate/config check pointing at the line, and dispatches nothing', async () => {
    const broken = SINGLE_STAGE_CONFIG.replace('    stages:', '    stages:\n      lint:\n        needs: [biuld]\n        jobs:\n          l: { workflow: build.yml }');
    h = await harnessWith(target, broken);
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    expect(dispatched(h)).toEqual([]);
    const config = checkRun(h, 'shipgate/config', pushed.sha);
    expect(config).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(config?.output.summary).toMatch(/\.github\/shipgate\.yml:\d+:\d+ .*biuld/);
    expect(config?.annotations[0]).toMatchObject({ path: '.github/shipgate.yml', start_line: 8, annotation_level: 'failure' });
    expect(checkRun(h, 'shipgate', pushed.sha)).toMatchObject({ conclusion: 'failure' });
    h.sim.assertNoViolations();
  });

  it('fails a job whose config passes an input the workflow does not declare, before any dispatch', async () => {
    const config = SINGLE_STAGE_CONFIG.replace('inputs: { target: app }', 'inputs: { target: app, flavour: vanilla }');
    h = await harnessWith(target, config);
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    expect(dispatched(h)).toEqual([]);
    const check = checkRun(h, 'shipgate/build', pushed.sha);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check?.output.text).toMatch(/build\.yml does not declare the input 'flavour'/);
    h.sim.assertNoViolations();
  });

  it('cancels a workflow run that exceeds its timeout and reports timed_out', async () => {
    const config = SINGLE_STAGE_CONFIG.replace('inputs: { target: app } }', 'inputs: { target: app }, timeout: 10m }');
    h = await harnessWith(target, config, {
      setup: (sim) => sim.scripts.workflow({ repo: REPO, workflow: 'build.yml', attempts: [{ hang: true }] }),
    });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    await h.advance(9 * 60_000);
    await h.reconcile();
    expect(checkRun(h, 'shipgate/build', pushed.sha)).toMatchObject({ status: 'in_progress' });
    await h.advance(2 * 60_000);
    await h.reconcile();
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel')).toHaveLength(1);
    const check = checkRun(h, 'shipgate/build', pushed.sha);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'timed_out' });
    expect(check?.output.text).toMatch(/timed out after 10m/);
    h.sim.assertNoViolations();
  });

  it('retries a failed job after backoff by re-running its failed jobs, and succeeds on the second attempt', async () => {
    const config = SINGLE_STAGE_CONFIG.replace('inputs: { target: app } }', 'inputs: { target: app }, retries: 2 }');
    h = await harnessWith(target, config, {
      setup: (sim) => sim.scripts.workflow({ repo: REPO, workflow: 'build.yml', attempts: [{ conclusion: 'failure', durationMs: 10_000 }, { conclusion: 'success', durationMs: 10_000 }] }),
    });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    await h.advance(11_000);
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs')).toHaveLength(0);
    await h.advance(20_000);
    await h.reconcile();
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs')).toHaveLength(0);
    await h.advance(11_000);
    await h.reconcile();
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs')).toHaveLength(1);
    await h.advance(11_000);
    expect(dispatched(h)).toHaveLength(1);
    const check = checkRun(h, 'shipgate/build', pushed.sha);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(check?.output.summary).toMatch(/attempt 2/);
    h.sim.assertNoViolations();
  });

  it('keeps every job exactly once with 20% of GitHub answers failing (5xx and rate limits)', async () => {
    h = await harnessWith(target, DAG_CONFIG, {
      setup: (sim) => sim.faults.set({ errorRate: 0.1, rateLimitRate: 0.1, retryAfterSeconds: 1, seed: 3 }),
    });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'z\n' } });
    await h.settle();
    for (let i = 0; i < 10; i++) {
      await h.advance(31_000);
      await h.advance(3 * 60_000);
      await h.reconcile();
    }
    const workflows = dispatched(h).map((d) => d.workflow).sort();
    expect(workflows).toEqual(['build.yml', 'deploy.yml', 'scan.yml', 'test.yml']);
    expect(checkRun(h, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    h.sim.assertNoViolations();
  });
});


describe.each(databaseTargets())('check-run buttons, re-runs and GitHub Enterprise dispatch on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('finds the run by its correlation id when the dispatch is answered 204 (GitHub Enterprise Server)', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG, { setup: (sim) => void (sim.options.dispatchReturns204 = true) });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    expect(dispatched(h).map((d) => d.status)).toEqual([204]);
    expect(h.sim.requestsTo('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs').length).toBeGreaterThan(0);
    await h.advance(31_000);
    expect(checkRun(h, 'shipgate/build', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(dispatched(h)).toHaveLength(1);
    h.sim.assertNoViolations();
  });

  it('cancels a running pipeline from the "Cancel" button', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG, {
      setup: (sim) => sim.scripts.workflow({ repo: REPO, workflow: 'build.yml', attempts: [{ hang: true }] }),
    });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    const running = checkRun(h, 'shipgate/build', pushed.sha);
    expect(running?.actions.map((a) => a.identifier)).toEqual(['cancel']);
    h.sim.clickCheckRunButton({ checkRunId: running?.id ?? 0, identifier: 'cancel', user: 'alice' });
    await h.settle();
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel')).toHaveLength(1);
    expect(checkRun(h, 'shipgate/build', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    h.sim.assertNoViolations();
  });

  it('re-runs only the failed jobs from the "Re-run failed" button, and the verdict turns green', async () => {
    h = await harnessWith(target, DAG_CONFIG, {
      setup: (sim) => {
        sim.scripts.workflow({ repo: REPO, workflow: 'test.yml', attempts: [{ conclusion: 'failure', durationMs: 10_000 }, { conclusion: 'success', durationMs: 10_000 }] });
        sim.scripts.workflow({ repo: REPO, workflow: 'scan.yml', attempts: [{ conclusion: 'success', durationMs: 5_000 }] });
      },
    });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    await h.advance(31_000);
    await h.advance(11_000);
    const failed = checkRun(h, 'shipgate/ci', pushed.sha);
    expect(failed).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(checkRun(h, 'shipgate', pushed.sha)).toMatchObject({ conclusion: 'failure' });
    h.sim.clickCheckRunButton({ checkRunId: failed?.id ?? 0, identifier: 'rerun-failed', user: 'alice' });
    await h.settle();
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs')).toHaveLength(1);
    await h.advance(11_000);
    await h.advance(31_000);
    expect(dispatched(h).map((d) => d.workflow).sort()).toEqual(['build.yml', 'deploy.yml', 'scan.yml', 'test.yml']);
    expect(checkRun(h, 'shipgate/ci', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(checkRun(h, 'shipgate', pushed.sha)).toMatchObject({ conclusion: 'success' });
    h.sim.assertNoViolations();
  });

  it('runs the whole pipeline again when the check run is re-requested', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG);
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    await h.advance(31_000);
    const done = checkRun(h, 'shipgate/build', pushed.sha);
    expect(done).toMatchObject({ conclusion: 'success' });
    h.sim.rerequestCheckRun({ checkRunId: done?.id ?? 0, user: 'alice' });
    await h.settle();
    expect(dispatched(h)).toHaveLength(2);
    await h.advance(31_000);
    const again = checkRun(h, 'shipgate/build', pushed.sha);
    expect(again?.id).not.toBe(done?.id);
    expect(again).toMatchObject({ status: 'completed', conclusion: 'success' });
    h.sim.assertNoViolations();
  });
});

describe.each(databaseTargets())('concurrency and missed webhooks on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('cancels the older run of a pipeline on the same branch with cancel-in-progress', async () => {
    const config = SINGLE_STAGE_CONFIG.replace('    stages:', '    concurrency: cancel-in-progress\n    stages:');
    h = await harnessWith(target, config, {
      setup: (sim) => sim.scripts.workflow({ repo: REPO, workflow: 'build.yml', attempts: [{ conclusion: 'success', durationMs: 60_000 }] }),
    });
    const first = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': '1\n' } });
    await h.settle();
    const second = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': '2\n' } });
    await h.settle();
    expect(dispatched(h)).toHaveLength(2);
    expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel')).toHaveLength(1);
    expect(checkRun(h, 'shipgate/build', first.sha)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    await h.advance(61_000);
    expect(checkRun(h, 'shipgate/build', second.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    h.sim.assertNoViolations();
  });

  it('queues a newer run behind the running one with concurrency: queue', async () => {
    const config = SINGLE_STAGE_CONFIG.replace('    stages:', '    concurrency: queue\n    stages:');
    h = await harnessWith(target, config);
    const first = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': '1\n' } });
    await h.settle();
    const second = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': '2\n' } });
    await h.settle();
    expect(dispatched(h)).toHaveLength(1);
    const waiting = checkRun(h, 'shipgate/build', second.sha);
    expect(waiting).toMatchObject({ status: 'queued' });
    expect(waiting?.output.summary).toMatch(/waiting for run #\d+/);
    await h.advance(31_000);
    expect(checkRun(h, 'shipgate/build', first.sha)).toMatchObject({ conclusion: 'success' });
    expect(dispatched(h)).toHaveLength(2);
    expect(dispatched(h)[1]?.inputs.sha).toBe(second.sha);
    await h.advance(31_000);
    expect(checkRun(h, 'shipgate/build', second.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    h.sim.assertNoViolations();
  });

  it('asks GitHub about a run that went quiet when its webhooks were lost', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG);
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    h.sim.faults.set({ webhookDropRate: 1 });
    await h.advance(31_000);
    expect(checkRun(h, 'shipgate/build', pushed.sha)).toMatchObject({ status: 'in_progress' });
    h.sim.faults.clear();
    await h.advance(6 * 60_000);
    const report = await h.reconcile();
    expect(report.polled).toBe(1);
    expect(h.sim.requestsTo('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}')).toHaveLength(1);
    expect(checkRun(h, 'shipgate/build', pushed.sha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    h.sim.assertNoViolations();
  });

  it('gives a pull request that edits shipgate.yml a shipgate/config check', async () => {
    h = await harnessWith(target, DAG_CONFIG);
    h.sim.createBranch({ repo: REPO, branch: 'config-change' });
    const good = h.sim.openPullRequest({
      repo: REPO,
      head: 'config-change',
      base: 'main',
      files: { '.github/shipgate.yml': DAG_CONFIG.replace('paths-ignore', 'paths-ignore') + '\n' },
    });
    await h.settle();
    expect(checkRun(h, 'shipgate/config', good.headSha)).toMatchObject({ status: 'completed', conclusion: 'success' });
    h.sim.createBranch({ repo: REPO, branch: 'config-typo' });
    const bad = h.sim.openPullRequest({ repo: REPO, head: 'config-typo', base: 'main', files: { '.github/shipgate.yml': DAG_CONFIG.replace('needs: [build]', 'need: [build]') } });
    await h.settle();
    const check = checkRun(h, 'shipgate/config', bad.headSha);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check?.output.summary).toMatch(/did you mean "needs"/);
    expect(dispatched(h).filter((d) => d.inputs.sha === bad.headSha)).toEqual([]);
    h.sim.assertNoViolations();
  });
});

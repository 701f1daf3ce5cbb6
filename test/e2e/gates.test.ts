/**
 * Quality gates end to end (SPEC §5a): signed webhooks into the app, workflow
 * runs in the simulator that upload artifacts, shipgate downloading and
 * judging them, and the verdict binding the pipeline, its check run (gates
 * table, annotations) and the roll-up; baselines from the default branch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { workflowFile } from '../../src/demo/story.ts';

/** test (unit uploads coverage + junit) → deploy; gates on unit's artifacts. */
const CONFIG = `version: 1
pipelines:
  ci:
    on:
      push: { branches: [main] }
      pull_request: { branches: [main] }
    stages:
      test:
        jobs:
          unit: { workflow: test.yml }
      ship:
        needs: [test]
        jobs:
          pack: { workflow: build.yml, inputs: { target: dist } }
    gates:
      - { name: coverage, type: coverage, job: unit, artifact: coverage, min: 80, max-drop: 2 }
      - { name: tests, type: junit, job: unit, artifact: junit, max-failures: 0 }
`;

function lcov(covered: number, total: number): string {
  const lines = Array.from({ length: total }, (_, i) => `DA:${i + 1},${i < covered ? 1 : 0}`);
  return ['TN:', 'SF:src/app.ts', ...lines, `LF:${total}`, `LH:${covered}`, 'end_of_record', ''].join('\n');
}

function junit(failures: Array<{ name: string; line: number }>, passing = 3): string {
  const cases = [
    ...Array.from({ length: passing }, (_, i) => `<testcase classname="app" name="works ${i}" time="0.01" file="src/app.test.ts"/>`),
    ...failures.map((f) => `<testcase classname="app" name="${f.name}" time="0.02" file="src/app.test.ts" line="${f.line}"><failure message="expected 1 to be 2">AssertionError: expected 1 to be 2</failure></testcase>`),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="app" tests="${passing + failures.length}" failures="${failures.length}">${cases.join('')}</testsuite></testsuites>\n`;
}

function scriptUnit(sim: GitHubSimulator, attempts: Array<{ covered: number; failures?: Array<{ name: string; line: number }>; conclusion?: 'success' | 'failure'; artifacts?: boolean }>) {
  sim.scripts.workflow({
    repo: ACME_API,
    workflow: 'test.yml',
    times: 1,
    attempts: attempts.map((a) => ({
      conclusion: a.conclusion ?? ((a.failures?.length ?? 0) > 0 ? 'failure' : 'success'),
      durationMs: 10_000,
      artifacts:
        a.artifacts === false
          ? []
          : [
              { name: 'coverage', files: { 'coverage/lcov.info': lcov(a.covered, 100) } },
              { name: 'junit', files: { 'reports/junit.xml': junit(a.failures ?? []) } },
            ],
    })),
  });
}

const checkOf = (h: Harness, sha: string, name: string) =>
  h.sim
    .checkRuns(ACME_API)
    .filter((c) => c.headSha === sha && c.name === name)
    .at(-1);

async function pipelineRuns(h: Harness) {
  return h.store.db.selectFrom('pipeline_runs').select(['id', 'sha', 'status', 'conclusion', 'trigger']).orderBy('id').execute();
}

async function finish(h: Harness) {
  await h.settle();
  for (let i = 0; i < 4; i++) await h.advance(31_000);
}

describe.each(databaseTargets())('quality gates on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('passes the gates of a green push, shows the gates table, runs the next stage and keeps a baseline', async () => {
    h = await startAcmeHarness(target, CONFIG, { setup: (sim) => scriptUnit(sim, [{ covered: 91 }]) });
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h);
    const [run] = await pipelineRuns(h);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success' });
    const check = checkOf(h, push.sha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(check?.output.summary).toContain('### Gates');
    expect(check?.output.summary).toMatch(/\| coverage \| ✅ pass \| 91% \(91\/100 lines\) \| ≥ 80%, drop ≤ 2 points \| none yet|\| coverage \| ✅ pass \| 91%/);
    expect(check?.output.summary).toMatch(/\| tests \| ✅ pass \| 0 failed of 3 \|/);
    expect(checkOf(h, push.sha, 'shipgate')).toMatchObject({ status: 'completed', conclusion: 'success' });
    const stages = await h.store.db.selectFrom('stage_runs').select(['stage', 'status', 'conclusion']).orderBy('id').execute();
    expect(stages).toEqual([
      { stage: 'test', status: 'completed', conclusion: 'success' },
      { stage: 'ship', status: 'completed', conclusion: 'success' },
    ]);
    const baselines = await h.store.db.selectFrom('gate_baselines').select(['gate', 'sha', 'data']).orderBy('gate').execute();
    expect(baselines).toEqual([{ gate: 'coverage', sha: push.sha, data: { coveragePercent: 91 } }]);
  });

  it('fails the pipeline on a failed gate: the next stage is skipped, the check and the roll-up fail, findings become annotations', async () => {
    h = await startAcmeHarness(target, CONFIG, { setup: (sim) => scriptUnit(sim, [{ covered: 70, conclusion: 'success', failures: [] }]) });
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 2;\n' } });
    await finish(h);
    const [run] = await pipelineRuns(h);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const stages = await h.store.db.selectFrom('stage_runs').select(['stage', 'status', 'conclusion']).orderBy('id').execute();
    expect(stages).toEqual([
      { stage: 'test', status: 'completed', conclusion: 'failure' },
      { stage: 'ship', status: 'skipped', conclusion: null },
    ]);
    const check = checkOf(h, push.sha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check?.output.title).toContain('gate coverage');
    expect(check?.output.summary).toMatch(/\| coverage \| ❌ fail \| 70% \(70\/100 lines\) \|/);
    expect(check?.output.summary).toContain('line coverage 70% is below the minimum 80%');
    expect(checkOf(h, push.sha, 'shipgate')).toMatchObject({ conclusion: 'failure' });
    // A failed run leaves no baseline.
    expect(await h.store.db.selectFrom('gate_baselines').selectAll().execute()).toEqual([]);
  });

  it('annotates failed tests with their file and line, in batches of at most 50', async () => {
    const failures = Array.from({ length: 120 }, (_, i) => ({ name: `breaks ${i}`, line: i + 1 }));
    h = await startAcmeHarness(target, CONFIG, { setup: (sim) => scriptUnit(sim, [{ covered: 95, failures }]) });
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 3;\n' } });
    await finish(h);
    const check = checkOf(h, push.sha, 'shipgate/ci');
    expect(check).toMatchObject({ conclusion: 'failure' });
    expect(check?.annotations).toHaveLength(120);
    expect(check?.annotations[0]).toMatchObject({ path: 'src/app.test.ts', start_line: 1, annotation_level: 'failure' });
    expect(new Set(check?.annotations.map((a) => a.message)).size).toBe(1);
    const batches = (check?.history ?? []).map((body) => ((body.output as { annotations?: unknown[] } | undefined)?.annotations ?? []).length).filter((n) => n > 0);
    expect(batches).toEqual([50, 50, 20]);
    expect(check?.output.summary).toMatch(/\| tests \| ❌ fail \| 120 failed of 123 \|/);
  });

  it('fails closed when the artifact is missing, naming the artifact and the run', async () => {
    h = await startAcmeHarness(target, CONFIG, { setup: (sim) => scriptUnit(sim, [{ covered: 0, artifacts: false }]) });
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 4;\n' } });
    await finish(h);
    const [run] = await pipelineRuns(h);
    expect(run).toMatchObject({ conclusion: 'failure' });
    const summary = checkOf(h, push.sha, 'shipgate/ci')?.output.summary ?? '';
    expect(summary).toMatch(/\| coverage \| ⚠️ error \|/);
    expect(summary).toMatch(/\*\*coverage\*\* error: artifact 'coverage', workflow run \d+ \(http[^)]+\): the workflow run has no artifact of that name \(it uploaded none\)/);
  });

  it('compares a pull request with the baseline at its merge-base; /override by an admin sets the gate aside and the pipeline goes on', async () => {
    h = await startAcmeHarness(target, CONFIG, {
      setup: (sim) => {
        scriptUnit(sim, [{ covered: 91 }]);
        sim.scripts.workflow({ repo: ACME_API, workflow: 'test.yml', when: { ref: 'topic' }, attempts: [{ durationMs: 10_000, artifacts: [{ name: 'coverage', files: { 'lcov.info': lcov(85, 100) } }, { name: 'junit', files: { 'junit.xml': junit([]) } }] }] });
        sim.setPermission(ACME_API, 'carol', 'admin');
      },
    });
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 5;\n' } });
    await finish(h);
    // A later push to main (not the merge-base) must not be the baseline of a PR opened from the earlier commit.
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/other.ts': 'export const y = 1;\n' }, author: 'alice' });
    await finish(h);
    const prRun = (await pipelineRuns(h)).at(-1);
    expect(prRun).toMatchObject({ trigger: 'pull_request', conclusion: 'failure' });
    let summary = checkOf(h, pr.headSha, 'shipgate/ci')?.output.summary ?? '';
    expect(summary).toMatch(/\| coverage \| ❌ fail \| 85% \(85\/100 lines\) \| ≥ 80%, drop ≤ 2 points \| 91% at [0-9a-f]{7} \|/);
    expect(summary).toContain('line coverage 85% is 6 points from the baseline 91% (at most 2 allowed)');
    expect(h.sim.requests.filter((r) => r.route === 'GET /repos/{owner}/{repo}/compare/{basehead}').length).toBeGreaterThan(0);

    // bob may read but is neither admin nor an approver: refused, nothing changes.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/override coverage generated code moved', author: 'bob' });
    await h.settle();
    expect(h.sim.comments(ACME_API, pr.number).at(-1)?.body).toContain('@bob may not override gates here: it takes admin access to the repository');
    // No reason: refused with the usage.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/override coverage', author: 'carol' });
    await h.settle();
    expect(h.sim.comments(ACME_API, pr.number).at(-1)?.body).toContain('an override needs a reason');
    // An unknown gate names the known ones.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/override coverge typo', author: 'carol' });
    await h.settle();
    expect(h.sim.comments(ACME_API, pr.number).at(-1)?.body).toContain("pipeline 'ci' has no gate 'coverge'; its gates are 'coverage', 'tests'");

    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/override coverage generated code moved to vendor/', author: 'carol' });
    await finish(h);
    const after = (await pipelineRuns(h)).at(-1);
    expect(after).toMatchObject({ id: prRun?.id, status: 'completed', conclusion: 'success' });
    const stages = await h.store.db.selectFrom('stage_runs').select(['stage', 'status', 'conclusion']).where('pipeline_run_id', '=', prRun?.id ?? 0).orderBy('id').execute();
    expect(stages).toEqual([
      { stage: 'test', status: 'completed', conclusion: 'success' },
      { stage: 'ship', status: 'completed', conclusion: 'success' },
    ]);
    const check = checkOf(h, pr.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    summary = check?.output.summary ?? '';
    expect(summary).toMatch(/\| coverage \| 🟡 overridden \|/);
    expect(summary).toContain('**coverage** overridden by @carol: generated code moved to vendor/');
    expect(checkOf(h, pr.headSha, 'shipgate')).toMatchObject({ conclusion: 'success' });
    const audit = await h.store.db.selectFrom('audit_log').select(['actor', 'action', 'target', 'details']).where('action', '=', 'gate.override').execute();
    expect(audit).toEqual([{ actor: 'carol', action: 'gate.override', target: `ci/coverage@${pr.headSha}`, details: expect.objectContaining({ reason: 'generated code moved to vendor/', reopened: true }) }]);

    // A new push to the PR is a new commit: the override does not follow it.
    h.sim.push({ repo: ACME_API, branch: 'topic', files: { 'src/other.ts': 'export const y = 2;\n' } });
    await finish(h);
    expect((await pipelineRuns(h)).at(-1)).toMatchObject({ trigger: 'pull_request', conclusion: 'failure' });
  });

  it('/retry after a failing test: the job runs again, the gate is judged on the new attempt, and the recovered test is flaky', async () => {
    h = await startAcmeHarness(target, CONFIG, { setup: (sim) => scriptUnit(sim, [{ covered: 90, failures: [{ name: 'adds up', line: 7 }] }, { covered: 90 }]) });
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 6;\n' }, author: 'alice' });
    await finish(h);
    let check = checkOf(h, pr.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ conclusion: 'failure' });
    expect(check?.output.summary).toMatch(/\| tests \| ❌ fail \| 1 failed of 4 \|/);
    expect(check?.annotations).toEqual([expect.objectContaining({ path: 'src/app.test.ts', start_line: 7, annotation_level: 'failure', title: expect.stringContaining('app › adds up') })]);
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/retry', author: 'alice' });
    await finish(h);
    check = checkOf(h, pr.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(check?.output.summary).toMatch(/\| tests \| ✅ pass \| 0 failed of 3, 1 flaky \|/);
    // The re-run's check run does not carry the replaced attempt's failure annotation.
    expect(check?.annotations.filter((a) => a.annotation_level === 'failure')).toEqual([]);
    const rows = await h.store.db.selectFrom('gate_results').select(['gate', 'attempt', 'result']).where('gate', '=', 'tests').orderBy('attempt').execute();
    expect(rows).toEqual([
      { gate: 'tests', attempt: 1, result: 'fail' },
      { gate: 'tests', attempt: 2, result: 'pass' },
    ]);
  });

  it('/retry after a failed gate on a green job runs the job again in a new workflow run', async () => {
    h = await startAcmeHarness(target, CONFIG, { setup: (sim) => scriptUnit(sim, [{ covered: 60 }]) });
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 7;\n' }, author: 'alice' });
    await finish(h);
    expect(checkOf(h, pr.headSha, 'shipgate/ci')).toMatchObject({ conclusion: 'failure' });
    const dispatchesBefore = h.sim.requests.filter((r) => r.route?.endsWith('/dispatches') && r.status < 300).length;
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/retry', author: 'alice' });
    await finish(h);
    expect(h.sim.requests.filter((r) => r.route?.endsWith('/dispatches') && r.status < 300).length).toBe(dispatchesBefore + 1);
    const attempts = await h.store.db.selectFrom('job_attempts').select(['job', 'attempt', 'conclusion']).where('job', '=', 'unit').orderBy('attempt').execute();
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
  });

  it('marks a result produced by a workflow the pull request changed', async () => {
    h = await startAcmeHarness(target, CONFIG, { setup: (sim) => scriptUnit(sim, [{ covered: 95 }]) });
    const changed = `${workflowFile('test', {}, ['make test'])}# run more tests\n`;
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { '.github/workflows/test.yml': changed }, author: 'alice' });
    await finish(h);
    const summary = checkOf(h, pr.headSha, 'shipgate/ci')?.output.summary ?? '';
    expect(summary).toMatch(/\| coverage \| ✅ pass<br>⚠️ produced by a workflow changed in this PR \|/);
  });

  it('fails a gate closed on an artifact that expired before it could be read, and on a nested zip, and keeps serving', async () => {
    const ARTIFACTS = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts';
    const config = CONFIG.replace("max-failures: 0 }", "max-failures: 0 }\n      - { name: bundle, type: junit, job: unit, artifact: bundle }");
    h = await startAcmeHarness(target, config, {
      setup: (sim) =>
        sim.scripts.workflow({
          repo: ACME_API,
          workflow: 'test.yml',
          times: 1,
          attempts: [
            {
              durationMs: 10_000,
              artifacts: [
                { name: 'coverage', files: { 'lcov.info': lcov(90, 100) }, retentionDays: 1 },
                { name: 'junit', files: { 'junit.xml': junit([]) }, retentionDays: 1 },
                { name: 'bundle', files: { 'reports.bin': new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]) } },
              ],
            },
          ],
        }),
    });
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 8;\n' } });
    await h.settle();
    // Every artifact listing fails while the run ends; the gates' effects retry with backoff, and by then two days passed.
    h.sim.faults.set({ routes: [ARTIFACTS], errorRate: 1 });
    await h.advance(11_000);
    expect(checkOf(h, push.sha, 'shipgate/ci')?.status).not.toBe('completed');
    h.sim.faults.clear();
    await h.advance(2 * 86_400_000);
    await h.advance(60_000);
    const check = checkOf(h, push.sha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const summary = check?.output.summary ?? '';
    expect(summary).toMatch(/\*\*coverage\*\* error: artifact 'coverage', workflow run \d+ \([^)]+\): the artifact has expired \(at [^)]+\) and can no longer be downloaded; re-run the job to upload it again/);
    expect(summary).toMatch(/\*\*tests\*\* error: artifact 'junit'.*has expired/);
    expect(summary).toMatch(/\*\*bundle\*\* error: artifact 'bundle', file 'reports.bin', workflow run \d+ \([^)]+\): an entry is itself a zip archive; nested archives are not read/);
    // The app still serves: a later push runs and completes.
    h.sim.scripts.workflow({ repo: ACME_API, workflow: 'test.yml', times: 1, attempts: [{ durationMs: 1_000, artifacts: [{ name: 'coverage', files: { 'lcov.info': lcov(90, 100) } }, { name: 'junit', files: { 'junit.xml': junit([]) } }, { name: 'bundle', files: { 'j.xml': junit([]) } }] }] });
    const next = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 9;\n' } });
    await finish(h);
    expect(checkOf(h, next.sha, 'shipgate/ci')).toMatchObject({ conclusion: 'success' });
  });
});

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
});

/**
 * Quality gates that compare (SPEC §5a) end to end: benchmark medians and
 * SARIF fingerprints kept as baselines from green default-branch pushes and
 * read back at a pull request's merge-base, patch coverage over the lines a
 * pull request adds, and the `shipgate/config` check of a pull request that
 * changes gate settings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';

/** Pushes to main and pull requests into it run `ci` with `stages`, gated by `gates`. */
function config(stages: string, gates: string): string {
  return `version: 1
pipelines:
  ci:
    on:
      push: { branches: [main] }
      pull_request: { branches: [main] }
    stages:
${stages}
    gates:
${gates}
`;
}

const checkOf = (h: Harness, sha: string, name: string) =>
  h.sim
    .checkRuns(ACME_API)
    .filter((c) => c.headSha === sha && c.name === name)
    .at(-1);

async function lastRun(h: Harness) {
  return (await h.store.db.selectFrom('pipeline_runs').select(['id', 'sha', 'status', 'conclusion', 'trigger']).orderBy('id').execute()).at(-1);
}

async function finish(h: Harness) {
  await h.settle();
  for (let i = 0; i < 4; i++) await h.advance(31_000);
}

/** The row of `gate` in a summary's gates table, as its cells (gate, result, measured, threshold, baseline, run). */
function gateRow(summary: string, gate: string): string[] | undefined {
  const line = summary.split('\n').find((l) => l.startsWith(`| ${gate} |`));
  return line
    ?.split(' | ')
    .map((cell) => cell.replace(/^\| | \|$/g, '').trim());
}

// ---------------------------------------------------------------- benchmark

const BENCH_CONFIG = config(
  `      bench:
        jobs:
          bench: { workflow: build.yml, inputs: { target: bench } }`,
  `      - { name: perf, type: benchmark, job: bench, artifact: bench, max-regression: 10% }`,
);

/** The next run of build.yml on `ref` uploads these benchmark values. */
function scriptBench(h: Harness, ref: string, values: Record<string, number>) {
  h.sim.scripts.workflow({
    repo: ACME_API,
    workflow: 'build.yml',
    when: { ref },
    times: 1,
    attempts: [{ durationMs: 10_000, artifacts: [{ name: 'bench', files: { 'bench.json': JSON.stringify(values) } }] }],
  });
}

// ---------------------------------------------------------------- sarif

const SARIF_CONFIG = config(
  `      scan:
        jobs:
          sast: { workflow: scan.yml }`,
  `      - { name: sast, type: sarif, job: sast, artifact: sarif, new-only: true, max: { error: 1 } }`,
);

interface Finding {
  rule: string;
  line: number;
  print: string;
}

/** A SARIF log of error findings in src/app.ts, each with its partialFingerprints. */
function sarifLog(findings: Finding[]): string {
  return JSON.stringify({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'semgrep', rules: [...new Set(findings.map((f) => f.rule))].map((id) => ({ id, defaultConfiguration: { level: 'error' } })) } },
        results: findings.map((f) => ({
          ruleId: f.rule,
          level: 'error',
          message: { text: `${f.rule} at line ${f.line}` },
          locations: [{ physicalLocation: { artifactLocation: { uri: 'src/app.ts' }, region: { startLine: f.line } } }],
          partialFingerprints: { primaryLocationLineHash: f.print },
        })),
      },
    ],
  });
}

function scriptScan(h: Harness, ref: string, findings: Finding[]) {
  h.sim.scripts.workflow({
    repo: ACME_API,
    workflow: 'scan.yml',
    when: { ref },
    times: 1,
    attempts: [{ durationMs: 10_000, artifacts: [{ name: 'sarif', files: { 'results.sarif': sarifLog(findings) } }] }],
  });
}

const OLD: Finding = { rule: 'js.sql-injection', line: 10, print: 'a1b2c3d4:1' };
const NEW_1: Finding = { rule: 'js.eval-usage', line: 20, print: 'e5f6a7b8:1' };
const NEW_2: Finding = { rule: 'js.path-traversal', line: 30, print: 'c9d0e1f2:1' };

// ---------------------------------------------------------------- patch coverage

const PATCH_CONFIG = config(
  `      test:
        jobs:
          unit: { workflow: test.yml }`,
  `      - { name: patch, type: coverage, job: unit, artifact: coverage, patch-min: 50 }`,
);

/** Four lines, every one coverable. */
const CALC = 'export function add(a: number, b: number): number {\n  const sum = a + b;\n  return sum;\n}\n';

/** LCOV of src/calc.ts with the hits of its lines 1–4. */
function calcLcov(hits: [number, number, number, number]): string {
  return ['TN:', 'SF:src/calc.ts', ...hits.map((n, i) => `DA:${i + 1},${n}`), 'LF:4', `LH:${hits.filter((n) => n > 0).length}`, 'end_of_record', ''].join('\n');
}

function scriptUnitCoverage(h: Harness, ref: string, lcov: string) {
  h.sim.scripts.workflow({
    repo: ACME_API,
    workflow: 'test.yml',
    when: { ref },
    times: 1,
    attempts: [{ durationMs: 10_000, artifacts: [{ name: 'coverage', files: { 'coverage/lcov.info': lcov } }] }],
  });
}

// ---------------------------------------------------------------- config changes

const GATES_CONFIG = (min: number) =>
  config(
    `      test:
        jobs:
          unit: { workflow: test.yml }`,
    `      - { name: coverage, type: coverage, job: unit, artifact: coverage, min: ${min} }`,
  );

function lcovOf(covered: number, total: number): string {
  const lines = Array.from({ length: total }, (_, i) => `DA:${i + 1},${i < covered ? 1 : 0}`);
  return ['TN:', 'SF:src/app.ts', ...lines, `LF:${total}`, `LH:${covered}`, 'end_of_record', ''].join('\n');
}

describe.each(databaseTargets())('gate baselines on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('benchmark: neutral until main has a baseline, then a pull request is judged against the median of the last five green pushes at its merge-base', async () => {
    h = await startAcmeHarness(target, BENCH_CONFIG);
    const harness = h;
    const pushMain = async (parse: number, n: number) => {
      scriptBench(harness, 'main', { parse, render: 50 });
      const push = harness.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': `export const x = ${n};\n` } });
      await finish(harness);
      return push;
    };

    // No baseline yet: neutral, saying so, and the pipeline succeeds (and its values become the first baseline).
    const first = await pushMain(92, 1);
    expect(await lastRun(h)).toMatchObject({ sha: first.sha, trigger: 'push', status: 'completed', conclusion: 'success' });
    let check = checkOf(h, first.sha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRow(check?.output.summary ?? '', 'perf')).toEqual(['perf', '➖ neutral', '2 benchmarks', 'regression ≤ 10%', 'none yet', expect.stringMatching(/^\[bench\]\(http[^)]+\/actions\/runs\/\d+\)$/)]);
    expect(check?.output.summary).toContain('- **perf** neutral: no benchmark baseline from the default branch yet; collecting one');
    expect(checkOf(h, first.sha, 'shipgate')).toMatchObject({ conclusion: 'success' });

    // Five more green pushes, each within 10% of the median before it.
    const later = [];
    for (const [i, parse] of [100, 99, 101, 103, 104].entries()) later.push(await pushMain(parse, i + 2));
    const second = checkOf(h, later[0]?.sha ?? '', 'shipgate/ci');
    expect(second).toMatchObject({ conclusion: 'success' });
    expect(gateRow(second?.output.summary ?? '', 'perf')?.slice(0, 5)).toEqual(['perf', '✅ pass', 'parse 100, render 50', 'regression ≤ 10%', 'median of last 5: parse 92, render 50']);
    // The sixth push compares with the five before it (92, 100, 99, 101, 103 → 100).
    const sixth = checkOf(h, later[4]?.sha ?? '', 'shipgate/ci');
    expect(gateRow(sixth?.output.summary ?? '', 'perf')?.slice(0, 5)).toEqual(['perf', '✅ pass', 'parse 104, render 50', 'regression ≤ 10%', 'median of last 5: parse 100, render 50']);
    const baselines = await h.store.db.selectFrom('gate_baselines').select(['gate', 'sha', 'committed_at', 'data']).orderBy('id').execute();
    expect(baselines.map((b) => b.sha)).toEqual([first.sha, ...later.map((p) => p.sha)]);
    expect(baselines.map((b) => b.data)).toEqual([92, 100, 99, 101, 103, 104].map((parse) => ({ benchmarks: { parse, render: 50 } })));
    // The pushes' head_commit timestamps order the baselines.
    const times = baselines.map((b) => new Date(b.committed_at).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(6);

    // A pull request from main's head: the baseline is the last five at its merge-base (100, 99, 101, 103, 104 → 101), not the first push.
    scriptBench(h, 'slow', { parse: 130, render: 50 });
    const slow = h.sim.openPullRequest({ repo: ACME_API, head: 'slow', files: { 'src/parse.ts': 'export const slow = true;\n' }, author: 'alice' });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: slow.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'failure' });
    check = checkOf(h, slow.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check?.output.title).toContain('gate perf');
    expect(gateRow(check?.output.summary ?? '', 'perf')?.slice(0, 5)).toEqual(['perf', '❌ fail', 'parse 130, render 50', 'regression ≤ 10%', 'median of last 5: parse 101, render 50']);
    expect(check?.output.summary).toContain('- **perf** fail: parse regressed by more than 10% against the median of the baseline');
    expect(checkOf(h, slow.headSha, 'shipgate')).toMatchObject({ conclusion: 'failure' });
    const finding = await h.store.db.selectFrom('gate_results').select(['result', 'findings']).where('gate', '=', 'perf').orderBy('id', 'desc').executeTakeFirst();
    expect(finding?.result).toBe('fail');
    expect(JSON.stringify(finding?.findings)).toContain('parse: 130 against a median of 101 (28.71% worse; at most 10%).');

    // 105 is within 10% of 101: pass.
    scriptBench(h, 'fine', { parse: 105, render: 50 });
    const fine = h.sim.openPullRequest({ repo: ACME_API, head: 'fine', files: { 'src/parse.ts': 'export const slow = false;\n' }, author: 'alice' });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: fine.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'success' });
    check = checkOf(h, fine.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRow(check?.output.summary ?? '', 'perf')?.slice(0, 5)).toEqual(['perf', '✅ pass', 'parse 105, render 50', 'regression ≤ 10%', 'median of last 5: parse 101, render 50']);
    expect(checkOf(h, fine.headSha, 'shipgate')).toMatchObject({ conclusion: 'success' });
    // Pull requests leave no baseline.
    expect(await h.store.db.selectFrom('gate_baselines').select('sha').execute()).toHaveLength(6);
  });

  it('sarif new-only: main records its findings\' fingerprints, and a pull request counts only the findings not among them', async () => {
    h = await startAcmeHarness(target, SARIF_CONFIG);
    // main's one error finding: no baseline yet, so new-only cannot judge it (neutral); the green run keeps its fingerprint.
    scriptScan(h, 'main', [OLD]);
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: push.sha, trigger: 'push', status: 'completed', conclusion: 'success' });
    let check = checkOf(h, push.sha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRow(check?.output.summary ?? '', 'sast')?.slice(0, 5)).toEqual(['sast', '➖ neutral', 'error 1, warning 0, note 0', 'error ≤ 1 (new findings)', 'none yet']);
    const baselines = await h.store.db.selectFrom('gate_baselines').select(['gate', 'sha', 'data']).execute();
    expect(baselines).toEqual([{ gate: 'sast', sha: push.sha, data: { fingerprints: [`${OLD.rule}/primaryLocationLineHash:${OLD.print}`] } }]);
    const short = push.sha.slice(0, 7);

    // The old finding and two new ones: the gate counts 2 (not 3), over the limit of 1.
    scriptScan(h, 'worse', [OLD, NEW_1, NEW_2]);
    const worse = h.sim.openPullRequest({ repo: ACME_API, head: 'worse', files: { 'src/app.ts': 'export const x = eval("1");\n' }, author: 'alice' });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: worse.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'failure' });
    check = checkOf(h, worse.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gateRow(check?.output.summary ?? '', 'sast')?.slice(0, 5)).toEqual(['sast', '❌ fail', 'error 2, warning 0, note 0', 'error ≤ 1 (new findings)', `1 known findings at ${short}`]);
    expect(check?.output.summary).toContain('- **sast** fail: new findings error 2 exceed error ≤ 1');
    // Only the new findings are annotated.
    expect(check?.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      ['src/app.ts', NEW_1.line, 'failure'],
      ['src/app.ts', NEW_2.line, 'failure'],
    ]);
    expect(checkOf(h, worse.headSha, 'shipgate')).toMatchObject({ conclusion: 'failure' });

    // The old finding and one new one: two errors in all, but one new is within the limit.
    scriptScan(h, 'one-new', [OLD, NEW_1]);
    const oneNew = h.sim.openPullRequest({ repo: ACME_API, head: 'one-new', files: { 'src/app.ts': 'export const x = eval("2");\n' }, author: 'alice' });
    await finish(h);
    check = checkOf(h, oneNew.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRow(check?.output.summary ?? '', 'sast')?.slice(0, 5)).toEqual(['sast', '✅ pass', 'error 1, warning 0, note 0', 'error ≤ 1 (new findings)', `1 known findings at ${short}`]);

    // Only the old finding: nothing new.
    scriptScan(h, 'same', [OLD]);
    const same = h.sim.openPullRequest({ repo: ACME_API, head: 'same', files: { 'README.md': '# api, documented\n' }, author: 'alice' });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: same.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'success' });
    check = checkOf(h, same.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRow(check?.output.summary ?? '', 'sast')?.slice(0, 5)).toEqual(['sast', '✅ pass', 'error 0, warning 0, note 0', 'error ≤ 1 (new findings)', `1 known findings at ${short}`]);
    expect(check?.annotations).toEqual([]);
    expect(checkOf(h, same.headSha, 'shipgate')).toMatchObject({ conclusion: 'success' });
  });

  it('sarif new-only with no baseline is neutral even over the limit, so the default branch can record its first baseline', async () => {
    h = await startAcmeHarness(target, SARIF_CONFIG);
    scriptScan(h, 'main', [OLD, NEW_1]);
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: push.sha, status: 'completed', conclusion: 'success' });
    const check = checkOf(h, push.sha, 'shipgate/ci');
    expect(gateRow(check?.output.summary ?? '', 'sast')?.slice(0, 5)).toEqual(['sast', '➖ neutral', 'error 2, warning 0, note 0', 'error ≤ 1 (new findings)', 'none yet']);
    expect(check?.output.summary).toContain('no baseline from the default branch yet, so new-only cannot tell new findings from known ones');
    expect((await h.store.db.selectFrom('gate_baselines').select('gate').execute()).map((b) => b.gate)).toEqual(['sast']);
  });

  it('patch-min: judged over the lines a pull request adds, from the files API patch and the LCOV hits of those lines', async () => {
    h = await startAcmeHarness(target, PATCH_CONFIG);
    // The new file's four lines are all added; one is covered.
    scriptUnitCoverage(h, 'low', calcLcov([1, 0, 0, 0]));
    const low = h.sim.openPullRequest({ repo: ACME_API, head: 'low', files: { 'src/calc.ts': CALC }, author: 'alice' });
    await finish(h);
    const files = h.sim.requests.filter((r) => r.route === 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files' && r.status < 300);
    expect(files.length).toBeGreaterThan(0);
    expect(await lastRun(h)).toMatchObject({ sha: low.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'failure' });
    let check = checkOf(h, low.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gateRow(check?.output.summary ?? '', 'patch')?.slice(0, 5)).toEqual(['patch', '❌ fail', '25% (1/4 lines); patch 25% (1/4)', 'patch ≥ 50%', '—']);
    expect(check?.output.summary).toContain('- **patch** fail: 1 of 4 added coverable lines are covered (25%, minimum 50%)');
    expect(check?.annotations).toEqual([
      expect.objectContaining({ path: 'src/calc.ts', start_line: 2, end_line: 4, annotation_level: 'warning', message: 'Added lines 2–4 are not covered by tests.' }),
    ]);
    expect(checkOf(h, low.headSha, 'shipgate')).toMatchObject({ conclusion: 'failure' });

    // Three of four covered: 75% ≥ 50%.
    scriptUnitCoverage(h, 'high', calcLcov([1, 1, 0, 3]));
    const high = h.sim.openPullRequest({ repo: ACME_API, head: 'high', files: { 'src/calc.ts': CALC }, author: 'alice' });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: high.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'success' });
    check = checkOf(h, high.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRow(check?.output.summary ?? '', 'patch')?.slice(0, 5)).toEqual(['patch', '✅ pass', '75% (3/4 lines); patch 75% (3/4)', 'patch ≥ 50%', '—']);
    expect(check?.annotations).toEqual([expect.objectContaining({ path: 'src/calc.ts', start_line: 3, end_line: 3, message: 'Added line 3 is not covered by tests.' })]);
    expect(checkOf(h, high.headSha, 'shipgate')).toMatchObject({ conclusion: 'success' });
  });

  it('patch-min counts only the added lines of a changed file, and 50% of them meets a minimum of 50%', async () => {
    h = await startAcmeHarness(target, PATCH_CONFIG);
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/calc.ts': CALC } });
    await finish(h);
    // Two lines appended; the four unchanged lines are not covered at all, which patch coverage ignores.
    const lcov = ['TN:', 'SF:src/calc.ts', 'DA:1,0', 'DA:2,0', 'DA:3,0', 'DA:4,0', 'DA:5,2', 'DA:6,0', 'LF:6', 'LH:1', 'end_of_record', ''].join('\n');
    scriptUnitCoverage(h, 'more', lcov);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'more', files: { 'src/calc.ts': `${CALC}export const two = add(1, 1);\nexport const three = add(1, 2);\n` }, author: 'alice' });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: pr.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'success' });
    const check = checkOf(h, pr.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRow(check?.output.summary ?? '', 'patch')?.slice(0, 5)).toEqual(['patch', '✅ pass', '16.67% (1/6 lines); patch 50% (1/2)', 'patch ≥ 50%', '—']);
    expect(check?.annotations).toEqual([expect.objectContaining({ path: 'src/calc.ts', start_line: 6, end_line: 6 })]);
  });

  it('patch-min on a push has no pull-request diff: neutral, saying so', async () => {
    h = await startAcmeHarness(target, PATCH_CONFIG);
    scriptUnitCoverage(h, 'main', calcLcov([1, 0, 0, 0]));
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/calc.ts': CALC } });
    await finish(h);
    expect(await lastRun(h)).toMatchObject({ sha: push.sha, trigger: 'push', conclusion: 'success' });
    const summary = checkOf(h, push.sha, 'shipgate/ci')?.output.summary ?? '';
    expect(gateRow(summary, 'patch')?.slice(0, 5)).toEqual(['patch', '➖ neutral', '25% (1/4 lines)', 'patch ≥ 50%', '—']);
    expect(summary).toContain('- **patch** neutral: patch-min applies to pull requests; this run has no pull-request diff');
  });

  it('a pull request that lowers a gate gets a shipgate/config check listing the change, and its run is judged by the changed gate', async () => {
    h = await startAcmeHarness(target, GATES_CONFIG(80));
    scriptUnitCoverage(h, 'lower', lcovOf(70, 100));
    const lower = h.sim.openPullRequest({ repo: ACME_API, head: 'lower', files: { '.github/shipgate.yml': GATES_CONFIG(60) }, author: 'alice' });
    await finish(h);
    const config = checkOf(h, lower.headSha, 'shipgate/config');
    expect(config).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(config?.output.title).toBe('shipgate.yml is valid; it changes 1 gate setting');
    expect(config?.output.summary).toContain('### This pull request changes gates');
    expect(config?.output.summary).toContain("- ci: gate 'coverage' changes min 80 → 60");
    expect(await lastRun(h)).toMatchObject({ sha: lower.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'success' });
    const check = checkOf(h, lower.headSha, 'shipgate/ci');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRow(check?.output.summary ?? '', 'coverage')?.slice(0, 5)).toEqual(['coverage', '✅ pass', '70% (70/100 lines)', '≥ 60%', '—']);

    // Editing the file without touching a gate: valid, no gate changes, and 70% still fails the unchanged minimum.
    scriptUnitCoverage(h, 'comment', lcovOf(70, 100));
    const edited = h.sim.openPullRequest({ repo: ACME_API, head: 'comment', files: { '.github/shipgate.yml': `# the pipelines of acme/api\n${GATES_CONFIG(80)}` }, author: 'alice' });
    await finish(h);
    const unchanged = checkOf(h, edited.headSha, 'shipgate/config');
    expect(unchanged).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(unchanged?.output.title).toBe('shipgate.yml is valid');
    expect(unchanged?.output.summary).not.toContain('changes gates');
    expect(await lastRun(h)).toMatchObject({ sha: edited.headSha, trigger: 'pull_request', status: 'completed', conclusion: 'failure' });
    const failed = checkOf(h, edited.headSha, 'shipgate/ci');
    expect(failed).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(gateRow(failed?.output.summary ?? '', 'coverage')?.slice(0, 5)).toEqual(['coverage', '❌ fail', '70% (70/100 lines)', '≥ 80%', '—']);
    // A pull request that does not touch the file gets no config check.
    scriptUnitCoverage(h, 'code', lcovOf(90, 100));
    const code = h.sim.openPullRequest({ repo: ACME_API, head: 'code', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await finish(h);
    expect(checkOf(h, code.headSha, 'shipgate/config')).toBeUndefined();
    expect(checkOf(h, code.headSha, 'shipgate/ci')).toMatchObject({ conclusion: 'success' });
  });
});

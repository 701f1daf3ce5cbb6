import { describe, expect, it } from 'vitest';
import { baselineMedian, evaluateGate, type UnreadableReport } from '../../src/gates/evaluate.ts';
import type { GateBaseline, GateSpec, PullRequestDiff } from '../../src/gates/gate-spec.ts';
import { parseSarif } from '../../src/gates/parsers/sarif.ts';
import { gateReason, renderGateReason } from '../../src/gates/reasons.ts';
import type { CoverageReport, JunitReport, Report, SarifFinding, SarifReport } from '../../src/gates/report.ts';
import { reportFixture } from './fixture.ts';

const coverage = (covered: number, valid: number, files: Record<string, Array<[number, number]>> | null = null): CoverageReport => ({
  kind: 'coverage',
  format: files === null ? 'istanbul' : 'lcov',
  lines: { covered, valid },
  branches: null,
  files: files === null ? null : new Map(Object.entries(files).map(([path, lines]) => [path, new Map(lines)])),
});
const junit = (partial: Partial<JunitReport>): JunitReport => ({ kind: 'junit', tests: 10, passed: 10, failures: 0, errors: 0, skipped: 0, flaky: 0, seconds: 1, failed: [], flakyTests: [], ...partial });
const finding = (partial: Partial<SarifFinding>): SarifFinding => ({ tool: 'T', ruleId: 'r', level: 'warning', severity: null, message: 'm', path: 'a.ts', line: 1, endLine: 1, fingerprint: 'f', ...partial });
const sarif = (findings: SarifFinding[]): SarifReport => ({ kind: 'sarif', runs: 1, levels: { error: 0, warning: 0, note: 0, none: 0 }, severities: { critical: 0, high: 0, medium: 0, low: 0 }, suppressed: 0, findings });
const benchmark = (values: Record<string, number>): Report => ({ kind: 'benchmark', values: new Map(Object.entries(values).map(([name, value]) => [name, { value, unit: 'ms' }])) });
const diff = (files: PullRequestDiff['files'], truncated = false): PullRequestDiff => ({ files, truncated });
const patch = (start: number, lines: string[]) => `@@ -${start},0 +${start},${lines.length} @@\n${lines.join('\n')}`;

const lcovFiles = { 'src/a.ts': [[1, 1], [2, 0], [3, 0], [4, 2], [5, 0]] as Array<[number, number]>, '/home/runner/x/src/b.ts': [[10, 0]] as Array<[number, number]> };

type Row = [string, GateSpec, Report | UnreadableReport, GateBaseline | null, PullRequestDiff | null, { result: string; code: string; measured?: string | null; baseline?: string | null }];

const table: Row[] = [
  // coverage: min
  ['coverage min met', { name: 'c', type: 'coverage', min: 80 }, coverage(80, 100), null, null, { result: 'pass', code: 'coverage.min', measured: '80% (80/100 lines)' }],
  ['coverage min missed by a hair', { name: 'c', type: 'coverage', min: 80 }, coverage(7999, 10000), null, null, { result: 'fail', code: 'coverage.min' }],
  ['coverage 0 of 0 is empty', { name: 'c', type: 'coverage', min: 0 }, coverage(0, 0), null, null, { result: 'error', code: 'report.empty' }],
  ['coverage without threshold', { name: 'c', type: 'coverage' }, coverage(1, 2), null, null, { result: 'error', code: 'gate.no-threshold' }],
  // coverage: max-drop
  ['drop within', { name: 'c', type: 'coverage', 'max-drop': 1 }, coverage(79, 100), { coveragePercent: 80, sha: 'abcdef1234' }, null, { result: 'pass', code: 'coverage.drop', baseline: '80% at abcdef1' }],
  ['drop over', { name: 'c', type: 'coverage', 'max-drop': 1 }, coverage(78, 100), { coveragePercent: 80 }, null, { result: 'fail', code: 'coverage.drop' }],
  ['drop without baseline', { name: 'c', type: 'coverage', 'max-drop': 1 }, coverage(78, 100), null, null, { result: 'neutral', code: 'coverage.no-baseline' }],
  ['min decides over a missing baseline', { name: 'c', type: 'coverage', min: 50, 'max-drop': 1 }, coverage(78, 100), null, null, { result: 'pass', code: 'coverage.min' }],
  ['a failing min beats a passing drop', { name: 'c', type: 'coverage', min: 90, 'max-drop': 5 }, coverage(78, 100), { coveragePercent: 80 }, null, { result: 'fail', code: 'coverage.min' }],
  // coverage: patch-min
  ['patch: 2 of 4 added coverable lines, below 60%', { name: 'c', type: 'coverage', 'patch-min': 60 }, coverage(3, 6, lcovFiles), null, diff([{ filename: 'src/a.ts', patch: patch(1, ['+a', '+b', ' c', '+d', '+blank-not-coverable']) }]), { result: 'fail', code: 'coverage.patch' }],
  ['patch: suffix match on absolute paths', { name: 'c', type: 'coverage', 'patch-min': 50 }, coverage(3, 6, lcovFiles), null, diff([{ filename: 'src/b.ts', patch: patch(10, ['+x']) }]), { result: 'fail', code: 'coverage.patch', measured: '50% (3/6 lines); patch 0% (0/1)' }],
  ['patch: missing patch of a covered file', { name: 'c', type: 'coverage', 'patch-min': 50 }, coverage(3, 6, lcovFiles), null, diff([{ filename: 'src/a.ts' }]), { result: 'error', code: 'coverage.patch-truncated' }],
  ['patch: missing patch of a binary file', { name: 'c', type: 'coverage', 'patch-min': 50 }, coverage(3, 6, lcovFiles), null, diff([{ filename: 'logo.png' }, { filename: 'src/a.ts', patch: patch(4, ['+d']) }]), { result: 'pass', code: 'coverage.patch' }],
  ['patch: truncated file list', { name: 'c', type: 'coverage', 'patch-min': 50 }, coverage(3, 6, lcovFiles), null, diff([{ filename: 'src/a.ts', patch: patch(4, ['+d']) }], true), { result: 'error', code: 'coverage.patch-truncated' }],
  ['patch: nothing coverable added', { name: 'c', type: 'coverage', 'patch-min': 50 }, coverage(3, 6, lcovFiles), null, diff([{ filename: 'README.md', patch: patch(1, ['+docs']) }]), { result: 'neutral', code: 'coverage.patch-no-coverable-lines' }],
  ['patch: not a pull request', { name: 'c', type: 'coverage', 'patch-min': 50 }, coverage(3, 6, lcovFiles), null, null, { result: 'neutral', code: 'coverage.patch-not-pull-request' }],
  ['patch: a summary has no lines', { name: 'c', type: 'coverage', 'patch-min': 50 }, coverage(3, 6), null, diff([]), { result: 'error', code: 'coverage.patch-needs-lines' }],
  // junit
  ['no failures', { name: 't', type: 'junit' }, junit({}), null, null, { result: 'pass', code: 'junit.failures', measured: '0 failed of 10' }],
  ['failures + errors over max', { name: 't', type: 'junit', 'max-failures': 1 }, junit({ failures: 1, errors: 1, passed: 8 }), null, null, { result: 'fail', code: 'junit.failures' }],
  ['flaky counted as passed', { name: 't', type: 'junit' }, junit({ flaky: 2 }), null, null, { result: 'pass', code: 'junit.failures', measured: '0 failed of 10, 2 flaky' }],
  ['vanished tests', { name: 't', type: 'junit', 'min-tests': 11 }, junit({}), null, null, { result: 'fail', code: 'junit.min-tests' }],
  ['zero tests is empty', { name: 't', type: 'junit' }, junit({ tests: 0, passed: 0 }), null, null, { result: 'error', code: 'report.empty' }],
  // sarif
  ['sarif within', { name: 's', type: 'sarif', max: { error: 0, warning: 1 } }, sarif([finding({})]), null, null, { result: 'pass', code: 'sarif.within' }],
  ['sarif errors over', { name: 's', type: 'sarif', max: { error: 0 } }, sarif([finding({ level: 'error' })]), null, null, { result: 'fail', code: 'sarif.over' }],
  ['max-severity high', { name: 's', type: 'sarif', 'max-severity': { high: 0 } }, sarif([finding({ severity: 'high' })]), null, null, { result: 'fail', code: 'sarif.over' }],
  ['critical as written by the repo-config schema', { name: 's', type: 'sarif', max: { critical: 0 } }, sarif([finding({ severity: 'high' })]), null, null, { result: 'pass', code: 'sarif.within' }],
  ['new-only: known fingerprint ignored', { name: 's', type: 'sarif', max: { error: 0 }, 'new-only': true }, sarif([finding({ level: 'error', fingerprint: 'old' })]), { fingerprints: new Set(['old']) }, null, { result: 'pass', code: 'sarif.within', baseline: '1 known findings' }],
  ['new-only: new fingerprint counts', { name: 's', type: 'sarif', max: { error: 0 }, 'new-only': true }, sarif([finding({ level: 'error', fingerprint: 'new' })]), { fingerprints: new Set(['old']) }, null, { result: 'fail', code: 'sarif.over' }],
  ['new-only without a baseline is neutral (it cannot tell new from known)', { name: 's', type: 'sarif', max: { error: 0 }, 'new-only': true }, sarif([finding({ level: 'error' })]), null, null, { result: 'neutral', code: 'sarif.no-baseline', baseline: 'none yet' }],
  ['sarif without runs is empty', { name: 's', type: 'sarif', max: { error: 0 } }, { ...sarif([]), runs: 0 }, null, null, { result: 'error', code: 'report.empty' }],
  ['clean scan passes', { name: 's', type: 'sarif', max: { error: 0 } }, sarif([]), null, null, { result: 'pass', code: 'sarif.within' }],
  // benchmark
  ['no baseline yet', { name: 'b', type: 'benchmark', 'max-regression': '10%' }, benchmark({ parse: 10 }), null, null, { result: 'neutral', code: 'benchmark.no-baseline', baseline: 'none yet' }],
  ['within 10% of the median of the last 5', { name: 'b', type: 'benchmark', 'max-regression': '10%' }, benchmark({ parse: 10.9 }), { benchmarks: new Map([['parse', [100, 10, 9, 11, 10, 12]]]) }, null, { result: 'pass', code: 'benchmark.within' }],
  ['regressed', { name: 'b', type: 'benchmark', 'max-regression': '10%' }, benchmark({ parse: 11.1, other: 1 }), { benchmarks: new Map([['parse', [10]]]) }, null, { result: 'fail', code: 'benchmark.regressed' }],
  ['higher is better', { name: 'b', type: 'benchmark', 'max-regression': 5, 'higher-is-better': true }, benchmark({ ops: 900 }), { benchmarks: new Map([['ops', [1000, 1000]]]) }, null, { result: 'fail', code: 'benchmark.regressed' }],
  ['no benchmarks is empty', { name: 'b', type: 'benchmark', 'max-regression': '10%' }, benchmark({}), null, null, { result: 'error', code: 'report.empty' }],
  // duration
  ['duration within', { name: 'd', type: 'duration', max: '30m' }, { kind: 'duration', ms: 29 * 60_000 }, null, null, { result: 'pass', code: 'duration.max', measured: '1740s' }],
  ['duration over', { name: 'd', type: 'duration', max: '30m' }, { kind: 'duration', ms: 30 * 60_000 + 1 }, null, null, { result: 'fail', code: 'duration.max' }],
  ['duration unknown', { name: 'd', type: 'duration', max: 1000 }, { kind: 'duration', ms: null }, null, null, { result: 'error', code: 'duration.unknown' }],
  // any gate
  ['a missing artifact', { name: 'c', type: 'coverage', min: 80 }, { kind: 'unreadable', reason: gateReason('artifact.zip-corrupt', { error: 'x' }) }, null, null, { result: 'error', code: 'artifact.zip-corrupt' }],
  ['a report of the wrong type', { name: 'c', type: 'coverage', min: 80 }, junit({}), null, null, { result: 'error', code: 'report.wrong-type' }],
];

describe('evaluateGate', () => {
  it.each(table)('%s', (_title, gate, report, baseline, pullRequest, expected) => {
    const result = evaluateGate(gate, report, baseline, pullRequest);
    expect(result.result).toBe(expected.result);
    expect(result.reason.code).toBe(expected.code);
    if (expected.measured !== undefined) expect(result.measured).toBe(expected.measured);
    if (expected.baseline !== undefined) expect(result.baseline).toBe(expected.baseline);
    expect(renderGateReason(result.reason).length).toBeGreaterThan(0);
  });

  it('reports uncovered added lines as ranges', () => {
    const result = evaluateGate({ name: 'c', type: 'coverage', 'patch-min': 90 }, coverage(3, 6, lcovFiles), null, diff([{ filename: 'src/a.ts', patch: patch(1, ['+a', '+b', '+c', ' d', '+e']) }]));
    expect(result.reason).toEqual({ code: 'coverage.patch', percent: 25, covered: 1, coverable: 4, min: 90 });
    expect(result.findings.map((f) => [f.path, f.startLine, f.endLine])).toEqual([
      ['src/a.ts', 2, 3],
      ['src/a.ts', 5, 5],
    ]);
  });

  it('turns failed tests into failure findings with file and line, and flaky ones into notices', () => {
    const result = evaluateGate(
      { name: 't', type: 'junit' },
      junit({ failures: 1, passed: 8, flaky: 1, failed: [{ name: 'adds', classname: 'math', suite: 's', kind: 'failure', message: 'expected 3', file: 'test/math.test.ts', line: 9 }], flakyTests: [{ name: 'net', classname: 'n', file: null }] }),
      null,
      null,
    );
    expect(result.findings).toEqual([
      { level: 'failure', path: 'test/math.test.ts', startLine: 9, endLine: 9, title: 'Failed: math › adds', message: 'expected 3' },
      { level: 'notice', path: null, startLine: null, endLine: null, title: 'Flaky: net', message: 'net failed, then passed on a rerun.' },
    ]);
  });

  it('evaluates the real CodeQL fixture, the most severe finding first', () => {
    const parsed = parseSarif(reportFixture('codeql/codeql.sarif'));
    if (!parsed.ok) throw new Error('fixture does not parse');
    const result = evaluateGate({ name: 's', type: 'sarif', max: { error: 0 }, 'max-severity': { high: 0 } }, parsed.report, null, null);
    expect(result.result).toBe('fail');
    expect(result.reason).toEqual({ code: 'sarif.over', counts: 'error 1, high 1', limits: 'error ≤ 0, high ≤ 0', newOnly: false });
    expect(result.findings.map((f) => [f.level, f.path, f.startLine, f.title])).toEqual([
      ['failure', 'src/db.js', 12, 'CodeQL: js/sql-injection (high)'],
      ['notice', 'src/db.js', 30, 'CodeQL: js/unused-local-variable'],
    ]);
  });
});

describe('baselineMedian', () => {
  it.each([
    [[], null],
    [[3], 3],
    [[1, 2], 1.5],
    [[100, 5, 1, 4, 2, 3], 3],
  ])('of %j is %s', (values, median) => {
    expect(baselineMedian(values)).toBe(median);
  });
});

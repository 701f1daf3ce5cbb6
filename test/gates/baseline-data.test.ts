import { describe, expect, it } from 'vitest';
import {
  MAX_BASELINE_FINGERPRINTS,
  asGateData,
  baselineFrom,
  gateData,
  hasBaselineValues,
  testId,
  withFlakyFromPreviousAttempt,
  type StoredBaseline,
} from '../../src/gates/baseline-data.ts';
import type { BenchmarkReport, CoverageReport, FailedTest, FlakyTest, JunitReport, SarifFinding, SarifReport } from '../../src/gates/report.ts';

const coverage = (covered: number, valid: number): CoverageReport => ({ kind: 'coverage', format: 'lcov', lines: { covered, valid }, branches: null, files: null });
const benchmark = (values: Record<string, number>): BenchmarkReport => ({
  kind: 'benchmark',
  values: new Map(Object.entries(values).map(([name, value]) => [name, { value, unit: 'ms' }])),
});
const finding = (fingerprint: string): SarifFinding => ({ tool: 'eslint', ruleId: 'no-eval', level: 'error', severity: null, message: 'eval', path: 'src/a.ts', line: 1, endLine: 1, fingerprint });
const sarif = (findings: SarifFinding[]): SarifReport => ({
  kind: 'sarif',
  runs: 1,
  levels: { error: findings.length, warning: 0, note: 0, none: 0 },
  severities: { critical: 0, high: 0, medium: 0, low: 0 },
  suppressed: 0,
  findings,
});
const failedTest = (classname: string, name: string): FailedTest => ({ name, classname, suite: 'suite', kind: 'failure', message: 'expected 1 to be 2', file: null, line: null });
const flakyTest = (classname: string, name: string): FlakyTest => ({ name, classname, file: null });
const junit = (partial: Partial<JunitReport>): JunitReport => ({
  kind: 'junit',
  tests: 10,
  passed: 10,
  failures: 0,
  errors: 0,
  skipped: 0,
  flaky: 0,
  seconds: 1,
  failed: [],
  flakyTests: [],
  ...partial,
});

describe('testId', () => {
  it('joins classname and name, or is the name alone without a classname', () => {
    expect(testId({ classname: 'math', name: 'adds' })).toBe('math › adds');
    expect(testId({ classname: '', name: 'adds' })).toBe('adds');
  });
});

describe('gateData', () => {
  it.each([
    [2, 3, 66.67],
    [1, 3, 33.33],
    [1, 8, 12.5],
    [7999, 10_000, 79.99],
    [5, 5, 100],
    [0, 10, 0],
  ])('keeps coverage %i/%i as %d percent, rounded to 2 decimals', (covered, valid, percent) => {
    expect(gateData(coverage(covered, valid))).toEqual({ coveragePercent: percent });
  });

  it('keeps nothing for a coverage report without coverable lines', () => {
    expect(gateData(coverage(0, 0))).toEqual({});
  });

  it('keeps each benchmark value by name, without the unit', () => {
    expect(gateData(benchmark({ parse: 12.5, render: 3 }))).toEqual({ benchmarks: { parse: 12.5, render: 3 } });
    expect(gateData(benchmark({}))).toEqual({ benchmarks: {} });
  });

  it('keeps SARIF fingerprints once each, in order', () => {
    expect(gateData(sarif([finding('a'), finding('b'), finding('a')]))).toEqual({ fingerprints: ['a', 'b'] });
    expect(gateData(sarif([]))).toEqual({ fingerprints: [] });
  });

  it(`keeps at most ${MAX_BASELINE_FINGERPRINTS} distinct fingerprints, the first ones`, () => {
    const findings = Array.from({ length: MAX_BASELINE_FINGERPRINTS + 5 }, (_, i) => finding(`fp-${i}`));
    // Duplicates at the front do not use up the cap.
    const data = gateData(sarif([finding('fp-0'), finding('fp-0'), ...findings]));
    expect(data.fingerprints).toHaveLength(MAX_BASELINE_FINGERPRINTS);
    expect(data.fingerprints?.[0]).toBe('fp-0');
    expect(data.fingerprints?.at(-1)).toBe(`fp-${MAX_BASELINE_FINGERPRINTS - 1}`);
    expect(data.fingerprints).not.toContain(`fp-${MAX_BASELINE_FINGERPRINTS}`);
  });

  it('keeps the ids of the failed JUnit tests', () => {
    const report = junit({ failures: 2, passed: 8, failed: [failedTest('math', 'adds'), failedTest('', 'top-level')] });
    expect(gateData(report)).toEqual({ failedTests: ['math › adds', 'top-level'] });
    expect(gateData(junit({}))).toEqual({ failedTests: [] });
  });

  it('keeps nothing for a duration', () => {
    expect(gateData({ kind: 'duration', ms: 1234 })).toEqual({});
  });
});

describe('withFlakyFromPreviousAttempt', () => {
  it('marks the tests that failed before and not now as flaky, once each', () => {
    const report = junit({ passed: 9, failures: 1, failed: [failedTest('db', 'still broken')] });
    const result = withFlakyFromPreviousAttempt(report, ['math › adds', 'math › adds', 'db › still broken']);
    expect(result.flaky).toBe(1);
    expect(result.flakyTests).toEqual([{ name: 'math › adds', classname: '', file: null }]);
    expect(result.flakyTests.map(testId)).toEqual(['math › adds']);
    // Counts of the attempt itself are unchanged: a flaky test is already counted as passed.
    expect(result.failures).toBe(1);
    expect(result.passed).toBe(9);
    expect(result.failed).toEqual(report.failed);
  });

  it('adds to the flaky tests the report found itself, without counting one twice', () => {
    const report = junit({ flaky: 1, flakyTests: [flakyTest('net', 'retries')] });
    const result = withFlakyFromPreviousAttempt(report, ['net › retries', 'math › adds']);
    expect(result.flaky).toBe(2);
    expect(result.flakyTests.map(testId)).toEqual(['net › retries', 'math › adds']);
  });

  it('returns the report itself when nothing recovered', () => {
    const report = junit({ failures: 1, passed: 9, failed: [failedTest('db', 'still broken')] });
    expect(withFlakyFromPreviousAttempt(report, [])).toBe(report);
    expect(withFlakyFromPreviousAttempt(report, ['db › still broken', 'db › still broken'])).toBe(report);
    const alreadyFlaky = junit({ flaky: 1, flakyTests: [flakyTest('net', 'retries')] });
    expect(withFlakyFromPreviousAttempt(alreadyFlaky, ['net › retries'])).toBe(alreadyFlaky);
  });

  it('leaves the report it was given untouched', () => {
    const report = junit({});
    withFlakyFromPreviousAttempt(report, ['math › adds']);
    expect(report.flaky).toBe(0);
    expect(report.flakyTests).toEqual([]);
  });
});

describe('baselineFrom', () => {
  it('is null without rows', () => {
    expect(baselineFrom([])).toBeNull();
  });

  it("takes the newest row's sha, coverage and fingerprints", () => {
    const rows: StoredBaseline[] = [
      { sha: 'new', data: { coveragePercent: 81.5, fingerprints: ['a', 'b', 'a'] } },
      { sha: 'old', data: { coveragePercent: 70, fingerprints: ['z'] } },
    ];
    expect(baselineFrom(rows)).toEqual({ sha: 'new', coveragePercent: 81.5, fingerprints: new Set(['a', 'b']) });
  });

  it("does not fall back to an older row's coverage or fingerprints", () => {
    const rows: StoredBaseline[] = [
      { sha: 'new', data: { benchmarks: { parse: 1 } } },
      { sha: 'old', data: { coveragePercent: 70, fingerprints: ['z'] } },
    ];
    const baseline = baselineFrom(rows);
    expect(baseline).toEqual({ sha: 'new', benchmarks: new Map([['parse', [1]]]) });
    expect(baseline).not.toHaveProperty('coveragePercent');
    expect(baseline).not.toHaveProperty('fingerprints');
  });

  it('collects each benchmark over the last 5 rows, oldest first, ignoring older rows', () => {
    // Newest first: row i has parse = i, so the last five are 0..4.
    const rows: StoredBaseline[] = Array.from({ length: 7 }, (_, i) => ({ sha: `sha-${i}`, data: { benchmarks: { parse: i } } }));
    rows[1] = { sha: 'sha-1', data: { benchmarks: { parse: 1, render: 10 } } };
    rows[3] = { sha: 'sha-3', data: { benchmarks: { parse: 3, render: 30 } } };
    rows[6] = { sha: 'sha-6', data: { benchmarks: { parse: 6, render: 60, old: 1 } } };
    expect(baselineFrom(rows)).toEqual({
      sha: 'sha-0',
      benchmarks: new Map([
        ['parse', [4, 3, 2, 1, 0]],
        ['render', [30, 10]],
      ]),
    });
  });

  it('keeps only the sha when the newest row holds nothing usable', () => {
    expect(baselineFrom([{ sha: 'x', data: 'garbage' }])).toEqual({ sha: 'x' });
    expect(baselineFrom([{ sha: 'x', data: { failedTests: ['math › adds'] } }])).toEqual({ sha: 'x' });
  });
});

describe('asGateData', () => {
  it.each([null, undefined, 'text', 42, true])('reads %s as no data', (value) => {
    expect(asGateData(value)).toEqual({});
  });

  it('keeps well-typed fields as they are', () => {
    const data = { coveragePercent: 0, benchmarks: { parse: 1.5 }, fingerprints: ['a'], failedTests: ['math › adds'] };
    expect(asGateData(data)).toEqual(data);
  });

  it('drops a coverage that is not a finite number', () => {
    expect(asGateData({ coveragePercent: Number.NaN })).toEqual({});
    expect(asGateData({ coveragePercent: Number.POSITIVE_INFINITY })).toEqual({});
    expect(asGateData({ coveragePercent: '80' })).toEqual({});
    expect(asGateData({ coveragePercent: null })).toEqual({});
  });

  it('keeps only the finite numeric benchmark values, and no benchmarks that are not a map', () => {
    expect(asGateData({ benchmarks: { parse: 1, render: '2', load: Number.NaN, boot: null, warm: Number.NEGATIVE_INFINITY } })).toEqual({ benchmarks: { parse: 1 } });
    expect(asGateData({ benchmarks: [1, 2] })).toEqual({});
    expect(asGateData({ benchmarks: null })).toEqual({});
    expect(asGateData({ benchmarks: 3 })).toEqual({});
  });

  it('keeps only the strings of fingerprints and failed tests, and no list that is not an array', () => {
    expect(asGateData({ fingerprints: ['a', 1, null, 'b'], failedTests: [{ id: 'x' }, 'math › adds'] })).toEqual({ fingerprints: ['a', 'b'], failedTests: ['math › adds'] });
    expect(asGateData({ fingerprints: 'a', failedTests: { 0: 'x' } })).toEqual({});
  });

  it('reads an array as no data', () => {
    expect(asGateData(['coveragePercent', 80])).toEqual({});
  });
});

describe('hasBaselineValues', () => {
  it('is true for coverage (even 0), a non-empty benchmark map, or any fingerprint list (even empty)', () => {
    expect(hasBaselineValues({ coveragePercent: 0 })).toBe(true);
    expect(hasBaselineValues({ benchmarks: { parse: 1 } })).toBe(true);
    expect(hasBaselineValues({ fingerprints: [] })).toBe(true);
  });

  it('is false for nothing, an empty benchmark map, or failed tests alone', () => {
    expect(hasBaselineValues({})).toBe(false);
    expect(hasBaselineValues({ benchmarks: {} })).toBe(false);
    expect(hasBaselineValues({ failedTests: ['math › adds'] })).toBe(false);
  });

  it('agrees with gateData: a clean SARIF log is a baseline, a coverage report without lines is not', () => {
    expect(hasBaselineValues(gateData(sarif([])))).toBe(true);
    expect(hasBaselineValues(gateData(coverage(0, 0)))).toBe(false);
    expect(hasBaselineValues(gateData(junit({ failed: [failedTest('a', 'b')] })))).toBe(false);
  });
});

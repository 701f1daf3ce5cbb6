import { describe, expect, it } from 'vitest';
import { parseJunit, parseSeconds } from '../../../src/gates/parsers/junit.ts';
import { reportFixture } from '../fixture.ts';

const counts = (path: string) => {
  const parsed = parseJunit(reportFixture(path));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reason));
  const { tests, passed, failures, errors, skipped, flaky } = parsed.report;
  return { tests, passed, failures, errors, skipped, flaky };
};

describe('parseJunit', () => {
  it.each([
    ['jest/junit.xml', { tests: 4, passed: 2, failures: 1, errors: 0, skipped: 1, flaky: 0 }],
    ['vitest/junit.xml', { tests: 4, passed: 2, failures: 1, errors: 0, skipped: 1, flaky: 0 }],
    ['pytest/junit-xunit2.xml', { tests: 4, passed: 2, failures: 1, errors: 0, skipped: 1, flaky: 0 }],
    ['pytest/junit-xunit1.xml', { tests: 4, passed: 2, failures: 1, errors: 0, skipped: 1, flaky: 0 }],
    // mocha-junit-reporter leaves pending tests out of the test cases.
    ['mocha/junit.xml', { tests: 3, passed: 2, failures: 1, errors: 0, skipped: 0, flaky: 0 }],
    ['go-junit-report/junit.xml', { tests: 3, passed: 1, failures: 1, errors: 0, skipped: 1, flaky: 0 }],
    ['nextest/junit.xml', { tests: 3, passed: 2, failures: 1, errors: 0, skipped: 0, flaky: 1 }],
    ['surefire/TEST-com.acme.CartTest.xml', { tests: 4, passed: 2, failures: 1, errors: 0, skipped: 1, flaky: 1 }],
  ])('counts %s from its test cases', (path, expected) => {
    expect(counts(path)).toEqual(expected);
  });

  it('keeps the failed test with its file (jest-junit addFileAttribute) and message', () => {
    const parsed = parseJunit(reportFixture('jest/junit.xml'));
    expect(parsed.ok && parsed.report.failed).toEqual([
      expect.objectContaining({ name: 'math subtracts (fails on purpose)', kind: 'failure', file: 'jest-tests/math.test.js', line: null, message: expect.stringMatching(/^Error: expect\(received\)\.toBe/) }),
    ]);
  });

  it('takes the file from vitest classnames, mocha suites and pytest xunit1 attributes', () => {
    const file = (path: string) => {
      const parsed = parseJunit(reportFixture(path));
      return parsed.ok ? parsed.report.failed.map((test) => [test.file, test.line]) : null;
    };
    expect(file('vitest/junit.xml')).toEqual([['vitest-tests/math.test.js', null]]);
    expect(file('mocha/junit.xml')).toEqual([['/tmp/sg-fix/mocha-tests/math.test.js', null]]);
    expect(file('pytest/junit-xunit1.xml')).toEqual([['test_mathlib.py', 9]]);
    expect(file('pytest/junit-xunit2.xml')).toEqual([[null, null]]);
  });

  it('reads Surefire flakyFailure as a flaky pass, rerunFailure as a failure, and 1,234.5 times', () => {
    const parsed = parseJunit(reportFixture('surefire/TEST-com.acme.CartTest.xml'));
    expect(parsed.ok && parsed.report.flakyTests).toEqual([{ name: 'appliesDiscount', classname: 'com.acme.CartTest', file: null }]);
    expect(parsed.ok && parsed.report.failed.map((test) => test.name)).toEqual(['checksOut']);
    expect(parsed.ok && parsed.report.seconds).toBeCloseTo(1200.762, 3);
  });

  it('walks nested suites, takes the worst outcome of a test case, and counts a failed-then-passed duplicate as flaky', () => {
    const parsed = parseJunit(reportFixture('edge-cases/junit-nested-suites.xml'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.report).toMatchObject({ tests: 5, passed: 2, failures: 2, errors: 1, skipped: 0, flaky: 1 });
    expect(parsed.report.failed.map((test) => [test.name, test.kind, test.suite, test.file, test.line])).toEqual([
      ['deep fail', 'failure', 'inner', 'spec/outer.spec.js', 12],
      ['middle error', 'error', 'middle', 'spec/outer.spec.js', null],
      ['skipped and failed', 'failure', 'outer', 'spec/outer.spec.js', null],
    ]);
    expect(parsed.report.failed[1]?.message).toBe('TypeError: x is undefined');
    expect(parsed.report.seconds).toBeCloseTo(1001, 3);
  });

  it('falls back to the suite attributes when there is no test case', () => {
    expect(counts('edge-cases/junit-attributes-only.xml')).toEqual({ tests: 7, passed: 3, failures: 2, errors: 1, skipped: 1, flaky: 0 });
  });

  it.each([
    ['edge-cases/xml-entity-bomb.xml', 'report.xml-entity-refused'],
    ['edge-cases/xml-internal-subset.xml', 'report.xml-dtd-refused'],
    ['edge-cases/junit-truncated.xml', 'report.invalid'],
    ['jest/cobertura-coverage.xml', 'report.invalid'],
  ])('refuses %s', (path, code) => {
    const parsed = parseJunit(reportFixture(path));
    expect(!parsed.ok && parsed.reason.code).toBe(code);
  });

  it('refuses nesting deeper than 256 elements and an undefined entity', () => {
    expect(parseJunit(`<testsuites>${'<testsuite>'.repeat(300)}`)).toMatchObject({ ok: false, reason: { code: 'report.xml-too-deep' } });
    expect(parseJunit('<testsuite name="&lol;"/>')).toMatchObject({ ok: false, reason: { code: 'report.invalid' } });
  });

  it('caps kept failures and their messages but counts them all', () => {
    const cases = Array.from({ length: 1500 }, (_, i) => `<testcase name="t${i}"><failure>${'x'.repeat(5000)}</failure></testcase>`).join('');
    const parsed = parseJunit(`<testsuite>${cases}</testsuite>`);
    expect(parsed.ok && parsed.report.failures).toBe(1500);
    expect(parsed.ok && parsed.report.failed.length).toBe(1000);
    expect(parsed.ok && parsed.report.failed[0]?.message.length).toBe(2000);
  });
});

describe('parseSeconds', () => {
  it.each([
    ['1,234.5', 1234.5],
    ['0.25', 0.25],
    [undefined, 0],
    ['NaN', 0],
    ['-3', 0],
  ])('reads %j as %d', (value, seconds) => {
    expect(parseSeconds(value)).toBe(seconds);
  });
});

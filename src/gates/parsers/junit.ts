/**
 * Parses JUnit XML (jest-junit, vitest, pytest, mocha-junit-reporter,
 * go-junit-report/gotestsum, cargo nextest, Maven Surefire…), streaming:
 * counters plus the first failed and flaky tests, so a 50 MB file is read in
 * bounded memory. Counts come from the test cases; the suites' attributes are
 * used only when a report has no test case at all.
 */
import { gateReason } from '../reasons.ts';
import { MAX_KEPT_TESTS, type FailedTest, type FlakyTest, type JunitReport, type ParseResult } from '../report.ts';
import { repoPathOrRaw } from '../repo-path.ts';
import type { ReportInput } from './report-input.ts';
import { stopXml, streamXml } from './xml-stream.ts';

const FORMAT = 'JUnit';
/** Characters of a failure message kept. */
const MAX_MESSAGE = 2000;
/** Failed test identities remembered to recognise a later passing rerun of the same test. */
const MAX_REMEMBERED_FAILURES = 10_000;

type Outcome = 'passed' | 'skipped' | 'failure' | 'error';
const SEVERITY: Record<Outcome, number> = { passed: 0, skipped: 1, failure: 2, error: 3 };

interface OpenCase {
  name: string;
  classname: string;
  suite: string;
  file: string | null;
  line: number | null;
  outcome: Outcome;
  flaky: boolean;
  message: string;
  seconds: number;
}

/** Counts, failed tests and flaky tests of a JUnit report. */
export function parseJunit(input: ReportInput): ParseResult<JunitReport> {
  const counts = { tests: 0, passed: 0, failures: 0, errors: 0, skipped: 0, flaky: 0, seconds: 0 };
  const failed: Array<FailedTest & { key: string }> = [];
  const flakyTests: FlakyTest[] = [];
  const failedKeys = new Map<string, 'failure' | 'error'>();
  const suites: Array<{ name: string; file: string | null }> = [];
  const rootTotals = { tests: 0, failures: 0, errors: 0, skipped: 0, seconds: 0 };
  const topSuiteTotals = { tests: 0, failures: 0, errors: 0, skipped: 0, seconds: 0 };
  let root = true;
  let testcase: OpenCase | null = null;
  let inMessage = false;

  const closeCase = (open: OpenCase) => {
    counts.seconds += open.seconds;
    const key = `${open.classname}\0${open.name}\0${open.file ?? ''}`;
    const earlier = failedKeys.get(key);
    if (earlier !== undefined) {
      // The same test again: a rerun. Passing now makes it flaky; failing again changes nothing.
      if (open.outcome === 'passed') {
        failedKeys.delete(key);
        counts[earlier === 'failure' ? 'failures' : 'errors'] -= 1;
        counts.passed += 1;
        counts.flaky += 1;
        const index = failed.findIndex((test) => test.key === key);
        if (index >= 0) failed.splice(index, 1);
        if (flakyTests.length < MAX_KEPT_TESTS) flakyTests.push({ name: open.name, classname: open.classname, file: open.file });
      }
      return;
    }
    counts.tests += 1;
    if (open.outcome === 'passed') {
      counts.passed += 1;
      if (open.flaky) {
        counts.flaky += 1;
        if (flakyTests.length < MAX_KEPT_TESTS) flakyTests.push({ name: open.name, classname: open.classname, file: open.file });
      }
    } else if (open.outcome === 'skipped') counts.skipped += 1;
    else {
      counts[open.outcome === 'failure' ? 'failures' : 'errors'] += 1;
      if (failedKeys.size < MAX_REMEMBERED_FAILURES) failedKeys.set(key, open.outcome);
      if (failed.length < MAX_KEPT_TESTS) {
        failed.push({ key, name: open.name, classname: open.classname, suite: open.suite, kind: open.outcome, message: open.message.trim(), file: open.file, line: open.line });
      }
    }
  };

  const refusal = streamXml(input, FORMAT, {
    open(name, attributes) {
      if (root) {
        root = false;
        if (name !== 'testsuites' && name !== 'testsuite') {
          stopXml(gateReason('report.invalid', { format: FORMAT, error: `the root element is <${name}>, not <testsuites> or <testsuite>` }));
        }
        if (name === 'testsuites') {
          addAttributeTotals(rootTotals, attributes);
          return;
        }
      }
      if (name === 'testsuite') {
        if (suites.length === 0) addAttributeTotals(topSuiteTotals, attributes);
        const file = attributes['file'] ?? attributes['filepath'] ?? null;
        suites.push({ name: attributes['name'] ?? '', file: file === null ? (suites.at(-1)?.file ?? null) : repoPathOrRaw(file) });
      } else if (name === 'testcase') {
        const suite = suites.at(-1);
        const classname = attributes['classname'] ?? attributes['class'] ?? '';
        const file = attributes['file'] ?? attributes['filepath'] ?? null;
        const line = Number.parseInt(attributes['line'] ?? '', 10);
        testcase = {
          name: attributes['name'] ?? '',
          classname,
          suite: suite?.name ?? '',
          file: file !== null ? repoPathOrRaw(file) : (suite?.file ?? classnameAsFile(classname)),
          line: Number.isInteger(line) && line > 0 ? line : null,
          outcome: statusOutcome(attributes['status']),
          flaky: false,
          message: '',
          seconds: parseSeconds(attributes['time']),
        };
      } else if (testcase !== null) {
        if (name === 'failure' || name === 'error') {
          if (SEVERITY[name] > SEVERITY[testcase.outcome]) testcase.outcome = name;
          if (testcase.message.length === 0) testcase.message = (attributes['message'] ?? '').slice(0, MAX_MESSAGE);
          inMessage = testcase.message.length === 0;
        } else if (name === 'skipped' || name === 'disabled') {
          if (SEVERITY.skipped > SEVERITY[testcase.outcome]) testcase.outcome = 'skipped';
        } else if (name === 'flakyFailure' || name === 'flakyError') {
          testcase.flaky = true;
        }
        // rerunFailure / rerunError: the test failed every attempt; its <failure>/<error> already says so.
      }
    },
    close(name) {
      if (name === 'testsuite') suites.pop();
      else if (name === 'testcase' && testcase !== null) {
        closeCase(testcase);
        testcase = null;
      } else if (name === 'failure' || name === 'error') inMessage = false;
    },
    text(text) {
      if (inMessage && testcase !== null && testcase.message.length < MAX_MESSAGE) testcase.message = (testcase.message + text).slice(0, MAX_MESSAGE);
    },
  });
  if (refusal !== null) return { ok: false, reason: refusal };
  const attributeTotals = rootTotals.tests > 0 ? rootTotals : topSuiteTotals;
  if (counts.tests === 0 && attributeTotals.tests > 0) {
    const failing = attributeTotals.failures + attributeTotals.errors;
    return {
      ok: true,
      report: {
        kind: 'junit',
        tests: attributeTotals.tests,
        passed: Math.max(attributeTotals.tests - failing - attributeTotals.skipped, 0),
        failures: attributeTotals.failures,
        errors: attributeTotals.errors,
        skipped: attributeTotals.skipped,
        flaky: 0,
        seconds: attributeTotals.seconds,
        failed: [],
        flakyTests: [],
      },
    };
  }
  return { ok: true, report: { kind: 'junit', ...counts, failed: failed.map(({ key: _key, ...test }) => test), flakyTests } };
}

/** Seconds from a `time` attribute; Surefire writes thousands separators (`1,234.5`). */
export function parseSeconds(value: string | undefined): number {
  if (value === undefined) return 0;
  const seconds = Number(value.replaceAll(',', '').trim());
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : 0;
}

function statusOutcome(status: string | undefined): Outcome {
  switch (status?.toLowerCase()) {
    case 'disabled':
    case 'skipped':
      return 'skipped';
    case 'failed':
    case 'failure':
      return 'failure';
    case 'errored':
    case 'error':
      return 'error';
    default:
      return 'passed';
  }
}

/** vitest writes the test file's path as the classname. */
function classnameAsFile(classname: string): string | null {
  return /[/\\]/.test(classname) && /\.[A-Za-z0-9]{1,5}$/.test(classname) ? repoPathOrRaw(classname) : null;
}

function addAttributeTotals(totals: { tests: number; failures: number; errors: number; skipped: number; seconds: number }, attributes: Readonly<Record<string, string>>) {
  const count = (name: string) => {
    const value = Number.parseInt(attributes[name] ?? '0', 10);
    return Number.isInteger(value) && value > 0 ? value : 0;
  };
  totals.tests += count('tests');
  totals.failures += count('failures');
  totals.errors += count('errors');
  totals.skipped += count('skipped') + count('disabled');
  totals.seconds += parseSeconds(attributes['time']);
}

/**
 * The reports the demo's workflow runs upload as artifacts, generated from a
 * small description of `acme/shop` (its source files, its tests, what a
 * scanner finds): an LCOV coverage trace (as c8 or istanbul write it), a JUnit
 * XML file (vitest's layout, plus the `file` and `line` attributes pytest
 * writes, so a failed test can be annotated) and a SARIF 2.1.0 log (as Semgrep
 * writes it).
 * Pure functions: the same description always gives the same bytes.
 */
import { createHash } from 'node:crypto';

/** A source file and the lines the tests did not run (every line 1…`lines` is coverable). */
export interface CoveredSource {
  path: string;
  /** Coverable lines, numbered 1…lines. */
  lines: number;
  /** Line numbers the tests never reached. */
  missed: readonly number[];
  /** Functions declared in the file (name, line); one is uncovered when its line is missed. */
  functions: ReadonlyArray<{ name: string; line: number }>;
}

/** One test case of a JUnit report. */
export interface TestCase {
  name: string;
  /** The line of the test in its file. */
  line: number;
  seconds: number;
  /** Set when the test failed: the assertion's message and the stack below it. */
  failure?: { message: string; stack: string };
}

/** A test file, reported as one `<testsuite>`. */
export interface TestFile {
  path: string;
  /** The `describe` block, prefixed to each test's name (`cart > sums the prices`). */
  describe: string;
  cases: readonly TestCase[];
}

/** A finding of the scanner. */
export interface ScanFinding {
  ruleId: string;
  level: 'error' | 'warning' | 'note';
  message: string;
  path: string;
  line: number;
  /** The source line the finding points at. */
  snippet: string;
}

/** A rule of the scanner, as its SARIF `tool.driver.rules` entry. */
export interface ScanRule {
  id: string;
  description: string;
  level: 'error' | 'warning' | 'note';
  cwe: string;
  /** CVSS-like score, as Semgrep puts in `properties.security-severity`. */
  securitySeverity: string;
}

/** Covered over coverable lines, summed over the files. */
export function lineCoverage(sources: readonly CoveredSource[]): { covered: number; valid: number } {
  const valid = sources.reduce((sum, source) => sum + source.lines, 0);
  const missed = sources.reduce((sum, source) => sum + new Set(source.missed).size, 0);
  return { covered: valid - missed, valid };
}

/** An LCOV trace file: per source file `SF`, `FN`/`FNDA`, `DA` per line, `LF`/`LH`, `end_of_record`. */
export function lcovReport(sources: readonly CoveredSource[]): string {
  const records = sources.map((source) => {
    const missed = new Set(source.missed);
    // A line that ran was hit one to five times (loops, several tests): plausible counts, not meaningful ones.
    const hits = (line: number) => (missed.has(line) ? 0 : 1 + ((line * 7) % 5));
    const functions = [...source.functions].sort((a, b) => a.line - b.line);
    const hitFunctions = functions.filter((fn) => hits(fn.line) > 0);
    const lineNumbers = Array.from({ length: source.lines }, (_, i) => i + 1);
    return [
      'TN:',
      `SF:${source.path}`,
      ...functions.map((fn) => `FN:${fn.line},${fn.name}`),
      `FNF:${functions.length}`,
      `FNH:${hitFunctions.length}`,
      ...functions.map((fn) => `FNDA:${hits(fn.line)},${fn.name}`),
      ...lineNumbers.map((line) => `DA:${line},${hits(line)}`),
      `LF:${source.lines}`,
      `LH:${source.lines - missed.size}`,
      'end_of_record',
    ].join('\n');
  });
  return `${records.join('\n')}\n`;
}

/** A JUnit XML report: `<testsuites>` with one `<testsuite>` per test file (the file is each test's classname), totals on both levels. */
export function junitReport(files: readonly TestFile[], timestamp: string): string {
  const seconds = (cases: readonly TestCase[]) => cases.reduce((sum, c) => sum + c.seconds, 0).toFixed(3);
  const failures = (cases: readonly TestCase[]) => cases.filter((c) => c.failure !== undefined).length;
  const all = files.flatMap((file) => file.cases);
  const suites = files.map((file) => {
    const cases = file.cases.map((c) => {
      const attributes = `classname="${xml(file.path)}" name="${xml(`${file.describe} > ${c.name}`)}" time="${c.seconds.toFixed(3)}" file="${xml(file.path)}" line="${c.line}"`;
      if (c.failure === undefined) return `    <testcase ${attributes}>\n    </testcase>`;
      return [`    <testcase ${attributes}>`, `      <failure message="${xml(c.failure.message)}" type="Error">${xml(c.failure.stack)}</failure>`, '    </testcase>'].join('\n');
    });
    return [
      `  <testsuite name="${xml(file.path)}" timestamp="${xml(timestamp)}" hostname="runner" tests="${file.cases.length}" failures="${failures(file.cases)}" errors="0" skipped="0" time="${seconds(file.cases)}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="vitest tests" tests="${all.length}" failures="${failures(all)}" errors="0" time="${seconds(all)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

/** A SARIF 2.1.0 log of one Semgrep run: the rules, and each finding with its location and fingerprint. */
export function sarifReport(rules: readonly ScanRule[], findings: readonly ScanFinding[]): string {
  const log = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Semgrep OSS',
            semanticVersion: '1.99.0',
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.id,
              shortDescription: { text: `Semgrep Finding: ${rule.id}` },
              fullDescription: { text: rule.description },
              defaultConfiguration: { level: rule.level },
              properties: { precision: 'high', tags: [rule.cwe, 'security'], 'security-severity': rule.securitySeverity },
            })),
          },
        },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: [] }],
        results: findings.map((finding) => ({
          ruleId: finding.ruleId,
          level: finding.level,
          message: { text: finding.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: finding.path, uriBaseId: '%SRCROOT%' },
                region: { startLine: finding.line, startColumn: 1, endLine: finding.line, endColumn: finding.snippet.length + 1, snippet: { text: finding.snippet } },
              },
            },
          ],
          fingerprints: { 'matchBasedId/v1': `${createHash('sha256').update(`${finding.ruleId}\0${finding.path}\0${finding.snippet}`).digest('hex')}_0` },
          properties: {},
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

// ---------------------------------------------------------------------------
// acme/shop: what its tests cover, its tests, what its scanner finds.

/** The shop's source files at main: 86 of 100 lines covered (86%). */
const SHOP_SOURCES: readonly CoveredSource[] = [
  { path: 'src/cart.ts', lines: 32, missed: [14, 15, 27], functions: [{ name: 'total', line: 2 }, { name: 'addItem', line: 6 }, { name: 'removeItem', line: 12 }, { name: 'clear', line: 25 }] },
  { path: 'src/checkout.ts', lines: 48, missed: [9, 21, 22, 23, 40, 41, 44], functions: [{ name: 'checkout', line: 3 }, { name: 'applyDiscount', line: 19 }, { name: 'chargeCard', line: 30 }, { name: 'receipt', line: 38 }] },
  { path: 'src/money.ts', lines: 20, missed: [16, 17, 18, 19], functions: [{ name: 'formatCents', line: 2 }, { name: 'parsePrice', line: 8 }, { name: 'roundCents', line: 16 }] },
];

/** On the pull request's branch `src/cart.ts` rounds the total: four more lines, all covered (90 of 104, 86.54%). */
const PULL_REQUEST_SOURCES: readonly CoveredSource[] = SHOP_SOURCES.map((source) => (source.path === 'src/cart.ts' ? { ...source, lines: source.lines + 4 } : source));

const CART_TESTS: TestFile = {
  path: 'test/cart.test.ts',
  describe: 'cart',
  cases: [
    { name: 'sums the prices', line: 5, seconds: 0.004 },
    { name: 'is 0 for an empty cart', line: 10, seconds: 0.001 },
    { name: 'adds an item', line: 15, seconds: 0.002 },
    { name: 'removes an item', line: 21, seconds: 0.002 },
  ],
};

const CHECKOUT_TESTS: TestFile = {
  path: 'test/checkout.test.ts',
  describe: 'checkout',
  cases: [
    { name: 'totals the cart', line: 6, seconds: 0.011 },
    { name: 'applies a discount code', line: 12, seconds: 0.006 },
    { name: 'refuses an expired code', line: 19, seconds: 0.003 },
    { name: 'charges the card', line: 26, seconds: 0.184 },
    { name: 'prints a receipt', line: 34, seconds: 0.009 },
  ],
};

const MONEY_TESTS: TestFile = {
  path: 'test/money.test.ts',
  describe: 'money',
  cases: [
    { name: 'formats cents', line: 4, seconds: 0.001 },
    { name: 'parses a price', line: 9, seconds: 0.001 },
    { name: 'rejects a negative price', line: 14, seconds: 0.002 },
  ],
};

/** The test that times out once on the pull request (the payment sandbox was slow), and passes when re-run. */
export const DEMO_FLAKY_TEST = { file: CHECKOUT_TESTS.path, line: 26, name: 'checkout > charges the card' } as const;

/** The pull request adds a test for the rounding. */
const PULL_REQUEST_CART_TESTS: TestFile = { ...CART_TESTS, cases: [...CART_TESTS.cases, { name: 'rounds the total to cents', line: 27, seconds: 0.001 }] };

const TIMED_OUT: NonNullable<TestCase['failure']> = {
  message: 'Test timed out in 5000ms.',
  stack: [
    'Error: Test timed out in 5000ms.',
    'If this is a long-running test, pass a timeout value as the last argument or configure it globally with "testTimeout".',
    ` ❯ ${DEMO_FLAKY_TEST.file}:${DEMO_FLAKY_TEST.line}:3`,
  ].join('\n'),
};

const REGEXP_RULE: ScanRule = {
  id: 'javascript.lang.security.audit.detect-non-literal-regexp.detect-non-literal-regexp',
  description: 'RegExp() called with a non-literal argument may allow a Regular expression Denial-of-Service (ReDoS).',
  level: 'warning',
  cwe: 'CWE-1333: Inefficient Regular Expression Complexity',
  securitySeverity: '5.3',
};

const FORMAT_STRING_RULE: ScanRule = {
  id: 'javascript.lang.security.audit.unsafe-formatstring.unsafe-formatstring',
  description: 'A non-literal format string in console.log() lets an attacker forge log lines with format specifiers.',
  level: 'warning',
  cwe: 'CWE-134: Use of Externally-Controlled Format String',
  securitySeverity: '3.1',
};

/** Two warnings, no errors: within the `vulnerabilities` gate's `max: { error: 0, warning: 5 }`. */
const SCAN_FINDINGS: readonly ScanFinding[] = [
  {
    ruleId: REGEXP_RULE.id,
    level: 'warning',
    message: 'RegExp() called with a `query` function argument, this might allow an attacker to cause a Regular expression Denial-of-Service (ReDoS).',
    path: 'src/cart.ts',
    line: 18,
    snippet: "  const pattern = new RegExp(query, 'i');",
  },
  {
    ruleId: FORMAT_STRING_RULE.id,
    level: 'warning',
    message: 'Detected string concatenation with a non-literal variable in a console.log function. If an attacker injects a format specifier in the string, it will forge the log message.',
    path: 'src/checkout.ts',
    line: 42,
    snippet: '  console.log(`charging order ${order.id}: %s`, card.last4);',
  },
];

/** An artifact a workflow run uploads (`actions/upload-artifact`): its name, and its files by path. */
export interface DemoArtifact {
  name: string;
  files: Record<string, string>;
}

/** The artifact names the gates of `ci` read. */
export const DEMO_ARTIFACTS = { coverage: 'coverage', junit: 'junit', sarif: 'sarif' } as const;

/** What `test.yml` uploads: the LCOV trace and the JUnit report. */
function testArtifacts(sources: readonly CoveredSource[], tests: readonly TestFile[], timestamp: string): DemoArtifact[] {
  return [
    { name: DEMO_ARTIFACTS.coverage, files: { 'coverage/lcov.info': lcovReport(sources) } },
    { name: DEMO_ARTIFACTS.junit, files: { 'reports/junit.xml': junitReport(tests, timestamp) } },
  ];
}

/** `test.yml` on main: 86% line coverage, 12 tests, all passing. */
export function mainTestArtifacts(): DemoArtifact[] {
  return testArtifacts(SHOP_SOURCES, [CART_TESTS, CHECKOUT_TESTS, MONEY_TESTS], '2026-12-01T10:00:00');
}

/**
 * `test.yml` on the pull request's branch: attempt 1 has `checkout › charges
 * the card` timing out (one failure of 13); attempt 2, after `/retry`, has
 * every test passing. Coverage is 86.54% both times.
 */
export function pullRequestTestArtifacts(attempt: 1 | 2): DemoArtifact[] {
  const checkout: TestFile =
    attempt === 1 ? { ...CHECKOUT_TESTS, cases: CHECKOUT_TESTS.cases.map((c) => (c.line === DEMO_FLAKY_TEST.line ? { ...c, seconds: 5.002, failure: TIMED_OUT } : c)) } : CHECKOUT_TESTS;
  return testArtifacts(PULL_REQUEST_SOURCES, [PULL_REQUEST_CART_TESTS, checkout, MONEY_TESTS], attempt === 1 ? '2026-12-01T10:20:00' : '2026-12-01T10:25:00');
}

/** What `scan.yml` uploads: Semgrep's SARIF log, two warnings. */
export function scanArtifacts(): DemoArtifact[] {
  return [{ name: DEMO_ARTIFACTS.sarif, files: { 'semgrep.sarif': sarifReport([REGEXP_RULE, FORMAT_STRING_RULE], SCAN_FINDINGS) } }];
}

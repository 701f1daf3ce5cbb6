import { describe, expect, it } from 'vitest';
import type {
  BenchmarkGateSpec,
  CoverageGateSpec,
  DurationGateSpec,
  GateSpec,
  JunitGateSpec,
  SarifGateSpec,
} from '../../src/gates/gate-spec.ts';
import { formatIssue, parseConfigText, type ConfigIssue } from '../../src/repo-config/parse.ts';
import type { Gate } from '../../src/repo-config/schema.ts';

const FILE = '.github/shipgate.yml';

/** A pipeline with jobs unit, scan and bench whose `gates:` list holds `gate` (flow style, or block lines). */
function withGate(gate: string | string[]): string {
  const lines = typeof gate === 'string' ? [`- ${gate}`] : gate;
  return [
    'pipelines:',
    '  ci:',
    '    on: { manual: true }',
    '    stages: { a: { jobs: { unit: { workflow: a.yml }, scan: { workflow: s.yml }, bench: { workflow: b.yml } } } }',
    '    gates:',
    ...lines.map((line) => `      ${line}`),
    '',
  ].join('\n');
}

/** Line and column (1-based) of the first `needle` after the `gates:` line. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle, text.indexOf('gates:'));
  if (offset < 0) throw new Error(`${JSON.stringify(needle)} is not in the test config`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

function gatesOf(text: string): Gate[] {
  const result = parseConfigText(text, FILE);
  if (!result.ok) throw new Error(result.errors.map(formatIssue).join('\n'));
  return result.config.pipelines['ci']?.gates ?? [];
}

function errorsOf(text: string): ConfigIssue[] {
  const result = parseConfigText(text, FILE);
  if (result.ok) throw new Error('expected errors, the config is valid');
  return result.errors;
}

// Type-level: what the schema parses is what gate evaluation takes (src/gates/gate-spec.ts).
// A change on either side that breaks this fails `tsc --noEmit`.
type GateOf<T extends Gate['type']> = Extract<Gate, { type: T }>;
const asCoverageSpec = (gate: GateOf<'coverage'>): CoverageGateSpec => gate;
const asJunitSpec = (gate: GateOf<'junit'>): JunitGateSpec => gate;
const asSarifSpec = (gate: GateOf<'sarif'>): SarifGateSpec => gate;
const asBenchmarkSpec = (gate: GateOf<'benchmark'>): BenchmarkGateSpec => gate;
const asDurationSpec = (gate: GateOf<'duration'>): DurationGateSpec => gate;
const asGateSpec = (gate: Gate): GateSpec => gate;

describe('gate options that are accepted', () => {
  it.each([
    {
      name: 'coverage with min only (as before)',
      gate: '{ name: cov, type: coverage, job: unit, artifact: c, min: 80 }',
      parsed: { name: 'cov', type: 'coverage', job: 'unit', artifact: 'c', min: 80 },
    },
    {
      name: 'coverage with max-drop only',
      gate: '{ name: cov, type: coverage, job: unit, artifact: c, max-drop: 0.5 }',
      parsed: { name: 'cov', type: 'coverage', job: 'unit', artifact: 'c', 'max-drop': 0.5 },
    },
    {
      name: 'coverage with patch-min only, and a format',
      gate: '{ name: cov, type: coverage, job: unit, artifact: c, patch-min: 90, format: lcov }',
      parsed: { name: 'cov', type: 'coverage', job: 'unit', artifact: 'c', 'patch-min': 90, format: 'lcov' },
    },
    {
      name: 'coverage with all three thresholds at their bounds',
      gate: '{ name: cov, type: coverage, job: unit, artifact: c, min: 0, max-drop: 0, patch-min: 100 }',
      parsed: { name: 'cov', type: 'coverage', job: 'unit', artifact: 'c', min: 0, 'max-drop': 0, 'patch-min': 100 },
    },
    {
      name: 'junit with defaults',
      gate: '{ name: tests, type: junit, job: unit, artifact: j }',
      parsed: { name: 'tests', type: 'junit', job: 'unit', artifact: 'j', 'max-failures': 0 },
    },
    {
      name: 'junit with min-tests',
      gate: '{ name: tests, type: junit, job: unit, artifact: j, max-failures: 2, min-tests: 1 }',
      parsed: { name: 'tests', type: 'junit', job: 'unit', artifact: 'j', 'max-failures': 2, 'min-tests': 1 },
    },
    {
      name: 'sarif by level',
      gate: '{ name: sec, type: sarif, job: scan, artifact: s, max: { error: 0, warning: 5 } }',
      parsed: { name: 'sec', type: 'sarif', job: 'scan', artifact: 's', max: { error: 0, warning: 5 }, 'new-only': false },
    },
    {
      name: 'sarif by security-severity, new findings only',
      gate: '{ name: sec, type: sarif, job: scan, artifact: s, max-severity: { critical: 0, high: 3 }, new-only: true }',
      parsed: { name: 'sec', type: 'sarif', job: 'scan', artifact: 's', 'max-severity': { critical: 0, high: 3 }, 'new-only': true },
    },
    {
      name: 'sarif with both maps',
      gate: '{ name: sec, type: sarif, job: scan, artifact: s, max: { note: 10 }, max-severity: { low: 4 } }',
      parsed: { name: 'sec', type: 'sarif', job: 'scan', artifact: 's', max: { note: 10 }, 'max-severity': { low: 4 }, 'new-only': false },
    },
    {
      name: 'sarif with an empty max next to max-severity',
      gate: '{ name: sec, type: sarif, job: scan, artifact: s, max: {}, max-severity: { medium: 0 } }',
      parsed: { name: 'sec', type: 'sarif', job: 'scan', artifact: 's', max: {}, 'max-severity': { medium: 0 }, 'new-only': false },
    },
    {
      name: 'sarif with severity bands inside max (files of the previous version)',
      gate: '{ name: sec, type: sarif, job: scan, artifact: s, max: { critical: 0, high: 2 } }',
      parsed: { name: 'sec', type: 'sarif', job: 'scan', artifact: 's', max: { critical: 0, high: 2 }, 'new-only': false },
    },
    {
      name: 'benchmark as a percentage',
      gate: '{ name: perf, type: benchmark, job: bench, artifact: b, max-regression: 10% }',
      parsed: { name: 'perf', type: 'benchmark', job: 'bench', artifact: 'b', 'max-regression': '10%', 'higher-is-better': false },
    },
    {
      name: 'benchmark as a number of percent, higher is better',
      gate: '{ name: perf, type: benchmark, job: bench, artifact: b, max-regression: 2.5, higher-is-better: true }',
      parsed: { name: 'perf', type: 'benchmark', job: 'bench', artifact: 'b', 'max-regression': 2.5, 'higher-is-better': true },
    },
    {
      name: 'benchmark at the bounds of a plain number',
      gate: '{ name: perf, type: benchmark, job: bench, artifact: b, max-regression: 1000 }',
      parsed: { name: 'perf', type: 'benchmark', job: 'bench', artifact: 'b', 'max-regression': 1000, 'higher-is-better': false },
    },
    {
      name: 'duration of one job',
      gate: '{ name: slow, type: duration, job: unit, max: 30m }',
      parsed: { name: 'slow', type: 'duration', job: 'unit', max: '30m' },
    },
  ])('$name', ({ gate, parsed }) => {
    expect(gatesOf(withGate(gate))).toEqual([parsed]);
  });

  it('reads block-style gates with every option of SPEC §5a', () => {
    const gates = gatesOf(
      withGate([
        '- name: cov',
        '  type: coverage',
        '  job: unit',
        '  artifact: coverage',
        '  min: 80',
        '  max-drop: 1',
        '  patch-min: 75',
        '- name: vulns',
        '  type: sarif',
        '  job: scan',
        '  artifact: sarif',
        '  max: { error: 0 }',
        '  max-severity: { critical: 0, high: 0 }',
        '  new-only: true',
      ]),
    );
    expect(gates.map((gate) => gate.name)).toEqual(['cov', 'vulns']);
    expect(gates[0]).toMatchObject({ min: 80, 'max-drop': 1, 'patch-min': 75 });
    expect(gates[1]).toMatchObject({ max: { error: 0 }, 'max-severity': { critical: 0, high: 0 }, 'new-only': true });
  });

  it('parses gates that gate evaluation takes as they are', () => {
    const gates = gatesOf(
      withGate([
        '- { name: cov, type: coverage, job: unit, artifact: c, max-drop: 2 }',
        '- { name: tests, type: junit, job: unit, artifact: j, min-tests: 10 }',
        '- { name: sec, type: sarif, job: scan, artifact: s, max-severity: { high: 0 } }',
        '- { name: perf, type: benchmark, job: bench, artifact: b, max-regression: 5 }',
        '- { name: slow, type: duration, max: 1h }',
      ]),
    );
    const specs = gates.map((gate): GateSpec => {
      switch (gate.type) {
        case 'coverage':
          return asCoverageSpec(gate);
        case 'junit':
          return asJunitSpec(gate);
        case 'sarif':
          return asSarifSpec(gate);
        case 'benchmark':
          return asBenchmarkSpec(gate);
        case 'duration':
          return asDurationSpec(gate);
      }
    });
    expect(specs).toEqual(gates.map(asGateSpec));
    expect(specs.map((spec) => spec.type)).toEqual(['coverage', 'junit', 'sarif', 'benchmark', 'duration']);
  });
});

interface GateErrorCase {
  name: string;
  gate: string | string[];
  errorContains: string;
  /** Where the error points: the first occurrence of this text in the gates. */
  at: string;
  hint?: string;
}

const errorCases: GateErrorCase[] = [
  {
    name: 'a negative max-drop',
    gate: '{ name: cov, type: coverage, job: unit, artifact: c, max-drop: -1 }',
    errorContains: 'pipelines.ci.gates[0].max-drop: expected a number at least 0, got the number -1',
    at: '-1',
  },
  {
    name: 'a max-drop over 100 points',
    gate: '{ name: cov, type: coverage, job: unit, artifact: c, max-drop: 101 }',
    errorContains: 'max-drop: expected a number at most 100, got the number 101',
    at: '101',
  },
  {
    name: 'patch-min over 100',
    gate: '{ name: cov, type: coverage, job: unit, artifact: c, patch-min: 101 }',
    errorContains: 'pipelines.ci.gates[0].patch-min: expected a number at most 100, got the number 101',
    at: '101',
  },
  {
    name: 'patch-min as a percentage string',
    gate: '{ name: cov, type: coverage, job: unit, artifact: c, patch-min: 90% }',
    errorContains: 'patch-min: expected a number, got "90%"',
    at: '90%',
  },
  {
    name: 'a coverage gate with no threshold',
    gate: '{ name: cov, type: coverage, job: unit, artifact: c, format: lcov }',
    errorContains:
      'pipelines.ci.gates[0]: give at least one threshold: min (line coverage %), max-drop (points below the baseline) or patch-min (% of the added lines covered)',
    at: '{ name: cov',
  },
  {
    name: 'a block-style coverage gate with no threshold',
    gate: ['- name: cov', '  type: coverage', '  job: unit', '  artifact: c'],
    errorContains: 'pipelines.ci.gates[0]: give at least one threshold: min',
    at: 'name: cov',
  },
  {
    name: 'min-tests of 0',
    gate: '{ name: tests, type: junit, job: unit, artifact: j, min-tests: 0 }',
    errorContains: 'pipelines.ci.gates[0].min-tests: expected a number at least 1, got the number 0',
    at: '0 }',
  },
  {
    name: 'min-tests that is not whole',
    gate: '{ name: tests, type: junit, job: unit, artifact: j, min-tests: 2.5 }',
    errorContains: 'min-tests: expected a whole number, got the number 2.5',
    at: '2.5',
  },
  {
    name: 'max-severity with an unknown key',
    gate: '{ name: sec, type: sarif, job: scan, artifact: s, max-severity: { critcal: 0 } }',
    errorContains: 'pipelines.ci.gates[0].max-severity: unknown key "critcal"; expected one of: critical, high, medium, low',
    at: 'critcal',
    hint: 'did you mean "critical"?',
  },
  {
    name: 'a SARIF level inside max-severity',
    gate: '{ name: sec, type: sarif, job: scan, artifact: s, max-severity: { error: 0 } }',
    errorContains: 'max-severity: unknown key "error"; expected one of: critical, high, medium, low',
    at: 'error',
  },
  {
    name: 'a negative count in max-severity',
    gate: '{ name: sec, type: sarif, job: scan, artifact: s, max-severity: { high: -2 } }',
    errorContains: 'max-severity.high: expected a number at least 0, got the number -2',
    at: '-2',
  },
  {
    name: 'new-only as "yes"',
    gate: '{ name: sec, type: sarif, job: scan, artifact: s, max: { error: 0 }, new-only: "yes" }',
    errorContains: 'pipelines.ci.gates[0].new-only: expected true or false, got "yes"',
    at: '"yes"',
  },
  {
    name: 'a sarif gate with neither max nor max-severity',
    gate: '{ name: sec, type: sarif, job: scan, artifact: s, new-only: true }',
    errorContains:
      'pipelines.ci.gates[0]: give at least one threshold: max: {error, warning, note} (SARIF levels) and/or max-severity: {critical, high, medium, low} (security-severity)',
    at: '{ name: sec',
  },
  {
    name: 'a sarif gate whose only map is empty',
    gate: '{ name: sec, type: sarif, job: scan, artifact: s, max-severity: {} }',
    errorContains: 'pipelines.ci.gates[0].max-severity: give at least one threshold',
    at: '{} }',
  },
  {
    name: 'a severity band in both max and max-severity',
    gate: '{ name: sec, type: sarif, job: scan, artifact: s, max: { high: 1 }, max-severity: { high: 0 } }',
    errorContains: 'pipelines.ci.gates[0].max.high: "high" is given in both max and max-severity; keep it only in max-severity',
    at: '1 }',
  },
  {
    name: 'max-regression in words',
    gate: '{ name: perf, type: benchmark, job: bench, artifact: b, max-regression: ten }',
    errorContains: 'pipelines.ci.gates[0].max-regression: expected a percentage like 10% (or a plain number of percent), got "ten"',
    at: 'ten',
  },
  {
    name: 'max-regression as a number over 1000',
    gate: '{ name: perf, type: benchmark, job: bench, artifact: b, max-regression: 5000 }',
    errorContains: 'max-regression: expected a number at most 1000, got the number 5000',
    at: '5000',
  },
  {
    name: 'max-regression as true',
    gate: '{ name: perf, type: benchmark, job: bench, artifact: b, max-regression: true }',
    errorContains: 'max-regression: expected a string or a number, got true',
    at: 'true',
  },
  {
    name: 'higher-is-better as a string',
    gate: '{ name: perf, type: benchmark, job: bench, artifact: b, max-regression: 10%, higher-is-better: "no" }',
    errorContains: 'higher-is-better: expected true or false, got "no"',
    at: '"no"',
  },
];

describe('gate options that are refused', () => {
  it.each(errorCases)('$name', ({ gate, errorContains, at, hint }) => {
    const text = withGate(gate);
    const errors = errorsOf(text);
    const match = errors.find((error) => error.message.includes(errorContains));
    expect(match, `no error contains ${JSON.stringify(errorContains)}; got:\n${errors.map(formatIssue).join('\n')}`).toBeDefined();
    expect({ file: match?.file, line: match?.line, column: match?.column }).toEqual({ file: FILE, ...positionOf(text, at) });
    if (hint !== undefined) expect(match?.hint).toBe(hint);
  });

  it('prints FILE:LINE:COL, the path and what was expected', () => {
    const errors = errorsOf(withGate('{ name: cov, type: coverage, job: unit, artifact: c, max-drop: -1 }'));
    expect(errors.map(formatIssue)).toEqual(['.github/shipgate.yml:6:72 pipelines.ci.gates[0].max-drop: expected a number at least 0, got the number -1']);
  });

  it('reports a misspelt threshold once, without also saying a threshold is missing', () => {
    const coverage = errorsOf(withGate('{ name: cov, type: coverage, job: unit, artifact: c, mn: 80 }'));
    expect(coverage.map((error) => error.message)).toEqual([expect.stringContaining('unknown key "mn"')]);
    const sarif = errorsOf(withGate('{ name: sec, type: sarif, job: scan, artifact: s, max-severty: { high: 0 } }'));
    expect(sarif.map((error) => [error.message, error.hint])).toEqual([[expect.stringContaining('unknown key "max-severty"'), 'did you mean "max-severity"?']]);
  });

  it('says a threshold is missing when the only key is well spelt but empty', () => {
    const errors = errorsOf(withGate('{ name: sec, type: sarif, job: scan, artifact: s, max: {} }'));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('pipelines.ci.gates[0].max: give at least one threshold');
  });

  it('reports each bad gate of a list at its own line', () => {
    const text = withGate([
      '- { name: cov, type: coverage, job: unit, artifact: c, patch-min: 101 }',
      '- { name: ok, type: junit, job: unit, artifact: j }',
      '- { name: tests, type: junit, job: unit, artifact: j, min-tests: 0 }',
    ]);
    expect(errorsOf(text).map((error) => [error.line, error.path.join('.')])).toEqual([
      [6, 'pipelines.ci.gates.0.patch-min'],
      [8, 'pipelines.ci.gates.2.min-tests'],
    ]);
  });
});

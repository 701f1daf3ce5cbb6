import { describe, expect, it } from 'vitest';
import { gateChanges, type GatesByPipeline } from '../../src/gates/gate-changes.ts';

const coverage = { name: 'coverage', type: 'coverage', job: 'unit', artifact: 'coverage', min: 80 };
const tests = { name: 'tests', type: 'junit', job: 'unit', artifact: 'junit', 'max-failures': 0 };
const { min: _min, ...coverageWithoutMin } = coverage;
const sarif = { name: 'sast', type: 'sarif', job: 'scan', artifact: 'sarif', 'new-only': true, max: { error: 0, warning: 5 } };

describe('gateChanges', () => {
  const cases: Array<{ name: string; before: GatesByPipeline; after: GatesByPipeline; expected: string[] }> = [
    { name: 'nothing changed: no sentence', before: { ci: [coverage, tests] }, after: { ci: [coverage, tests] }, expected: [] },
    { name: 'no gates on either side', before: {}, after: {}, expected: [] },
    {
      name: 'the same gates in another order are unchanged',
      before: { ci: [coverage, tests] },
      after: { ci: [tests, coverage] },
      expected: [],
    },
    {
      name: 'the same options written in another key order are unchanged',
      before: { ci: [coverage] },
      after: { ci: [{ min: 80, artifact: 'coverage', job: 'unit', type: 'coverage', name: 'coverage' }] },
      expected: [],
    },
    { name: 'a gate added names its type', before: { ci: [coverage] }, after: { ci: [coverage, tests] }, expected: ["ci: gate 'tests' added (junit)"] },
    { name: 'a gate removed', before: { ci: [coverage, tests] }, after: { ci: [coverage] }, expected: ["ci: gate 'tests' removed"] },
    { name: 'an option changed shows old → new', before: { ci: [coverage] }, after: { ci: [{ ...coverage, min: 60 }] }, expected: ["ci: gate 'coverage' changes min 80 → 60"] },
    {
      name: 'an option added or dropped shows (unset)',
      before: { ci: [coverage] },
      after: { ci: [{ ...coverageWithoutMin, 'max-drop': 2 }] },
      expected: ["ci: gate 'coverage' changes min 80 → (unset), max-drop (unset) → 2"],
    },
    {
      name: 'several options of one gate are one sentence, string values unquoted',
      before: { ci: [coverage] },
      after: { ci: [{ ...coverage, artifact: 'lcov', job: 'unit-tests' }] },
      expected: ["ci: gate 'coverage' changes job unit → unit-tests, artifact coverage → lcov"],
    },
    {
      name: 'a renamed gate is one removed and one added',
      before: { ci: [coverage] },
      after: { ci: [{ ...coverage, name: 'line-coverage' }] },
      expected: ["ci: gate 'line-coverage' added (coverage)", "ci: gate 'coverage' removed"],
    },
    {
      name: 'nested objects equal by value are unchanged',
      before: { ci: [sarif] },
      after: { ci: [{ ...sarif, max: { error: 0, warning: 5 } }] },
      expected: [],
    },
    {
      name: 'a nested value changed shows the objects as JSON',
      before: { ci: [sarif] },
      after: { ci: [{ ...sarif, max: { error: 1, warning: 5 } }] },
      expected: [`ci: gate 'sast' changes max {"error":0,"warning":5} → {"error":1,"warning":5}`],
    },
    {
      name: 'a boolean turned off',
      before: { ci: [sarif] },
      after: { ci: [{ ...sarif, 'new-only': false }] },
      expected: ["ci: gate 'sast' changes new-only true → false"],
    },
    {
      name: 'a pipeline only after: each of its gates is added',
      before: { ci: [coverage] },
      after: { ci: [coverage], nightly: [sarif, tests] },
      expected: ["nightly: gate 'sast' added (sarif)", "nightly: gate 'tests' added (junit)"],
    },
    {
      name: 'a pipeline only before: each of its gates is removed, after the pipelines still there',
      before: { nightly: [sarif], ci: [coverage] },
      after: { ci: [{ ...coverage, min: 90 }] },
      expected: ["ci: gate 'coverage' changes min 80 → 90", "nightly: gate 'sast' removed"],
    },
    {
      name: 'gates moved between pipelines are removed from one and added to the other',
      before: { ci: [coverage], release: [] },
      after: { ci: [], release: [coverage] },
      expected: ["ci: gate 'coverage' removed", "release: gate 'coverage' added (coverage)"],
    },
    {
      name: 'pipelines in the order of the pull request, gates in config order, removals last within a pipeline',
      before: { ci: [coverage, tests], deploy: [sarif] },
      after: { deploy: [{ ...sarif, 'new-only': false }], ci: [{ ...tests, 'max-failures': 2 }, { ...coverage, min: 70 }, { name: 'perf', type: 'benchmark', job: 'bench', artifact: 'bench', 'max-regression': '10%' }] },
      expected: [
        "deploy: gate 'sast' changes new-only true → false",
        "ci: gate 'tests' changes max-failures 0 → 2",
        "ci: gate 'coverage' changes min 80 → 70",
        "ci: gate 'perf' added (benchmark)",
      ],
    },
  ];
  it.each(cases)('$name', ({ before, after, expected }) => {
    expect(gateChanges(before, after)).toEqual(expected);
  });
});

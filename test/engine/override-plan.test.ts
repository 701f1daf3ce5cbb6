import { describe, expect, it } from 'vitest';
import { planGateOverride, type OverrideAttempt, type OverrideGate, type OverridePlan, type OverrideRun, type OverrideStage } from '../../src/engine/override-plan.ts';
import { reason } from '../../src/engine/reasons.ts';

/**
 * The run of most cases: `test` (id 1) failed only on its coverage gate;
 * `ship` and `deploy` were skipped because of it, `notify` because the
 * pipeline stopped, `docs` because its `if:` was false.
 */
const run = (overrides: Partial<OverrideRun> = {}): OverrideRun => ({ id: 7, pipeline: 'ci', status: 'completed', conclusion: 'failure', cancelRequested: false, ...overrides });

const stages: OverrideStage[] = [
  { id: 1, stage: 'test', status: 'completed', conclusion: 'failure', skipCode: null },
  { id: 2, stage: 'ship', status: 'skipped', conclusion: null, skipCode: 'stage.needs-failed' },
  { id: 3, stage: 'docs', status: 'skipped', conclusion: null, skipCode: 'stage.if-false' },
  { id: 4, stage: 'deploy', status: 'skipped', conclusion: null, skipCode: 'stage.needs-skipped' },
  { id: 5, stage: 'notify', status: 'skipped', conclusion: null, skipCode: 'stage.pipeline-stopped' },
];

/** unit failed once and passed on its re-run; lint passed. */
const attempts: OverrideAttempt[] = [
  { stageRunId: 1, job: 'unit', attempt: 2, conclusion: 'success' },
  { stageRunId: 1, job: 'unit', attempt: 1, conclusion: 'failure' },
  { stageRunId: 1, job: 'lint', attempt: 1, conclusion: 'success' },
];

const gates: OverrideGate[] = [
  { name: 'coverage', stage: 'test', result: 'fail', overridden: false },
  { name: 'tests', stage: 'test', result: 'pass', overridden: false },
  { name: 'duration', stage: null, result: 'pass', overridden: false },
];

const withGate = (name: string, change: Partial<OverrideGate>): OverrideGate[] => gates.map((g) => (g.name === name ? { ...g, ...change } : g));
const noContinueOnError = () => false;
const kept = (gate: string): OverridePlan => ({ kind: 'override', gate, reopen: false, reopenStages: [], resetSkippedStages: [] });

interface Case {
  name: string;
  run?: OverrideRun;
  stages?: OverrideStage[];
  attempts?: OverrideAttempt[];
  gates?: OverrideGate[];
  gate: string;
  continueOnError?: (stage: string, job: string) => boolean;
  expected: OverridePlan;
}

describe('planGateOverride', () => {
  const refusals: Case[] = [
    {
      name: 'refuses an unknown gate, listing the known ones in config order',
      gate: 'coverge',
      expected: { kind: 'refuse', reason: reason('command.override-unknown-gate', { gate: 'coverge', pipeline: 'ci', known: ['coverage', 'tests', 'duration'] }) },
    },
    {
      name: 'refuses any gate when the pipeline has none',
      gate: 'coverage',
      gates: [],
      expected: { kind: 'refuse', reason: reason('command.override-unknown-gate', { gate: 'coverage', pipeline: 'ci', known: [] }) },
    },
    { name: 'refuses a passing gate', gate: 'tests', expected: { kind: 'refuse', reason: reason('command.override-not-failing', { gate: 'tests', result: 'pass' }) } },
    {
      name: 'refuses a neutral gate',
      gate: 'tests',
      gates: withGate('tests', { result: 'neutral' }),
      expected: { kind: 'refuse', reason: reason('command.override-not-failing', { gate: 'tests', result: 'neutral' }) },
    },
    {
      name: 'refuses a gate still being evaluated',
      gate: 'tests',
      gates: withGate('tests', { result: 'pending' }),
      expected: { kind: 'refuse', reason: reason('command.override-not-failing', { gate: 'tests', result: 'pending' }) },
    },
    {
      name: 'refuses a gate not evaluated yet',
      gate: 'tests',
      gates: withGate('tests', { result: null }),
      expected: { kind: 'refuse', reason: reason('command.override-not-failing', { gate: 'tests', result: 'not evaluated yet' }) },
    },
    {
      name: 'calls a non-failing gate that carries an override "overridden"',
      gate: 'tests',
      gates: withGate('tests', { result: 'pass', overridden: true }),
      expected: { kind: 'refuse', reason: reason('command.override-not-failing', { gate: 'tests', result: 'overridden' }) },
    },
  ];
  it.each(refusals)('$name', (c) => {
    expect(planGateOverride(c.run ?? run(), c.stages ?? stages, c.attempts ?? attempts, c.gates ?? gates, c.gate, c.continueOnError ?? noContinueOnError)).toEqual(c.expected);
  });

  const overrides: Case[] = [
    {
      name: 'reopens a run that failed only on the gate: its stage completes anew, the stages its failure skipped are reset (not the if-false one)',
      gate: 'coverage',
      expected: { kind: 'override', gate: 'coverage', reopen: true, reopenStages: [1], resetSkippedStages: [2, 4, 5] },
    },
    {
      name: 'an error result is failing too',
      gate: 'coverage',
      gates: withGate('coverage', { result: 'error' }),
      expected: { kind: 'override', gate: 'coverage', reopen: true, reopenStages: [1], resetSkippedStages: [2, 4, 5] },
    },
    {
      name: 'a failed job marked continue-on-error does not keep the stage failed',
      gate: 'coverage',
      attempts: [...attempts, { stageRunId: 1, job: 'lint', attempt: 2, conclusion: 'failure' }],
      continueOnError: (stage, job) => stage === 'test' && job === 'lint',
      expected: { kind: 'override', gate: 'coverage', reopen: true, reopenStages: [1], resetSkippedStages: [2, 4, 5] },
    },
    {
      name: 'neutral and skipped jobs count as succeeded',
      gate: 'coverage',
      attempts: [
        { stageRunId: 1, job: 'unit', attempt: 1, conclusion: 'neutral' },
        { stageRunId: 1, job: 'lint', attempt: 1, conclusion: 'skipped' },
      ],
      expected: { kind: 'override', gate: 'coverage', reopen: true, reopenStages: [1], resetSkippedStages: [2, 4, 5] },
    },
    {
      name: 'another failing gate of the stage that is already overridden does not hold it back',
      gate: 'coverage',
      gates: withGate('tests', { result: 'fail', overridden: true }),
      expected: { kind: 'override', gate: 'coverage', reopen: true, reopenStages: [1], resetSkippedStages: [2, 4, 5] },
    },
    {
      name: 'a failing gate already overridden may be overridden again (the new reason replaces the old)',
      gate: 'coverage',
      gates: withGate('coverage', { overridden: true }),
      expected: { kind: 'override', gate: 'coverage', reopen: true, reopenStages: [1], resetSkippedStages: [2, 4, 5] },
    },
    {
      name: 'a pipeline-level gate (no stage) reopens the run without reopening any stage',
      gate: 'duration',
      stages: [
        { id: 1, stage: 'test', status: 'completed', conclusion: 'success', skipCode: null },
        { id: 3, stage: 'docs', status: 'skipped', conclusion: null, skipCode: 'stage.if-false' },
      ],
      gates: withGate('duration', { result: 'fail' }).map((g) => (g.name === 'coverage' ? { ...g, result: 'pass' as const } : g)),
      expected: { kind: 'override', gate: 'duration', reopen: true, reopenStages: [], resetSkippedStages: [] },
    },
  ];
  it.each(overrides)('$name', (c) => {
    expect(planGateOverride(c.run ?? run(), c.stages ?? stages, c.attempts ?? attempts, c.gates ?? gates, c.gate, c.continueOnError ?? noContinueOnError)).toEqual(c.expected);
  });

  const recordedOnly: Case[] = [
    { name: 'a run still in progress is not reopened (its verdict is still to come)', gate: 'coverage', run: run({ status: 'in_progress', conclusion: null }), expected: kept('coverage') },
    { name: 'a queued run is not reopened', gate: 'coverage', run: run({ status: 'queued', conclusion: null }), expected: kept('coverage') },
    { name: 'a cancelled run is not reopened', gate: 'coverage', run: run({ conclusion: 'cancelled' }), expected: kept('coverage') },
    { name: 'a run whose cancel was requested is not reopened', gate: 'coverage', run: run({ cancelRequested: true }), expected: kept('coverage') },
    { name: 'a run that succeeded is not reopened', gate: 'coverage', run: run({ conclusion: 'success' }), expected: kept('coverage') },
    { name: 'another failing gate of the same stage keeps it failed', gate: 'coverage', gates: withGate('tests', { result: 'fail' }), expected: kept('coverage') },
    { name: 'a failing pipeline-level gate keeps the run failed (held-back stages do not run for a run that fails anyway)', gate: 'coverage', gates: withGate('duration', { result: 'error' }), expected: kept('coverage') },
    { name: 'another gate of the same stage in error keeps it failed', gate: 'coverage', gates: withGate('tests', { result: 'error' }), expected: kept('coverage') },
    {
      name: 'a failed job of the stage keeps it failed',
      gate: 'coverage',
      attempts: [...attempts, { stageRunId: 1, job: 'lint', attempt: 2, conclusion: 'failure' }],
      expected: kept('coverage'),
    },
    {
      name: 'the latest attempt of a job is what counts: a failed re-run after a success keeps the stage failed',
      gate: 'coverage',
      attempts: [
        { stageRunId: 1, job: 'unit', attempt: 2, conclusion: 'failure' },
        { stageRunId: 1, job: 'unit', attempt: 1, conclusion: 'success' },
        { stageRunId: 1, job: 'lint', attempt: 1, conclusion: 'success' },
      ],
      expected: kept('coverage'),
    },
    {
      name: 'a job of the stage still running (no conclusion) keeps it failed',
      gate: 'coverage',
      attempts: [...attempts, { stageRunId: 1, job: 'e2e', attempt: 1, conclusion: null }],
      expected: kept('coverage'),
    },
    {
      name: 'continue-on-error of a job in another stage does not excuse this stage’s job',
      gate: 'coverage',
      attempts: [...attempts, { stageRunId: 1, job: 'lint', attempt: 2, conclusion: 'failure' }],
      continueOnError: (stage, job) => stage === 'other' && job === 'lint',
      expected: kept('coverage'),
    },
    {
      name: 'another failed stage elsewhere keeps the run failed',
      gate: 'coverage',
      stages: [...stages, { id: 6, stage: 'scan', status: 'completed', conclusion: 'failure', skipCode: null }],
      attempts: [...attempts, { stageRunId: 6, job: 'sast', attempt: 1, conclusion: 'failure' }],
      expected: kept('coverage'),
    },
    {
      name: 'a failed stage elsewhere keeps a pipeline-level gate’s run failed',
      gate: 'duration',
      gates: withGate('duration', { result: 'fail' }),
      expected: kept('duration'),
    },
    {
      name: 'another failing pipeline-level gate keeps a pipeline-level override from reopening',
      gate: 'duration',
      stages: [{ id: 1, stage: 'test', status: 'completed', conclusion: 'success', skipCode: null }],
      gates: [...withGate('duration', { result: 'fail' }), { name: 'size', stage: null, result: 'error', overridden: false }],
      expected: kept('duration'),
    },
    {
      name: 'a gate whose stage did not fail (it is still running) reopens nothing',
      gate: 'coverage',
      run: run(),
      stages: [{ id: 1, stage: 'test', status: 'running', conclusion: null, skipCode: null }],
      expected: kept('coverage'),
    },
  ];
  it.each(recordedOnly)('records the override without reopening: $name', (c) => {
    expect(planGateOverride(c.run ?? run(), c.stages ?? stages, c.attempts ?? attempts, c.gates ?? gates, c.gate, c.continueOnError ?? noContinueOnError)).toEqual(c.expected);
  });

  it('asks continue-on-error about the stage and job of the latest failed attempt only', () => {
    const asked: string[] = [];
    const plan = planGateOverride(run(), stages, [...attempts, { stageRunId: 1, job: 'lint', attempt: 2, conclusion: 'failure' }], gates, 'coverage', (stage, job) => {
      asked.push(`${stage}/${job}`);
      return true;
    });
    expect(plan).toMatchObject({ kind: 'override', reopen: true });
    expect(asked).toEqual(['test/lint']);
  });
});

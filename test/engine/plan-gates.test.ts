import { describe, expect, it } from 'vitest';
import {
  decide,
  type AttemptState,
  type Decision,
  type GateState,
  type GateVerdictState,
  type PlanGate,
  type PlanInput,
  type PlanPipeline,
  type RunState,
  type StageState,
} from '../../src/engine/plan.ts';

const minutes = (n: number) => n * 60_000;

/** test (unit) → release (ship): the gates below judge `unit`, or the whole pipeline. */
const pipeline: PlanPipeline = {
  stages: {
    test: { needs: [], jobs: { unit: { 'continue-on-error': false } } },
    release: { needs: ['test'], jobs: { ship: { 'continue-on-error': false } } },
  },
};

const coverageGate: PlanGate = { name: 'coverage', type: 'coverage', stage: 'test', job: 'unit' };
const wallTimeGate: PlanGate = { name: 'wall-time', type: 'duration', stage: null, job: null };

function attempt(partial: Partial<AttemptState> & Pick<AttemptState, 'id' | 'stage' | 'job'>): AttemptState {
  return {
    attempt: 1,
    status: 'completed',
    conclusion: 'success',
    workflowRunId: 1000 + partial.id,
    completedAt: 0,
    deadlineAt: null,
    nextRetryAt: null,
    cancelRequested: false,
    ...partial,
  };
}

const completedGate = (name: string, result: GateVerdictState, attemptNumber = 1): GateState => ({ name, attempt: attemptNumber, status: 'completed', result });
const pendingGate = (name: string, attemptNumber = 1): GateState => ({ name, attempt: attemptNumber, status: 'pending', result: null });

function input(run: Partial<RunState>, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    pipeline,
    gates: [coverageGate],
    run: { status: 'in_progress', cancelRequested: false, stages: [], attempts: [], ...run },
    now: minutes(10),
    defaults: { retries: 0, timeoutMs: minutes(30) },
    evaluateIf: () => ({ ok: true, value: true }),
    parseDuration: (v) => Number.parseInt(v, 10) * 60_000,
    ...overrides,
  };
}

const testRunning: StageState[] = [{ stage: 'test', status: 'running', conclusion: null }];
const bothDone: StageState[] = [
  { stage: 'test', status: 'completed', conclusion: 'success' },
  { stage: 'release', status: 'completed', conclusion: 'success' },
];
const unitDone = attempt({ id: 1, stage: 'test', job: 'unit' });
const shipDone = attempt({ id: 2, stage: 'release', job: 'ship' });

const kinds = (decisions: Decision[]) => decisions.map((d) => d.kind);

describe('decide: gates of a job', () => {
  it('asks for the gate once the job succeeded, and does not complete the stage yet', () => {
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone] }));
    expect(decisions).toEqual([{ kind: 'evaluate-gate', gate: 'coverage', stage: 'test', job: 'unit', attemptId: 1, attempt: 1 }]);
  });

  it('completes the stage at once when the job has no gate', () => {
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone] }, { gates: [] }));
    expect(decisions[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'success' });
  });

  it('does not ask for a gate while its job is still running', () => {
    const running = attempt({ id: 1, stage: 'test', job: 'unit', status: 'in_progress', conclusion: null });
    expect(decide(input({ stages: testRunning, attempts: [running] }))).toEqual([]);
  });

  it('waits, without asking again, while the evaluation is pending', () => {
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone], gates: [pendingGate('coverage')] }));
    expect(decisions).toEqual([]);
  });

  it('completes the stage successfully on pass and starts the next one', () => {
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone], gates: [completedGate('coverage', 'pass')] }));
    expect(decisions).toEqual([
      { kind: 'complete-stage', stage: 'test', conclusion: 'success' },
      { kind: 'start-stage', stage: 'release', jobs: [{ job: 'ship', timeoutMs: minutes(30) }] },
    ]);
  });

  it.each(['fail', 'error'] as const)('fails the stage on %s, skips the stage that needs it and fails the run', (result) => {
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone], gates: [completedGate('coverage', result)] }));
    expect(decisions).toEqual([
      { kind: 'complete-stage', stage: 'test', conclusion: 'failure' },
      { kind: 'skip-stage', stage: 'release', reason: { code: 'stage.needs-failed', need: 'test', conclusion: 'failure' } },
      { kind: 'complete-run', conclusion: 'failure' },
    ]);
  });

  it.each(['overridden', 'neutral'] as const)('counts %s as success', (result) => {
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone], gates: [completedGate('coverage', result)] }));
    expect(decisions[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'success' });
  });

  it('asks for the two gates of one job in the same call, and completes only once both are recorded', () => {
    const junitGate: PlanGate = { name: 'tests', type: 'junit', stage: 'test', job: 'unit' };
    const gates = [coverageGate, junitGate];
    expect(decide(input({ stages: testRunning, attempts: [unitDone] }, { gates }))).toEqual([
      { kind: 'evaluate-gate', gate: 'coverage', stage: 'test', job: 'unit', attemptId: 1, attempt: 1 },
      { kind: 'evaluate-gate', gate: 'tests', stage: 'test', job: 'unit', attemptId: 1, attempt: 1 },
    ]);
    // One recorded, the other not: only the missing one is asked for, the stage still waits.
    expect(decide(input({ stages: testRunning, attempts: [unitDone], gates: [completedGate('coverage', 'pass')] }, { gates }))).toEqual([
      { kind: 'evaluate-gate', gate: 'tests', stage: 'test', job: 'unit', attemptId: 1, attempt: 1 },
    ]);
    // One pass and one fail: the stage fails.
    const mixed = decide(input({ stages: testRunning, attempts: [unitDone], gates: [completedGate('coverage', 'pass'), completedGate('tests', 'fail')] }, { gates }));
    expect(mixed[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'failure' });
  });

  it('asks once per gate when two jobs each have one, and asks the same again until something is recorded', () => {
    const twoJobs: PlanPipeline = {
      stages: { test: { needs: [], jobs: { unit: { 'continue-on-error': false }, lint: { 'continue-on-error': false } } } },
    };
    const gates: PlanGate[] = [coverageGate, { name: 'sarif', type: 'sarif', stage: 'test', job: 'lint' }];
    const state = input({ stages: testRunning, attempts: [unitDone, attempt({ id: 2, stage: 'test', job: 'lint' })] }, { pipeline: twoJobs, gates });
    const snapshot = structuredClone(state.run);
    const first = decide(state);
    expect(first).toEqual([
      { kind: 'evaluate-gate', gate: 'coverage', stage: 'test', job: 'unit', attemptId: 1, attempt: 1 },
      { kind: 'evaluate-gate', gate: 'sarif', stage: 'test', job: 'lint', attemptId: 2, attempt: 1 },
    ]);
    // Pure: the same state gives the same decisions, and the caller's state is not touched.
    expect(decide(state)).toEqual(first);
    expect(state.run).toEqual(snapshot);
  });

  it('asks once for a gate listed twice under one name (config validation refuses that; the planner still does not double-ask)', () => {
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone] }, { gates: [coverageGate, { ...coverageGate }] }));
    expect(decisions).toEqual([{ kind: 'evaluate-gate', gate: 'coverage', stage: 'test', job: 'unit', attemptId: 1, attempt: 1 }]);
  });

  it('judges a gate only by the state of its own name', () => {
    // A recorded result of another gate does not stand in for this one.
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone], gates: [completedGate('other', 'pass')] }));
    expect(decisions).toEqual([{ kind: 'evaluate-gate', gate: 'coverage', stage: 'test', job: 'unit', attemptId: 1, attempt: 1 }]);
  });
});

describe('decide: gates and retries', () => {
  const retrying: PlanPipeline = {
    stages: {
      test: { needs: [], jobs: { unit: { 'continue-on-error': false, retries: 1 } } },
      release: { needs: ['test'], jobs: { ship: { 'continue-on-error': false } } },
    },
  };
  const firstFailed = attempt({ id: 1, stage: 'test', job: 'unit', conclusion: 'failure', completedAt: minutes(9) });

  it('does not ask for the gate of an attempt that will be retried', () => {
    expect(decide(input({ stages: testRunning, attempts: [firstFailed] }, { pipeline: retrying }))).toEqual([
      { kind: 'schedule-retry', attemptId: 1, at: minutes(9) + 30_000 },
    ]);
    const due = { ...firstFailed, nextRetryAt: minutes(9) + 30_000 };
    expect(kinds(decide(input({ stages: testRunning, attempts: [due] }, { pipeline: retrying })))).toEqual(['retry']);
    const secondRunning = attempt({ id: 2, stage: 'test', job: 'unit', attempt: 2, status: 'in_progress', conclusion: null, workflowRunId: 1001 });
    expect(decide(input({ stages: testRunning, attempts: [due, secondRunning] }, { pipeline: retrying }))).toEqual([]);
  });

  it('retries a failed attempt but not one cancelled in the CI system, nor one whose provider never started a run', () => {
    const cancelled = { ...firstFailed, conclusion: 'cancelled' };
    expect(kinds(decide(input({ stages: testRunning, attempts: [cancelled] }, { pipeline: retrying })))).not.toContain('schedule-retry');
    // Its gate is not judged (nothing ran to the end): the job is final as it is.
    expect(kinds(decide(input({ stages: testRunning, attempts: [cancelled] }, { pipeline: retrying })))).toContain('skip-gate');
    const neverStarted = { ...firstFailed, workflowRunId: null, started: false };
    expect(kinds(decide(input({ stages: testRunning, attempts: [neverStarted] }, { pipeline: retrying })))).not.toContain('schedule-retry');
    // A provider's run (a Jenkins build, a GitLab pipeline) counts as started without a workflow run.
    const onJenkins = { ...firstFailed, workflowRunId: null, started: true };
    expect(decide(input({ stages: testRunning, attempts: [onJenkins] }, { pipeline: retrying }))).toEqual([{ kind: 'schedule-retry', attemptId: 1, at: minutes(9) + 30_000 }]);
  });

  it('asks for the gate of the final attempt; a state recorded for attempt 1 does not count for attempt 2', () => {
    const second = attempt({ id: 2, stage: 'test', job: 'unit', attempt: 2, workflowRunId: 1001 });
    const decisions = decide(input({ stages: testRunning, attempts: [firstFailed, second], gates: [completedGate('coverage', 'pass', 1)] }, { pipeline: retrying }));
    expect(decisions).toEqual([{ kind: 'evaluate-gate', gate: 'coverage', stage: 'test', job: 'unit', attemptId: 2, attempt: 2 }]);
    // A fail recorded for attempt 1 does not fail the stage once attempt 2's gate passed.
    const passed = decide(
      input({ stages: testRunning, attempts: [firstFailed, second], gates: [completedGate('coverage', 'fail', 1), completedGate('coverage', 'pass', 2)] }, { pipeline: retrying }),
    );
    expect(passed[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'success' });
  });

  it('asks for the gate of a final attempt that failed, since its workflow run exists', () => {
    const second = attempt({ id: 2, stage: 'test', job: 'unit', attempt: 2, conclusion: 'failure', workflowRunId: 1001 });
    const decisions = decide(input({ stages: testRunning, attempts: [firstFailed, second] }, { pipeline: retrying }));
    expect(decisions).toContainEqual({ kind: 'evaluate-gate', gate: 'coverage', stage: 'test', job: 'unit', attemptId: 2, attempt: 2 });
    expect(kinds(decisions)).not.toContain('complete-stage');
    // Once the gate is recorded, the stage ends with the job's failure, whatever the gate said.
    const after = decide(input({ stages: testRunning, attempts: [firstFailed, second], gates: [completedGate('coverage', 'pass', 2)] }, { pipeline: retrying }));
    expect(after[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'failure' });
  });
});

describe('decide: gates of a job that did not run', () => {
  it('skips the gate of a cancelled job instead of evaluating it', () => {
    const cancelled = attempt({ id: 1, stage: 'test', job: 'unit', conclusion: 'cancelled' });
    const decisions = decide(input({ stages: testRunning, attempts: [cancelled] }));
    expect(decisions).toContainEqual({
      kind: 'skip-gate',
      gate: 'coverage',
      stage: 'test',
      job: 'unit',
      attemptId: 1,
      attempt: 1,
      reason: { code: 'gate.job-not-run', job: 'unit', conclusion: 'cancelled' },
    });
    expect(kinds(decisions)).not.toContain('evaluate-gate');
    expect(kinds(decisions)).not.toContain('complete-stage');
    // The skip is recorded as neutral: the stage then ends with the job's own conclusion.
    const after = decide(input({ stages: testRunning, attempts: [cancelled], gates: [completedGate('coverage', 'neutral')] }));
    expect(after[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'cancelled' });
  });

  it('skips the gate of a job that never got a workflow run, and evaluates it when it did', () => {
    const undispatched = attempt({ id: 1, stage: 'test', job: 'unit', conclusion: 'failure', workflowRunId: null });
    expect(decide(input({ stages: testRunning, attempts: [undispatched] }))).toContainEqual({
      kind: 'skip-gate',
      gate: 'coverage',
      stage: 'test',
      job: 'unit',
      attemptId: 1,
      attempt: 1,
      reason: { code: 'gate.job-not-run', job: 'unit', conclusion: 'failure' },
    });
    const dispatched = { ...undispatched, workflowRunId: 1001 };
    const decisions = decide(input({ stages: testRunning, attempts: [dispatched] }));
    expect(decisions).toContainEqual({ kind: 'evaluate-gate', gate: 'coverage', stage: 'test', job: 'unit', attemptId: 1, attempt: 1 });
    expect(kinds(decisions)).not.toContain('skip-gate');
  });

  it('evaluates a job duration gate without a workflow run (shipgate times it), but not for a cancelled job', () => {
    const jobDuration: PlanGate = { name: 'unit-time', type: 'duration', stage: 'test', job: 'unit' };
    const undispatched = attempt({ id: 1, stage: 'test', job: 'unit', conclusion: 'failure', workflowRunId: null });
    expect(decide(input({ stages: testRunning, attempts: [undispatched] }, { gates: [jobDuration] }))).toContainEqual({
      kind: 'evaluate-gate',
      gate: 'unit-time',
      stage: 'test',
      job: 'unit',
      attemptId: 1,
      attempt: 1,
    });
    const cancelled = attempt({ id: 1, stage: 'test', job: 'unit', conclusion: 'cancelled' });
    expect(kinds(decide(input({ stages: testRunning, attempts: [cancelled] }, { gates: [jobDuration] })))).toContain('skip-gate');
  });
});

describe('decide: pipeline-level gates', () => {
  const pipelineOnly = { gates: [wallTimeGate] };
  const askWallTime: Decision = { kind: 'evaluate-gate', gate: 'wall-time', stage: null, job: null, attemptId: null, attempt: 0 };

  it('is not asked while a stage is still to run', () => {
    const decisions = decide(input({ stages: testRunning, attempts: [unitDone] }, pipelineOnly));
    expect(decisions).toEqual([
      { kind: 'complete-stage', stage: 'test', conclusion: 'success' },
      { kind: 'start-stage', stage: 'release', jobs: [{ job: 'ship', timeoutMs: minutes(30) }] },
    ]);
  });

  it('is asked, with attempt 0 and no attempt id, in the call that ends the last stage; the run does not complete yet', () => {
    const stages: StageState[] = [
      { stage: 'test', status: 'completed', conclusion: 'success' },
      { stage: 'release', status: 'running', conclusion: null },
    ];
    expect(decide(input({ stages, attempts: [unitDone, shipDone] }, pipelineOnly))).toEqual([
      { kind: 'complete-stage', stage: 'release', conclusion: 'success' },
      askWallTime,
    ]);
  });

  it('is not asked while an attempt is still going, even when every stage has ended', () => {
    const stages: StageState[] = [
      { stage: 'test', status: 'completed', conclusion: 'failure' },
      { stage: 'release', status: 'skipped', conclusion: null },
    ];
    const stillCancelling = attempt({ id: 1, stage: 'test', job: 'unit', status: 'in_progress', conclusion: null, cancelRequested: true });
    expect(decide(input({ stages, attempts: [stillCancelling] }, pipelineOnly))).toEqual([]);
  });

  it('holds the run while pending, then completes it with the result', () => {
    expect(decide(input({ stages: bothDone, attempts: [unitDone, shipDone] }, pipelineOnly))).toEqual([askWallTime]);
    expect(decide(input({ stages: bothDone, attempts: [unitDone, shipDone], gates: [pendingGate('wall-time', 0)] }, pipelineOnly))).toEqual([]);
    expect(decide(input({ stages: bothDone, attempts: [unitDone, shipDone], gates: [completedGate('wall-time', 'pass', 0)] }, pipelineOnly))).toEqual([
      { kind: 'complete-run', conclusion: 'success' },
    ]);
  });

  it.each([
    ['fail', 'failure'],
    ['error', 'failure'],
    ['overridden', 'success'],
    ['neutral', 'success'],
  ] as const)('completes the run on %s as %s', (result, conclusion) => {
    const decisions = decide(input({ stages: bothDone, attempts: [unitDone, shipDone], gates: [completedGate('wall-time', result, 0)] }, pipelineOnly));
    expect(decisions).toEqual([{ kind: 'complete-run', conclusion }]);
  });

  it('does not count a job gate state of attempt 1 for the pipeline gate (attempt 0)', () => {
    const decisions = decide(input({ stages: bothDone, attempts: [unitDone, shipDone], gates: [completedGate('wall-time', 'pass', 1)] }, pipelineOnly));
    expect(decisions).toEqual([askWallTime]);
  });

  it('is skipped with gate.run-cancelled when the run is cancelled, and the run then ends cancelled', () => {
    const queued = attempt({ id: 1, stage: 'test', job: 'unit', status: 'queued', conclusion: null });
    const decisions = decide(input({ cancelRequested: true, stages: testRunning, attempts: [queued] }, pipelineOnly));
    expect(decisions).toEqual([
      { kind: 'cancel-attempts', attemptIds: [1], reason: { code: 'cancel.requested' } },
      { kind: 'complete-stage', stage: 'test', conclusion: 'cancelled' },
      { kind: 'skip-stage', stage: 'release', reason: { code: 'stage.needs-failed', need: 'test', conclusion: 'cancelled' } },
      { kind: 'skip-gate', gate: 'wall-time', stage: null, job: null, attemptId: null, attempt: 0, reason: { code: 'gate.run-cancelled' } },
    ]);
    const ended: StageState[] = [
      { stage: 'test', status: 'completed', conclusion: 'cancelled' },
      { stage: 'release', status: 'skipped', conclusion: null },
    ];
    const cancelled = { ...queued, status: 'completed' as const, conclusion: 'cancelled', cancelRequested: true };
    expect(decide(input({ cancelRequested: true, stages: ended, attempts: [cancelled], gates: [completedGate('wall-time', 'neutral', 0)] }, pipelineOnly))).toEqual([
      { kind: 'complete-run', conclusion: 'cancelled' },
    ]);
  });

  it('waits for a job gate and the pipeline gate alike: the run completes only once both are recorded', () => {
    const gates = [coverageGate, wallTimeGate];
    expect(decide(input({ stages: bothDone, attempts: [unitDone, shipDone], gates: [completedGate('coverage', 'pass')] }, { gates }))).toEqual([askWallTime]);
    expect(
      decide(input({ stages: bothDone, attempts: [unitDone, shipDone], gates: [completedGate('coverage', 'pass'), completedGate('wall-time', 'pass', 0)] }, { gates })),
    ).toEqual([{ kind: 'complete-run', conclusion: 'success' }]);
  });
});

describe('decide: gates of a continue-on-error job', () => {
  const quiet: PlanPipeline = {
    stages: {
      test: { needs: [], jobs: { unit: { 'continue-on-error': false }, lint: { 'continue-on-error': true } } },
      release: { needs: ['test'], jobs: { ship: { 'continue-on-error': false } } },
    },
  };
  const lintGate: PlanGate = { name: 'sarif', type: 'sarif', stage: 'test', job: 'lint' };
  const run = (lintConclusion: string, result: GateVerdictState) =>
    decide(
      input(
        { stages: testRunning, attempts: [unitDone, attempt({ id: 2, stage: 'test', job: 'lint', conclusion: lintConclusion })], gates: [completedGate('sarif', result)] },
        { pipeline: quiet, gates: [lintGate] },
      ),
    );

  it('fails the stage when the gate fails, although the job may fail quietly', () => {
    expect(run('success', 'fail')[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'failure' });
    expect(run('failure', 'fail')[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'failure' });
  });

  it('lets the stage pass when the gate passes, although the job failed', () => {
    expect(run('failure', 'pass')[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'success' });
    expect(run('success', 'pass')[0]).toEqual({ kind: 'complete-stage', stage: 'test', conclusion: 'success' });
  });

  it('asks for the gate of a continue-on-error job that failed', () => {
    const decisions = decide(
      input({ stages: testRunning, attempts: [unitDone, attempt({ id: 2, stage: 'test', job: 'lint', conclusion: 'failure' })] }, { pipeline: quiet, gates: [lintGate] }),
    );
    expect(decisions).toEqual([{ kind: 'evaluate-gate', gate: 'sarif', stage: 'test', job: 'lint', attemptId: 2, attempt: 1 }]);
  });
});

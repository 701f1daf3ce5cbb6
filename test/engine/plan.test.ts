import { describe, expect, it } from 'vitest';
import { decide, topologicalStages, type AttemptState, type PlanInput, type PlanPipeline, type RunState } from '../../src/engine/plan.ts';

const minutes = (n: number) => n * 60_000;

const pipeline: PlanPipeline = {
  stages: {
    build: { needs: [], jobs: { app: { 'continue-on-error': false, retries: 1 } } },
    test: { needs: ['build'], jobs: { unit: { 'continue-on-error': false }, e2e: { 'continue-on-error': true } } },
    scan: { needs: ['build'], jobs: { sast: { 'continue-on-error': false, timeout: '5m' } } },
    deploy: { needs: ['test', 'scan'], if: "shipgate.branch == 'main'", jobs: { deploy: { 'continue-on-error': false } } },
  },
};

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

function input(run: Partial<RunState>, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    pipeline,
    run: { status: 'in_progress', cancelRequested: false, stages: [], attempts: [], ...run },
    now: minutes(10),
    defaults: { retries: 0, timeoutMs: minutes(30) },
    evaluateIf: () => ({ ok: true, value: true }),
    parseDuration: (v) => Number.parseInt(v, 10) * 60_000,
    ...overrides,
  };
}

describe('topologicalStages', () => {
  it('orders stages after their needs', () => {
    expect(topologicalStages(pipeline)).toEqual(['build', 'test', 'scan', 'deploy']);
  });
});

describe('decide', () => {
  it('starts the stages without needs, with each job and its timeout', () => {
    expect(decide(input({}))).toEqual([{ kind: 'start-stage', stage: 'build', jobs: [{ job: 'app', timeoutMs: minutes(30) }] }]);
  });

  it('completes a stage whose jobs succeeded and starts the parallel stages that need it', () => {
    const decisions = decide(
      input({
        stages: [{ stage: 'build', status: 'running', conclusion: null }],
        attempts: [attempt({ id: 1, stage: 'build', job: 'app' })],
      }),
    );
    expect(decisions).toEqual([
      { kind: 'complete-stage', stage: 'build', conclusion: 'success' },
      {
        kind: 'start-stage',
        stage: 'test',
        jobs: [
          { job: 'unit', timeoutMs: minutes(30) },
          { job: 'e2e', timeoutMs: minutes(30) },
        ],
      },
      { kind: 'start-stage', stage: 'scan', jobs: [{ job: 'sast', timeoutMs: minutes(5) }] },
    ]);
  });

  it('does not fail a stage for a continue-on-error job', () => {
    const decisions = decide(
      input({
        stages: [
          { stage: 'build', status: 'completed', conclusion: 'success' },
          { stage: 'test', status: 'running', conclusion: null },
          { stage: 'scan', status: 'running', conclusion: null },
        ],
        attempts: [
          attempt({ id: 1, stage: 'build', job: 'app' }),
          attempt({ id: 2, stage: 'test', job: 'unit' }),
          attempt({ id: 3, stage: 'test', job: 'e2e', conclusion: 'failure' }),
          attempt({ id: 4, stage: 'scan', job: 'sast', status: 'in_progress', conclusion: null }),
        ],
      }),
    );
    expect(decisions).toEqual([{ kind: 'complete-stage', stage: 'test', conclusion: 'success' }]);
  });

  it('stops the rest when one job fails: cancels running jobs, skips later stages, fails the run', () => {
    const decisions = decide(
      input({
        stages: [
          { stage: 'build', status: 'completed', conclusion: 'success' },
          { stage: 'test', status: 'running', conclusion: null },
          { stage: 'scan', status: 'running', conclusion: null },
        ],
        attempts: [
          attempt({ id: 1, stage: 'build', job: 'app' }),
          attempt({ id: 2, stage: 'test', job: 'unit', conclusion: 'failure' }),
          attempt({ id: 3, stage: 'test', job: 'e2e', status: 'in_progress', conclusion: null }),
          attempt({ id: 4, stage: 'scan', job: 'sast', status: 'in_progress', conclusion: null }),
        ],
      }),
    );
    expect(decisions).toEqual([
      { kind: 'cancel-attempts', attemptIds: [3, 4], reason: { code: 'cancel.other-job-failed' } },
      { kind: 'complete-stage', stage: 'test', conclusion: 'failure' },
      { kind: 'complete-stage', stage: 'scan', conclusion: 'cancelled' },
      { kind: 'skip-stage', stage: 'deploy', reason: { code: 'stage.needs-failed', need: 'test', conclusion: 'failure' } },
      { kind: 'complete-run', conclusion: 'failure' },
    ]);
  });

  it('skips a stage whose if: is false and explains why, and succeeds the run', () => {
    const decisions = decide(
      input(
        {
          stages: [
            { stage: 'build', status: 'completed', conclusion: 'success' },
            { stage: 'test', status: 'completed', conclusion: 'success' },
            { stage: 'scan', status: 'completed', conclusion: 'success' },
          ],
          attempts: [attempt({ id: 1, stage: 'build', job: 'app' })],
        },
        { evaluateIf: () => ({ ok: true, value: false }) },
      ),
    );
    expect(decisions).toEqual([
      { kind: 'skip-stage', stage: 'deploy', reason: { code: 'stage.if-false', expression: "shipgate.branch == 'main'" } },
      { kind: 'complete-run', conclusion: 'success' },
    ]);
  });

  it('skips with the error when an if: cannot be evaluated', () => {
    const decisions = decide(
      input(
        {
          stages: [
            { stage: 'build', status: 'completed', conclusion: 'success' },
            { stage: 'test', status: 'completed', conclusion: 'success' },
            { stage: 'scan', status: 'completed', conclusion: 'success' },
          ],
        },
        { evaluateIf: () => ({ ok: false, error: 'unknown function foo' }) },
      ),
    );
    expect(decisions[0]).toEqual({ kind: 'skip-stage', stage: 'deploy', reason: { code: 'stage.if-error', expression: "shipgate.branch == 'main'", error: 'unknown function foo' } });
  });

  it('times out an attempt past its deadline and ends the run timed_out', () => {
    const decisions = decide(
      input({
        stages: [{ stage: 'build', status: 'running', conclusion: null }],
        attempts: [attempt({ id: 1, stage: 'build', job: 'app', attempt: 2, status: 'in_progress', conclusion: null, deadlineAt: minutes(9) })],
      }),
    );
    expect(decisions).toEqual([
      { kind: 'time-out', attemptId: 1, workflowRunId: 1001 },
      { kind: 'complete-stage', stage: 'build', conclusion: 'timed_out' },
      { kind: 'skip-stage', stage: 'test', reason: { code: 'stage.needs-failed', need: 'build', conclusion: 'timed_out' } },
      { kind: 'skip-stage', stage: 'scan', reason: { code: 'stage.needs-failed', need: 'build', conclusion: 'timed_out' } },
      { kind: 'skip-stage', stage: 'deploy', reason: { code: 'stage.needs-skipped', need: 'test' } },
      { kind: 'complete-run', conclusion: 'timed_out' },
    ]);
  });

  it('schedules a retry with backoff, waits for it, then re-runs the same workflow run', () => {
    const failed = attempt({ id: 1, stage: 'build', job: 'app', conclusion: 'failure', completedAt: minutes(10) });
    const stages = [{ stage: 'build', status: 'running' as const, conclusion: null }];
    expect(decide(input({ stages, attempts: [failed] }))).toEqual([
      { kind: 'schedule-retry', attemptId: 1, at: minutes(10) + 30_000 },
    ]);
    const scheduled = { ...failed, nextRetryAt: minutes(10) + 30_000 };
    expect(decide(input({ stages, attempts: [scheduled] }))).toEqual([]);
    expect(decide(input({ stages, attempts: [scheduled] }, { now: minutes(11) }))).toEqual([
      { kind: 'retry', previousAttemptId: 1, stage: 'build', job: 'app', attempt: 2, workflowRunId: 1001, timeoutMs: minutes(30) },
    ]);
  });

  it('does not retry beyond the configured retries, nor a job that never got a workflow run', () => {
    const stages = [{ stage: 'build', status: 'running' as const, conclusion: null }];
    const second = attempt({ id: 2, stage: 'build', job: 'app', attempt: 2, conclusion: 'failure' });
    expect(decide(input({ stages, attempts: [second] }))[0]).toEqual({ kind: 'complete-stage', stage: 'build', conclusion: 'failure' });
    const undispatched = attempt({ id: 3, stage: 'build', job: 'app', conclusion: 'failure', workflowRunId: null });
    expect(decide(input({ stages, attempts: [undispatched] }))[0]).toEqual({ kind: 'complete-stage', stage: 'build', conclusion: 'failure' });
  });

  it('cancels everything when the run is cancelled', () => {
    const decisions = decide(
      input({
        cancelRequested: true,
        stages: [{ stage: 'build', status: 'running', conclusion: null }],
        attempts: [attempt({ id: 1, stage: 'build', job: 'app', status: 'queued', conclusion: null })],
      }),
    );
    expect(decisions).toEqual([
      { kind: 'cancel-attempts', attemptIds: [1], reason: { code: 'cancel.requested' } },
      { kind: 'complete-stage', stage: 'build', conclusion: 'cancelled' },
      { kind: 'skip-stage', stage: 'test', reason: { code: 'stage.needs-failed', need: 'build', conclusion: 'cancelled' } },
      { kind: 'skip-stage', stage: 'scan', reason: { code: 'stage.needs-failed', need: 'build', conclusion: 'cancelled' } },
      { kind: 'skip-stage', stage: 'deploy', reason: { code: 'stage.needs-skipped', need: 'test' } },
      { kind: 'complete-run', conclusion: 'cancelled' },
    ]);
  });

  it('returns nothing for a completed run', () => {
    expect(decide(input({ status: 'completed' }))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { planCancel, planRerunFailed, type RerunAttempt, type RerunRun, type RerunStage } from '../../src/engine/rerun-plan.ts';
import { reason } from '../../src/engine/reasons.ts';

const run = (overrides: Partial<RerunRun> = {}): RerunRun => ({ id: 7, pipeline: 'ci', sha: 'abc1234', status: 'completed', conclusion: 'failure', fromFork: false, ...overrides });
const stages: RerunStage[] = [
  { id: 1, stage: 'build', status: 'completed', conclusion: 'success' },
  { id: 2, stage: 'test', status: 'completed', conclusion: 'failure' },
  { id: 3, stage: 'deploy', status: 'skipped', conclusion: null },
];
const attempts: RerunAttempt[] = [
  { stageRunId: 1, job: 'app', attempt: 1, conclusion: 'success', workflowRunId: 11 },
  { stageRunId: 2, job: 'unit', attempt: 1, conclusion: 'failure', workflowRunId: 21 },
  { stageRunId: 2, job: 'unit', attempt: 2, conclusion: 'failure', workflowRunId: 21 },
  { stageRunId: 2, job: 'lint', attempt: 1, conclusion: 'success', workflowRunId: 22 },
  { stageRunId: 2, job: 'e2e', attempt: 1, conclusion: 'failure', workflowRunId: null },
];

describe('planRerunFailed', () => {
  const cases: Array<{ name: string; run: RerunRun; facts: Parameters<typeof planRerunFailed>[3]; expected: ReturnType<typeof planRerunFailed> }> = [
    {
      name: 're-runs the latest attempt of each failed job only, reopens its stage and resets the skipped ones',
      run: run(),
      facts: { forkApproved: true },
      expected: {
        kind: 'rerun-failed',
        retry: [
          { stageRunId: 2, stage: 'test', job: 'unit', attempt: 3, workflowRunId: 21 },
          { stageRunId: 2, stage: 'test', job: 'e2e', attempt: 2, workflowRunId: null },
        ],
        reopenStages: [2],
        resetSkippedStages: [3],
      },
    },
    {
      name: 'only the named jobs when the user names some',
      run: run(),
      facts: { forkApproved: true, onlyJobs: ['test/e2e'] },
      expected: { kind: 'rerun-failed', retry: [{ stageRunId: 2, stage: 'test', job: 'e2e', attempt: 2, workflowRunId: null }], reopenStages: [2], resetSkippedStages: [3] },
    },
    { name: 'refuses a fork run nobody allowed', run: run({ fromFork: true }), facts: { forkApproved: false }, expected: { kind: 'refuse', reason: reason('refuse.fork-not-approved', { sha: 'abc1234' }) } },
    { name: 'refuses a run still going', run: run({ status: 'in_progress', conclusion: null }), facts: { forkApproved: true }, expected: { kind: 'refuse', reason: reason('refuse.run-still-going', { runId: 7, pipeline: 'ci' }) } },
    { name: 'refuses a run that succeeded', run: run({ conclusion: 'success' }), facts: { forkApproved: true }, expected: { kind: 'refuse', reason: reason('refuse.nothing-failed', { runId: 7, pipeline: 'ci' }) } },
    { name: 'refuses when the named jobs did not fail', run: run(), facts: { forkApproved: true, onlyJobs: ['lint'] }, expected: { kind: 'refuse', reason: reason('refuse.nothing-failed', { runId: 7, pipeline: 'ci' }) } },
  ];
  it.each(cases)('$name', ({ run: r, facts, expected }) => {
    expect(planRerunFailed(r, stages, attempts, facts)).toEqual(expected);
  });
});

describe('planCancel', () => {
  it('cancels a run that is going and refuses one that ended', () => {
    expect(planCancel({ id: 1, status: 'queued' })).toEqual({ kind: 'cancel' });
    expect(planCancel({ id: 1, status: 'in_progress' })).toEqual({ kind: 'cancel' });
    expect(planCancel({ id: 1, status: 'completed' })).toEqual({ kind: 'refuse', reason: reason('refuse.run-already-ended', { runId: 1 }) });
  });
});

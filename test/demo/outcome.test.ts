import { describe, expect, it } from 'vitest';
import { judgeDemo, type DemoObservations } from '../../src/demo/outcome.ts';

/** Observations of a story that went exactly as scripted. */
function asScripted(): DemoObservations {
  return {
    pipelineConclusion: 'success',
    stages: { build: 'success', test: 'success', scan: 'success', 'deploy-staging': 'success' },
    expectedStages: ['build', 'test', 'scan', 'deploy-staging'],
    checkRuns: { 'shipgate/ci': { status: 'completed', conclusion: 'success' }, shipgate: { status: 'completed', conclusion: 'success' } },
    pipelineCheck: 'shipgate/ci',
    dispatchedWorkflows: ['build.yml', 'scan.yml', 'test.yml', 'deploy.yml'],
    violations: [],
  };
}

describe('judgeDemo', () => {
  it('accepts the scripted story, with test and scan dispatched in either order', () => {
    expect(judgeDemo(asScripted())).toEqual({ ok: true });
    expect(judgeDemo({ ...asScripted(), dispatchedWorkflows: ['build.yml', 'test.yml', 'scan.yml', 'deploy.yml'] })).toEqual({ ok: true });
  });

  it.each([
    { change: { pipelineConclusion: 'failure' }, problem: 'the pipeline run concluded failure, expected success' },
    { change: { pipelineConclusion: undefined }, problem: 'the pipeline run did not complete' },
    { change: { stages: { build: 'success', test: 'failure', scan: 'success', 'deploy-staging': 'success' } }, problem: 'stage test ended failure, expected success' },
    { change: { stages: { build: 'success', test: 'success', scan: 'success', 'deploy-staging': 'skipped: branch' } }, problem: 'stage deploy-staging ended skipped: branch, expected success' },
    { change: { checkRuns: { 'shipgate/ci': { status: 'completed', conclusion: 'success' } } }, problem: 'the app did not write the check run shipgate' },
    { change: { checkRuns: { 'shipgate/ci': { status: 'in_progress', conclusion: null }, shipgate: { status: 'completed', conclusion: 'success' } } }, problem: 'check run shipgate/ci is still in_progress' },
    { change: { dispatchedWorkflows: ['build.yml', 'test.yml', 'deploy.yml', 'scan.yml'] }, problem: 'dispatches were build.yml, then deploy.yml + test.yml, then scan.yml, expected build.yml, then scan.yml + test.yml, then deploy.yml' },
    { change: { dispatchedWorkflows: ['build.yml', 'build.yml', 'scan.yml', 'test.yml', 'deploy.yml'] }, problem: 'dispatches were build.yml, then build.yml + scan.yml, then test.yml, then deploy.yml, expected build.yml, then scan.yml + test.yml, then deploy.yml' },
    { change: { violations: ['POST /x → 404 not found'] }, problem: 'the simulator refused 1 request(s) as GitHub would: POST /x → 404 not found' },
    { change: { unfinished: 'the story did not end within 42 s' }, problem: 'the story did not end within 42 s' },
  ] satisfies Array<{ change: Partial<DemoObservations>; problem: string }>)('names what went wrong: $problem', ({ change, problem }) => {
    const outcome = judgeDemo({ ...asScripted(), ...change });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? [] : outcome.problems).toContain(problem);
  });

  it('says only that it was interrupted when the user stopped the story', () => {
    expect(judgeDemo({ ...asScripted(), pipelineConclusion: undefined, interrupted: true })).toEqual({ ok: false, problems: ['interrupted before the story ended'] });
  });
});

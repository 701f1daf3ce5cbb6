import { describe, expect, it } from 'vitest';
import { describeEngineEvent, formatElapsed, formatTimelineLine, timelineJson, type WorkflowRunFacts } from '../../src/demo/timeline.ts';

const BUILD_RUN: WorkflowRunFacts = {
  id: 7,
  workflow: 'build.yml',
  url: 'http://127.0.0.1:1/api/v3/repos/acme/shop/actions/runs/7',
  ref: 'main',
  inputs: { target: 'web', shipgate_run: 'sg-1-build-app-1-abcdef', sha: 'f'.repeat(40) },
  durationMs: 2_650,
};

describe('describeEngineEvent', () => {
  it('shows a dispatch with its workflow, ref, configured inputs and run URL', () => {
    expect(describeEngineEvent({ kind: 'job-dispatched', runId: 1, pipeline: 'ci', stage: 'build', job: 'app', attempt: 1, workflowRunId: 7 }, BUILD_RUN)).toEqual({
      kind: 'dispatch',
      text: 'build/app → build.yml (ref main, target=web) → http://127.0.0.1:1/api/v3/repos/acme/shop/actions/runs/7',
    });
    expect(describeEngineEvent({ kind: 'job-dispatched', runId: 1, pipeline: 'ci', stage: 'build', job: 'app', attempt: 2, workflowRunId: null })?.text).toBe(
      'build/app (attempt 2) dispatched (GitHub did not return the run id)',
    );
  });

  it('shows a finished job with its run and how long it took', () => {
    expect(describeEngineEvent({ kind: 'job-completed', runId: 1, pipeline: 'ci', stage: 'build', job: 'app', attempt: 1, conclusion: 'success' }, BUILD_RUN)?.text).toBe(
      'build/app finished: success (run 7 took 2.6s)',
    );
    expect(describeEngineEvent({ kind: 'job-completed', runId: 1, pipeline: 'ci', stage: 'test', job: 'unit', attempt: 1, conclusion: 'failure' })?.text).toBe(
      'test/unit finished: failure',
    );
  });

  it.each([
    [{ kind: 'run-created', runId: 3, pipeline: 'ci', repo: 'acme/shop', sha: 'abcdef0123', trigger: 'push' }, 'run', 'pipeline ci run #3 created for acme/shop@abcdef0 (push)'],
    [{ kind: 'stage-started', runId: 3, pipeline: 'ci', stage: 'test' }, 'stage', 'test started'],
    [{ kind: 'stage-skipped', runId: 3, pipeline: 'ci', stage: 'deploy-staging', reason: "if: shipgate.branch == 'main' is false" }, 'stage', "deploy-staging skipped: if: shipgate.branch == 'main' is false"],
    [{ kind: 'stage-completed', runId: 3, pipeline: 'ci', stage: 'test', conclusion: 'success' }, 'stage', 'test done: success'],
    [{ kind: 'gate-evaluated', runId: 3, pipeline: 'ci', gate: 'tests', result: 'fail' }, 'gate', 'tests: fail'],
    [{ kind: 'run-completed', runId: 3, pipeline: 'ci', conclusion: 'success' }, 'run', 'pipeline ci run #3 completed: success'],
    [{ kind: 'config-invalid', repo: 'acme/shop', sha: 'abcdef0123', errors: 2 }, 'config', '.github/shipgate.yml of acme/shop@abcdef0 is invalid (2 errors)'],
  ] as const)('describes %o', (event, kind, text) => {
    expect(describeEngineEvent(event)).toEqual({ kind, text });
  });
});

describe('timeline lines', () => {
  it('prints elapsed time, label and text in columns', () => {
    expect(formatElapsed(1_234)).toBe('1.2s');
    expect(formatElapsed(65_000)).toBe('1m05s');
    expect(formatTimelineLine({ elapsedMs: 1_234, kind: 'stage', text: 'build started', data: {} })).toBe('   +1.2s  stage     build started');
    expect(formatTimelineLine({ elapsedMs: 12_345, kind: 'dispatch', text: 'x', data: {} })).toBe('  +12.3s  dispatch  x');
  });

  it('prints one JSON object per entry for --json', () => {
    expect(JSON.parse(timelineJson({ elapsedMs: 1_234.6, kind: 'stage', text: 'build started', data: { stage: 'build' } }))).toEqual({
      type: 'timeline',
      elapsedMs: 1_235,
      kind: 'stage',
      text: 'build started',
      data: { stage: 'build' },
    });
  });
});

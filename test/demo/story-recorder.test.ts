import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import type { AttemptRef } from '../../src/demo/external-runs.ts';
import { createStoryRecorder } from '../../src/demo/story-recorder.ts';
import type { ExternalRunFacts, TimelineEntry } from '../../src/demo/timeline.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';

/** The build the look-up finds for attempt `n` of verify/legacy. */
function buildOf(ref: AttemptRef): ExternalRunFacts {
  const finished = ref.attempt === 1;
  return {
    provider: 'jenkins',
    target: 'platform/legacy-tests',
    run: `build #${ref.attempt}`,
    url: `http://jenkins.test/job/platform/job/legacy-tests/${ref.attempt}/`,
    ref: undefined,
    values: { SUITE: 'regression' },
    result: finished ? 'UNSTABLE' : undefined,
    durationMs: finished ? 3_000 : undefined,
  };
}

describe('the story recorder with jobs on other providers', () => {
  let sim: GitHubSimulator;
  const clock = new ManualClock();
  beforeAll(async () => {
    sim = await startGitHubSimulator({ clock });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('describes a job on Jenkins by its build, found for the attempt the event names, and records what the provider simulators saw', () => {
    const entries: TimelineEntry[] = [];
    const asked: Array<AttemptRef & { provider: string }> = [];
    const story = createStoryRecorder({
      sim,
      clock,
      onEntry: (entry) => entries.push(entry),
      externalRunOf: (ref) => {
        asked.push(ref);
        return buildOf(ref);
      },
    });
    story.start();
    const job = { runId: 1, pipeline: 'ci', stage: 'verify', job: 'legacy' } as const;
    story.onEngineEvent({ kind: 'job-dispatched', ...job, attempt: 1, workflowRunId: null, provider: 'jenkins', url: null });
    clock.advance(3_000);
    story.onEngineEvent({ kind: 'job-completed', ...job, attempt: 1, conclusion: 'failure' });
    // An Actions job is not looked up on the providers.
    story.onEngineEvent({ kind: 'job-completed', runId: 1, pipeline: 'ci', stage: 'build', job: 'app', attempt: 1, conclusion: 'success' });
    story.onProviderChange({ kind: 'jenkins-notification', job: 'platform/legacy-tests', number: 1, phase: 'COMPLETED', status: 202, error: undefined });
    expect(asked).toEqual([
      { runId: 1, stage: 'verify', job: 'legacy', attempt: 1, provider: 'jenkins' },
      { runId: 1, stage: 'verify', job: 'legacy', attempt: 1, provider: 'jenkins' },
    ]);
    expect(entries.map((e) => [e.elapsedMs, e.kind, e.text])).toEqual([
      [0, 'dispatch', 'verify/legacy → Jenkins platform/legacy-tests (SUITE=regression) → build #1 → http://jenkins.test/job/platform/job/legacy-tests/1/'],
      [3_000, 'job', 'verify/legacy finished: failure (Jenkins build #1: UNSTABLE after 3.0s)'],
      [3_000, 'job', 'build/app finished: success'],
      [3_000, 'webhook', 'Jenkins notification COMPLETED of platform/legacy-tests #1 delivered to the app, answered HTTP 202'],
    ]);
    expect(entries[0]?.data).toMatchObject({ externalRun: { run: 'build #1' } });
  });

  it('is settled with effects still in the outbox only when told to leave the outbox out', () => {
    const story = createStoryRecorder({ sim, clock, onEntry: () => {} });
    story.start();
    story.onDeploymentChange({ kind: 'outbox', pending: 1 });
    expect(story.isSettled()).toBe(false);
    expect(story.isSettled({ outbox: false })).toBe(true);
    // Not when a run is still going, outbox or not.
    story.onEngineEvent({ kind: 'run-created', runId: 2, pipeline: 'ci', repo: 'acme/shop', sha: 'a'.repeat(40), trigger: 'push' });
    expect(story.isSettled({ outbox: false })).toBe(false);
    story.onEngineEvent({ kind: 'run-completed', runId: 2, pipeline: 'ci', conclusion: 'success' });
    story.onDeploymentChange({ kind: 'outbox', pending: 0 });
    expect(story.isSettled()).toBe(true);
  });
});

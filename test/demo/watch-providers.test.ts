import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { externalRunLookup } from '../../src/demo/external-runs.ts';
import { watchProviders, type ProviderChange, type ProviderWatch } from '../../src/demo/watch-providers.ts';
import { GitLabClient } from '../../src/providers/gitlab/client.ts';
import { JenkinsClient } from '../../src/providers/jenkins/client.ts';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/sim/gitlab.ts';
import { startJenkinsSimulator, type JenkinsSimulator } from '../../src/sim/jenkins.ts';

const JOB = 'platform/legacy-tests';
const PROJECT = 'acme/mobile';
const FIRST = 'sg-1-verify-legacy-1-0123456789abcdef';

describe('watchProviders and the look-up of an attempt’s build or pipeline', () => {
  let clock: ManualClock;
  let jenkins: JenkinsSimulator;
  let gitlab: GitLabSimulator;
  let watch: ProviderWatch | undefined;
  let changes: ProviderChange[];

  beforeEach(async () => {
    clock = new ManualClock();
    jenkins = await startJenkinsSimulator({ clock });
    gitlab = await startGitLabSimulator({ clock });
    jenkins.job(JOB, { parameters: ['SHIPGATE_RUN', 'SUITE'] });
    jenkins.script(JOB, [
      { result: 'UNSTABLE', queueMs: 1_000, durationMs: 3_000, artifacts: { 'reports/junit.xml': '<testsuite/>' } },
      { result: 'SUCCESS', queueMs: 1_000, durationMs: 3_000 },
    ]);
    gitlab.project({ path: PROJECT, jobs: [{ name: 'assemble', stage: 'build' }] });
    gitlab.script(PROJECT, [{ status: 'success', queueMs: 500, durationMs: 2_000 }]);
    changes = [];
    watch = watchProviders({ jenkins, gitlab, jenkinsJobs: [JOB], gitlabProjects: [PROJECT], clock, onChange: (change) => changes.push(change) });
  });

  afterEach(async () => {
    watch?.stop();
    await jenkins.close();
    await gitlab.close();
  });

  it('reports a Jenkins build once it left the queue and once it finished, with the attempt its correlation id names, and finds it for the attempt', async () => {
    const lookup = externalRunLookup({ jenkins, gitlab, jenkinsJobs: [JOB], gitlabProjects: [PROJECT] });
    const client = new JenkinsClient(jenkins.settings);
    await client.trigger(JOB, { SHIPGATE_RUN: FIRST, SUITE: 'regression' });
    watch?.poll();
    expect(changes).toEqual([]);
    // Before it leaves the queue, the attempt's job is the queue item.
    expect(lookup({ runId: 1, stage: 'verify', job: 'legacy', attempt: 1, provider: 'jenkins' })).toMatchObject({ run: 'queue item 1', url: `${jenkins.url}/queue/item/1/`, values: { SUITE: 'regression' } });

    clock.advance(1_000);
    watch?.poll();
    expect(changes).toEqual([{ kind: 'jenkins-build', job: JOB, number: 1, building: true, result: null, url: `${jenkins.url}/job/platform/job/legacy-tests/1/`, attempt: 1, durationMs: 0, artifacts: [] }]);
    clock.advance(3_000);
    watch?.poll();
    watch?.poll();
    expect(changes.slice(1)).toEqual([{ kind: 'jenkins-build', job: JOB, number: 1, building: false, result: 'UNSTABLE', url: `${jenkins.url}/job/platform/job/legacy-tests/1/`, attempt: 1, durationMs: 3_000, artifacts: ['reports/junit.xml'] }]);
    expect(lookup({ runId: 1, stage: 'verify', job: 'legacy', attempt: 1, provider: 'jenkins' })).toMatchObject({ run: 'build #1', result: 'UNSTABLE', durationMs: 3_000 });

    // The retry keeps the first id with `.r2`: its build is attempt 2's, not attempt 1's.
    await client.trigger(JOB, { SHIPGATE_RUN: `${FIRST}.r2`, SUITE: 'regression' });
    clock.advance(4_000);
    watch?.poll();
    expect(changes.slice(2).map((c) => (c.kind === 'jenkins-build' ? [c.number, c.building, c.result, c.attempt] : c.kind))).toEqual([[2, true, null, 2], [2, false, 'SUCCESS', 2]]);
    expect(lookup({ runId: 1, stage: 'verify', job: 'legacy', attempt: 2, provider: 'jenkins' })).toMatchObject({ run: 'build #2', result: 'SUCCESS' });
    expect(lookup({ runId: 1, stage: 'verify', job: 'legacy', attempt: 3, provider: 'jenkins' })).toBeUndefined();
  });

  it('reports each status of a GitLab pipeline and its hooks (not sent without a hook URL)', async () => {
    const lookup = externalRunLookup({ jenkins, gitlab, jenkinsJobs: [JOB], gitlabProjects: [PROJECT] });
    const pipeline = await new GitLabClient(gitlab.settings).createPipeline(PROJECT, 'main', { SHIPGATE_RUN: 'sg-1-verify-mobile-1-0123456789abcdef', FLAVOR: 'release' });
    clock.advance(500);
    clock.advance(2_000);
    await gitlab.drainHooks();
    watch?.poll();
    // The watch polls every 50 ms as the clock moves: each status once, in order.
    const seen = changes.filter((c) => c.kind === 'gitlab-pipeline');
    expect(seen.map((c) => c.status)).toEqual(['pending', 'running', 'success']);
    expect(seen.at(-1)).toMatchObject({ pipelineId: pipeline.id, attempt: 1, durationMs: 2_000, url: `${gitlab.url}/${PROJECT}/-/pipelines/${pipeline.id}` });
    expect(seen[0]).toMatchObject({ durationMs: undefined });
    const hooks = changes.filter((c) => c.kind === 'gitlab-hook');
    expect(hooks.length).toBeGreaterThan(0);
    expect(hooks.every((h) => h.kind === 'gitlab-hook' && h.dropped && h.project === PROJECT)).toBe(true);
    expect(lookup({ runId: 1, stage: 'verify', job: 'mobile', attempt: 1, provider: 'gitlab' })).toMatchObject({ run: `pipeline ${pipeline.id}`, ref: 'main', values: { FLAVOR: 'release' }, result: 'success' });
    expect(lookup({ runId: 1, stage: 'verify', job: 'mobile', attempt: 1, provider: 'webhook' })).toBeUndefined();
  });

  it('polls on its own until stopped', async () => {
    await new JenkinsClient(jenkins.settings).trigger(JOB, { SHIPGATE_RUN: FIRST, SUITE: 'regression' });
    watch?.stop();
    changes = [];
    watch = watchProviders({ jenkins, gitlab, jenkinsJobs: [JOB], gitlabProjects: [PROJECT], clock, intervalMs: 100, onChange: (change) => changes.push(change) });
    clock.advance(1_100);
    expect(changes.map((c) => c.kind)).toEqual(['jenkins-build']);
    watch.stop();
    clock.advance(10_000);
    expect(changes.map((c) => c.kind)).toEqual(['jenkins-build']);
  });
});

import { describe, expect, it } from 'vitest';
import { attemptOfCorrelation, correlates, gitlabFacts, jenkinsBuildUrl, jenkinsFacts, parseCorrelation } from '../../src/demo/external-runs.ts';
import { countProviderRequests, formatProviderRequests } from '../../src/demo/providers-summary.ts';
import { describeEngineEvent, describeProviderChange, type ExternalRunFacts } from '../../src/demo/timeline.ts';
import type { ProviderChange } from '../../src/demo/watch-providers.ts';

const BASE = 'http://127.0.0.1:8080';

const QUEUED: ExternalRunFacts = jenkinsFacts(BASE, 'platform/legacy-tests', {
  item: { id: 4, job: 'platform/legacy-tests', parameters: { SHIPGATE_RUN: 'sg-1-verify-legacy-1-0123456789abcdef', SHIPGATE_SHA: 'f'.repeat(40), SUITE: 'regression' }, state: 'waiting', cancelled: false, build: undefined, inQueueSince: 0, leftAt: undefined },
});

const BUILT: ExternalRunFacts = jenkinsFacts(BASE, 'platform/legacy-tests', {
  build: { job: 'platform/legacy-tests', number: 1, queueId: 4, building: false, result: 'UNSTABLE', parameters: { SHIPGATE_RUN: 'sg-1-verify-legacy-1-0123456789abcdef', SUITE: 'regression' }, startedAt: 0, durationMs: 3_000, artifacts: ['reports/junit.xml'] },
});

const PIPELINE: ExternalRunFacts = gitlabFacts('acme/mobile', {
  id: 5001,
  iid: 1,
  projectId: 100,
  ref: 'main',
  sha: 'a'.repeat(40),
  source: 'api',
  status: 'success',
  variables: { SHIPGATE_RUN: 'sg-1-verify-mobile-1-0123456789abcdef', SHIPGATE_SHA: 'a'.repeat(40), FLAVOR: 'release' },
  createdAt: 0,
  updatedAt: 3_500,
  startedAt: 200,
  finishedAt: 3_500,
  webUrl: `${BASE}/acme/mobile/-/pipelines/5001`,
  retries: 0,
  jobs: [],
});

const dispatched = { kind: 'job-dispatched', runId: 1, pipeline: 'ci', stage: 'verify', job: 'legacy', attempt: 1, workflowRunId: null, provider: 'jenkins', url: null } as const;

describe('the timeline of jobs on Jenkins and GitLab', () => {
  it('shows a Jenkins dispatch with its job, the parameters the config set, the queue item and its page', () => {
    expect(describeEngineEvent(dispatched, undefined, QUEUED)).toEqual({
      kind: 'dispatch',
      text: `verify/legacy → Jenkins platform/legacy-tests (SUITE=regression) → queue item 4 → ${BASE}/queue/item/4/`,
    });
    expect(describeEngineEvent({ ...dispatched, attempt: 2 }, undefined, QUEUED)?.text).toMatch(/^verify\/legacy \(attempt 2\) → Jenkins /);
  });

  it('shows a GitLab dispatch with its project, ref, variables and the pipeline shipgate recorded', () => {
    const event = { ...dispatched, job: 'mobile', provider: 'gitlab', url: `${BASE}/acme/mobile/-/pipelines/5001` } as const;
    expect(describeEngineEvent(event, undefined, PIPELINE)?.text).toBe(`verify/mobile → GitLab CI acme/mobile (ref main, FLAVOR=release) → pipeline 5001 → ${BASE}/acme/mobile/-/pipelines/5001`);
  });

  it('still names the provider and its URL when the simulator holds nothing (yet)', () => {
    expect(describeEngineEvent({ ...dispatched, url: 'http://jenkins.example/queue/item/9/' })?.text).toBe('verify/legacy → Jenkins → http://jenkins.example/queue/item/9/');
    expect(describeEngineEvent({ ...dispatched, provider: 'webhook' })?.text).toBe('verify/legacy → the webhook job receiver');
  });

  it('keeps an Actions dispatch as it was (the default story does not change)', () => {
    expect(describeEngineEvent({ ...dispatched, stage: 'build', job: 'app', provider: 'actions', workflowRunId: null })?.text).toBe('build/app dispatched (GitHub did not return the run id)');
  });

  it('shows how a job ended on its provider', () => {
    const completed = { kind: 'job-completed', runId: 1, pipeline: 'ci', stage: 'verify', job: 'legacy', attempt: 1, conclusion: 'failure' } as const;
    expect(describeEngineEvent(completed, undefined, BUILT)?.text).toBe('verify/legacy finished: failure (Jenkins build #1: UNSTABLE after 3.0s)');
    expect(describeEngineEvent({ ...completed, job: 'mobile', conclusion: 'success' }, undefined, PIPELINE)?.text).toBe('verify/mobile finished: success (GitLab CI pipeline 5001: success after 3.3s)');
  });

  it.each<[ProviderChange, string, string]>([
    [
      { kind: 'jenkins-build', job: 'platform/legacy-tests', number: 2, building: true, result: null, url: jenkinsBuildUrl(BASE, 'platform/legacy-tests', 2), attempt: 2, durationMs: 0, artifacts: [] },
      'jenkins',
      `platform/legacy-tests #2 started (attempt 2) → ${BASE}/job/platform/job/legacy-tests/2/`,
    ],
    [
      { kind: 'jenkins-build', job: 'platform/legacy-tests', number: 1, building: false, result: 'UNSTABLE', url: '', attempt: 1, durationMs: 3_000, artifacts: ['reports/junit.xml'] },
      'jenkins',
      'platform/legacy-tests #1 finished: UNSTABLE after 3.0s, archived reports/junit.xml',
    ],
    [
      { kind: 'jenkins-notification', job: 'platform/legacy-tests', number: 1, phase: 'COMPLETED', status: 202, error: undefined },
      'webhook',
      'Jenkins notification COMPLETED of platform/legacy-tests #1 delivered to the app, answered HTTP 202',
    ],
    [
      { kind: 'jenkins-notification', job: 'platform/legacy-tests', number: 1, phase: 'STARTED', status: undefined, error: 'ECONNREFUSED' },
      'webhook',
      'Jenkins notification STARTED of platform/legacy-tests #1 delivered to the app, failed: ECONNREFUSED',
    ],
    [{ kind: 'gitlab-pipeline', project: 'acme/mobile', pipelineId: 5001, status: 'running', url: '', attempt: 1, durationMs: undefined }, 'gitlab', 'acme/mobile pipeline 5001 running'],
    [{ kind: 'gitlab-pipeline', project: 'acme/mobile', pipelineId: 5001, status: 'success', url: '', attempt: 1, durationMs: 3_300 }, 'gitlab', 'acme/mobile pipeline 5001 success after 3.3s'],
    [
      { kind: 'gitlab-hook', project: 'acme/mobile', pipelineId: 5001, status: 'success', response: 200, error: undefined, dropped: false },
      'webhook',
      'GitLab pipeline hook (success) of acme/mobile pipeline 5001 delivered to the app, answered HTTP 200',
    ],
    [{ kind: 'gitlab-hook', project: undefined, pipelineId: 7, status: 'pending', response: undefined, error: undefined, dropped: true }, 'webhook', 'GitLab pipeline hook (pending) of project ? pipeline 7 not sent'],
  ])('describes %o', (change, kind, text) => {
    expect(describeProviderChange(change)).toEqual({ kind, text });
  });
});

describe('correlation ids', () => {
  it('reads the attempt of a new attempt and of a retry that kept the previous id', () => {
    expect(parseCorrelation('sg-12-deploy-staging-deploy-1-0123456789abcdef')).toEqual({ runId: 12, stageJob: 'deploy-staging-deploy', attempt: 1 });
    expect(attemptOfCorrelation('sg-1-verify-legacy-1-0123456789abcdef.r2')).toBe(2);
    expect(attemptOfCorrelation('sg-1-verify-legacy-1-0123456789abcdef.r2.r3')).toBe(3);
    expect(attemptOfCorrelation('sg-1-verify-job-2-3-0123456789abcdef')).toBe(3);
  });

  it.each([undefined, '', 'sg-1-verify-legacy-1', 'sg-x-verify-legacy-1-0123456789abcdef', 'sg-1-verify-legacy-1-0123456789ABCDEF', 'xsg-1-verify-legacy-1-0123456789abcdef'])('reads nothing from %j', (id) => {
    expect(parseCorrelation(id)).toBeUndefined();
  });

  it('matches an id to its attempt only', () => {
    const ref = { runId: 1, stage: 'verify', job: 'legacy', attempt: 2 };
    expect(correlates('sg-1-verify-legacy-1-0123456789abcdef.r2', ref)).toBe(true);
    expect(correlates('sg-1-verify-legacy-2-0123456789abcdef', ref)).toBe(true);
    expect(correlates('sg-1-verify-legacy-1-0123456789abcdef', ref)).toBe(false);
    expect(correlates('sg-2-verify-legacy-2-0123456789abcdef', ref)).toBe(false);
    expect(correlates('sg-1-verify-mobile-2-0123456789abcdef', ref)).toBe(false);
  });
});

describe('the providers’ request counts', () => {
  it('counts each route, the writes and the errors, most served first', () => {
    const counts = countProviderRequests('Jenkins', BASE, [
      { method: 'GET', path: '/job/platform/job/legacy-tests/1/api/json', route: 'GET /job/{job}/{number}/api/json', status: 200 },
      { method: 'POST', path: '/job/platform/job/legacy-tests/buildWithParameters', route: 'POST /job/{job}/buildWithParameters', status: 201 },
      { method: 'GET', path: '/job/platform/job/legacy-tests/2/api/json', route: 'GET /job/{job}/{number}/api/json', status: 200 },
      { method: 'GET', path: '/nope', route: undefined, status: 404 },
    ]);
    expect(counts).toMatchObject({ total: 4, writes: 1, failed: 1 });
    expect(formatProviderRequests([counts])).toEqual([
      `Jenkins requests served to the app (${BASE}): 4 (1 write, 1 answered with an error)`,
      '  2  GET /job/{job}/{number}/api/json',
      '  1  GET /nope (unknown route)',
      '  1  POST /job/{job}/buildWithParameters',
    ]);
  });

  it('says so when a provider served nothing', () => {
    expect(formatProviderRequests([countProviderRequests('GitLab CI', BASE, [])])).toEqual([`GitLab CI requests served to the app (${BASE}): 0 (0 writes)`]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  artifactUrlPath,
  jobFromUrl,
  jobUrlPath,
  mapJenkinsResult,
  parseBuild,
  parseBuildList,
  parseCrumb,
  parseJenkinsNotification,
  parseJobParameters,
  parseQueue,
  parseQueueItem,
  queueIdFromLocation,
} from '../../src/providers/jenkins/jenkins-data.ts';

describe('mapJenkinsResult', () => {
  it.each([
    ['SUCCESS', 'success', 'SUCCESS'],
    ['UNSTABLE', 'failure', 'Jenkins marked the build UNSTABLE (tests failed)'],
    ['FAILURE', 'failure', 'FAILURE'],
    ['NOT_BUILT', 'failure', 'NOT_BUILT'],
    ['ABORTED', 'cancelled', 'ABORTED'],
    ['CYCLE_DETECTED', 'failure', '"CYCLE_DETECTED"'],
  ] as const)('%s → %s', (result, conclusion, detail) => {
    const mapped = mapJenkinsResult(result);
    expect(mapped.conclusion).toBe(conclusion);
    expect(mapped.detail).toContain(detail);
  });

  it('names an unknown result as unknown', () => {
    expect(mapJenkinsResult('weird').detail).toMatch(/does not know \("weird"\): counted as a failure/);
  });
});

describe('jobUrlPath', () => {
  it.each([
    ['deploy', '/job/deploy'],
    ['team/deploy', '/job/team/job/deploy'],
    ['a/b/c', '/job/a/job/b/job/c'],
    ['my job', '/job/my%20job'],
    ['café?#', '/job/caf%C3%A9%3F%23'],
  ])('%s → %s', (job, path) => {
    expect(jobUrlPath(job)).toEqual({ ok: true, value: path });
  });

  it.each([
    ['', 'empty name'],
    ['a//b', 'empty name'],
    ['/a', 'empty name'],
    ['a/', 'empty name'],
    ['..', "contains '..'"],
    ['a/../admin', "contains '..'"],
    ['a/./b', "contains '.'"],
  ])('refuses %j (%s)', (job, problem) => {
    const result = jobUrlPath(job);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain(problem);
      expect(result.error).toContain('jenkins.job');
    }
  });
});

describe('artifactUrlPath', () => {
  it('encodes each segment and keeps the slashes', () => {
    expect(artifactUrlPath('reports/unit tests/junit#1.xml')).toEqual({ ok: true, value: 'reports/unit%20tests/junit%231.xml' });
  });

  it.each(['', '../secret', 'a//b', 'a/.'])('refuses %j', (path) => {
    expect(artifactUrlPath(path).ok).toBe(false);
  });
});

describe('jobFromUrl', () => {
  it.each([
    ['job/deploy/', 'deploy'],
    ['job/a/job/b/', 'a/b'],
    ['job/a/job/b/12/', 'a/b'],
    ['http://ci.example.com/jenkins/job/a/job/my%20job/12/', 'a/my job'],
    ['https://ci.example.com/job/x/', 'x'],
  ])('%s → %s', (url, job) => {
    expect(jobFromUrl(url)).toBe(job);
  });

  it.each(['', 'http://ci.example.com/', 'queue/item/3/', 'job/'])('finds no job in %j', (url) => {
    expect(jobFromUrl(url)).toBeUndefined();
  });
});

describe('queueIdFromLocation', () => {
  it.each([
    ['http://ci:8080/queue/item/42/', 42],
    ['https://ci.example.com/jenkins/queue/item/7', 7],
  ])('%s → %d', (location, id) => {
    expect(queueIdFromLocation(location)).toBe(id);
  });

  it.each([null, '', 'http://ci/job/deploy/', 'http://ci/queue/item/0/', 'http://ci/queue/item/x/'])('no id in %j', (location) => {
    expect(queueIdFromLocation(location)).toBeUndefined();
  });
});

describe('answers', () => {
  it('reads a crumb, and refuses an answer without one', () => {
    expect(parseCrumb({ _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: 'abc', crumbRequestField: 'Jenkins-Crumb' })).toEqual({
      ok: true,
      value: { field: 'Jenkins-Crumb', value: 'abc' },
    });
    expect(parseCrumb({ crumbRequestField: 'Jenkins-Crumb' })).toEqual({ ok: false, error: expect.stringContaining('crumb') });
  });

  it('reads declared parameter names across properties, and tells a folder', () => {
    const job = {
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      property: [{}, { _class: 'hudson.model.ParametersDefinitionProperty', parameterDefinitions: [{ name: 'SHIPGATE_RUN' }, { name: 'SHA' }] }],
    };
    expect(parseJobParameters(job)).toEqual({ ok: true, value: { names: ['SHIPGATE_RUN', 'SHA'], folder: false } });
    expect(parseJobParameters({ _class: 'hudson.model.FreeStyleProject', property: [] })).toEqual({ ok: true, value: { names: [], folder: false } });
    expect(parseJobParameters({ _class: 'com.cloudbees.hudson.plugins.folder.Folder' })).toEqual({ ok: true, value: { names: [], folder: true } });
    expect(parseJobParameters({ property: [{ parameterDefinitions: [{ nom: 'x' }] }] }).ok).toBe(false);
  });

  it('reads each queue item state', () => {
    expect(parseQueueItem({ _class: 'hudson.model.Queue$WaitingItem', id: 3, why: 'Waiting for next available executor' })).toEqual({
      ok: true,
      value: { state: 'waiting', why: 'Waiting for next available executor' },
    });
    expect(parseQueueItem({ id: 3, cancelled: true, executable: null })).toEqual({ ok: true, value: { state: 'cancelled' } });
    expect(parseQueueItem({ id: 3, cancelled: false, executable: { number: 12, url: 'http://ci/job/x/12/' } })).toEqual({
      ok: true,
      value: { state: 'started', build: 12, url: 'http://ci/job/x/12/' },
    });
    // Left the queue, the executor has not created the build yet.
    expect(parseQueueItem({ id: 3, cancelled: false, executable: null, why: null })).toEqual({ ok: true, value: { state: 'waiting', why: null } });
    expect(parseQueueItem({ id: 'three' })).toEqual({ ok: false, error: expect.stringContaining('id') });
  });

  it('reads a build, with parameters of every type and empty actions', () => {
    const parsed = parseBuild({
      _class: 'hudson.model.FreeStyleBuild',
      number: 12,
      url: 'http://ci/job/x/12/',
      building: false,
      result: 'UNSTABLE',
      timestamp: 1_767_225_600_000,
      duration: 4200,
      artifacts: [{ displayPath: 'junit.xml', fileName: 'junit.xml', relativePath: 'reports/junit.xml' }],
      actions: [
        { _class: 'hudson.model.ParametersAction', parameters: [{ name: 'SHIPGATE_RUN', value: 'r1' }, { name: 'DRY', value: true }, { name: 'N', value: 3 }, { name: 'SECRET' }] },
        {},
        null,
        { _class: 'hudson.model.CauseAction' },
      ],
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        number: 12,
        url: 'http://ci/job/x/12/',
        building: false,
        result: 'UNSTABLE',
        startedAt: 1_767_225_600_000,
        durationMs: 4200,
        artifacts: [{ fileName: 'junit.xml', relativePath: 'reports/junit.xml' }],
        parameters: { SHIPGATE_RUN: 'r1', DRY: 'true', N: '3' },
      },
    });
    expect(parseBuild({ number: 1, url: 'u', building: true, result: null })).toMatchObject({ ok: true, value: { result: null, startedAt: null, durationMs: 0, artifacts: [], parameters: {} } });
    expect(parseBuild({ number: 1, url: 'u' })).toEqual({ ok: false, error: expect.stringContaining('building') });
  });

  it('reads the queue (job from the task URL) and a build list', () => {
    const queue = parseQueue({
      items: [
        { id: 5, task: { name: 'b', url: 'http://ci/job/a/job/b/' }, actions: [{ parameters: [{ name: 'SHIPGATE_RUN', value: 'r1' }] }] },
        { id: 6, task: { name: 'solo' }, actions: [{}] },
      ],
    });
    expect(queue).toEqual({
      ok: true,
      value: [
        { id: 5, job: 'a/b', parameters: { SHIPGATE_RUN: 'r1' } },
        { id: 6, job: 'solo', parameters: {} },
      ],
    });
    expect(parseQueue({}).ok).toBe(false);
    expect(parseBuildList({ builds: [{ number: 2, url: 'u2', actions: [{ parameters: [{ name: 'SHIPGATE_RUN', value: 'r2' }] }] }] })).toEqual({
      ok: true,
      value: [{ number: 2, url: 'u2', parameters: { SHIPGATE_RUN: 'r2' } }],
    });
    expect(parseBuildList({ builds: [{ number: 'two' }] }).ok).toBe(false);
  });
});

describe('parseJenkinsNotification', () => {
  const post = {
    name: 'prod',
    display_name: 'prod',
    url: 'job/deploy/job/prod/',
    build: {
      full_url: 'http://ci/job/deploy/job/prod/12/',
      number: 12,
      queue_id: 40,
      phase: 'COMPLETED',
      status: 'SUCCESS',
      url: 'job/deploy/job/prod/12/',
      scm: {},
      parameters: { SHIPGATE_RUN: 'r1', DRY: false },
      artifacts: {},
    },
  };

  it('takes the job with its folders from url, not the short name', () => {
    expect(parseJenkinsNotification(post)).toEqual({ ok: true, job: 'deploy/prod', number: 12, phase: 'COMPLETED', parameters: { SHIPGATE_RUN: 'r1', DRY: 'false' } });
  });

  it('falls back to the build URL, then to name', () => {
    expect(parseJenkinsNotification({ ...post, url: undefined })).toMatchObject({ ok: true, job: 'deploy/prod' });
    expect(parseJenkinsNotification({ name: 'solo', build: { number: 1, phase: 'STARTED' } })).toEqual({ ok: true, job: 'solo', number: 1, phase: 'STARTED', parameters: {} });
  });

  it.each([
    ['not an object', 'hello'],
    ['no build', { name: 'x', url: 'job/x/' }],
    ['no number', { name: 'x', build: { phase: 'STARTED' } }],
    ['a number that is not one', { name: 'x', build: { number: '12', phase: 'STARTED' } }],
    ['no phase', { name: 'x', build: { number: 12 } }],
    ['no job at all', { build: { number: 12, phase: 'STARTED' } }],
  ])('refuses a post with %s', (_what, body) => {
    const parsed = parseJenkinsNotification(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/^not a Jenkins Notification plugin payload: /);
  });
});

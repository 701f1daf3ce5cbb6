import { describe, expect, it } from 'vitest';
import {
  describeProject,
  encodeProject,
  mapGitLabStatus,
  parseJobs,
  parsePipeline,
  parsePipelineHook,
  parsePipelineList,
  parseVariables,
  renderGitLabError,
  tokenMatches,
} from '../../src/providers/gitlab/gitlab-data.ts';

describe('mapGitLabStatus', () => {
  it.each([
    ['created', { state: 'queued' }],
    ['waiting_for_resource', { state: 'queued', detail: 'waits for a resource group' }],
    ['preparing', { state: 'queued' }],
    ['pending', { state: 'queued' }],
    ['scheduled', { state: 'queued', detail: 'waits for a delayed job' }],
    ['running', { state: 'in_progress' }],
    ['manual', { state: 'in_progress', detail: 'waits for a manual job' }],
    ['canceling', { state: 'in_progress', detail: 'GitLab is cancelling the pipeline' }],
    ['success', { state: 'completed', conclusion: 'success' }],
    ['failed', { state: 'completed', conclusion: 'failure' }],
    ['canceled', { state: 'completed', conclusion: 'cancelled' }],
    ['skipped', { state: 'completed', conclusion: 'failure', detail: 'GitLab skipped every job of the pipeline' }],
  ])('%s → %o', (status, expected) => {
    expect(mapGitLabStatus(status)).toEqual(expected);
  });

  it('fails closed on a status it does not know, naming it', () => {
    expect(mapGitLabStatus('exploded')).toEqual({ state: 'completed', conclusion: 'failure', detail: "GitLab reported a pipeline status shipgate does not know: 'exploded'" });
    expect(mapGitLabStatus('')).toMatchObject({ state: 'completed', conclusion: 'failure' });
  });
});

describe('encodeProject / describeProject', () => {
  it.each([
    [42, '42'],
    ['42', '42'],
    ['group/app', 'group%2Fapp'],
    ['group/sub/app', 'group%2Fsub%2Fapp'],
    [' /group/my.app/ ', 'group%2Fmy.app'],
    ['group/app+x', 'group%2Fapp%2Bx'],
  ] as const)('%o → %s', (project, segment) => {
    expect(encodeProject(project)).toBe(segment);
  });

  it.each([[''], ['   '], [0], [-3], [1.5], ['0'], ['group//app'], ['group/../admin'], ['group/my app'], [Number.NaN]] as const)('refuses %o', (project) => {
    expect(encodeProject(project)).toBeUndefined();
  });

  it('names a path quoted and an id bare', () => {
    expect(describeProject('group/app/')).toBe("'group/app'");
    expect(describeProject(42)).toBe('42');
    expect(describeProject('42')).toBe('42');
  });
});

describe('renderGitLabError', () => {
  it.each([
    [{ message: '401 Unauthorized' }, '401 Unauthorized'],
    [{ message: { base: ['Reference not found'] } }, 'Reference not found'],
    [{ message: { base: ['Pipeline filtered out by workflow rules.'], ref: ['is invalid', 'is protected'] } }, 'Pipeline filtered out by workflow rules.; ref is invalid; ref is protected'],
    [{ message: ['first', 'second'] }, 'first; second'],
    [{ error: 'ref is missing' }, 'ref is missing'],
    [{ error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: 'api' }, 'insufficient_scope: The request requires higher privileges than provided by the access token.'],
  ])('%o → %s', (body, text) => {
    expect(renderGitLabError(body)).toBe(text);
  });

  it.each([[undefined], [null], ['<html>503</html>'], [{}], [{ message: '' }], [{ message: { base: [] } }], [{ error: 7 }]])('says nothing readable for %o', (body) => {
    expect(renderGitLabError(body)).toBeUndefined();
  });
});

const pipelineBody = {
  id: 5001,
  iid: 3,
  project_id: 100,
  sha: 'a'.repeat(40),
  ref: 'main',
  status: 'running',
  source: 'api',
  created_at: '2026-01-01T12:00:00.000Z',
  updated_at: '2026-01-01T12:00:01.000Z',
  web_url: 'https://gitlab.example.com/group/app/-/pipelines/5001',
  started_at: '2026-01-01T12:00:01.000Z',
  finished_at: null,
  user: { id: 7 },
};

describe('answers', () => {
  it('reads a pipeline, and a list item without started_at/finished_at', () => {
    expect(parsePipeline(pipelineBody)).toEqual({
      ok: true,
      value: {
        id: 5001,
        iid: 3,
        projectId: 100,
        status: 'running',
        ref: 'main',
        sha: 'a'.repeat(40),
        webUrl: 'https://gitlab.example.com/group/app/-/pipelines/5001',
        createdAt: '2026-01-01T12:00:00.000Z',
        startedAt: '2026-01-01T12:00:01.000Z',
        finishedAt: null,
      },
    });
    const { started_at: _s, finished_at: _f, ...basic } = pipelineBody;
    const list = parsePipelineList([basic]);
    expect(list.ok && list.value[0]).toMatchObject({ id: 5001, startedAt: null, finishedAt: null });
  });

  it('refuses what is not a pipeline, saying which field', () => {
    expect(parsePipeline('<html>login</html>')).toMatchObject({ ok: false });
    expect(parsePipeline({ ...pipelineBody, id: 'x' })).toEqual({ ok: false, error: expect.stringContaining('id:') });
    expect(parsePipelineList({ message: 'nope' })).toMatchObject({ ok: false });
  });

  it('reads jobs with their artifact files (none when GitLab omits them)', () => {
    const parsed = parseJobs([
      { id: 9, name: 'test', stage: 'test', status: 'success', web_url: 'u', artifacts: [{ file_type: 'archive', size: 120, filename: 'artifacts.zip', file_format: 'zip' }] },
      { id: 8, name: 'build', stage: 'build', status: 'failed', web_url: 'v' },
    ]);
    expect(parsed).toEqual({
      ok: true,
      value: [
        { id: 9, name: 'test', stage: 'test', status: 'success', webUrl: 'u', artifacts: [{ fileType: 'archive', size: 120, filename: 'artifacts.zip' }] },
        { id: 8, name: 'build', stage: 'build', status: 'failed', webUrl: 'v', artifacts: [] },
      ],
    });
    expect(parseJobs([{ id: 9, name: 'test' }])).toMatchObject({ ok: false });
  });

  it('reads variables as a record, and refuses a non-list', () => {
    expect(parseVariables([{ key: 'SHIPGATE_RUN', value: 'r-1', variable_type: 'env_var' }, { key: 'EMPTY', value: null }])).toEqual({ ok: true, value: { SHIPGATE_RUN: 'r-1', EMPTY: '' } });
    expect(parseVariables({ key: 'SHIPGATE_RUN' })).toMatchObject({ ok: false });
  });
});

const hookBody = {
  object_kind: 'pipeline',
  object_attributes: {
    id: 31,
    iid: 3,
    ref: 'main',
    sha: 'b'.repeat(40),
    status: 'success',
    source: 'api',
    created_at: '2026-01-01 12:00:00 UTC',
    finished_at: '2026-01-01 12:00:11 UTC',
    url: 'https://gitlab.example.com/group/app/-/pipelines/31',
    variables: [{ key: 'SHIPGATE_RUN', value: 'r-1' }],
  },
  project: { id: 100, path_with_namespace: 'group/app', web_url: 'https://gitlab.example.com/group/app' },
  builds: [{ id: 380, name: 'test', status: 'success' }],
};

describe('parsePipelineHook', () => {
  it('reads the pipeline, its status, its variables and the project', () => {
    expect(parsePipelineHook(hookBody)).toEqual({
      ok: true,
      projectId: 100,
      projectPath: 'group/app',
      pipelineId: 31,
      status: 'success',
      variables: { SHIPGATE_RUN: 'r-1' },
      webUrl: 'https://gitlab.example.com/group/app/-/pipelines/31',
    });
  });

  it('takes a hook without variables or url', () => {
    const { variables: _v, url: _u, ...attributes } = hookBody.object_attributes;
    expect(parsePipelineHook({ ...hookBody, object_attributes: attributes })).toMatchObject({ ok: true, variables: {}, webUrl: null });
  });

  it.each([
    ['not an object', 'hello', 'the body is not a JSON object'],
    ['an array', [hookBody], 'the body is not a JSON object'],
    ['a Job Hook', { ...hookBody, object_kind: 'build' }, "not a Pipeline Hook (object_kind 'build')"],
    ['no object_kind', { object_attributes: hookBody.object_attributes }, 'not a GitLab hook (no object_kind)'],
    ['no status', { ...hookBody, object_attributes: { ...hookBody.object_attributes, status: undefined } }, 'object_attributes.status'],
    ['a string id', { ...hookBody, object_attributes: { ...hookBody.object_attributes, id: '31' } }, 'object_attributes.id'],
    ['no project', { ...hookBody, project: undefined }, 'project'],
  ])('refuses %s', (_name, body, error) => {
    const parsed = parsePipelineHook(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toContain(error);
  });
});

describe('tokenMatches', () => {
  it('accepts the same token only', () => {
    expect(tokenMatches('s3cret-token', 's3cret-token')).toBe(true);
    expect(tokenMatches('s3cret-token', 's3cret-tokeN')).toBe(false);
    expect(tokenMatches('s3cret-token', 's3cret')).toBe(false);
    expect(tokenMatches('s3cret', 's3cret-token-longer')).toBe(false);
  });

  it('refuses a missing or empty token, and accepts nothing when no secret is set', () => {
    expect(tokenMatches('s3cret', undefined)).toBe(false);
    expect(tokenMatches('s3cret', '')).toBe(false);
    expect(tokenMatches('', '')).toBe(false);
    expect(tokenMatches('', 'anything')).toBe(false);
  });
});

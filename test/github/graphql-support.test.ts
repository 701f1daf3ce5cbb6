import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GraphqlSupport, isSchemaMismatch } from '../../src/github/graphql-support.ts';

const GHES = 'https://ghe.example.com/api/v3';
const client = (baseUrl?: string) =>
  new ProbotOctokit({ auth: { token: 'x' }, retry: { enabled: false }, throttle: { enabled: false }, ...(baseUrl ? { baseUrl } : {}) });
const undefinedField = { errors: [{ path: ['query', 'repository', 'object', 'isTruncated'], extensions: { code: 'undefinedField', typeName: 'Blob', fieldName: 'isTruncated' }, message: "Field 'isTruncated' doesn't exist on type 'Blob'" }] };

describe('isSchemaMismatch', () => {
  it.each([
    { error: undefinedField, mismatch: true },
    { error: { errors: [{ message: "Field 'files' doesn't accept argument 'first'" }] }, mismatch: true },
    { error: { errors: [{ type: 'NOT_FOUND', message: "Could not resolve to a Repository with the name 'a/b'." }] }, mismatch: false },
    { error: { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded' }] }, mismatch: false },
    { error: new Error('socket hang up'), mismatch: false },
    { error: null, mismatch: false },
  ])('$error → $mismatch', ({ error, mismatch }) => {
    expect(isSchemaMismatch(error)).toBe(mismatch);
  });
});

describe('GraphqlSupport', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending, 'every expected GitHub request was made').toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());

  it("remembers a GHES host without a field (at its /api/graphql) and leaves other hosts and queries alone", async () => {
    const support = new GraphqlSupport();
    nock('https://ghe.example.com').post('/api/graphql').reply(200, undefinedField);
    const first = await support.attempt(client(GHES), 'commit-files', '{ viewer { login } }', {});
    expect(first).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(await support.attempt(client(GHES), 'commit-files', '{ viewer { login } }', {})).toEqual({ ok: false, reason: 'unsupported' });

    nock('https://ghe.example.com').post('/api/graphql').reply(200, { data: { viewer: { login: 'bot' } } });
    expect(await support.attempt(client(GHES), 'pull-request-files', '{ viewer { login } }', {})).toEqual({ ok: true, data: { viewer: { login: 'bot' } } });
    nock('https://api.github.com').post('/graphql').reply(200, { data: { viewer: { login: 'bot' } } });
    expect(await support.attempt(client(), 'commit-files', '{ viewer { login } }', {})).toMatchObject({ ok: true });
  });

  it('answers failed, and asks again next time, after another error', async () => {
    const support = new GraphqlSupport();
    nock('https://api.github.com').post('/graphql').reply(200, { errors: [{ type: 'NOT_FOUND', message: 'Could not resolve' }], data: { repository: null } });
    expect(await support.attempt(client(), 'commit-files', '{ viewer { login } }', {})).toMatchObject({ ok: false, reason: 'failed' });
    nock('https://api.github.com').post('/graphql').reply(200, { data: { viewer: { login: 'bot' } } });
    expect(await support.attempt(client(), 'commit-files', '{ viewer { login } }', {})).toMatchObject({ ok: true });
  });
});

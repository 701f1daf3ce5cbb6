import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMMIT_FILES_QUERY, CommitFilesReader, commitFilesVariables, parseCommitFiles, type CommitFilesAnswer } from '../../src/github/commit-files.ts';
import { GraphqlSupport } from '../../src/github/graphql-support.ts';

const API = 'https://api.github.com';
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const octokit = () => new ProbotOctokit({ auth: { token: 'x' }, retry: { enabled: false }, throttle: { enabled: false } });

const blob = (oid: string, text: string | null, extra: Record<string, unknown> = {}) => ({
  __typename: 'Blob',
  oid,
  byteSize: text === null ? 10 : Buffer.byteLength(text),
  isBinary: text === null,
  isTruncated: false,
  text,
  ...extra,
});

const ANSWER: CommitFilesAnswer = {
  repository: {
    config: blob('c1', 'version: 1\n'),
    workflows: {
      __typename: 'Tree',
      entries: [
        { name: 'build.yml', type: 'blob', mode: 0o100644, object: blob('b1', 'on: workflow_dispatch\n') },
        { name: 'big.yml', type: 'blob', mode: 0o100644, object: blob('b2', 'on: [', { isTruncated: true, byteSize: 900_000 }) },
        { name: 'latin1.yml', type: 'blob', mode: 0o100644, object: blob('b3', 'name: caf\uFFFD\n', { byteSize: 10 }) },
        { name: 'logo.png', type: 'blob', mode: 0o100644, object: blob('b4', null) },
        { name: 'link.yml', type: 'blob', mode: 0o120000, object: blob('b5', 'build.yml') },
        { name: 'shared', type: 'tree', mode: 0o40000, object: { __typename: 'Tree' } },
      ],
    },
  },
};

describe('parseCommitFiles', () => {
  it('keeps exact texts, leaves out what only REST can read exactly, and skips directories and symlinks', () => {
    const files = parseCommitFiles(SHA, ANSWER);
    expect(files.config).toEqual({ kind: 'blob', blob: { oid: 'c1', text: 'version: 1\n' } });
    expect([...files.workflows]).toEqual([
      ['build.yml', { oid: 'b1', text: 'on: workflow_dispatch\n' }],
      ['big.yml', { oid: 'b2', text: undefined }],
      ['latin1.yml', { oid: 'b3', text: undefined }],
      ['logo.png', { oid: 'b4', text: undefined }],
    ]);
  });

  it('tells a missing config from a directory of that name, and reads no workflows without the directory', () => {
    expect(parseCommitFiles(SHA, { repository: { config: null, workflows: null } })).toEqual({ sha: SHA, config: { kind: 'missing' }, workflows: new Map() });
    expect(parseCommitFiles(SHA, { repository: { config: { __typename: 'Tree' }, workflows: null } }).config).toEqual({ kind: 'other' });
    expect(() => parseCommitFiles(SHA, { repository: null })).toThrow(/no repository/);
  });

  it('asks for the config file and the workflows directory at the commit', () => {
    expect(commitFilesVariables({ owner: 'acme', repo: 'app' }, SHA)).toEqual({ owner: 'acme', name: 'app', config: `${SHA}:.github/shipgate.yml`, workflows: `${SHA}:.github/workflows` });
  });
});

describe('CommitFilesReader', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending, 'every expected GitHub request was made').toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());

  const nockQuery = () =>
    nock(API)
      .post('/graphql', (body: { query: string; variables: unknown }) => body.query === COMMIT_FILES_QUERY && JSON.stringify(body.variables) === JSON.stringify(commitFilesVariables({ owner: 'acme', repo: 'app' }, SHA)))
      .reply(200, { data: ANSWER });

  it('sends one query per commit, however many readers ask, at once or later', async () => {
    nockQuery();
    const reader = new CommitFilesReader({ support: new GraphqlSupport() });
    const client = octokit();
    const [first, second] = await Promise.all([reader.read(client, { owner: 'acme', repo: 'app' }, SHA), reader.read(client, { owner: 'acme', repo: 'app' }, SHA)]);
    expect(first?.workflows.get('build.yml')?.oid).toBe('b1');
    expect(second).toBe(first);
    expect(await reader.read(client, { owner: 'Acme', repo: 'App' }, SHA.toUpperCase())).toBe(first);
  });

  it('answers undefined, without a request, for a ref that is not a full commit sha', async () => {
    const reader = new CommitFilesReader({ support: new GraphqlSupport() });
    expect(await reader.read(octokit(), { owner: 'acme', repo: 'app' }, 'main')).toBeUndefined();
    expect(await reader.read(octokit(), { owner: 'acme', repo: 'app' }, SHA.slice(0, 7))).toBeUndefined();
  });

  it('does not keep a failure: the next reader asks again', async () => {
    nock(API).post('/graphql').reply(502, { message: 'Server Error' });
    nockQuery();
    const reader = new CommitFilesReader({ support: new GraphqlSupport() });
    expect(await reader.read(octokit(), { owner: 'acme', repo: 'app' }, SHA)).toBeUndefined();
    expect((await reader.read(octokit(), { owner: 'acme', repo: 'app' }, SHA))?.config.kind).toBe('blob');
  });

  it('forgets the oldest commit beyond its size', async () => {
    const other = 'f'.repeat(40);
    nockQuery();
    nock(API).post('/graphql').reply(200, { data: { repository: { config: null, workflows: null } } });
    nockQuery();
    const reader = new CommitFilesReader({ support: new GraphqlSupport(), maxEntries: 1 });
    await reader.read(octokit(), { owner: 'acme', repo: 'app' }, SHA);
    await reader.read(octokit(), { owner: 'acme', repo: 'app' }, other);
    expect((await reader.read(octokit(), { owner: 'acme', repo: 'app' }, SHA))?.config.kind).toBe('blob');
  });
});

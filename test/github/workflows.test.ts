import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommitFilesReader } from '../../src/github/commit-files.ts';
import { GraphqlSupport } from '../../src/github/graphql-support.ts';
import { listWorkflowFiles, loadWorkflowDefinition, memoryWorkflowCache } from '../../src/github/workflows.ts';

const API = 'https://api.github.com';
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const REPO = { owner: 'acme', repo: 'app' };
const BUILD = 'on:\n  workflow_dispatch:\n    inputs:\n      target: { required: true }\n';
const octokit = () => new ProbotOctokit({ auth: { token: 'x' }, retry: { enabled: false }, throttle: { enabled: false } });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected GitHub request was made').toEqual([]);
});
afterAll(() => nock.enableNetConnect());

function nockWorkflowsTree(entries: Array<{ name: string; oid: string; text: string; isTruncated?: boolean }>) {
  const blob = (e: (typeof entries)[number]) => ({ __typename: 'Blob', oid: e.oid, byteSize: Buffer.byteLength(e.text), isBinary: false, isTruncated: e.isTruncated ?? false, text: e.text });
  return nock(API)
    .post('/graphql')
    .reply(200, { data: { repository: { config: null, workflows: { __typename: 'Tree', entries: entries.map((e) => ({ name: e.name, type: 'blob', mode: 0o100644, object: blob(e) })) } } } });
}

describe('workflow listing and definitions at a commit', () => {
  it('reads the listing and every definition from one query', async () => {
    nockWorkflowsTree([{ name: 'build.yml', oid: 'b1', text: BUILD }]);
    const reader = new CommitFilesReader({ support: new GraphqlSupport() });
    const listing = await listWorkflowFiles(octokit(), REPO, SHA, reader);
    expect([...listing.files]).toEqual([['build.yml', 'b1']]);
    const cache = memoryWorkflowCache();
    const definition = await loadWorkflowDefinition(octokit(), cache, REPO, listing, 'build.yml');
    expect(definition).toMatchObject({ path: '.github/workflows/build.yml', blobSha: 'b1', dispatchable: true, inputs: { target: { required: true } } });
    expect(await cache.get({ ...REPO, blobSha: 'b1' })).toEqual(definition);
    expect(listing.texts?.has('build.yml')).toBe(false);
  });

  it('fetches a file whose text the query cut over REST', async () => {
    nockWorkflowsTree([{ name: 'big.yml', oid: 'b2', text: 'on: [', isTruncated: true }]);
    nock(API)
      .get('/repos/acme/app/contents/.github%2Fworkflows%2Fbig.yml')
      .query({ ref: SHA })
      .reply(200, { type: 'file', name: 'big.yml', path: '.github/workflows/big.yml', sha: 'b2', encoding: 'base64', content: Buffer.from(BUILD).toString('base64') });
    const listing = await listWorkflowFiles(octokit(), REPO, SHA, new CommitFilesReader({ support: new GraphqlSupport() }));
    expect(await loadWorkflowDefinition(octokit(), memoryWorkflowCache(), REPO, listing, 'big.yml')).toMatchObject({ dispatchable: true });
  });

  it('lists over REST when GraphQL cannot answer', async () => {
    nock(API).post('/graphql').reply(502, { message: 'Server Error' });
    nock(API).get('/repos/acme/app/contents/.github%2Fworkflows').query({ ref: SHA }).reply(200, [{ type: 'file', name: 'build.yml', sha: 'b1' }, { type: 'dir', name: 'shared', sha: 't1' }]);
    const listing = await listWorkflowFiles(octokit(), REPO, SHA, new CommitFilesReader({ support: new GraphqlSupport() }));
    expect(listing).toEqual({ ref: SHA, files: new Map([['build.yml', 'b1']]) });
  });
});

import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  changedFilesForPullRequest,
  changedFilesForPush,
  type PushChangeInput,
} from '../../src/github/changed-files.ts';
import { GraphqlSupport } from '../../src/github/graphql-support.ts';
import { PULL_REQUEST_FILES_QUERY, type ChangeType } from '../../src/github/pull-request-files.ts';
import { NULL_SHA } from '../../src/matching/event.ts';

const API = 'https://api.github.com';
const BEFORE = 'a'.repeat(40);
const AFTER = 'b'.repeat(40);
/** The pull request tests of the REST path; the GraphQL path has its own block. */
const REST_ONLY = { graphql: null };

function octokit() {
  return new ProbotOctokit({ auth: { token: 'x' }, retry: { enabled: false }, throttle: { enabled: false } });
}

type FileEntry = { filename: string; previous_filename?: string };

function fileEntries(count: number, prefix = 'src/file'): FileEntry[] {
  return Array.from({ length: count }, (_, i) => ({ filename: `${prefix}-${i}.ts` }));
}

/** Expects one page of `GET /repos/acme/app/compare/{basehead}`. */
function nockCompare(options: { basehead: string; page: number; files: FileEntry[]; commits: number; totalCommits: number }) {
  return nock(API)
    .get(`/repos/acme/app/compare/${options.basehead}`)
    .query({ per_page: '100', page: String(options.page) })
    .reply(200, {
      url: `${API}/repos/acme/app/compare/${options.basehead}`,
      status: 'ahead',
      total_commits: options.totalCommits,
      commits: Array.from({ length: options.commits }, (_, i) => ({ sha: `c${i}` })),
      files: options.files.map((f) => ({ status: f.previous_filename ? 'renamed' : 'modified', ...f })),
    });
}

/** Expects one page of `GET /repos/acme/app/pulls/7/files`, with a `link` to the next page if any. */
function nockPullRequestFiles(options: { page: number; files: FileEntry[]; lastPage: number }) {
  const headers: Record<string, string> =
    options.page < options.lastPage
      ? {
          link: `<${API}/repos/acme/app/pulls/7/files?per_page=100&page=${options.page + 1}>; rel="next", <${API}/repos/acme/app/pulls/7/files?per_page=100&page=${options.lastPage}>; rel="last"`,
        }
      : {};
  const query = options.page === 1 ? { per_page: '100' } : { per_page: '100', page: String(options.page) };
  return nock(API).get('/repos/acme/app/pulls/7/files').query(query).reply(200, options.files, headers);
}

function truncatedPush(overrides: Partial<PushChangeInput> = {}): PushChangeInput {
  return {
    owner: 'acme',
    repo: 'app',
    before: BEFORE,
    after: AFTER,
    payload: {
      ref: 'refs/heads/feature',
      commits: Array.from({ length: 20 }, (_, i) => ({ added: [`payload-${i}.txt`], removed: [], modified: [] })),
      repository: { default_branch: 'main' },
    },
    ...overrides,
  };
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('changedFilesForPush', () => {
  it('uses a complete payload without calling GitHub', async () => {
    const result = await changedFilesForPush(octokit(), {
      ...truncatedPush(),
      payload: { commits: [{ added: ['a.ts'], removed: ['b.ts'], modified: ['a.ts'] }] },
    });
    expect(result).toEqual({ files: ['a.ts', 'b.ts'], complete: true, source: 'payload' });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('asks the compare API when the payload is truncated', async () => {
    const scope = nockCompare({
      basehead: `${BEFORE}...${AFTER}`,
      page: 1,
      files: [{ filename: 'src/app.ts' }, { filename: 'src/new.ts', previous_filename: 'src/old.ts' }],
      commits: 25,
      totalCommits: 25,
    });
    const result = await changedFilesForPush(octokit(), truncatedPush());
    expect(result).toEqual({ files: ['src/app.ts', 'src/new.ts', 'src/old.ts'], complete: true, source: 'compare' });
    expect(scope.isDone()).toBe(true);
  });

  it('reads further pages of a long comparison and stops when they carry no files', async () => {
    const first = nockCompare({ basehead: `${BEFORE}...${AFTER}`, page: 1, files: fileEntries(120), commits: 100, totalCommits: 350 });
    const second = nockCompare({ basehead: `${BEFORE}...${AFTER}`, page: 2, files: [], commits: 100, totalCommits: 350 });
    const result = await changedFilesForPush(octokit(), truncatedPush());
    expect(result.files).toHaveLength(120);
    expect(result.complete).toBe(true);
    expect(first.isDone()).toBe(true);
    expect(second.isDone()).toBe(true);
  });

  it('collects files from every page that has them', async () => {
    const scopes = [
      nockCompare({ basehead: `${BEFORE}...${AFTER}`, page: 1, files: fileEntries(2, 'one'), commits: 100, totalCommits: 230 }),
      nockCompare({ basehead: `${BEFORE}...${AFTER}`, page: 2, files: fileEntries(2, 'two'), commits: 100, totalCommits: 230 }),
      nockCompare({ basehead: `${BEFORE}...${AFTER}`, page: 3, files: fileEntries(1, 'three'), commits: 30, totalCommits: 230 }),
    ];
    const result = await changedFilesForPush(octokit(), truncatedPush());
    expect(result.files).toEqual(['one-0.ts', 'one-1.ts', 'two-0.ts', 'two-1.ts', 'three-0.ts']);
    for (const scope of scopes) expect(scope.isDone()).toBe(true);
  });

  it('marks the list incomplete when GitHub returns its 300-file maximum', async () => {
    const scope = nockCompare({ basehead: `${BEFORE}...${AFTER}`, page: 1, files: fileEntries(300), commits: 40, totalCommits: 40 });
    const result = await changedFilesForPush(octokit(), truncatedPush());
    expect(result.files).toHaveLength(300);
    expect(result.complete).toBe(false);
    expect(scope.isDone()).toBe(true);
  });

  it('compares a new branch with the default branch', async () => {
    const scope = nockCompare({ basehead: `main...${AFTER}`, page: 1, files: [{ filename: 'x.ts' }], commits: 21, totalCommits: 21 });
    const result = await changedFilesForPush(octokit(), truncatedPush({ before: NULL_SHA }));
    expect(result).toEqual({ files: ['x.ts'], complete: true, source: 'compare' });
    expect(scope.isDone()).toBe(true);
  });

  it('does not pretend to know the files of the first push of the default branch', async () => {
    const input = truncatedPush({ before: NULL_SHA });
    const result = await changedFilesForPush(octokit(), { ...input, payload: { ...input.payload, ref: 'refs/heads/main' } });
    expect(result).toEqual({ files: [], complete: false, source: 'compare' });
  });

  it('throws a clear error with the API error as cause', async () => {
    const scope = nock(API)
      .get(`/repos/acme/app/compare/${BEFORE}...${AFTER}`)
      .query(true)
      .reply(404, { message: 'Not Found' });
    const failure = await changedFilesForPush(octokit(), truncatedPush()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(`cannot list the files changed in acme/app between ${BEFORE}...${AFTER}`);
    expect(((failure as Error).cause as { status: number }).status).toBe(404);
    expect(scope.isDone()).toBe(true);
  });
});

describe('changedFilesForPullRequest', () => {
  it('reads every page, including the old path of renames', async () => {
    const scopes = [
      nockPullRequestFiles({ page: 1, files: [...fileEntries(99), { filename: 'docs/new.md', previous_filename: 'docs/old.md' }], lastPage: 2 }),
      nockPullRequestFiles({ page: 2, files: [{ filename: 'README.md' }], lastPage: 2 }),
    ];
    const result = await changedFilesForPullRequest(octokit(), { owner: 'acme', repo: 'app', pull_number: 7 }, REST_ONLY);
    expect(result.files).toHaveLength(102);
    expect(result.files.slice(-3)).toEqual(['docs/new.md', 'docs/old.md', 'README.md']);
    expect(result).toMatchObject({ complete: true, source: 'pull-request-files' });
    for (const scope of scopes) expect(scope.isDone()).toBe(true);
  });

  it('marks a list at GitHub’s 3000-file maximum as incomplete', async () => {
    const scopes = Array.from({ length: 30 }, (_, i) =>
      nockPullRequestFiles({ page: i + 1, files: fileEntries(100, `p${i}`), lastPage: 30 }),
    );
    const result = await changedFilesForPullRequest(octokit(), { owner: 'acme', repo: 'app', pull_number: 7 }, REST_ONLY);
    expect(result.files).toHaveLength(3000);
    expect(result.complete).toBe(false);
    for (const scope of scopes) expect(scope.isDone()).toBe(true);
  });

  it('throws a clear error with the API error as cause', async () => {
    const scope = nock(API).get('/repos/acme/app/pulls/7/files').query(true).reply(500, { message: 'boom' });
    await expect(changedFilesForPullRequest(octokit(), { owner: 'acme', repo: 'app', pull_number: 7 }, REST_ONLY)).rejects.toThrow(
      'cannot list the files of acme/app#7',
    );
    expect(scope.isDone()).toBe(true);
  });
});

/** Expects one page of the pull-request-files query for acme/app#7 (after `after`), answering `files`. */
function nockGraphqlFiles(options: { after?: string; files: Array<{ path: string; changeType?: ChangeType }>; next?: string; changedFiles: number }) {
  return nock(API)
    .post('/graphql', (body: { query: string; variables: Record<string, unknown> }) =>
      body.query === PULL_REQUEST_FILES_QUERY && JSON.stringify(body.variables) === JSON.stringify({ owner: 'acme', name: 'app', number: 7, ...(options.after ? { after: options.after } : {}) }),
    )
    .reply(200, {
      data: {
        repository: {
          pullRequest: {
            headRefOid: AFTER,
            baseRefName: 'main',
            isCrossRepository: false,
            changedFiles: options.changedFiles,
            files: {
              nodes: options.files.map((f) => ({ path: f.path, changeType: f.changeType ?? 'MODIFIED' })),
              pageInfo: { hasNextPage: options.next !== undefined, endCursor: options.next ?? null },
            },
          },
        },
      },
    });
}

describe('changedFilesForPullRequest through GraphQL', () => {
  afterEach(() => {
    expect(nock.pendingMocks(), 'every expected GitHub request was made').toEqual([]);
  });
  const input = { owner: 'acme', repo: 'app', pull_number: 7 };
  const paths = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => ({ path: `${prefix}-${i}.ts` }));

  it('reads every page of the query, following the cursor', async () => {
    nockGraphqlFiles({ files: paths(100, 'a'), next: 'Y3Vyc29yOjEwMA==', changedFiles: 101 });
    nockGraphqlFiles({ after: 'Y3Vyc29yOjEwMA==', files: [{ path: 'README.md', changeType: 'DELETED' }], changedFiles: 101 });
    const result = await changedFilesForPullRequest(octokit(), input, { graphql: new GraphqlSupport() });
    expect(result.files).toHaveLength(101);
    expect(result.files.at(-1)).toBe('README.md');
    expect(result).toMatchObject({ complete: true, source: 'pull-request-files' });
  });

  it('marks the list incomplete when it holds fewer files than GitHub counts', async () => {
    nockGraphqlFiles({ files: paths(3, 'a'), changedFiles: 5 });
    const result = await changedFilesForPullRequest(octokit(), input, { graphql: new GraphqlSupport() });
    expect(result).toMatchObject({ files: ['a-0.ts', 'a-1.ts', 'a-2.ts'], complete: false });
  });

  it('reads REST when a file was renamed, for its old path', async () => {
    nockGraphqlFiles({ files: [{ path: 'docs/new.md', changeType: 'RENAMED' }], changedFiles: 1 });
    nockPullRequestFiles({ page: 1, files: [{ filename: 'docs/new.md', previous_filename: 'docs/old.md' }], lastPage: 1 });
    const result = await changedFilesForPullRequest(octokit(), input, { graphql: new GraphqlSupport() });
    expect(result).toMatchObject({ files: ['docs/new.md', 'docs/old.md'], complete: true });
  });

  it('reads REST when a page fails, and from then on on a host without the fields', async () => {
    const support = new GraphqlSupport();
    nockGraphqlFiles({ files: paths(100, 'a'), next: 'bmV4dA==', changedFiles: 150 });
    nock(API).post('/graphql').reply(502, { message: 'Server Error' });
    nockPullRequestFiles({ page: 1, files: fileEntries(2), lastPage: 1 });
    expect((await changedFilesForPullRequest(octokit(), input, { graphql: support })).files).toEqual(['src/file-0.ts', 'src/file-1.ts']);

    nock(API).post('/graphql').reply(200, { errors: [{ extensions: { code: 'undefinedField' }, message: "Field 'changedFiles' doesn't exist on type 'PullRequest'" }] });
    nockPullRequestFiles({ page: 1, files: fileEntries(1), lastPage: 1 });
    expect((await changedFilesForPullRequest(octokit(), input, { graphql: support })).files).toEqual(['src/file-0.ts']);
    nockPullRequestFiles({ page: 1, files: fileEntries(1), lastPage: 1 });
    expect((await changedFilesForPullRequest(octokit(), input, { graphql: support })).files).toEqual(['src/file-0.ts']);
  });
});

import { ProbotOctokit } from 'probot';
import { describe, expect, it } from 'vitest';
import { GraphqlSupport, type GraphqlAttempt } from '../../src/github/graphql-support.ts';
import { MAX_PULL_REQUEST_FILE_PAGES, parsePullRequestFilesPage, pullRequestWithFiles, type PullRequestFilesAnswer } from '../../src/github/pull-request-files.ts';

const HEAD = 'b'.repeat(40);

function page(paths: string[], next: string | null, changedFiles: number): PullRequestFilesAnswer {
  return {
    repository: {
      pullRequest: {
        headRefOid: HEAD,
        baseRefName: 'main',
        isCrossRepository: true,
        changedFiles,
        files: { nodes: paths.map((path) => ({ path, changeType: 'MODIFIED' as const })), pageInfo: { hasNextPage: next !== null, endCursor: next } },
      },
    },
  };
}

/** Answers each query from `answer(after)` and records the variables it was sent. */
class ScriptedSupport extends GraphqlSupport {
  readonly sent: Array<Record<string, unknown>> = [];
  readonly #answer: (after: unknown) => GraphqlAttempt<unknown>;
  constructor(answer: (after: unknown) => GraphqlAttempt<unknown>) {
    super();
    this.#answer = answer;
  }
  override async attempt<T>(_octokit: unknown, _query: string, _document: string, variables: Record<string, unknown>): Promise<GraphqlAttempt<T>> {
    this.sent.push(variables);
    return this.#answer(variables['after']) as GraphqlAttempt<T>;
  }
}

const octokit = new ProbotOctokit({ auth: { token: 'x' } });
const input = { owner: 'acme', repo: 'app', pull_number: 7 };

describe('parsePullRequestFilesPage', () => {
  it("reads the details, the page's files and the next cursor", () => {
    expect(parsePullRequestFilesPage(page(['a.ts'], 'c1', 2))).toEqual({
      details: { headRefOid: HEAD, baseRefName: 'main', isCrossRepository: true, changedFiles: 2 },
      files: [{ path: 'a.ts', changeType: 'MODIFIED' }],
      next: 'c1',
    });
    expect(parsePullRequestFilesPage(page([], null, 0)).next).toBeUndefined();
    expect(() => parsePullRequestFilesPage({ repository: { pullRequest: null } })).toThrow(/no pull request/);
  });
});

describe('pullRequestWithFiles', () => {
  it('follows the cursors until the last page', async () => {
    const support = new ScriptedSupport((after) => ({ ok: true, data: after === undefined ? page(['a.ts'], 'c1', 2) : page(['b.ts'], null, 2) }));
    const result = await pullRequestWithFiles(octokit, input, support);
    expect(result).toEqual({ ok: true, data: { headRefOid: HEAD, baseRefName: 'main', isCrossRepository: true, changedFiles: 2, files: [{ path: 'a.ts', changeType: 'MODIFIED' }, { path: 'b.ts', changeType: 'MODIFIED' }], complete: true } });
    expect(support.sent).toEqual([{ owner: 'acme', name: 'app', number: 7 }, { owner: 'acme', name: 'app', number: 7, after: 'c1' }]);
  });

  it(`stops after ${MAX_PULL_REQUEST_FILE_PAGES} pages and says the list is incomplete`, async () => {
    const support = new ScriptedSupport((after) => ({ ok: true, data: page([`f${String(after)}.ts`], `${String(after)}+`, 5000) }));
    const result = await pullRequestWithFiles(octokit, input, support);
    expect(support.sent).toHaveLength(MAX_PULL_REQUEST_FILE_PAGES);
    expect(result.ok && result.data.complete).toBe(false);
  });

  it('gives up on a page it cannot read, for the caller to use REST', async () => {
    const support = new ScriptedSupport((after) => (after === undefined ? { ok: true, data: page(['a.ts'], 'c1', 2) } : { ok: true, data: { repository: null } }));
    expect(await pullRequestWithFiles(octokit, input, support)).toMatchObject({ ok: false, reason: 'failed' });
  });
});

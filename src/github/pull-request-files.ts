/**
 * A pull request's details and changed files in one GraphQL query per 100
 * files (`pullRequest { headRefOid baseRefName isCrossRepository changedFiles
 * files(first: 100, after) }`), for hosts whose schema has these fields.
 */
import type { GitHubClient } from './client.ts';
import type { GraphqlAttempt, GraphqlSupport } from './graphql-support.ts';

export const PULL_REQUEST_FILES_QUERY = /* GraphQL */ `
query ShipgatePullRequestFiles($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      headRefOid
      baseRefName
      isCrossRepository
      changedFiles
      files(first: 100, after: $after) { nodes { path changeType } pageInfo { hasNextPage endCursor } }
    }
  }
}
`;

/** GitHub's `PatchStatus`. */
export type ChangeType = 'ADDED' | 'CHANGED' | 'COPIED' | 'DELETED' | 'MODIFIED' | 'RENAMED';

/** A pull request with its changed files. */
export interface PullRequestWithFiles {
  headRefOid: string;
  baseRefName: string;
  isCrossRepository: boolean;
  /** GitHub's count of changed files. */
  changedFiles: number;
  /** In GitHub's order; for renames and copies the new path only. */
  files: Array<{ path: string; changeType: ChangeType }>;
  /** Whether `files` holds every changed file GitHub counts. */
  complete: boolean;
}

/** The `data` of {@link PULL_REQUEST_FILES_QUERY}. */
export interface PullRequestFilesAnswer {
  repository: {
    pullRequest: {
      headRefOid: string;
      baseRefName: string;
      isCrossRepository: boolean;
      changedFiles: number;
      files: { nodes: Array<{ path: string; changeType: ChangeType } | null> | null; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | null;
    } | null;
  } | null;
}

/** One page of the answer: the details, the page's files, the cursor of the next page. */
export function parsePullRequestFilesPage(data: PullRequestFilesAnswer): { details: Omit<PullRequestWithFiles, 'files' | 'complete'>; files: PullRequestWithFiles['files']; next: string | undefined } {
  const pull = data.repository?.pullRequest;
  if (!pull) throw new Error('the GraphQL answer has no pull request');
  const { headRefOid, baseRefName, isCrossRepository, changedFiles } = pull;
  const files = (pull.files?.nodes ?? []).filter((node): node is { path: string; changeType: ChangeType } => node !== null);
  const pageInfo = pull.files?.pageInfo;
  const next = pageInfo?.hasNextPage && pageInfo.endCursor ? pageInfo.endCursor : undefined;
  return { details: { headRefOid, baseRefName, isCrossRepository, changedFiles }, files, next };
}

/** At most this many pages are read (3000 files, GitHub's own limit for a pull request's files). */
export const MAX_PULL_REQUEST_FILE_PAGES = 30;

/**
 * Reads every page of a pull request's files. Not `ok` when GraphQL cannot
 * answer (the host lacks a field, or a page failed): the caller uses REST.
 */
export async function pullRequestWithFiles(
  octokit: GitHubClient,
  input: { owner: string; repo: string; pull_number: number },
  support: GraphqlSupport,
): Promise<GraphqlAttempt<PullRequestWithFiles>> {
  const files: PullRequestWithFiles['files'] = [];
  let details: Omit<PullRequestWithFiles, 'files' | 'complete'> | undefined;
  let after: string | undefined;
  for (let page = 1; ; page++) {
    const variables = { owner: input.owner, name: input.repo, number: input.pull_number, ...(after !== undefined ? { after } : {}) };
    const attempt = await support.attempt<PullRequestFilesAnswer>(octokit, 'pull-request-files', PULL_REQUEST_FILES_QUERY, variables);
    if (!attempt.ok) return attempt;
    let parsed: ReturnType<typeof parsePullRequestFilesPage>;
    try {
      parsed = parsePullRequestFilesPage(attempt.data);
    } catch (error) {
      return { ok: false, reason: 'failed', error };
    }
    details ??= parsed.details;
    files.push(...parsed.files);
    after = parsed.next;
    if (after === undefined || page >= MAX_PULL_REQUEST_FILE_PAGES) break;
  }
  return { ok: true, data: { ...details, files, complete: after === undefined && files.length === details.changedFiles } };
}

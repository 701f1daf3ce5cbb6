/**
 * The files a push or pull request changed, for path filters (SPEC §4): from the
 * push payload when it is complete, otherwise from the compare API; for pull
 * requests from GraphQL (one query per 100 files) or the PR files API. Never
 * silently drops files: when GitHub's own
 * limits cut the list short, the result says `complete: false`.
 */
import type { ProbotOctokit } from 'probot';
import { changedFilesFromPushPayload, NULL_SHA, type PushPayload } from '../matching/event.ts';
import { graphqlSupport, type GraphqlSupport } from './graphql-support.ts';
import { pullRequestWithFiles } from './pull-request-files.ts';

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Changed paths, and whether the list is the whole change. */
export interface ChangedFiles {
  /** Paths in first-seen order; renames contribute the old path too. */
  files: string[];
  /** `false` when a GitHub limit cut the list short (the caller must not skip on it). */
  complete: boolean;
  /** Where the list came from. */
  source: 'payload' | 'compare' | 'pull-request-files';
}

/** The compare API lists at most this many files for a whole comparison. */
export const COMPARE_FILE_LIMIT = 300;

/** The pull request files API lists at most this many files. */
export const PULL_REQUEST_FILE_LIMIT = 3000;

const PER_PAGE = 100;
const MAX_COMPARE_PAGES = 30;

/** What {@link changedFilesForPush} needs to know about the push. */
export interface PushChangeInput {
  owner: string;
  repo: string;
  /** The branch tip before the push (all zeros for a new branch). */
  before: string;
  after: string;
  payload: Pick<PushPayload, 'commits' | 'size' | 'distinct_size'> & {
    repository?: { default_branch?: string | undefined };
    ref?: string | undefined;
  };
}

/**
 * Files changed by a branch push. Uses the payload when it is complete; when it is
 * truncated, asks the compare API (`before...after`, or `default_branch...after` for
 * a new branch), page by page. Throws an `Error` (with the API error as
 * `cause`) when GitHub cannot answer; it never guesses an empty list.
 */
export async function changedFilesForPush(octokit: Octokit, input: PushChangeInput): Promise<ChangedFiles> {
  const fromPayload = changedFilesFromPushPayload(input.payload);
  if (fromPayload) return { files: fromPayload, complete: true, source: 'payload' };

  let base = input.before;
  if (base === NULL_SHA) {
    const defaultBranch = input.payload.repository?.default_branch;
    if (defaultBranch === undefined || input.payload.ref === `refs/heads/${defaultBranch}`) {
      // The first push of the default branch has nothing to compare with: everything is new.
      return { files: [], complete: false, source: 'compare' };
    }
    base = defaultBranch;
  }
  const basehead = `${base}...${input.after}`;
  const files = new Set<string>();
  let complete = true;
  try {
    for (let page = 1; ; page++) {
      const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
        owner: input.owner,
        repo: input.repo,
        basehead,
        per_page: PER_PAGE,
        page,
      });
      const pageFiles = data.files ?? [];
      for (const file of pageFiles) addFile(files, file);
      if (pageFiles.length >= COMPARE_FILE_LIMIT) complete = false;
      const lastPage = page * PER_PAGE >= data.total_commits || data.commits.length < PER_PAGE;
      // GitHub lists the files on the first page only; later pages just add commits.
      if (lastPage || (page > 1 && pageFiles.length === 0)) break;
      if (page >= MAX_COMPARE_PAGES) {
        complete = false;
        break;
      }
    }
  } catch (error) {
    throw new Error(`cannot list the files changed in ${input.owner}/${input.repo} between ${basehead}`, { cause: error });
  }
  return { files: [...files], complete, source: 'compare' };
}

/** What {@link changedFilesForPullRequest} needs. */
export interface PullRequestChangeInput {
  owner: string;
  repo: string;
  pull_number: number;
}

/**
 * Files changed by a pull request, including the previous path of renamed files.
 * From GraphQL when the host has it; it gives no previous paths, so a pull request
 * with renames or copies, a host without the fields, or a failed query is read
 * from the paginated PR files API. GitHub lists at most 3000 files; a list that long
 * (or shorter than GitHub's count) is marked incomplete. Throws an `Error` (API error
 * as `cause`) when GitHub fails. `graphql: null` reads REST only.
 */
export async function changedFilesForPullRequest(
  octokit: Octokit,
  input: PullRequestChangeInput,
  options: { graphql?: GraphqlSupport | null } = {},
): Promise<ChangedFiles> {
  const support = options.graphql === undefined ? graphqlSupport : options.graphql;
  const viaGraphql = support ? await pullRequestWithFiles(octokit, input, support) : undefined;
  if (viaGraphql?.ok && !viaGraphql.data.files.some((file) => file.changeType === 'RENAMED' || file.changeType === 'COPIED')) {
    const files = new Set(viaGraphql.data.files.map((file) => file.path));
    return { files: [...files], complete: viaGraphql.data.complete && files.size < PULL_REQUEST_FILE_LIMIT, source: 'pull-request-files' };
  }
  let listed;
  try {
    listed = await octokit.paginate(octokit.rest.pulls.listFiles, { ...input, per_page: PER_PAGE });
  } catch (error) {
    throw new Error(`cannot list the files of ${input.owner}/${input.repo}#${input.pull_number}`, { cause: error });
  }
  const files = new Set<string>();
  for (const file of listed) addFile(files, file);
  return { files: [...files], complete: listed.length < PULL_REQUEST_FILE_LIMIT, source: 'pull-request-files' };
}

function addFile(files: Set<string>, file: { filename: string; previous_filename?: string | undefined }): void {
  files.add(file.filename);
  if (file.previous_filename) files.add(file.previous_filename);
}

/**
 * Branches and commits as `/deploy ENV [SHA|BRANCH]` and the deployment
 * policy's `branches` rule need them (SPEC §6): a branch's head, a commit's
 * full sha, which branches contain a sha. "No such thing" comes back as null
 * or as "not containing"; anything else (5xx, rate limits, 403) is thrown as
 * Octokit's own error, so a caller can retry it.
 */
import { statusOf, type GitHubClient, type RepoRef } from './client.ts';

/** The most branches {@link branchesContaining} compares (one request each). */
export const MAX_CONTAINING_CANDIDATES = 20;

const SHA_OR_PREFIX = /^[0-9a-f]{7,40}$/i;

/**
 * The head sha of `branch` (`GET /repos/{o}/{r}/branches/{branch}`), or null
 * when there is no such branch. GitHub follows a renamed branch to its new
 * name; that answer counts as no such branch, since the name asked for is
 * gone.
 */
export async function resolveBranch(octokit: GitHubClient, { owner, repo }: RepoRef, branch: string): Promise<string | null> {
  if (branch === '') return null;
  try {
    const { data } = await octokit.rest.repos.getBranch({ owner, repo, branch });
    return data.name === branch ? data.commit.sha : null;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/**
 * The full sha of the commit that `shaOrPrefix` (7 to 40 hex digits) names
 * (`GET /repos/{o}/{r}/commits/{ref}`), or null: not hex of that length (a
 * branch or tag name is not resolved here), no such commit or an ambiguous
 * prefix (404, 422), or an empty repository (409).
 */
export async function resolveCommit(octokit: GitHubClient, { owner, repo }: RepoRef, shaOrPrefix: string): Promise<string | null> {
  if (!SHA_OR_PREFIX.test(shaOrPrefix)) return null;
  try {
    // per_page limits the commit's file list, which is not needed.
    const { data } = await octokit.rest.repos.getCommit({ owner, repo, ref: shaOrPrefix.toLowerCase(), per_page: 1 });
    return data.sha.toLowerCase().startsWith(shaOrPrefix.toLowerCase()) ? data.sha : null;
  } catch (err) {
    const status = statusOf(err);
    if (status === 404 || status === 422 || status === 409) return null;
    throw err;
  }
}

/**
 * Which of `candidates` contain `sha` in their history, in the candidates'
 * order: one compare (`GET /repos/{o}/{r}/compare/{branch}...{sha}`) per
 * branch, where `identical` or `behind` means the branch contains the sha. A
 * branch GitHub does not find (404, also for a sha it does not know or no
 * common history) does not contain it. At most {@link MAX_CONTAINING_CANDIDATES}
 * (20) distinct candidates: more throws a RangeError before any request.
 */
export async function branchesContaining(octokit: GitHubClient, { owner, repo }: RepoRef, sha: string, candidates: readonly string[]): Promise<string[]> {
  const branches = [...new Set(candidates)].filter((branch) => branch !== '');
  if (branches.length > MAX_CONTAINING_CANDIDATES) {
    throw new RangeError(`branchesContaining compares at most ${MAX_CONTAINING_CANDIDATES} branches, ${branches.length} were given`);
  }
  const containing: string[] = [];
  for (const branch of branches) {
    if (await branchContains(octokit, { owner, repo }, branch, sha)) containing.push(branch);
  }
  return containing;
}

async function branchContains(octokit: GitHubClient, { owner, repo }: RepoRef, branch: string, sha: string): Promise<boolean> {
  try {
    // per_page: 1 keeps the answer small; the status and counts do not depend on it.
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${branch}...${sha}`, per_page: 1 });
    return data.status === 'identical' || data.status === 'behind';
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}

/** The repository's branch names, as GitHub lists them (alphabetically), at most `max` (reads pages of up to 100). */
export async function listBranches(octokit: GitHubClient, { owner, repo }: RepoRef, max = 100): Promise<string[]> {
  const names: string[] = [];
  if (max <= 0) return names;
  for await (const { data } of octokit.paginate.iterator(octokit.rest.repos.listBranches, { owner, repo, per_page: Math.min(100, max) })) {
    for (const branch of data) {
      names.push(branch.name);
      if (names.length >= max) return names;
    }
  }
  return names;
}

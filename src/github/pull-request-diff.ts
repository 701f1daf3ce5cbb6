/**
 * A pull request's diff for patch coverage (SPEC §5a `patch-min`): each file
 * with its unified patch, from the paginated PR files API. GitHub lists at
 * most 3,000 files and leaves `patch` out of files too large to show; both
 * are kept visible (`truncated`, a null patch) so the gate says `error`,
 * never 100%.
 */
import type { PullRequestDiff } from '../gates/gate-spec.ts';
import type { GitHubClient, RepoRef } from './client.ts';

/** The most files the PR files API lists. */
export const PULL_REQUEST_DIFF_FILE_LIMIT = 3000;

/** The files of pull request `number` with their patches. */
export async function pullRequestDiff(octokit: GitHubClient, { owner, repo }: RepoRef, number: number): Promise<PullRequestDiff> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: number, per_page: 100 });
  return {
    files: files.map((file) => ({ filename: file.filename, status: file.status, patch: file.patch ?? null })),
    truncated: files.length >= PULL_REQUEST_DIFF_FILE_LIMIT,
  };
}

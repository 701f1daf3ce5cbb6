/** The merge-base of a pull request's head with its base branch, from the compare API (SPEC §5a baselines). */
import type { GitHubClient, RepoRef } from './client.ts';

/** A commit and its committer date. */
export interface MergeBase {
  sha: string;
  /** Null when GitHub gives no date. */
  committedAt: Date | null;
}

/** `GET /repos/{o}/{r}/compare/{base}...{head}` → `merge_base_commit`. */
export async function mergeBase(octokit: GitHubClient, { owner, repo }: RepoRef, base: string, head: string): Promise<MergeBase> {
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${head}`, per_page: 1 });
  const commit = data.merge_base_commit;
  const date = commit.commit.committer?.date ?? commit.commit.author?.date;
  const parsed = date ? new Date(date) : null;
  return { sha: commit.sha, committedAt: parsed && !Number.isNaN(parsed.getTime()) ? parsed : null };
}

/** Issue and pull-request comments, and reactions to them (the commands' feedback). */
import type { GitHubClient, RepoRef } from './client.ts';

/** Reactions shipgate gives a command comment: 👀 on receipt, 🚀 when done, 😕 when refused or invalid. */
export type CommandReaction = 'eyes' | 'rocket' | 'confused';

/** Reacts to a comment as the app; GitHub answers 200 for a reaction the app already gave, so it is safe to repeat. */
export async function addCommentReaction(octokit: GitHubClient, ref: RepoRef, commentId: number, content: CommandReaction): Promise<void> {
  await octokit.rest.reactions.createForIssueComment({ ...ref, comment_id: commentId, content });
}

/** Comments on an issue or pull request; returns the comment's id. */
export async function createIssueComment(octokit: GitHubClient, ref: RepoRef, issueNumber: number, body: string): Promise<number> {
  const { data } = await octokit.rest.issues.createComment({ ...ref, issue_number: issueNumber, body });
  return data.id;
}

/** Replaces the body of a comment (one the app wrote). */
export async function updateIssueComment(octokit: GitHubClient, ref: RepoRef, commentId: number, body: string): Promise<void> {
  await octokit.rest.issues.updateComment({ ...ref, comment_id: commentId, body });
}

/**
 * The id of the comment on an issue whose body contains `marker` (a hidden
 * HTML comment shipgate writes), newest first; undefined when there is none.
 * Looks at the first 300 comments (GitHub lists them oldest first).
 */
export async function findCommentWithMarker(octokit: GitHubClient, ref: RepoRef, issueNumber: number, marker: string): Promise<number | undefined> {
  const { data: first } = await octokit.rest.issues.listComments({ ...ref, issue_number: issueNumber, per_page: 100 });
  const pages = [first];
  // GitHub lists comments oldest first; later pages hold the newest.
  for (let page = 2; page <= 3 && pages.at(-1)?.length === 100; page++) {
    const { data } = await octokit.rest.issues.listComments({ ...ref, issue_number: issueNumber, per_page: 100, page });
    pages.push(data);
  }
  const found = pages.flat().reverse().find((comment) => comment.body?.includes(marker));
  return found?.id;
}

/** The head of a pull request: its sha, and the repository it comes from. */
export async function pullRequestHead(octokit: GitHubClient, ref: RepoRef, pullNumber: number): Promise<{ sha: string; ref: string; fromFork: boolean }> {
  const { data } = await octokit.rest.pulls.get({ ...ref, pull_number: pullNumber });
  const baseRepo = `${ref.owner}/${ref.repo}`.toLowerCase();
  return { sha: data.head.sha, ref: data.head.ref, fromFork: (data.head.repo?.full_name ?? '').toLowerCase() !== baseRepo };
}

/**
 * The id of the newest comment on an issue that an app (a bot account) wrote
 * and whose body contains `marker`; a user's comment quoting the marker is
 * never taken for it. Looks at the first 300 comments.
 */
export async function findAppCommentWithMarker(octokit: GitHubClient, ref: RepoRef, issueNumber: number, marker: string): Promise<number | undefined> {
  const found: Array<{ id: number; body?: string | undefined; user?: { type?: string | undefined; login: string } | null; performed_via_github_app?: unknown }> = [];
  for (let page = 1; page <= 3; page++) {
    const { data } = await octokit.rest.issues.listComments({ ...ref, issue_number: issueNumber, per_page: 100, page });
    found.push(...data);
    if (data.length < 100) break;
  }
  const byApp = (c: (typeof found)[number]) => (c.performed_via_github_app ?? null) !== null || c.user?.type === 'Bot' || (c.user?.login ?? '').endsWith('[bot]');
  return found.reverse().find((comment) => byApp(comment) && comment.body?.includes(marker) === true)?.id;
}

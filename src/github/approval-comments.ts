/**
 * The approval request comment (SPEC §6) on GitHub: on a pull request (an
 * issue comment) or, for a commit of no pull request, on the commit; its
 * reactions, which GitHub never sends as webhooks, are listed when polled.
 */
import type { GitHubClient, RepoRef } from './client.ts';

/** Where a request comment lives. */
export type CommentPlace = { kind: 'issue'; issue: number } | { kind: 'commit'; sha: string };

/** A reaction as shipgate counts it. */
export interface CommentReaction {
  /** GitHub's id of the reaction: a reaction taken back and given again has a new one. */
  id: number;
  user: string;
  userType: string | undefined;
  content: string;
}

/** The pull request a commit belongs to, for a commit of a push: an open one first, else the newest merged one; null when none. */
export async function pullRequestOfCommit(octokit: GitHubClient, ref: RepoRef, sha: string): Promise<number | null> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...ref, commit_sha: sha, per_page: 100 });
  const open = data.find((pull) => pull.state === 'open');
  if (open) return open.number;
  const merged = data.filter((pull) => pull.merged_at).sort((a, b) => Date.parse(b.merged_at ?? '') - Date.parse(a.merged_at ?? ''));
  return merged[0]?.number ?? null;
}

/** Writes a new request comment; returns its id. */
export async function createPlacedComment(octokit: GitHubClient, ref: RepoRef, place: CommentPlace, body: string): Promise<number> {
  if (place.kind === 'issue') return (await octokit.rest.issues.createComment({ ...ref, issue_number: place.issue, body })).data.id;
  return (await octokit.rest.repos.createCommitComment({ ...ref, commit_sha: place.sha, body })).data.id;
}

/** Replaces a request comment's body. */
export async function updatePlacedComment(octokit: GitHubClient, ref: RepoRef, place: CommentPlace, commentId: number, body: string): Promise<void> {
  if (place.kind === 'issue') await octokit.rest.issues.updateComment({ ...ref, comment_id: commentId, body });
  else await octokit.rest.repos.updateCommitComment({ ...ref, comment_id: commentId, body });
}

/**
 * The id of a comment the app wrote at `place` with `marker` in its body (a
 * create whose answer was lost), newest first; looks at the first 300 comments.
 */
export async function findPlacedComment(octokit: GitHubClient, ref: RepoRef, place: CommentPlace, marker: string): Promise<number | undefined> {
  const found: Array<{ id: number; body?: string | undefined; user?: { type?: string | undefined; login: string } | null }> = [];
  for (let page = 1; page <= 3; page++) {
    const { data } =
      place.kind === 'issue'
        ? await octokit.rest.issues.listComments({ ...ref, issue_number: place.issue, per_page: 100, page })
        : await octokit.rest.repos.listCommentsForCommit({ ...ref, commit_sha: place.sha, per_page: 100, page });
    found.push(...data);
    if (data.length < 100) break;
  }
  const byApp = (c: (typeof found)[number]) => c.user?.type === 'Bot' || (c.user?.login ?? '').endsWith('[bot]');
  return found.reverse().find((c) => byApp(c) && c.body?.includes(marker) === true)?.id;
}

/**
 * The 👍 and 👎 reactions on a request comment, as they are now (a removed
 * reaction is gone): one list of all reactions, 100 a page, so one request
 * usually answers both.
 */
export async function listVoteReactions(octokit: GitHubClient, ref: RepoRef, place: CommentPlace, commentId: number): Promise<CommentReaction[]> {
  const reactions =
    place.kind === 'issue'
      ? await octokit.paginate(octokit.rest.reactions.listForIssueComment, { ...ref, comment_id: commentId, per_page: 100 })
      : await octokit.paginate(octokit.rest.reactions.listForCommitComment, { ...ref, comment_id: commentId, per_page: 100 });
  return reactions
    .filter((r) => r.content === '+1' || r.content === '-1')
    .map((r) => ({ id: r.id, user: r.user?.login ?? '', userType: r.user?.type, content: r.content }))
    .filter((r) => r.user !== '');
}

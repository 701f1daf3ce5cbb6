/** Setup (not HTTP): pull requests, issues, issue and commit comments and reactions, with their webhooks. */
import type { SimContext } from './context.ts';
import type { FileContent } from './git.ts';
import { nodeId } from './identity.ts';
import { addComment, addCommitComment, addReaction, createIssue, editComment, removeReaction } from './issues.ts';
import type { CommitComment, Issue, IssueComment, Reaction, ReactableComment, ReactionContent, Repository } from './model.ts';
import { emitPullRequest } from './pulls.ts';
import { defaultActor, forkOf, personOf, push } from './setup-git.ts';

export interface PullRequestOptions {
  /** `owner/name` of the base repository. */
  repo: string;
  /** Head branch (created from the base branch when missing). */
  head: string;
  /** Base branch (default: the default branch). */
  base?: string;
  title?: string;
  body?: string;
  /** Files to commit on the head branch before opening. */
  files?: Record<string, FileContent | null>;
  message?: string;
  /** Open from a fork owned by this user. */
  fork?: { owner: string };
  author?: string;
  draft?: boolean;
}

export interface OpenedPullRequest {
  number: number;
  headSha: string;
  baseSha: string;
  headRepo: string;
  issue: Issue;
}

function repoOrThrow(ctx: SimContext, fullName: string): Repository {
  const repo = ctx.state.findRepo(fullName);
  if (!repo) throw new Error(`no repository ${fullName}`);
  return repo;
}

/** Opens a pull request (pushing `files` to the head branch first) and sends `pull_request.opened`. */
export function openPullRequest(ctx: SimContext, options: PullRequestOptions): OpenedPullRequest {
  const { state } = ctx;
  const baseRepo = repoOrThrow(ctx, options.repo);
  const author = options.author ?? options.fork?.owner ?? defaultActor(ctx, baseRepo);
  const headRepo = options.fork ? forkOf(ctx, baseRepo, options.fork.owner) : baseRepo;
  const baseRef = options.base ?? baseRepo.defaultBranch;
  const baseSha = baseRepo.branches.get(baseRef);
  if (!baseSha) throw new Error(`no branch ${baseRef} in ${baseRepo.fullName}`);
  if (options.files || !headRepo.branches.has(options.head)) {
    push(ctx, {
      repo: headRepo.fullName,
      branch: options.head,
      from: baseSha,
      ...(options.files ? { files: options.files } : { commits: [] }),
      message: options.message ?? options.title ?? `Update ${options.head}`,
      author,
    });
  }
  const headSha = headRepo.branches.get(options.head) as string;
  const { account } = personOf(ctx, author);
  const issue = createIssue(state, baseRepo, { title: options.title ?? `Changes from ${options.head}`, body: options.body ?? null, author: account });
  const id = state.ids.next('pullRequest');
  issue.pull = {
    id,
    nodeId: nodeId('PullRequest', id),
    issue,
    head: { repo: headRepo, ref: options.head, sha: headSha },
    base: { repo: baseRepo, ref: baseRef, sha: baseSha },
    draft: options.draft ?? false,
    mergedAt: null,
    mergeCommitSha: null,
  };
  emitPullRequest(ctx, issue, 'opened', account);
  return { number: issue.number, headSha, baseSha, headRepo: headRepo.fullName, issue };
}

/** Closes a pull request, merging it first when asked (a merge commit on the base branch, with its push). */
export function closePullRequest(ctx: SimContext, options: { repo: string; number: number; merge?: boolean; author?: string }): void {
  const { state } = ctx;
  const repo = repoOrThrow(ctx, options.repo);
  const issue = state.issuesOf(repo).get(options.number);
  const pull = issue?.pull;
  if (!issue || !pull) throw new Error(`no pull request #${options.number} in ${repo.fullName}`);
  const { account, person } = personOf(ctx, options.author ?? defaultActor(ctx, repo));
  if (options.merge) {
    const baseHead = repo.branches.get(pull.base.ref) ?? pull.base.sha;
    const mergeBase = state.git.mergeBase(baseHead, pull.head.sha);
    const headFiles = state.git.commit(pull.head.sha)?.files ?? new Map<string, string>();
    const changes: Record<string, FileContent | null> = {};
    for (const change of state.git.diff(mergeBase ? state.git.commit(mergeBase)?.files : undefined, headFiles)) {
      changes[change.filename] = change.status === 'removed' ? null : (state.git.blob(change.sha) ?? Buffer.alloc(0));
    }
    const merge = state.git.createCommit({
      parent: baseHead,
      mergeParents: [pull.head.sha],
      changes,
      message: `Merge pull request #${issue.number} from ${pull.head.repo.owner.login}/${pull.head.ref}`,
      author: person,
    });
    pull.mergedAt = state.now();
    pull.mergeCommitSha = merge.sha;
    issue.state = 'closed';
    issue.closedAt = state.now();
    // The push of the merge commit; the PR is already closed so it is not synchronized.
    push(ctx, { repo: repo.fullName, branch: pull.base.ref, to: merge.sha, author: account.login });
  } else {
    issue.state = 'closed';
    issue.closedAt = state.now();
  }
  issue.updatedAt = state.now();
  emitPullRequest(ctx, issue, 'closed', account);
}

/** Opens a plain issue (no webhook is modelled for issues). */
export function openIssue(ctx: SimContext, options: { repo: string; title: string; body?: string; author?: string }): Issue {
  const repo = repoOrThrow(ctx, options.repo);
  const { account } = personOf(ctx, options.author ?? defaultActor(ctx, repo));
  return createIssue(ctx.state, repo, { title: options.title, body: options.body ?? null, author: account });
}

/** Comments on an issue or pull request as a user; sends `issue_comment.created`. */
export function comment(ctx: SimContext, options: { repo: string; issue: number; body: string; author?: string }): IssueComment {
  const repo = repoOrThrow(ctx, options.repo);
  const issue = ctx.state.issuesOf(repo).get(options.issue);
  if (!issue) throw new Error(`no issue or pull request #${options.issue} in ${repo.fullName}`);
  const { account } = personOf(ctx, options.author ?? defaultActor(ctx, repo));
  return addComment(ctx, issue, options.body, account);
}

/** Edits a comment as a user; sends `issue_comment.edited`. */
export function updateComment(ctx: SimContext, options: { repo: string; commentId: number; body: string; author?: string }): IssueComment {
  const found = ctx.state.comments.get(options.commentId);
  if (!found || found.repo.fullName.toLowerCase() !== options.repo.toLowerCase()) throw new Error(`no comment ${options.commentId} in ${options.repo}`);
  const { account } = personOf(ctx, options.author ?? found.user.login);
  editComment(ctx, found, options.body, account);
  return found;
}

/** Comments on a commit as a user (a sha, or a ref resolved now); sends `commit_comment.created`. */
export function commentOnCommit(ctx: SimContext, options: { repo: string; sha: string; body: string; author?: string; path?: string }): CommitComment {
  const repo = repoOrThrow(ctx, options.repo);
  const sha = ctx.state.resolveRef(repo, options.sha);
  if (!sha) throw new Error(`no commit ${options.sha} in ${repo.fullName}`);
  const { account } = personOf(ctx, options.author ?? defaultActor(ctx, repo));
  return addCommitComment(ctx, repo, sha, { body: options.body, path: options.path, author: account });
}

/** The issue comment or commit comment with this id in the repository (ids never collide between the two). */
function reactableComment(ctx: SimContext, repoName: string, commentId: number): ReactableComment {
  const found = ctx.state.comments.get(commentId) ?? ctx.state.commitComments.get(commentId);
  if (!found || found.repo.fullName.toLowerCase() !== repoName.toLowerCase()) throw new Error(`no comment ${commentId} in ${repoName}`);
  return found;
}

/** Reacts to an issue or commit comment as a user (GitHub sends no webhook for reactions). */
export function react(ctx: SimContext, options: { repo: string; commentId: number; content: ReactionContent; user: string }): Reaction {
  const found = reactableComment(ctx, options.repo, options.commentId);
  return addReaction(ctx.state, found, options.content, ctx.state.ensureAccount(options.user)).reaction;
}

/**
 * Takes a user's reaction back from an issue or commit comment (GitHub sends no webhook for it);
 * returns the removed reaction, or undefined when the user had not reacted so.
 */
export function unreact(ctx: SimContext, options: { repo: string; commentId: number; content: ReactionContent; user: string }): Reaction | undefined {
  const found = reactableComment(ctx, options.repo, options.commentId);
  const user = ctx.state.account(options.user);
  return user ? removeReaction(found, options.content, user) : undefined;
}

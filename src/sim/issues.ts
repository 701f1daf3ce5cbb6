/**
 * Issues, issue comments, commit comments and reactions: the records' JSON
 * shapes and the `issue_comment` and `commit_comment` webhooks.
 */
import { emitRepoEvent, type SimContext } from './context.ts';
import { nodeId } from './identity.ts';
import type { Account, CommitComment, Issue, IssueComment, Reaction, ReactableComment, ReactionContent, Repository, SimApp } from './model.ts';
import { appShape, userShape, type Json } from './shapes.ts';
import type { SimState } from './state.ts';
import { isoTime } from './time-format.ts';

/** `author_association` as GitHub derives it from the role. */
export function authorAssociation(state: SimState, repo: Repository, user: Account): string {
  if (repo.owner === user) return 'OWNER';
  const org = state.org(repo.owner.login);
  if (org?.members.has(user.login.toLowerCase())) return 'MEMBER';
  if (repo.collaborators.has(user.login.toLowerCase())) return 'COLLABORATOR';
  return 'NONE';
}

/** `reaction-rollup`: the counts per content, with the URL that lists them. */
function reactionRollup(url: string, reactions: readonly Reaction[]): Json {
  const count = (content: ReactionContent): number => reactions.filter((r) => r.content === content).length;
  return {
    url,
    total_count: reactions.length,
    '+1': count('+1'),
    '-1': count('-1'),
    laugh: count('laugh'),
    confused: count('confused'),
    heart: count('heart'),
    hooray: count('hooray'),
    eyes: count('eyes'),
    rocket: count('rocket'),
  };
}

/** `issue` (pull requests are issues with a `pull_request` key). */
export function issueShape(state: SimState, issue: Issue): Json {
  const { urls } = state;
  const api = `${urls.api}/repos/${issue.repo.fullName}/issues/${issue.number}`;
  const web = `${urls.web}/${issue.repo.fullName}`;
  return {
    url: api,
    repository_url: `${urls.api}/repos/${issue.repo.fullName}`,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${web}/${issue.pull ? 'pull' : 'issues'}/${issue.number}`,
    id: issue.id,
    node_id: issue.nodeId,
    number: issue.number,
    title: issue.title,
    user: userShape(urls, issue.user),
    labels: issue.labels.map((name, index) => ({
      id: issue.id * 10 + index,
      node_id: nodeId('Label', issue.id * 10 + index),
      url: `${urls.api}/repos/${issue.repo.fullName}/labels/${encodeURIComponent(name)}`,
      name,
      color: 'ededed',
      default: false,
      description: null,
    })),
    state: issue.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: issue.comments.length,
    created_at: isoTime(issue.createdAt),
    updated_at: isoTime(issue.updatedAt),
    closed_at: issue.closedAt === null ? null : isoTime(issue.closedAt),
    author_association: authorAssociation(state, issue.repo, issue.user),
    active_lock_reason: null,
    body: issue.body,
    state_reason: null,
    reactions: {
      url: `${api}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      confused: 0,
      heart: 0,
      hooray: 0,
      eyes: 0,
      rocket: 0,
    },
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
    ...(issue.pull
      ? {
          draft: issue.pull.draft,
          pull_request: {
            url: `${urls.api}/repos/${issue.repo.fullName}/pulls/${issue.number}`,
            html_url: `${web}/pull/${issue.number}`,
            diff_url: `${web}/pull/${issue.number}.diff`,
            patch_url: `${web}/pull/${issue.number}.patch`,
            merged_at: issue.pull.mergedAt === null ? null : isoTime(issue.pull.mergedAt),
          },
        }
      : {}),
  };
}

/** `issue-comment`. */
export function commentShape(state: SimState, comment: IssueComment): Json {
  const { urls } = state;
  return {
    url: `${urls.api}/repos/${comment.repo.fullName}/issues/comments/${comment.id}`,
    html_url: `${urls.web}/${comment.repo.fullName}/${comment.issue.pull ? 'pull' : 'issues'}/${comment.issue.number}#issuecomment-${comment.id}`,
    issue_url: `${urls.api}/repos/${comment.repo.fullName}/issues/${comment.issue.number}`,
    id: comment.id,
    node_id: comment.nodeId,
    user: userShape(urls, comment.user),
    created_at: isoTime(comment.createdAt),
    updated_at: isoTime(comment.updatedAt),
    author_association: authorAssociation(state, comment.repo, comment.user),
    body: comment.body,
    reactions: reactionRollup(`${urls.api}/repos/${comment.repo.fullName}/issues/comments/${comment.id}/reactions`, comment.reactions),
    performed_via_github_app: comment.app ? appShape(urls, comment.app) : null,
  };
}

/** `commit-comment`. */
export function commitCommentShape(state: SimState, comment: CommitComment): Json {
  const { urls } = state;
  const api = `${urls.api}/repos/${comment.repo.fullName}/comments/${comment.id}`;
  return {
    html_url: `${urls.web}/${comment.repo.fullName}/commit/${comment.commitId}#commitcomment-${comment.id}`,
    url: api,
    id: comment.id,
    node_id: comment.nodeId,
    body: comment.body,
    path: comment.path,
    position: comment.position,
    line: comment.line,
    commit_id: comment.commitId,
    user: userShape(urls, comment.user),
    created_at: isoTime(comment.createdAt),
    updated_at: isoTime(comment.updatedAt),
    author_association: authorAssociation(state, comment.repo, comment.user),
    reactions: reactionRollup(`${api}/reactions`, comment.reactions),
  };
}

/** `reaction`. */
export function reactionShape(state: SimState, reaction: Reaction): Json {
  return {
    id: reaction.id,
    node_id: reaction.nodeId,
    user: userShape(state.urls, reaction.user),
    content: reaction.content,
    created_at: isoTime(reaction.createdAt),
  };
}

/** Opens a plain issue. */
export function createIssue(state: SimState, repo: Repository, input: { title: string; body?: string | null; author: Account }): Issue {
  const id = state.ids.next('issue');
  const now = state.now();
  const issue: Issue = {
    id,
    nodeId: nodeId('Issue', id),
    number: repo.nextNumber++,
    repo,
    title: input.title,
    body: input.body ?? null,
    user: input.author,
    state: 'open',
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    labels: [],
    comments: [],
    pull: undefined,
  };
  state.issuesOf(repo).set(issue.number, issue);
  return issue;
}

/** Adds a comment and sends `issue_comment.created` (also for the app's own comments, as GitHub does). */
export function addComment(ctx: SimContext, issue: Issue, body: string, author: Account, app?: SimApp): IssueComment {
  const { state } = ctx;
  const id = state.ids.next('comment');
  const now = state.now();
  const comment: IssueComment = {
    id,
    nodeId: nodeId('IssueComment', id),
    repo: issue.repo,
    issue,
    body,
    user: author,
    app,
    createdAt: now,
    updatedAt: now,
    reactions: [],
  };
  issue.comments.push(comment);
  issue.updatedAt = now;
  state.comments.set(id, comment);
  emitRepoEvent(
    ctx,
    issue.repo,
    'issue_comment',
    { action: 'created', issue: issueShape(state, issue), comment: commentShape(state, comment) },
    { sender: author },
  );
  return comment;
}

/** Edits a comment and sends `issue_comment.edited` with the previous body. */
export function editComment(ctx: SimContext, comment: IssueComment, body: string, editor: Account): void {
  const previous = comment.body;
  comment.body = body;
  comment.updatedAt = ctx.state.now();
  emitRepoEvent(
    ctx,
    comment.repo,
    'issue_comment',
    {
      action: 'edited',
      changes: { body: { from: previous } },
      issue: issueShape(ctx.state, comment.issue),
      comment: commentShape(ctx.state, comment),
    },
    { sender: editor },
  );
}

/** A new commit comment: its body and author, and optionally the file and diff position it sits on. */
export interface CommitCommentInput {
  body: string;
  path?: string | undefined;
  position?: number | undefined;
  line?: number | undefined;
  author: Account;
  app?: SimApp | undefined;
}

/** Comments on a commit (`sha` is a full sha of the repository) and sends `commit_comment.created`. */
export function addCommitComment(ctx: SimContext, repo: Repository, sha: string, input: CommitCommentInput): CommitComment {
  const { state } = ctx;
  // One sequence with issue comments: an id names a single comment of either kind.
  const id = state.ids.next('comment');
  const now = state.now();
  const comment: CommitComment = {
    id,
    nodeId: nodeId('CommitComment', id),
    repo,
    commitId: sha,
    body: input.body,
    path: input.path ?? null,
    position: input.position ?? null,
    line: input.line ?? null,
    user: input.author,
    app: input.app,
    createdAt: now,
    updatedAt: now,
    reactions: [],
  };
  state.commitComments.set(id, comment);
  emitRepoEvent(ctx, repo, 'commit_comment', { action: 'created', comment: commitCommentShape(state, comment) }, { sender: input.author });
  return comment;
}

/** Edits a commit comment (GitHub sends no webhook for it: `commit_comment` has only `created`). */
export function editCommitComment(state: SimState, comment: CommitComment, body: string): void {
  comment.body = body;
  comment.updatedAt = state.now();
}

/** Adds a reaction (GitHub sends no webhook for reactions); an existing one by the same user is returned as is. */
export function addReaction(state: SimState, comment: ReactableComment, content: ReactionContent, user: Account): { reaction: Reaction; created: boolean } {
  const existing = comment.reactions.find((r) => r.user === user && r.content === content);
  if (existing) return { reaction: existing, created: false };
  const id = state.ids.next('reaction');
  const reaction: Reaction = { id, nodeId: nodeId('Reaction', id), user, content, createdAt: state.now() };
  comment.reactions.push(reaction);
  return { reaction, created: true };
}

/** Removes `user`'s `content` reaction (no webhook, as on GitHub); returns it, or undefined when there was none. */
export function removeReaction(comment: ReactableComment, content: ReactionContent, user: Account): Reaction | undefined {
  const reaction = comment.reactions.find((r) => r.user === user && r.content === content);
  if (reaction) comment.reactions = comment.reactions.filter((r) => r !== reaction);
  return reaction;
}

/**
 * Issues, issue comments and reactions: the records' JSON shapes and the
 * `issue_comment` webhook.
 */
import { emitRepoEvent, type SimContext } from './context.ts';
import { nodeId } from './identity.ts';
import type { Account, Issue, IssueComment, Reaction, ReactionContent, Repository, SimApp } from './model.ts';
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

function reactionRollup(state: SimState, comment: IssueComment): Json {
  const count = (content: ReactionContent): number => comment.reactions.filter((r) => r.content === content).length;
  return {
    url: `${state.urls.api}/repos/${comment.repo.fullName}/issues/comments/${comment.id}/reactions`,
    total_count: comment.reactions.length,
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
    reactions: reactionRollup(state, comment),
    performed_via_github_app: comment.app ? appShape(urls, comment.app) : null,
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

/** Adds a reaction (GitHub sends no webhook for reactions); an existing one by the same user is returned as is. */
export function addReaction(state: SimState, comment: IssueComment, content: ReactionContent, user: Account): { reaction: Reaction; created: boolean } {
  const existing = comment.reactions.find((r) => r.user === user && r.content === content);
  if (existing) return { reaction: existing, created: false };
  const id = state.ids.next('reaction');
  const reaction: Reaction = { id, nodeId: nodeId('Reaction', id), user, content, createdAt: state.now() };
  comment.reactions.push(reaction);
  return { reaction, created: true };
}

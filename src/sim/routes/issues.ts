/** Pull requests, issues, issue comments and reactions. */
import { GitHubApiError, notFound } from '../errors.ts';
import { addComment, addReaction, commentShape, editComment, issueShape, reactionShape } from '../issues.ts';
import type { Issue, IssueComment, ReactionContent } from '../model.ts';
import { diffEntryShape, pullRequestFiles, pullRequestShape } from '../pulls.ts';
import {
  actorOf,
  appOf,
  bodyOf,
  intParam,
  pageOf,
  repoFor,
  route,
  type RouteDefinition,
  type RouteRequest,
} from '../router.ts';
import { commitShape } from '../shapes.ts';

function issueFor(request: RouteRequest, param: string): Issue {
  const repo = repoFor(request, 'read');
  const issue = request.ctx.state.issuesOf(repo).get(intParam(request, param));
  if (!issue) throw notFound();
  return issue;
}

function pullFor(request: RouteRequest): Issue {
  const issue = issueFor(request, 'pull_number');
  if (!issue.pull) throw notFound();
  return issue;
}

function commentFor(request: RouteRequest): IssueComment {
  const repo = repoFor(request, 'read');
  const comment = request.ctx.state.comments.get(intParam(request, 'comment_id'));
  if (!comment || comment.repo !== repo) throw notFound();
  return comment;
}

export const issueRoutes: RouteDefinition[] = [
  route('GET', '/repos/{owner}/{repo}/pulls', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const wanted = request.query.get('state') ?? 'open';
    const head = request.query.get('head');
    const base = request.query.get('base');
    const pulls = [...state.issuesOf(repo).values()]
      .filter((issue) => issue.pull && (wanted === 'all' || issue.state === wanted))
      .filter((issue) => !head || `${issue.pull?.head.repo.owner.login}:${issue.pull?.head.ref}` === head)
      .filter((issue) => !base || issue.pull?.base.ref === base)
      .sort((a, b) => b.number - a.number);
    return pageOf(request, pulls, (issue) => pullRequestShape(state, issue));
  }),

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}', 'installation', (request) => ({
    status: 200,
    body: pullRequestShape(request.ctx.state, pullFor(request)),
  })),

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/files', 'installation', (request) => {
    const { state } = request.ctx;
    const issue = pullFor(request);
    const pull = issue.pull;
    if (!pull) throw notFound();
    // GitHub lists at most 3000 files for a pull request.
    const files = pullRequestFiles(state, pull).slice(0, 3000);
    return pageOf(request, files, (file) => diffEntryShape(state, issue.repo, file, pull.head.sha));
  }),

  route('GET', '/repos/{owner}/{repo}/pulls/{pull_number}/commits', 'installation', (request) => {
    const { state } = request.ctx;
    const issue = pullFor(request);
    const pull = issue.pull;
    if (!pull) throw notFound();
    const commits = state.git.commitsBetween(pull.base.sha, pull.head.sha).slice(0, 250);
    return pageOf(request, commits, (commit) =>
      commitShape(state.urls, issue.repo, commit, { author: undefined, committer: undefined }),
    );
  }),

  route('GET', '/repos/{owner}/{repo}/issues/{issue_number}', 'installation', (request) => ({
    status: 200,
    body: issueShape(request.ctx.state, issueFor(request, 'issue_number')),
  })),

  route('GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', 'installation', (request) => {
    const issue = issueFor(request, 'issue_number');
    const since = request.query.get('since');
    const comments = issue.comments.filter((c) => !since || c.updatedAt >= Date.parse(since));
    return pageOf(request, comments, (comment) => commentShape(request.ctx.state, comment));
  }),

  route('POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', 'installation', (request) => {
    repoFor(request, 'write');
    const issue = issueFor(request, 'issue_number');
    const { body } = bodyOf<{ body: string }>(request);
    if (body.length > 65_536) throw new GitHubApiError(422, 'Validation Failed', { errors: [{ resource: 'IssueComment', field: 'data', code: 'invalid', message: 'Body is too long (maximum is 65536 characters)' }] });
    const comment = addComment(request.ctx, issue, body, actorOf(request), appOf(request));
    return {
      status: 201,
      body: commentShape(request.ctx.state, comment),
      headers: { location: `${request.ctx.state.urls.api}/repos/${issue.repo.fullName}/issues/comments/${comment.id}` },
    };
  }),

  route('GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}', 'installation', (request) => ({
    status: 200,
    body: commentShape(request.ctx.state, commentFor(request)),
  })),

  route('PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', 'installation', (request) => {
    repoFor(request, 'write');
    const comment = commentFor(request);
    if (comment.user !== actorOf(request)) throw new GitHubApiError(403, 'Resource not accessible by integration');
    editComment(request.ctx, comment, bodyOf<{ body: string }>(request).body, actorOf(request));
    return { status: 200, body: commentShape(request.ctx.state, comment) };
  }),

  route('DELETE', '/repos/{owner}/{repo}/issues/comments/{comment_id}', 'installation', (request) => {
    repoFor(request, 'write');
    const comment = commentFor(request);
    if (comment.user !== actorOf(request)) throw new GitHubApiError(403, 'Resource not accessible by integration');
    comment.issue.comments = comment.issue.comments.filter((c) => c !== comment);
    request.ctx.state.comments.delete(comment.id);
    return { status: 204 };
  }),

  route('GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', 'installation', (request) => {
    const comment = commentFor(request);
    const content = request.query.get('content');
    const reactions = comment.reactions.filter((r) => !content || r.content === content);
    return pageOf(request, reactions, (reaction) => reactionShape(request.ctx.state, reaction));
  }),

  route('POST', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', 'installation', (request) => {
    repoFor(request, 'write');
    const comment = commentFor(request);
    const { content } = bodyOf<{ content: ReactionContent }>(request);
    const { reaction, created } = addReaction(request.ctx.state, comment, content, actorOf(request));
    return { status: created ? 201 : 200, body: reactionShape(request.ctx.state, reaction) };
  }),

  route('DELETE', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions/{reaction_id}', 'installation', (request) => {
    repoFor(request, 'write');
    const comment = commentFor(request);
    const reactionId = intParam(request, 'reaction_id');
    const reaction = comment.reactions.find((r) => r.id === reactionId);
    if (!reaction || reaction.user !== actorOf(request)) throw notFound();
    comment.reactions = comment.reactions.filter((r) => r !== reaction);
    return { status: 204 };
  }),
];

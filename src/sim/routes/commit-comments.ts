/** Commit comments and their reactions (GitHub REST "Commit comments"). */
import { GitHubApiError, notFound } from '../errors.ts';
import { addCommitComment, addReaction, commitCommentShape, editCommitComment, reactionShape } from '../issues.ts';
import type { CommitComment, ReactionContent, Repository } from '../model.ts';
import { actorOf, appOf, bodyOf, intParam, pageOf, repoFor, route, type RouteDefinition, type RouteRequest } from '../router.ts';

/** GitHub's limit on a comment body. */
const MAX_BODY = 65_536;

/** The full sha a `commit_sha` path parameter names in the repository, if it names a commit there. */
function commitShaIn(request: RouteRequest, repo: Repository): string | undefined {
  const wanted = request.params.commit_sha ?? '';
  // A commit sha, full or abbreviated: branch and tag names do not name a commit here.
  if (!/^[0-9a-f]{7,40}$/i.test(wanted)) return undefined;
  return request.ctx.state.resolveRef(repo, wanted);
}

function commentFor(request: RouteRequest, access: 'read' | 'write'): CommitComment {
  const repo = repoFor(request, access);
  const comment = request.ctx.state.commitComments.get(intParam(request, 'comment_id'));
  if (!comment || comment.repo !== repo) throw notFound();
  return comment;
}

/** Only a comment's author may change or delete it (the app's bot for the app's own comments). */
function ownCommentFor(request: RouteRequest): CommitComment {
  const comment = commentFor(request, 'write');
  if (comment.user !== actorOf(request)) throw new GitHubApiError(403, 'Resource not accessible by integration');
  return comment;
}

export const commitCommentRoutes: RouteDefinition[] = [
  route('GET', '/repos/{owner}/{repo}/comments', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    return pageOf(request, request.ctx.state.commitCommentsOf(repo), (comment) => commitCommentShape(request.ctx.state, comment));
  }),

  route('GET', '/repos/{owner}/{repo}/commits/{commit_sha}/comments', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const sha = commitShaIn(request, repo);
    if (!sha) throw notFound();
    return pageOf(request, state.commitCommentsOf(repo, sha), (comment) => commitCommentShape(state, comment));
  }),

  route('POST', '/repos/{owner}/{repo}/commits/{commit_sha}/comments', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'write');
    const sha = commitShaIn(request, repo);
    if (!sha) throw new GitHubApiError(422, `No commit found for SHA: ${request.params.commit_sha ?? ''}`);
    const { body, path, position, line } = bodyOf<{ body: string; path?: string; position?: number; line?: number }>(request);
    if (body.length > MAX_BODY) {
      throw new GitHubApiError(422, 'Validation Failed', {
        errors: [{ resource: 'CommitComment', field: 'body', code: 'invalid', message: `Body is too long (maximum is ${MAX_BODY} characters)` }],
      });
    }
    const comment = addCommitComment(request.ctx, repo, sha, { body, path, position, line, author: actorOf(request), app: appOf(request) });
    return {
      status: 201,
      body: commitCommentShape(state, comment),
      headers: { location: `${state.urls.api}/repos/${repo.fullName}/comments/${comment.id}` },
    };
  }),

  route('GET', '/repos/{owner}/{repo}/comments/{comment_id}', 'installation', (request) => ({
    status: 200,
    body: commitCommentShape(request.ctx.state, commentFor(request, 'read')),
  })),

  route('PATCH', '/repos/{owner}/{repo}/comments/{comment_id}', 'installation', (request) => {
    const comment = ownCommentFor(request);
    editCommitComment(request.ctx.state, comment, bodyOf<{ body: string }>(request).body);
    return { status: 200, body: commitCommentShape(request.ctx.state, comment) };
  }),

  route('DELETE', '/repos/{owner}/{repo}/comments/{comment_id}', 'installation', (request) => {
    const comment = ownCommentFor(request);
    request.ctx.state.commitComments.delete(comment.id);
    return { status: 204 };
  }),

  route('GET', '/repos/{owner}/{repo}/comments/{comment_id}/reactions', 'installation', (request) => {
    const comment = commentFor(request, 'read');
    const content = request.query.get('content');
    const reactions = comment.reactions.filter((r) => !content || r.content === content);
    return pageOf(request, reactions, (reaction) => reactionShape(request.ctx.state, reaction));
  }),

  route('POST', '/repos/{owner}/{repo}/comments/{comment_id}/reactions', 'installation', (request) => {
    const comment = commentFor(request, 'write');
    const { content } = bodyOf<{ content: ReactionContent }>(request);
    const { reaction, created } = addReaction(request.ctx.state, comment, content, actorOf(request));
    return { status: created ? 201 : 200, body: reactionShape(request.ctx.state, reaction) };
  }),

  route('DELETE', '/repos/{owner}/{repo}/comments/{comment_id}/reactions/{reaction_id}', 'installation', (request) => {
    const comment = commentFor(request, 'write');
    const reactionId = intParam(request, 'reaction_id');
    const reaction = comment.reactions.find((r) => r.id === reactionId);
    if (!reaction || reaction.user !== actorOf(request)) throw notFound();
    comment.reactions = comment.reactions.filter((r) => r !== reaction);
    return { status: 204 };
  }),
];

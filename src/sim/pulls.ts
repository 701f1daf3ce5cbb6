/**
 * Pull requests: JSON shapes (full, minimal, `diff-entry` files) and the
 * `pull_request` webhook.
 */
import { emitRepoEvent, type SimContext } from './context.ts';
import type { FileChange } from './git.ts';
import { authorAssociation } from './issues.ts';
import type { Account, Issue, PullRequest, PullRequestSide, Repository } from './model.ts';
import { repoShape, userShape, type Json } from './shapes.ts';
import type { SimState } from './state.ts';
import { isoTime } from './time-format.ts';

function pullOf(issue: Issue): PullRequest {
  if (!issue.pull) throw new Error(`#${issue.number} is not a pull request`);
  return issue.pull;
}

/** `pull-request-minimal`, as check runs and workflow runs list their PRs. */
export function pullRequestRefShape(state: SimState, issue: Issue): Json {
  const pull = pullOf(issue);
  const side = (s: PullRequestSide): Json => ({
    ref: s.ref,
    sha: s.sha,
    repo: { id: s.repo.id, url: `${state.urls.api}/repos/${s.repo.fullName}`, name: s.repo.name },
  });
  return {
    id: pull.id,
    number: issue.number,
    url: `${state.urls.api}/repos/${issue.repo.fullName}/pulls/${issue.number}`,
    head: side(pull.head),
    base: side(pull.base),
  };
}

/** The files a pull request changes: merge base of base and head → head. */
export function pullRequestFiles(state: SimState, pull: PullRequest): FileChange[] {
  const base = state.git.mergeBase(pull.base.sha, pull.head.sha) ?? pull.base.sha;
  const head = state.git.commit(pull.head.sha);
  if (!head) return [];
  return state.git.diff(state.git.commit(base)?.files, head.files);
}

/** `diff-entry`. */
export function diffEntryShape(state: SimState, repo: Repository, change: FileChange, ref: string): Json {
  const { urls } = state;
  const path = change.filename.split('/').map(encodeURIComponent).join('/');
  return {
    sha: change.sha,
    filename: change.filename,
    status: change.status,
    additions: change.additions,
    deletions: change.deletions,
    changes: change.additions + change.deletions,
    blob_url: `${urls.web}/${repo.fullName}/blob/${ref}/${path}`,
    raw_url: `${urls.web}/${repo.fullName}/raw/${ref}/${path}`,
    contents_url: `${urls.api}/repos/${repo.fullName}/contents/${path}?ref=${ref}`,
    ...(change.patch !== undefined ? { patch: change.patch } : {}),
  };
}

/** `pull-request` (GET /pulls/{n} and webhooks). */
export function pullRequestShape(state: SimState, issue: Issue): Json {
  const pull = pullOf(issue);
  const { urls } = state;
  const repoApi = `${urls.api}/repos/${issue.repo.fullName}`;
  const api = `${repoApi}/pulls/${issue.number}`;
  const web = `${urls.web}/${issue.repo.fullName}/pull/${issue.number}`;
  const files = pullRequestFiles(state, pull);
  const commits = state.git.commitsBetween(pull.base.sha, pull.head.sha).length;
  const side = (s: PullRequestSide): Json => ({
    label: `${s.repo.owner.login}:${s.ref}`,
    ref: s.ref,
    sha: s.sha,
    user: userShape(urls, s.repo.owner),
    repo: repoShape(urls, s.repo),
  });
  const link = (href: string): Json => ({ href });
  return {
    url: api,
    id: pull.id,
    node_id: pull.nodeId,
    html_url: web,
    diff_url: `${web}.diff`,
    patch_url: `${web}.patch`,
    issue_url: `${repoApi}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    locked: false,
    title: issue.title,
    user: userShape(urls, issue.user),
    body: issue.body,
    created_at: isoTime(issue.createdAt),
    updated_at: isoTime(issue.updatedAt),
    closed_at: issue.closedAt === null ? null : isoTime(issue.closedAt),
    merged_at: pull.mergedAt === null ? null : isoTime(pull.mergedAt),
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    labels: [],
    milestone: null,
    draft: pull.draft,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${repoApi}/pulls/comments{/number}`,
    comments_url: `${repoApi}/issues/${issue.number}/comments`,
    statuses_url: `${repoApi}/statuses/${pull.head.sha}`,
    head: side(pull.head),
    base: side(pull.base),
    _links: {
      self: link(api),
      html: link(web),
      issue: link(`${repoApi}/issues/${issue.number}`),
      comments: link(`${repoApi}/issues/${issue.number}/comments`),
      review_comments: link(`${api}/comments`),
      review_comment: link(`${repoApi}/pulls/comments{/number}`),
      commits: link(`${api}/commits`),
      statuses: link(`${repoApi}/statuses/${pull.head.sha}`),
    },
    author_association: authorAssociation(state, issue.repo, issue.user),
    auto_merge: null,
    active_lock_reason: null,
    merged: pull.mergedAt !== null,
    mergeable: issue.state === 'open' ? true : null,
    rebaseable: issue.state === 'open' ? true : null,
    mergeable_state: issue.state === 'open' ? 'clean' : 'unknown',
    merged_by: null,
    comments: issue.comments.length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits,
    additions: files.reduce((sum, f) => sum + f.additions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
    changed_files: files.length,
  };
}

/** Sends `pull_request.<action>`. */
export function emitPullRequest(ctx: SimContext, issue: Issue, action: string, sender: Account, extra: Json = {}): void {
  emitRepoEvent(
    ctx,
    issue.repo,
    'pull_request',
    { action, number: issue.number, ...extra, pull_request: pullRequestShape(ctx.state, issue) },
    { sender },
  );
}

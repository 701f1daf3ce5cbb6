/**
 * Setup (not HTTP): repositories and pushes. A push changes refs and sends the
 * `push` webhook GitHub would (plus `pull_request.synchronize` for open pull
 * requests whose head moved).
 */
import { emitRepoEvent, type SimContext } from './context.ts';
import type { FileContent, GitCommit, GitPerson } from './git.ts';
import { nodeId } from './identity.ts';
import type { Account, Repository } from './model.ts';
import { emitPullRequest } from './pulls.ts';
import { createOrg } from './setup-accounts.ts';
import { type Json } from './shapes.ts';
import { isoTime } from './time-format.ts';
import type { WebhookDelivery } from './webhooks.ts';
import { registerWorkflows } from './workflows.ts';

const ZERO_SHA = '0000000000000000000000000000000000000000';

export interface RepoOptions {
  /** `owner` is an organisation (created, with the app installed, when new) or an existing user. */
  owner: string;
  name: string;
  defaultBranch?: string;
  /** path → content of the first commit. */
  files?: Record<string, FileContent>;
  private?: boolean;
  description?: string;
}

export interface PushCommit {
  files: Record<string, FileContent | null>;
  message?: string;
}

export interface PushOptions {
  /** `owner/name`. */
  repo: string;
  /** Push to this branch (created from `from` or the default branch when new)... */
  branch?: string;
  /** ...or create this tag (at `from`, default: the default branch's head). */
  tag?: string;
  /** Added or changed files; `null` deletes one. One commit. */
  files?: Record<string, FileContent | null>;
  /** Several commits in one push (instead of `files`). */
  commits?: PushCommit[];
  message?: string;
  /** Login of the pusher and commit author (default: the repository owner's first member, else `octocat`). */
  author?: string;
  /** Base for a new branch or a tag: branch, tag or sha. */
  from?: string;
  /** Delete the branch or tag. */
  delete?: boolean;
  /** Move the branch to this existing commit (e.g. a merge commit) instead of committing. */
  to?: string;
}

export interface PushResult {
  sha: string;
  before: string;
  /** The `push` delivery (undefined when no app is installed on the owner). */
  delivery: WebhookDelivery | undefined;
  deliveries: WebhookDelivery[];
  commits: GitCommit[];
}

/** The person behind a login, as a git author at the current sim time. */
export function personOf(ctx: SimContext, login: string): { account: Account; person: GitPerson } {
  const account = ctx.state.ensureAccount(login);
  return {
    account,
    person: { name: account.login, email: account.email ?? `${account.login}@users.noreply.github.com`, login: account.login, date: ctx.state.now() },
  };
}

/** The default actor for setup calls on a repository. */
export function defaultActor(ctx: SimContext, repo: Repository): string {
  const org = ctx.state.org(repo.owner.login);
  const first = org ? [...org.members.keys()][0] : undefined;
  if (first) return ctx.state.account(first)?.login ?? first;
  return repo.owner.type === 'User' ? repo.owner.login : 'octocat';
}

/** Creates a repository with one initial commit on the default branch (no webhook, like repo creation). */
export function createRepo(ctx: SimContext, options: RepoOptions, parent?: Repository): Repository {
  const { state } = ctx;
  if (state.findRepo(`${options.owner}/${options.name}`)) throw new Error(`repository ${options.owner}/${options.name} exists`);
  const owner = state.account(options.owner) ?? createOrg(ctx, options.owner, {}, [ctx.mainApp]).account;
  const id = state.ids.next('repository');
  const now = state.now();
  const defaultBranch = options.defaultBranch ?? parent?.defaultBranch ?? 'main';
  const repo: Repository = {
    id,
    nodeId: nodeId('Repository', id),
    owner,
    name: options.name,
    fullName: `${owner.login}/${options.name}`,
    private: options.private ?? parent?.private ?? false,
    description: options.description ?? null,
    defaultBranch,
    branches: new Map(),
    tags: new Map(),
    parent,
    createdAt: now,
    updatedAt: now,
    pushedAt: now,
    collaborators: new Map(),
    nextNumber: 1,
    workflows: new Map(),
    network: parent?.network ?? new Set(),
  };
  state.addRepo(repo);
  if (parent) {
    const head = parent.branches.get(parent.defaultBranch);
    if (head) repo.branches.set(defaultBranch, head);
  } else {
    const files = options.files && Object.keys(options.files).length ? options.files : { 'README.md': `# ${options.name}\n` };
    const { person } = personOf(ctx, owner.type === 'User' ? owner.login : 'octocat');
    const commit = state.git.createCommit({ parent: undefined, changes: files, message: 'Initial commit', author: person });
    repo.branches.set(defaultBranch, commit.sha);
    repo.network.add(commit.sha);
    registerWorkflows(state, repo, commit.sha);
  }
  return repo;
}

/** Finds (or creates) the fork of `parent` owned by `login`. */
export function forkOf(ctx: SimContext, parent: Repository, login: string): Repository {
  const existing = ctx.state.findRepo(`${login}/${parent.name}`);
  if (existing) return existing;
  ctx.state.ensureAccount(login);
  return createRepo(ctx, { owner: login, name: parent.name }, parent);
}

function commitEntry(ctx: SimContext, repo: Repository, commit: GitCommit): Json {
  const { git, urls } = ctx.state;
  const parent = commit.parents[0] ? git.commit(commit.parents[0]) : undefined;
  const changes = git.diff(parent?.files, commit.files);
  const who = (p: GitPerson): Json => ({ name: p.name, email: p.email, ...(p.login ? { username: p.login } : {}) });
  return {
    id: commit.sha,
    tree_id: commit.treeSha,
    distinct: true,
    message: commit.message,
    timestamp: isoTime(commit.committer.date),
    url: `${urls.web}/${repo.fullName}/commit/${commit.sha}`,
    author: who(commit.author),
    committer: who(commit.committer),
    added: changes.filter((c) => c.status === 'added').map((c) => c.filename),
    removed: changes.filter((c) => c.status === 'removed').map((c) => c.filename),
    modified: changes.filter((c) => c.status === 'modified').map((c) => c.filename),
  };
}

function emitPush(
  ctx: SimContext,
  repo: Repository,
  input: { ref: string; before: string; after: string; created: boolean; deleted: boolean; baseRef: string | null; commits: GitCommit[]; pusher: Account },
): WebhookDelivery[] {
  const { state } = ctx;
  const head = input.deleted ? undefined : state.git.commit(input.after);
  const web = `${state.urls.web}/${repo.fullName}`;
  const shortName = input.ref.replace(/^refs\/(heads|tags)\//, '');
  const compare = input.created
    ? `${web}/compare/${shortName}`
    : input.deleted
      ? `${web}/compare/${input.before.slice(0, 12)}...${ZERO_SHA.slice(0, 12)}`
      : `${web}/compare/${input.before.slice(0, 12)}...${input.after.slice(0, 12)}`;
  const listed = input.commits.slice(-ctx.options.pushCommitLimit);
  const headEntry = head ? commitEntry(ctx, repo, head) : null;
  return emitRepoEvent(
    ctx,
    repo,
    'push',
    {
      ref: input.ref,
      before: input.before,
      after: input.after,
      created: input.created,
      deleted: input.deleted,
      forced: false,
      base_ref: input.baseRef,
      compare,
      commits: listed.map((c) => commitEntry(ctx, repo, c)),
      head_commit: headEntry,
      pusher: { name: input.pusher.login, email: input.pusher.email },
    },
    { sender: input.pusher, pushRepository: true },
  );
}

/** Moves a branch of `repo` (sending `push` and, for open PRs with that head, `pull_request.synchronize`). */
export function push(ctx: SimContext, options: PushOptions): PushResult {
  const { state } = ctx;
  const repo = state.findRepo(options.repo);
  if (!repo) throw new Error(`no repository ${options.repo}`);
  const { account: pusher, person } = personOf(ctx, options.author ?? defaultActor(ctx, repo));
  const fromSha = (ref: string | undefined): string => {
    const sha = state.resolveRef(repo, ref ?? repo.defaultBranch);
    if (!sha) throw new Error(`unknown ref ${ref ?? repo.defaultBranch} in ${repo.fullName}`);
    return sha;
  };

  if (options.tag !== undefined) {
    const ref = `refs/tags/${options.tag}`;
    const before = repo.tags.get(options.tag) ?? ZERO_SHA;
    if (options.delete) {
      if (before === ZERO_SHA) throw new Error(`no tag ${options.tag}`);
      repo.tags.delete(options.tag);
      const deliveries = emitPush(ctx, repo, { ref, before, after: ZERO_SHA, created: false, deleted: true, baseRef: null, commits: [], pusher });
      return { sha: ZERO_SHA, before, delivery: deliveries[0], deliveries, commits: [] };
    }
    const sha = fromSha(options.from);
    repo.tags.set(options.tag, sha);
    repo.pushedAt = state.now();
    const branch = [...repo.branches.entries()].find(([, head]) => head === sha)?.[0];
    const deliveries = emitPush(ctx, repo, {
      ref,
      before,
      after: sha,
      created: before === ZERO_SHA,
      deleted: false,
      baseRef: branch ? `refs/heads/${branch}` : null,
      commits: [],
      pusher,
    });
    return { sha, before, delivery: deliveries[0], deliveries, commits: [] };
  }

  const branch = options.branch ?? repo.defaultBranch;
  const ref = `refs/heads/${branch}`;
  const existing = repo.branches.get(branch);
  if (options.delete) {
    if (!existing) throw new Error(`no branch ${branch}`);
    repo.branches.delete(branch);
    const deliveries = emitPush(ctx, repo, { ref, before: existing, after: ZERO_SHA, created: false, deleted: true, baseRef: null, commits: [], pusher });
    return { sha: ZERO_SHA, before: existing, delivery: deliveries[0], deliveries, commits: [] };
  }
  const start = existing ?? fromSha(options.from);
  const batches: PushCommit[] = options.commits ?? (options.files ? [{ files: options.files, message: options.message ?? 'Update files' }] : []);
  let head = start;
  const created: GitCommit[] = [];
  if (options.to !== undefined) {
    if (!state.git.commit(options.to)) throw new Error(`unknown commit ${options.to}`);
    created.push(...state.git.commitsBetween(start, options.to));
    head = options.to;
  }
  for (const [index, batch] of batches.entries()) {
    const commit = state.git.createCommit({
      parent: head,
      changes: batch.files,
      message: batch.message ?? options.message ?? `Commit ${index + 1}`,
      author: person,
    });
    created.push(commit);
    head = commit.sha;
  }
  repo.branches.set(branch, head);
  for (const commit of created) repo.network.add(commit.sha);
  repo.pushedAt = state.now();
  registerWorkflows(state, repo, head);
  const before = existing ?? ZERO_SHA;
  const deliveries = emitPush(ctx, repo, {
    ref,
    before,
    after: head,
    created: existing === undefined,
    deleted: false,
    baseRef: null,
    commits: created,
    pusher,
  });
  synchronizePullRequests(ctx, repo, branch, existing ?? start, head, pusher);
  return { sha: head, before, delivery: deliveries[0], deliveries, commits: created };
}

/** Open PRs whose head is `repo:branch` follow the branch and get `synchronize`. */
function synchronizePullRequests(ctx: SimContext, headRepo: Repository, branch: string, before: string, after: string, sender: Account): void {
  if (before === after) return;
  for (const repo of [headRepo, ...(headRepo.parent ? [headRepo.parent] : [])]) {
    for (const issue of ctx.state.issuesOf(repo).values()) {
      const pull = issue.pull;
      if (!pull || issue.state !== 'open' || pull.head.repo !== headRepo || pull.head.ref !== branch) continue;
      pull.head.sha = after;
      pull.base.sha = pull.base.repo.branches.get(pull.base.ref) ?? pull.base.sha;
      issue.updatedAt = ctx.state.now();
      emitPullRequest(ctx, issue, 'synchronize', sender, { before, after });
    }
  }
}


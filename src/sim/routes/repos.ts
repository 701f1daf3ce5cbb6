/** Repositories: metadata, contents, commits, compare, branches, refs. */
import { GitHubApiError, notFound } from '../errors.ts';
import type { GitCommit } from '../git.ts';
import type { Repository } from '../model.ts';
import { paginate } from '../pagination.ts';
import { diffEntryShape, pullRequestShape } from '../pulls.ts';
import { pageOf, repoFor, route, type RouteDefinition, type RouteRequest, type RouteResponse } from '../router.ts';
import { commitShape, repoShape } from '../shapes.ts';
import type { SimState } from '../state.ts';

const CONTENTS_DOCS = 'https://docs.github.com/rest/repos/contents#get-repository-content';

function commitJson(state: SimState, repo: Repository, commit: GitCommit, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const find = (login: string | undefined) => (login ? state.account(login) : undefined);
  return commitShape(state.urls, repo, commit, { author: find(commit.author.login), committer: find(commit.committer.login) }, extra);
}

function resolveOrFail(state: SimState, repo: Repository, ref: string, message: string): GitCommit {
  const sha = state.resolveRef(repo, ref);
  const commit = sha ? state.git.commit(sha) : undefined;
  if (!commit) throw new GitHubApiError(message === 'Not Found' ? 404 : 422, message);
  return commit;
}

function contents(request: RouteRequest): RouteResponse {
  const { state } = request.ctx;
  const repo = repoFor(request, 'read');
  const path = (request.params.path ?? '').replace(/^\/+|\/+$/g, '');
  const ref = request.query.get('ref') ?? repo.defaultBranch;
  const sha = state.resolveRef(repo, ref);
  const commit = sha ? state.git.commit(sha) : undefined;
  if (!commit) throw new GitHubApiError(404, `No commit found for the ref ${ref}`, { documentationUrl: CONTENTS_DOCS });
  const api = `${state.urls.api}/repos/${repo.fullName}`;
  const web = `${state.urls.web}/${repo.fullName}`;
  const accept = String(request.headers.accept ?? '');
  const blobSha = commit.files.get(path);
  if (blobSha) {
    const content = state.git.blob(blobSha) ?? Buffer.alloc(0);
    if (/\.raw/.test(accept)) return { status: 200, raw: { data: content, contentType: 'application/vnd.github.raw; charset=utf-8' } };
    const self = `${api}/contents/${path}?ref=${encodeURIComponent(ref)}`;
    return {
      status: 200,
      body: {
        type: 'file',
        encoding: 'base64',
        size: content.length,
        name: path.split('/').pop() ?? path,
        path,
        content: (content.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
        sha: blobSha,
        url: self,
        git_url: `${api}/git/blobs/${blobSha}`,
        html_url: `${web}/blob/${ref}/${path}`,
        download_url: `${state.urls.web}/raw/${repo.fullName}/${ref}/${path}`,
        _links: { self, git: `${api}/git/blobs/${blobSha}`, html: `${web}/blob/${ref}/${path}` },
      },
    };
  }
  // A directory: list its direct children.
  const prefix = path ? `${path}/` : '';
  const children = new Map<string, { type: 'file' | 'dir'; sha: string }>();
  for (const [file, fileSha] of commit.files) {
    if (!file.startsWith(prefix)) continue;
    const rest = file.slice(prefix.length);
    const [head, ...tail] = rest.split('/');
    if (!head) continue;
    if (tail.length) {
      if (!children.has(head)) {
        const subtree = new Map([...commit.files].filter(([f]) => f.startsWith(`${prefix}${head}/`)).map(([f, s]) => [f.slice(prefix.length + head.length + 1), s]));
        children.set(head, { type: 'dir', sha: state.git.treeSha(subtree) });
      }
    } else children.set(head, { type: 'file', sha: fileSha });
  }
  if (!children.size) throw new GitHubApiError(404, 'Not Found', { documentationUrl: CONTENTS_DOCS });
  if (/\.raw/.test(accept)) throw new GitHubApiError(404, 'Not Found', { documentationUrl: CONTENTS_DOCS });
  const entries = [...children.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, entry]) => {
    const entryPath = `${prefix}${name}`;
    const self = `${api}/contents/${entryPath}?ref=${encodeURIComponent(ref)}`;
    const gitUrl = `${api}/git/${entry.type === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`;
    const htmlUrl = `${web}/${entry.type === 'dir' ? 'tree' : 'blob'}/${ref}/${entryPath}`;
    return {
      type: entry.type,
      size: entry.type === 'file' ? (state.git.blob(entry.sha)?.length ?? 0) : 0,
      name,
      path: entryPath,
      sha: entry.sha,
      url: self,
      git_url: gitUrl,
      html_url: htmlUrl,
      download_url: entry.type === 'file' ? `${state.urls.web}/raw/${repo.fullName}/${ref}/${entryPath}` : null,
      _links: { self, git: gitUrl, html: htmlUrl },
    };
  });
  return { status: 200, body: entries };
}

function compare(request: RouteRequest): RouteResponse {
  const { state } = request.ctx;
  const repo = repoFor(request, 'read');
  const basehead = request.params.basehead ?? '';
  const split = basehead.includes('...') ? basehead.split('...') : basehead.split('..');
  const [baseRef, headRef] = split;
  if (split.length !== 2 || !baseRef || !headRef) throw new GitHubApiError(404, 'Not Found');
  const resolveSide = (ref: string): GitCommit => {
    // `owner:branch` refers to a branch of a fork in the same network.
    const fork = /^([^:]+):(.+)$/.exec(ref);
    const target = fork ? state.findRepo(`${fork[1]}/${repo.name}`) : repo;
    const commit = target ? resolveOrFail(state, target, fork?.[2] ?? ref, 'Not Found') : undefined;
    if (!commit) throw new GitHubApiError(404, 'Not Found');
    return commit;
  };
  const base = resolveSide(baseRef);
  const head = resolveSide(headRef);
  const mergeBaseSha = state.git.mergeBase(base.sha, head.sha);
  if (!mergeBaseSha) throw new GitHubApiError(404, `No common ancestor between ${baseRef} and ${headRef}.`);
  const mergeBase = state.git.commit(mergeBaseSha) as GitCommit;
  const ahead = state.git.commitsBetween(base.sha, head.sha);
  const behind = state.git.commitsBetween(head.sha, base.sha);
  const status = !ahead.length && !behind.length ? 'identical' : !behind.length ? 'ahead' : !ahead.length ? 'behind' : 'diverged';
  const paginated = request.query.has('page') || request.query.has('per_page');
  const page = paginated ? paginate(ahead, { url: request.url, defaultPerPage: 250, maxPerPage: 250 }) : { items: ahead.slice(0, 250), link: undefined };
  const onFirstPage = !paginated || Number(request.query.get('page') ?? 1) <= 1;
  const files = onFirstPage ? state.git.diff(mergeBase.files, head.files).slice(0, 300) : [];
  const web = `${state.urls.web}/${repo.fullName}`;
  return {
    status: 200,
    ...(page.link ? { headers: { link: page.link } } : {}),
    body: {
      url: `${state.urls.api}/repos/${repo.fullName}/compare/${basehead}`,
      html_url: `${web}/compare/${basehead}`,
      permalink_url: `${web}/compare/${repo.owner.login}:${base.sha.slice(0, 7)}...${repo.owner.login}:${head.sha.slice(0, 7)}`,
      diff_url: `${web}/compare/${basehead}.diff`,
      patch_url: `${web}/compare/${basehead}.patch`,
      base_commit: commitJson(state, repo, base),
      merge_base_commit: commitJson(state, repo, mergeBase),
      status,
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      commits: page.items.map((c) => commitJson(state, repo, c)),
      files: files.map((f) => diffEntryShape(state, repo, f, head.sha)),
    },
  };
}

export const repoRoutes: RouteDefinition[] = [
  route('GET', '/repos/{owner}/{repo}', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    const shape = repoShape(request.ctx.state.urls, repo, { full: true });
    const installation = request.caller.kind === 'installation' ? request.caller.token.installation : undefined;
    const installed = installation?.account === repo.owner;
    shape.permissions = { admin: false, maintain: false, push: installed, triage: installed, pull: true };
    return { status: 200, body: shape };
  }),

  route('GET', '/repos/{owner}/{repo}/contents/{path}', 'installation', contents),

  route('GET', '/repos/{owner}/{repo}/compare/{basehead}', 'installation', compare),

  route('GET', '/repos/{owner}/{repo}/commits/{ref}', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const ref = request.params.ref ?? '';
    const commit = resolveOrFail(state, repo, ref, `No commit found for SHA: ${ref}`);
    const parent = commit.parents[0] ? state.git.commit(commit.parents[0]) : undefined;
    const files = state.git.diff(parent?.files, commit.files);
    const additions = files.reduce((sum, f) => sum + f.additions, 0);
    const deletions = files.reduce((sum, f) => sum + f.deletions, 0);
    return {
      status: 200,
      body: commitJson(state, repo, commit, {
        stats: { total: additions + deletions, additions, deletions },
        files: files.map((f) => diffEntryShape(state, repo, f, commit.sha)),
      }),
    };
  }),

  route('GET', '/repos/{owner}/{repo}/commits/{commit_sha}/pulls', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const commit = resolveOrFail(state, repo, request.params.commit_sha ?? '', `No commit found for SHA: ${request.params.commit_sha ?? ''}`);
    const pulls = [...state.issuesOf(repo).values()].filter((issue) => {
      if (!issue.pull) return false;
      return issue.pull.head.sha === commit.sha || state.git.ancestors(issue.pull.head.sha).has(commit.sha);
    });
    return { status: 200, body: pulls.map((issue) => pullRequestShape(state, issue)) };
  }),

  route('GET', '/repos/{owner}/{repo}/branches/{branch}', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const name = request.params.branch ?? '';
    const sha = repo.branches.get(name);
    const commit = sha ? state.git.commit(sha) : undefined;
    if (!commit) throw new GitHubApiError(404, 'Branch not found');
    const api = `${state.urls.api}/repos/${repo.fullName}`;
    return {
      status: 200,
      body: {
        name,
        commit: commitJson(state, repo, commit),
        _links: { self: `${api}/branches/${name}`, html: `${state.urls.web}/${repo.fullName}/tree/${name}` },
        protected: false,
        protection: { enabled: false, required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] } },
        protection_url: `${api}/branches/${name}/protection`,
      },
    };
  }),

  route('GET', '/repos/{owner}/{repo}/branches', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const api = `${state.urls.api}/repos/${repo.fullName}`;
    const branches = [...repo.branches.entries()].sort(([a], [b]) => a.localeCompare(b));
    return pageOf(request, branches, ([name, sha]) => ({ name, commit: { sha, url: `${api}/commits/${sha}` }, protected: false }));
  }),

  route('GET', '/repos/{owner}/{repo}/git/blobs/{file_sha}', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const sha = request.params.file_sha ?? '';
    const blob = state.git.blob(sha);
    if (!blob) throw notFound();
    return {
      status: 200,
      body: {
        sha,
        node_id: Buffer.from(`Blob:${repo.id}:${sha}`).toString('base64'),
        size: blob.length,
        url: `${state.urls.api}/repos/${repo.fullName}/git/blobs/${sha}`,
        content: (blob.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n',
        encoding: 'base64',
      },
    };
  }),

  route('GET', '/repos/{owner}/{repo}/git/ref/{ref}', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const ref = request.params.ref ?? '';
    const sha = ref.startsWith('heads/') ? repo.branches.get(ref.slice(6)) : ref.startsWith('tags/') ? repo.tags.get(ref.slice(5)) : undefined;
    if (!sha) throw notFound();
    const api = `${state.urls.api}/repos/${repo.fullName}`;
    return {
      status: 200,
      body: {
        ref: `refs/${ref}`,
        node_id: Buffer.from(`Ref:${repo.id}:${ref}`).toString('base64'),
        url: `${api}/git/refs/${ref}`,
        object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
      },
    };
  }),
];

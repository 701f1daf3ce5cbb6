/**
 * GraphQL resolvers over the simulator's state: plain objects whose fields are
 * values or functions of the field's arguments, as graphql-js's default field
 * resolver reads them. Abstract types (`GitObject`) carry `__typename`.
 */
import type { SimContext } from '../context.ts';
import type { GitCommit } from '../git.ts';
import type { Installation, Issue, Repository } from '../model.ts';
import { pullRequestFiles } from '../pulls.ts';

/**
 * An error GitHub reports in the response's `errors` array with a `type`
 * (`NOT_FOUND`, `EXCESSIVE_PAGINATION`…); the field it was raised for is null.
 */
export class GraphqlDataError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.name = 'GraphqlDataError';
    this.type = type;
  }
}

/** Blob texts longer than this many bytes are cut, with `isTruncated: true` (the sim's choice of limit). */
export const BLOB_TEXT_LIMIT = 512 * 1024;

const PAGE_LIMIT = 100;
const BLOB_MODE = 0o100644;
const TREE_MODE = 0o40000;

type View = Record<string, unknown>;

/** The query root for one caller: repositories its installation covers, and public ones. */
export function queryRoot(ctx: SimContext, installation: Installation | undefined): View {
  return {
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repo = ctx.state.findRepo(`${owner}/${name}`);
      const visible = repo !== undefined && (installation?.account === repo.owner || !repo.private);
      if (!repo || !visible) throw new GraphqlDataError('NOT_FOUND', `Could not resolve to a Repository with the name '${owner}/${name}'.`);
      return repositoryView(ctx, repo);
    },
  };
}

function repositoryView(ctx: SimContext, repo: Repository): View {
  return {
    name: repo.name,
    nameWithOwner: repo.fullName,
    isPrivate: repo.private,
    object: ({ expression, oid }: { expression?: string | null; oid?: string | null }) => {
      if (typeof expression === 'string') return objectAtExpression(ctx, repo, expression);
      if (typeof oid === 'string') return objectById(ctx, repo, oid);
      return null;
    },
    pullRequest: ({ number }: { number: number }) => {
      const issue = ctx.state.issuesOf(repo).get(number);
      if (!issue?.pull) throw new GraphqlDataError('NOT_FOUND', `Could not resolve to a PullRequest with the number of ${number}.`);
      return pullRequestView(ctx, issue);
    },
  };
}

/** `rev`, `rev:path` or `:path` (rev defaults to the default branch), as `git rev-parse` reads them. */
function objectAtExpression(ctx: SimContext, repo: Repository, expression: string): View | null {
  const colon = expression.indexOf(':');
  const rev = colon < 0 ? expression : expression.slice(0, colon);
  const sha = ctx.state.resolveRef(repo, rev === '' || rev === 'HEAD' ? repo.defaultBranch : rev);
  const commit = sha ? ctx.state.git.commit(sha) : undefined;
  if (!commit) return null;
  if (colon < 0) return commitView(ctx, commit);
  const path = expression.slice(colon + 1).replace(/^\/+|\/+$/g, '');
  const blob = commit.files.get(path);
  if (blob) return blobView(ctx, blob);
  const prefix = path === '' ? '' : `${path}/`;
  if (prefix !== '' && ![...commit.files.keys()].some((file) => file.startsWith(prefix))) return null;
  return treeView(ctx, commit, prefix);
}

function objectById(ctx: SimContext, repo: Repository, oid: string): View | null {
  const commit = ctx.state.git.commit(oid);
  if (commit) return ctx.state.isInRepoNetwork(repo, commit.sha) ? commitView(ctx, commit) : null;
  return ctx.state.git.blob(oid) ? blobView(ctx, oid) : null;
}

function commitView(ctx: SimContext, commit: GitCommit): View {
  return {
    __typename: 'Commit',
    oid: commit.sha,
    abbreviatedOid: commit.sha.slice(0, 7),
    message: commit.message,
    tree: () => treeView(ctx, commit, ''),
  };
}

function blobView(ctx: SimContext, oid: string): View {
  const content = ctx.state.git.blob(oid) ?? Buffer.alloc(0);
  const binary = content.includes(0);
  return {
    __typename: 'Blob',
    oid,
    abbreviatedOid: oid.slice(0, 7),
    byteSize: content.length,
    isBinary: binary,
    isTruncated: !binary && content.length > BLOB_TEXT_LIMIT,
    text: () => (binary ? null : content.subarray(0, BLOB_TEXT_LIMIT).toString('utf8')),
  };
}

/** The tree of the directory `prefix` (`''` for the root, else ending in `/`) of a commit. */
function treeView(ctx: SimContext, commit: GitCommit, prefix: string): View {
  const { git } = ctx.state;
  const below = new Map<string, string>();
  for (const [file, sha] of commit.files) if (file.startsWith(prefix)) below.set(file.slice(prefix.length), sha);
  const oid = prefix === '' ? commit.treeSha : git.treeSha(below);
  return {
    __typename: 'Tree',
    oid,
    abbreviatedOid: oid.slice(0, 7),
    entries: () => {
      const entries = new Map<string, View>();
      for (const [rest, sha] of below) {
        const slash = rest.indexOf('/');
        const name = slash < 0 ? rest : rest.slice(0, slash);
        if (entries.has(name)) continue;
        const path = `${prefix}${name}`;
        if (slash < 0) {
          const size = git.blob(sha)?.length ?? 0;
          const dot = name.lastIndexOf('.');
          entries.set(name, { name, path, oid: sha, type: 'blob', mode: BLOB_MODE, size, extension: dot > 0 ? name.slice(dot) : '', object: () => blobView(ctx, sha) });
        } else {
          const tree = treeView(ctx, commit, `${path}/`);
          entries.set(name, { name, path, oid: tree.oid, type: 'tree', mode: TREE_MODE, size: 0, extension: '', object: tree });
        }
      }
      // git's order: a directory sorts as its name with a trailing slash.
      const key = (entry: View) => `${String(entry.name)}${entry.type === 'tree' ? '/' : ''}`;
      return [...entries.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    },
  };
}

function pullRequestView(ctx: SimContext, issue: Issue): View {
  const pull = issue.pull;
  if (!pull) throw new GraphqlDataError('NOT_FOUND', `Could not resolve to a PullRequest with the number of ${issue.number}.`);
  const files = () => pullRequestFiles(ctx.state, pull);
  const changeType = { added: 'ADDED', removed: 'DELETED', modified: 'MODIFIED' } as const;
  return {
    number: issue.number,
    title: issue.title,
    state: issue.state === 'open' ? 'OPEN' : pull.mergedAt !== null ? 'MERGED' : 'CLOSED',
    isDraft: pull.draft,
    merged: pull.mergedAt !== null,
    headRefName: pull.head.ref,
    headRefOid: pull.head.sha,
    baseRefName: pull.base.ref,
    baseRefOid: pull.base.sha,
    isCrossRepository: pull.head.repo !== pull.base.repo,
    changedFiles: () => files().length,
    files: (args: ConnectionArgs) =>
      connection(
        files().map((file) => ({ path: file.filename, additions: file.additions, deletions: file.deletions, changeType: changeType[file.status] })),
        args,
        'files',
      ),
  };
}

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

const cursorOf = (index: number): string => Buffer.from(`sim-cursor:${index}`).toString('base64');

function indexOfCursor(cursor: string): number {
  const match = /^sim-cursor:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!match) throw new GraphqlDataError('INVALID_CURSOR_ARGUMENTS', `\`${cursor}\` does not appear to be a valid cursor.`);
  return Number(match[1]);
}

/** A Relay connection over `items`, with GitHub's rules: `first` or `last` required, at most 100. */
function connection(items: readonly View[], args: ConnectionArgs, name: string): View {
  const { first, last, after, before } = args;
  if (first == null && last == null) {
    throw new GraphqlDataError('MISSING_PAGINATION_BOUNDARIES', `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`);
  }
  for (const [arg, count] of [['first', first], ['last', last]] as const) {
    if (count == null) continue;
    if (count < 0) throw new GraphqlDataError('INVALID_PAGINATION', `\`${arg}\` on the \`${name}\` connection cannot be less than zero.`);
    if (count > PAGE_LIMIT) {
      throw new GraphqlDataError('EXCESSIVE_PAGINATION', `Requesting ${count} records on the \`${name}\` connection exceeds the \`${arg}\` limit of ${PAGE_LIMIT} records.`);
    }
  }
  let start = after != null ? indexOfCursor(after) + 1 : 0;
  let end = before != null ? Math.min(indexOfCursor(before), items.length) : items.length;
  if (first != null) end = Math.min(end, start + first);
  if (last != null) start = Math.max(start, end - last);
  const page = items.slice(start, end);
  return {
    nodes: page,
    edges: page.map((node, offset) => ({ cursor: cursorOf(start + offset), node })),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: page.length ? cursorOf(start) : null,
      endCursor: page.length ? cursorOf(end - 1) : null,
    },
    totalCount: items.length,
  };
}

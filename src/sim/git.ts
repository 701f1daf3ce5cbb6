/**
 * A content-addressed object store like git's: blobs, trees and commits get the
 * same sha1 ids git would give them, so `sha` fields in contents, trees and
 * commits behave like the real thing.
 */
import { createHash } from 'node:crypto';

/** File content as the simulator stores it. */
export type FileContent = string | Uint8Array;

export interface GitPerson {
  name: string;
  email: string;
  /** GitHub login, when the person has an account. */
  login?: string;
  /** Milliseconds since the epoch. */
  date: number;
}

export interface GitCommit {
  sha: string;
  treeSha: string;
  /** path → blob sha, for the whole tree. */
  files: ReadonlyMap<string, string>;
  parents: string[];
  message: string;
  author: GitPerson;
  committer: GitPerson;
}

/** How a path differs between two trees. */
export interface FileChange {
  filename: string;
  status: 'added' | 'removed' | 'modified';
  /** Blob sha on the new side (old side for removals). */
  sha: string;
  previousSha: string | undefined;
  additions: number;
  deletions: number;
  patch: string | undefined;
}

function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

function toBuffer(content: FileContent): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
}

/** sha1 of `blob <len>\0<content>`, as `git hash-object` computes it. */
export function blobSha(content: FileContent): string {
  const body = toBuffer(content);
  return sha1(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body]));
}

interface TreeNode {
  files: Map<string, string>;
  dirs: Map<string, TreeNode>;
}

function treeShaOf(node: TreeNode, trees: Map<string, Buffer>): string {
  const entries: Array<{ name: string; sortKey: string; mode: string; sha: string }> = [];
  for (const [name, sha] of node.files) entries.push({ name, sortKey: name, mode: '100644', sha });
  for (const [name, child] of node.dirs) {
    entries.push({ name, sortKey: `${name}/`, mode: '40000', sha: treeShaOf(child, trees) });
  }
  entries.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  const body = Buffer.concat(
    entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex')])),
  );
  const sha = sha1(Buffer.concat([Buffer.from(`tree ${body.length}\0`), body]));
  trees.set(sha, body);
  return sha;
}

function lines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function isText(content: Buffer): boolean {
  return !content.includes(0);
}

/** Line counts and a one-hunk unified patch between two texts (common prefix/suffix trimmed). */
function lineDiff(before: string, after: string): { additions: number; deletions: number; patch: string } {
  const a = lines(before);
  const b = lines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const removed = a.slice(start, endA);
  const added = b.slice(start, endB);
  const header = `@@ -${removed.length ? start + 1 : start},${removed.length} +${added.length ? start + 1 : start},${added.length} @@`;
  const patch = [header, ...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`)].join('\n');
  return { additions: added.length, deletions: removed.length, patch };
}

/** The simulator's object store (shared by all repositories, as shas are content addresses). */
export class GitStore {
  readonly #blobs = new Map<string, Buffer>();
  readonly #commits = new Map<string, GitCommit>();

  blob(sha: string): Buffer | undefined {
    return this.#blobs.get(sha);
  }

  commit(sha: string): GitCommit | undefined {
    return this.#commits.get(sha);
  }

  /** Finds a commit by full sha or an unambiguous prefix of at least 7 characters. */
  findCommit(shaOrPrefix: string): GitCommit | undefined {
    const exact = this.#commits.get(shaOrPrefix);
    if (exact || shaOrPrefix.length < 7 || !/^[0-9a-f]+$/.test(shaOrPrefix)) return exact;
    let found: GitCommit | undefined;
    for (const [sha, commit] of this.#commits) {
      if (!sha.startsWith(shaOrPrefix)) continue;
      if (found) return undefined;
      found = commit;
    }
    return found;
  }

  /** Stores a blob and returns its sha. */
  putBlob(content: FileContent): string {
    const sha = blobSha(content);
    if (!this.#blobs.has(sha)) this.#blobs.set(sha, toBuffer(content));
    return sha;
  }

  /**
   * Creates a commit on top of `parent` (or a root commit): `changes` adds or
   * replaces files, `null` deletes one.
   */
  createCommit(input: {
    parent: string | undefined;
    changes: Record<string, FileContent | null>;
    message: string;
    author: GitPerson;
    committer?: GitPerson;
    /** Further parents (a merge commit). */
    mergeParents?: string[];
  }): GitCommit {
    const base = input.parent ? this.#commits.get(input.parent) : undefined;
    if (input.parent && !base) throw new Error(`unknown parent commit ${input.parent}`);
    const files = new Map(base?.files ?? []);
    for (const [path, content] of Object.entries(input.changes)) {
      const clean = path.replace(/^\/+/, '');
      if (content === null) files.delete(clean);
      else files.set(clean, this.putBlob(content));
    }
    const treeSha = this.treeSha(files);
    const committer = input.committer ?? input.author;
    const stamp = (p: GitPerson): string => `${p.name} <${p.email}> ${Math.floor(p.date / 1000)} +0000`;
    const parents = [...(input.parent ? [input.parent] : []), ...(input.mergeParents ?? [])];
    const body = Buffer.from(
      [
        `tree ${treeSha}`,
        ...parents.map((p) => `parent ${p}`),
        `author ${stamp(input.author)}`,
        `committer ${stamp(committer)}`,
        '',
        input.message.endsWith('\n') ? input.message : `${input.message}\n`,
      ].join('\n'),
    );
    const sha = sha1(Buffer.concat([Buffer.from(`commit ${body.length}\0`), body]));
    const commit: GitCommit = {
      sha,
      treeSha,
      files,
      parents,
      message: input.message,
      author: input.author,
      committer,
    };
    if (!this.#commits.has(sha)) this.#commits.set(sha, commit);
    return this.#commits.get(sha) ?? commit;
  }

  /** The git tree sha of a path → blob-sha map. */
  treeSha(files: ReadonlyMap<string, string>): string {
    const root: TreeNode = { files: new Map(), dirs: new Map() };
    for (const [path, sha] of files) {
      const parts = path.split('/');
      const name = parts.pop() ?? path;
      let node = root;
      for (const dir of parts) {
        let child = node.dirs.get(dir);
        if (!child) {
          child = { files: new Map(), dirs: new Map() };
          node.dirs.set(dir, child);
        }
        node = child;
      }
      node.files.set(name, sha);
    }
    return treeShaOf(root, new Map());
  }

  /** Every commit reachable from `sha` (itself included). */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length) {
      const next = stack.pop();
      if (next === undefined || seen.has(next)) continue;
      seen.add(next);
      for (const parent of this.#commits.get(next)?.parents ?? []) stack.push(parent);
    }
    return seen;
  }

  /** The nearest common ancestor of two commits (breadth-first from `head`). */
  mergeBase(base: string, head: string): string | undefined {
    const baseAncestors = this.ancestors(base);
    const queue = [head];
    const seen = new Set<string>();
    while (queue.length) {
      const next = queue.shift();
      if (next === undefined || seen.has(next)) continue;
      seen.add(next);
      if (baseAncestors.has(next)) return next;
      queue.push(...(this.#commits.get(next)?.parents ?? []));
    }
    return undefined;
  }

  /** Commits reachable from `head` but not from `base`, parents before children (as compare lists them). */
  commitsBetween(base: string, head: string): GitCommit[] {
    const exclude = this.ancestors(base);
    const ordered: GitCommit[] = [];
    const done = new Set<string>();
    const stack: Array<{ sha: string; expanded: boolean }> = [{ sha: head, expanded: false }];
    while (stack.length) {
      const top = stack.pop();
      if (!top || done.has(top.sha) || exclude.has(top.sha)) continue;
      const commit = this.#commits.get(top.sha);
      if (!commit) continue;
      if (top.expanded) {
        done.add(top.sha);
        ordered.push(commit);
        continue;
      }
      stack.push({ sha: top.sha, expanded: true });
      for (const parent of [...commit.parents].reverse()) stack.push({ sha: parent, expanded: false });
    }
    return ordered;
  }

  /** Files that differ between two trees, sorted by path. */
  diff(before: ReadonlyMap<string, string> | undefined, after: ReadonlyMap<string, string>): FileChange[] {
    const changes: FileChange[] = [];
    const old = before ?? new Map<string, string>();
    const paths = new Set([...old.keys(), ...after.keys()]);
    for (const filename of [...paths].sort()) {
      const oldSha = old.get(filename);
      const newSha = after.get(filename);
      if (oldSha === newSha) continue;
      const oldText = oldSha ? this.#blobs.get(oldSha) : undefined;
      const newText = newSha ? this.#blobs.get(newSha) : undefined;
      const textual = (!oldText || isText(oldText)) && (!newText || isText(newText));
      const counts = textual
        ? lineDiff(oldText?.toString('utf8') ?? '', newText?.toString('utf8') ?? '')
        : { additions: 0, deletions: 0, patch: undefined };
      changes.push({
        filename,
        status: !oldSha ? 'added' : !newSha ? 'removed' : 'modified',
        sha: (newSha ?? oldSha) as string,
        previousSha: oldSha,
        additions: counts.additions,
        deletions: counts.deletions,
        patch: counts.patch,
      });
    }
    return changes;
  }
}

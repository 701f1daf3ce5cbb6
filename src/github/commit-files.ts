/**
 * `.github/shipgate.yml` and every file of `.github/workflows` at a commit, in
 * one GraphQL query instead of a contents request for the config, one for the
 * directory listing and one per workflow file. Two aliased `object(expression:)`
 * lookups (rather than the whole `.github` tree) keep other files of `.github`
 * (templates, images) out of the answer.
 *
 * A file whose text GraphQL does not give exactly (truncated, binary, or not
 * UTF-8: the text's length differs from the blob's) has no `text` here, and its
 * reader fetches it over REST. Results are cached per commit: the config load
 * and the workflow listing of one event share one query.
 */
import type { GitHubClient, RepoRef } from './client.ts';
import { graphqlSupport, type GraphqlSupport } from './graphql-support.ts';

/** The config file's path in a repository. */
export const CONFIG_FILE_PATH = '.github/shipgate.yml';
/** The directory GitHub Actions reads workflows from. */
export const WORKFLOWS_DIRECTORY = '.github/workflows';

export const COMMIT_FILES_QUERY = /* GraphQL */ `
query ShipgateCommitFiles($owner: String!, $name: String!, $config: String!, $workflows: String!) {
  repository(owner: $owner, name: $name) {
    config: object(expression: $config) { __typename ...ShipgateBlobText }
    workflows: object(expression: $workflows) {
      __typename
      ... on Tree { entries { name type mode object { __typename ...ShipgateBlobText } } }
    }
  }
}
fragment ShipgateBlobText on Blob { oid byteSize isBinary isTruncated text }
`;

/** One file at the commit. */
export interface CommitBlob {
  oid: string;
  /** The exact text; undefined when GraphQL could not give it (read the file over REST). */
  text: string | undefined;
}

/** What the query found at one commit. */
export interface CommitFiles {
  sha: string;
  /** `missing`: no such path; `other`: a directory or submodule (REST says what to make of it). */
  config: { kind: 'missing' } | { kind: 'other' } | { kind: 'blob'; blob: CommitBlob };
  /** File name → blob, for the regular files of `.github/workflows` (empty without the directory). */
  workflows: Map<string, CommitBlob>;
}

/** The query's variables for a repository at a commit. */
export function commitFilesVariables({ owner, repo }: RepoRef, sha: string): Record<string, string> {
  return { owner, name: repo, config: `${sha}:${CONFIG_FILE_PATH}`, workflows: `${sha}:${WORKFLOWS_DIRECTORY}` };
}

interface BlobAnswer {
  __typename: string;
  oid?: string;
  byteSize?: number;
  isBinary?: boolean | null;
  isTruncated?: boolean;
  text?: string | null;
}

/** The `data` of {@link COMMIT_FILES_QUERY}. */
export interface CommitFilesAnswer {
  repository: {
    config: BlobAnswer | null;
    workflows: { __typename: string; entries?: Array<{ name: string; type: string; mode: number; object: BlobAnswer | null }> | null } | null;
  } | null;
}

const SYMLINK_MODE = 0o120000;

/** Turns the query's answer into {@link CommitFiles}; throws when the repository is not in it. */
export function parseCommitFiles(sha: string, data: CommitFilesAnswer): CommitFiles {
  const repository = data.repository;
  if (!repository) throw new Error('the GraphQL answer has no repository');
  const config: CommitFiles['config'] = !repository.config
    ? { kind: 'missing' }
    : repository.config.__typename === 'Blob'
      ? { kind: 'blob', blob: blobOf(repository.config) }
      : { kind: 'other' };
  const workflows = new Map<string, CommitBlob>();
  if (repository.workflows?.__typename === 'Tree') {
    for (const entry of repository.workflows.entries ?? []) {
      if (entry.type !== 'blob' || entry.mode === SYMLINK_MODE || entry.object?.__typename !== 'Blob') continue;
      workflows.set(entry.name, blobOf(entry.object));
    }
  }
  return { sha, config, workflows };
}

function blobOf(answer: BlobAnswer): CommitBlob {
  const { oid = '', text, isTruncated, isBinary, byteSize } = answer;
  const exact = typeof text === 'string' && isTruncated === false && isBinary !== true && Buffer.byteLength(text, 'utf8') === byteSize;
  return { oid, text: exact ? text : undefined };
}

const FULL_SHA = /^[0-9a-f]{40}$/i;

/** Reads {@link CommitFiles} with one query per commit, remembered for the next reader. */
export class CommitFilesReader {
  readonly #support: GraphqlSupport;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Promise<CommitFiles | undefined>>();

  constructor(options: { support?: GraphqlSupport; maxEntries?: number } = {}) {
    this.#support = options.support ?? graphqlSupport;
    this.#maxEntries = options.maxEntries ?? 200;
  }

  /**
   * The files at `sha` (a full commit sha; anything else is not cached and
   * answers undefined). Undefined also when GraphQL cannot answer (the host
   * lacks a field, or the query failed): the caller uses REST.
   */
  read(octokit: GitHubClient, repo: RepoRef, sha: string): Promise<CommitFiles | undefined> {
    if (!FULL_SHA.test(sha)) return Promise.resolve(undefined);
    const key = `${String(octokit.request.endpoint.DEFAULTS.baseUrl)} ${repo.owner}/${repo.repo}@${sha}`.toLowerCase();
    const cached = this.#entries.get(key);
    if (cached) return cached;
    const reading = this.#support
      .attempt<CommitFilesAnswer>(octokit, 'commit-files', COMMIT_FILES_QUERY, commitFilesVariables(repo, sha))
      .then((attempt) => (attempt.ok && attempt.data.repository ? parseCommitFiles(sha.toLowerCase(), attempt.data) : undefined));
    this.#entries.set(key, reading);
    // Only answers are kept; a failure is asked again next time.
    void reading.then((files) => {
      if (!files) this.#entries.delete(key);
    });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return reading;
  }
}

/** The process's reader, shared by the config load and the workflow listing. */
export const commitFilesReader = new CommitFilesReader();

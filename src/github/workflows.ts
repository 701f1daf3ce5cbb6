import { parse } from 'yaml';
import type { GitHubClient, RepoRef } from './client.ts';
import { statusOf } from './client.ts';
import { commitFilesReader, type CommitFilesReader } from './commit-files.ts';

/** What shipgate needs to know of a workflow file before dispatching it. */
export interface WorkflowDefinition {
  path: string;
  blobSha: string;
  /** Whether `on:` includes `workflow_dispatch`. */
  dispatchable: boolean;
  /** Declared `workflow_dispatch` inputs, by name. */
  inputs: Record<string, { required: boolean; type: string; hasDefault: boolean }>;
  /** The `run-name:` expression, if any (used to find runs by correlation id). */
  runName: string | null;
  /** Set when the file cannot be parsed; the definition is then not dispatchable. */
  error: string | null;
}

/**
 * Reads a workflow file's `workflow_dispatch` inputs and `run-name`. Pure; a
 * file that is not valid YAML gives a definition with `error` set.
 */
export function parseWorkflowDefinition(path: string, blobSha: string, text: string): WorkflowDefinition {
  const definition: WorkflowDefinition = { path, blobSha, dispatchable: false, inputs: {}, runName: null, error: null };
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    return { ...definition, error: `${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  if (!doc || typeof doc !== 'object') return { ...definition, error: `${path} is empty or not a mapping` };
  const root = doc as Record<string, unknown>;
  if (typeof root['run-name'] === 'string') definition.runName = root['run-name'];
  // YAML 1.1 readers turn a bare `on` key into `true`; the yaml package (1.2) keeps "on".
  const on = root.on ?? root.true;
  let dispatch: unknown;
  if (typeof on === 'string') {
    definition.dispatchable = on === 'workflow_dispatch';
  } else if (Array.isArray(on)) {
    definition.dispatchable = on.includes('workflow_dispatch');
  } else if (on && typeof on === 'object' && 'workflow_dispatch' in on) {
    definition.dispatchable = true;
    dispatch = (on as Record<string, unknown>).workflow_dispatch;
  }
  const inputs = (dispatch as { inputs?: unknown } | null | undefined)?.inputs;
  if (inputs && typeof inputs === 'object') {
    for (const [name, spec] of Object.entries(inputs as Record<string, unknown>)) {
      const s = (spec ?? {}) as { required?: unknown; type?: unknown; default?: unknown };
      definition.inputs[name] = {
        required: s.required === true,
        type: typeof s.type === 'string' ? s.type : 'string',
        hasDefault: s.default !== undefined,
      };
    }
  }
  return definition;
}

/** A cache of workflow definitions by blob sha (the content's hash, so never stale). */
export interface WorkflowCache {
  get(key: { owner: string; repo: string; blobSha: string }): Promise<WorkflowDefinition | undefined>;
  put(key: { owner: string; repo: string; blobSha: string }, definition: WorkflowDefinition): Promise<void>;
}

/** The workflow files of a repository at one ref: file name → blob sha. */
export interface WorkflowListing {
  ref: string;
  files: Map<string, string>;
  /**
   * File name → text, when the listing came with the files' texts (GraphQL).
   * A text is dropped once its definition is cached.
   */
  texts?: Map<string, string>;
}

/**
 * Lists `.github/workflows` at a ref: file name → blob sha. At a commit sha,
 * from the commit's files (one GraphQL query, shared with the config load, that
 * also brings the texts); otherwise, or when GraphQL cannot answer, one REST
 * request. Contents are fetched only for blobs not cached and not in the listing.
 */
export async function listWorkflowFiles(
  octokit: GitHubClient,
  { owner, repo }: RepoRef,
  ref: string,
  reader: CommitFilesReader | null = commitFilesReader,
): Promise<WorkflowListing> {
  const atCommit = await reader?.read(octokit, { owner, repo }, ref);
  if (atCommit) {
    const listing: WorkflowListing = { ref, files: new Map(), texts: new Map() };
    for (const [name, blob] of atCommit.workflows) {
      listing.files.set(name, blob.oid);
      if (blob.text !== undefined) listing.texts?.set(name, blob.text);
    }
    return listing;
  }
  const files = new Map<string, string>();
  try {
    const { data } = await octokit.rest.repos.getContent({ owner, repo, path: '.github/workflows', ref });
    if (Array.isArray(data)) for (const entry of data) if (entry.type === 'file') files.set(entry.name, entry.sha);
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  return { ref, files };
}

/**
 * The definition of `.github/workflows/<file>` at a ref, through the cache.
 * Returns undefined when the file does not exist at that ref.
 */
export async function loadWorkflowDefinition(
  octokit: GitHubClient,
  cache: WorkflowCache,
  { owner, repo }: RepoRef,
  listing: WorkflowListing,
  file: string,
): Promise<WorkflowDefinition | undefined> {
  const blobSha = listing.files.get(file);
  if (!blobSha) return undefined;
  const cached = await cache.get({ owner, repo, blobSha });
  if (cached) return cached;
  const listed = listing.texts?.get(file);
  if (listed !== undefined) {
    const definition = parseWorkflowDefinition(`.github/workflows/${file}`, blobSha, listed);
    await cache.put({ owner, repo, blobSha }, definition);
    listing.texts?.delete(file);
    return definition;
  }
  const { data } = await octokit.rest.repos.getContent({ owner, repo, path: `.github/workflows/${file}`, ref: listing.ref });
  if (Array.isArray(data) || data.type !== 'file' || typeof data.content !== 'string') {
    throw new Error(`.github/workflows/${file} is not a file`);
  }
  const text = Buffer.from(data.content, 'base64').toString('utf8');
  const definition = parseWorkflowDefinition(`.github/workflows/${file}`, blobSha, text);
  await cache.put({ owner, repo, blobSha }, definition);
  return definition;
}

/** An in-memory cache, for the CLI and tests; the app uses the store's table. */
export function memoryWorkflowCache(): WorkflowCache {
  const entries = new Map<string, WorkflowDefinition>();
  return {
    get: async ({ owner, repo, blobSha }) => entries.get(`${owner}/${repo}@${blobSha}`),
    put: async ({ owner, repo, blobSha }, definition) => {
      entries.set(`${owner}/${repo}@${blobSha}`, definition);
    },
  };
}

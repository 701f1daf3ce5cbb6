/**
 * The one event shape the matcher works on, built from GitHub webhook payloads.
 * Pure: reading changed files from the API lives in `src/github/changed-files.ts`.
 */

/** A push, a tag push, a pull request or a manual start, as the matcher sees it. */
export type ShipgateEvent = {
  kind: 'push' | 'tag' | 'pull_request' | 'manual';
  /** Full git ref the pipeline runs on: `refs/heads/main`, `refs/tags/v1`. */
  ref: string;
  /** Commit the run is for (for pull requests: the PR head sha). */
  sha: string;
  /** Branch name for pushes; the head branch for pull requests. */
  branch?: string;
  /** Tag name for tag pushes. */
  tag?: string;
  /** Base branch of a pull request. */
  baseBranch?: string;
  /** Webhook action (`opened`, `synchronize`, …) for pull requests. */
  action?: string;
  /**
   * Paths changed by the push or pull request (renames include the old path).
   * `undefined` means not known yet: resolve them (see `changed-files.ts`) before
   * matching pipelines that have path filters.
   */
  changedFiles?: string[];
  /**
   * Set when `changedFiles` is known to be only part of the change (GitHub's compare
   * API lists at most 300 files). Path filters then never skip a pipeline on the
   * strength of the partial list.
   */
  changedFilesIncomplete?: boolean;
  /** A branch or tag deletion: never starts anything. */
  deleted?: boolean;
  /** Pull request from another repository. */
  fork?: boolean;
  /** Pull request number. */
  pr?: number;
  /** Login of the user who caused the event. */
  actor: string;
  /** Pull request label names. */
  labels: string[];
  /** `owner/name`. */
  repository: string;
  /** The webhook payload, exposed to expressions as `github.event`. */
  payload: Record<string, unknown>;
};

/** GitHub puts at most this many commits in a push payload's `commits`. */
export const PUSH_PAYLOAD_COMMIT_LIMIT = 20;

/** The all-zero sha GitHub uses for the missing side of a created or deleted ref. */
export const NULL_SHA = '0000000000000000000000000000000000000000';

/** The fields of a `push` webhook payload the matcher reads (parsed at intake, `intake/payloads.ts`). */
export interface PushPayload {
  ref: string;
  before?: string | undefined;
  after: string;
  created?: boolean | undefined;
  deleted?: boolean | undefined;
  commits?: Array<{ added?: string[] | undefined; removed?: string[] | undefined; modified?: string[] | undefined }> | null | undefined;
  size?: number | undefined;
  distinct_size?: number | undefined;
  sender?: { login: string } | null | undefined;
  pusher?: { name?: string | null | undefined } | null | undefined;
  repository: { full_name: string; default_branch?: string | undefined };
}

/** The fields of a `pull_request` webhook payload the matcher reads (parsed at intake). */
export interface PullRequestPayload {
  action: string;
  number: number;
  pull_request: {
    number: number;
    labels?: Array<{ name: string }> | null | undefined;
    head: { ref: string; sha: string; repo?: { full_name: string } | null | undefined };
    base: { ref: string; sha?: string | undefined; repo: { full_name: string } };
  };
  sender?: { login: string } | null | undefined;
  repository: { full_name: string };
}

/**
 * Whether a push payload's commit list may be missing commits (and so files):
 * it holds {@link PUSH_PAYLOAD_COMMIT_LIMIT} or more commits, fewer than its `size`
 * or `distinct_size` says, or no list at all.
 */
export function isPushPayloadTruncated(payload: Pick<PushPayload, 'commits' | 'size' | 'distinct_size'>): boolean {
  const commits = payload.commits;
  if (!Array.isArray(commits)) return true;
  if (commits.length >= PUSH_PAYLOAD_COMMIT_LIMIT) return true;
  if (typeof payload.size === 'number' && payload.size > commits.length) return true;
  if (typeof payload.distinct_size === 'number' && payload.distinct_size > commits.length) return true;
  return false;
}

/**
 * Paths added, modified or removed by the commits of a complete push payload, in
 * first-seen order; `undefined` when the payload is truncated.
 */
export function changedFilesFromPushPayload(payload: Pick<PushPayload, 'commits' | 'size' | 'distinct_size'>): string[] | undefined {
  if (isPushPayloadTruncated(payload)) return undefined;
  const files = new Set<string>();
  for (const commit of payload.commits ?? []) {
    for (const path of [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])]) files.add(path);
  }
  return [...files];
}

/**
 * Normalizes a `push` webhook: a branch push (`refs/heads/…`) or a tag push
 * (`refs/tags/…`). Deletions are marked `deleted: true`. Changed files come from the
 * payload only when it is complete; otherwise they stay `undefined` for the caller to
 * resolve with the compare API. Tag pushes carry no changed files (paths do not apply).
 */
export function eventFromPush(payload: PushPayload): ShipgateEvent {
  const deleted = payload.deleted === true || payload.after === NULL_SHA;
  const tag = stripPrefix(payload.ref, 'refs/tags/');
  const branch = stripPrefix(payload.ref, 'refs/heads/');
  const event: ShipgateEvent = {
    kind: tag !== undefined ? 'tag' : 'push',
    ref: payload.ref,
    sha: payload.after,
    actor: payload.sender?.login ?? payload.pusher?.name ?? 'unknown',
    labels: [],
    repository: payload.repository.full_name,
    payload: asRecord(payload),
  };
  if (tag !== undefined) event.tag = tag;
  if (branch !== undefined) event.branch = branch;
  if (deleted) event.deleted = true;
  if (tag === undefined && !deleted) {
    const changedFiles = changedFilesFromPushPayload(payload);
    if (changedFiles) event.changedFiles = changedFiles;
  }
  return event;
}

/**
 * Normalizes a `pull_request` webhook. The run's sha is the PR head sha and its ref
 * the head branch; `fork` is set when the head repository differs from the base
 * repository (or is gone). Changed files are left `undefined`: they come from the
 * PR files API.
 */
export function eventFromPullRequest(payload: PullRequestPayload): ShipgateEvent {
  const pr = payload.pull_request;
  const headRepo = pr.head.repo?.full_name;
  return {
    kind: 'pull_request',
    ref: `refs/heads/${pr.head.ref}`,
    sha: pr.head.sha,
    branch: pr.head.ref,
    baseBranch: pr.base.ref,
    action: payload.action,
    fork: headRepo === undefined || headRepo !== pr.base.repo.full_name,
    pr: pr.number,
    actor: payload.sender?.login ?? 'unknown',
    labels: (pr.labels ?? []).map((label) => label.name),
    repository: payload.repository.full_name,
    payload: asRecord(payload),
  };
}

/** The event with its changed files resolved (see `changed-files.ts`). */
export function withChangedFiles(event: ShipgateEvent, changed: { files: string[]; complete: boolean }): ShipgateEvent {
  const { changedFilesIncomplete: _dropped, ...rest } = event;
  return changed.complete
    ? { ...rest, changedFiles: changed.files }
    : { ...rest, changedFiles: changed.files, changedFilesIncomplete: true };
}

function stripPrefix(ref: string, prefix: string): string | undefined {
  return ref.startsWith(prefix) ? ref.slice(prefix.length) : undefined;
}

/** A webhook payload object viewed as the plain JSON record it is. */
function asRecord(payload: object): Record<string, unknown> {
  return payload as Record<string, unknown>;
}

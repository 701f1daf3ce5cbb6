/**
 * The artifacts a run page shows, read live from GitHub through the
 * installation's client and kept a short while in memory, so the live
 * refreshes of a page do not ask GitHub again each time. A failure (an error
 * answer after the request policy's retries, no answer within the deadline)
 * becomes a reason the page shows, never an error of the page; it is kept for
 * a shorter while, so a GitHub outage is not asked about on every refresh.
 */
import type { Clock } from '../clock.ts';
import type { ArtifactSummary } from '../github/artifacts.ts';
import { githubMessage, statusOf, type RepoRef } from '../github/client.ts';

/** Lists a workflow run's artifacts through an installation (`listRunArtifacts` over `app.auth(installationId)`). */
export type ListArtifacts = (installationId: number, repo: RepoRef, workflowRunId: number) => Promise<ArtifactSummary[]>;

/** A workflow run's artifacts, or why they could not be listed. */
export type ArtifactResult = { ok: true; artifacts: ArtifactSummary[] } | { ok: false; reason: string };

export interface ArtifactCacheOptions {
  list: ListArtifacts;
  clock: Clock;
  /** How long a listing is kept (default 60 s). */
  ttlMs?: number;
  /** How long a failure is kept (default 10 s). */
  failureTtlMs?: number;
  /** How long a page waits for GitHub (default 5 s); the listing goes on and is kept when it arrives. */
  timeoutMs?: number;
  /** Listings kept at most (default 500; the oldest go first). */
  maxEntries?: number;
}

interface Entry {
  at: number;
  result: Promise<ArtifactResult>;
  settled: ArtifactResult | null;
}

/** The reason shown for a failed listing: GitHub's status and message. */
export function failureReason(err: unknown): string {
  const status = statusOf(err);
  const message = githubMessage(err);
  return status !== undefined ? `GitHub answered ${status}: ${message}` : message;
}

/** Artifact listings by installation, repository and workflow run. */
export class ArtifactCache {
  readonly #list: ListArtifacts;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #failureTtlMs: number;
  readonly #timeoutMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: ArtifactCacheOptions) {
    this.#list = options.list;
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#failureTtlMs = options.failureTtlMs ?? 10_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxEntries = options.maxEntries ?? 500;
  }

  /** Listings kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The artifacts of `workflowRunId`: kept, or asked of GitHub (at most the
   * deadline's wait). `state` says where the workflow run is (its attempt and
   * whether it ended, e.g. `2:completed`): a listing is kept for that state
   * only, so the artifacts a job uploads as it ends are listed as soon as the
   * store says it ended, not after the TTL of a listing taken while it ran.
   */
  async get(installationId: number, repo: RepoRef, workflowRunId: number, state = ''): Promise<ArtifactResult> {
    const key = `${installationId}/${repo.owner}/${repo.repo}/${workflowRunId}/${state}`;
    const now = this.#clock.now();
    const kept = this.#entries.get(key);
    if (kept && !this.#stale(kept, now)) return this.#withDeadline(kept.result);
    const entry: Entry = { at: now, settled: null, result: Promise.resolve({ ok: false, reason: 'not listed yet' }) };
    entry.result = this.#list(installationId, repo, workflowRunId).then(
      (artifacts): ArtifactResult => ({ ok: true, artifacts }),
      (err: unknown): ArtifactResult => ({ ok: false, reason: failureReason(err) }),
    );
    void entry.result.then((result) => {
      entry.settled = result;
      entry.at = this.#clock.now();
    });
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    return this.#withDeadline(entry.result);
  }

  #stale(entry: Entry, now: number): boolean {
    if (entry.settled === null) return false; // still asking: wait for that answer
    return now - entry.at >= (entry.settled.ok ? this.#ttlMs : this.#failureTtlMs);
  }

  #withDeadline(result: Promise<ArtifactResult>): Promise<ArtifactResult> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => resolve({ ok: false, reason: `GitHub did not answer within ${Math.round(this.#timeoutMs / 1000)} s` }), this.#timeoutMs);
      void result.then((value) => {
        this.#clock.clearTimeout(timer);
        resolve(value);
      });
    });
  }
}

import type { Octokit } from '@octokit/core';
import type { EndpointOptions, RequestParameters } from '@octokit/types';
import { memoryWriteSlots, type WriteSlots } from './write-slots.ts';

/**
 * How shipgate talks to GitHub, in one Octokit plugin (it replaces Probot's
 * throttling and retry plugins):
 *
 * - **Write pacing per installation.** GitHub asks for about a second between
 *   writes of one token. Probot's default paces every write of the process
 *   through one queue; here each installation has its own queue, so one busy
 *   organisation does not slow the others. The schedule can live in the
 *   database (`write-slots.ts`), so that replicas together keep the gap.
 * - **Priorities.** Dispatches, cancels, re-runs and deployment calls go before
 *   comments, and comments before check-run writes, which are cosmetic.
 * - **Coalescing.** A check-run update still waiting in the queue is replaced by a
 *   newer update of the same check run: only the last state is written.
 * - **Retries.** 5xx answers and rate limits (primary and secondary) are retried
 *   with exponential backoff, honouring `retry-after` and `x-ratelimit-reset`.
 *   A non-idempotent write (a workflow dispatch) is retried only on rate limits,
 *   which GitHub answers before doing anything; its 5xx goes back to the caller,
 *   which checks whether the run was created.
 */
export interface RequestPolicyOptions {
  /** Minimum gap between two writes of one installation, in ms (GitHub: ~1000). */
  writeIntervalMs: number;
  /** Retries of one request before its error is returned. */
  maxRetries: number;
  /** First backoff delay in ms; doubles each retry (with jitter). */
  retryBaseMs: number;
  /** Longest single wait, in ms, whatever `retry-after` says. */
  maxWaitMs: number;
  /** Sleeps for `ms`; real timers unless a test injects another. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry (logging, metrics). */
  onRetry?: (info: { method: string; url: string; status: number | undefined; attempt: number; waitMs: number }) => void;
}

export const DEFAULT_REQUEST_POLICY: RequestPolicyOptions = {
  writeIntervalMs: 1000,
  maxRetries: 6,
  retryBaseMs: 500,
  maxWaitMs: 60_000,
};

/** Priority classes of writes; lower goes first. */
export const PRIORITY = { critical: 0, conversation: 1, cosmetic: 2 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

/** Marks a request in `request: { shipgate: … }` so the policy knows what it is. */
export interface RequestMarks {
  /** Not safe to repeat after a 5xx (GitHub may have acted on it). */
  notIdempotent?: boolean;
  priority?: Priority;
}

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface QueuedWrite {
  priority: Priority;
  seq: number;
  coalesceKey: string | undefined;
  send: () => Promise<unknown>;
  /** Callers waiting on this write: its own, plus those of the writes it replaced. */
  waiters: Waiter[];
  superseded: boolean;
}

/** Where a `WritePacer` keeps its schedule and what time it is. */
export interface WritePacerOptions {
  /** The clock's time, ms since the epoch (default `Date.now`); slots are in it. */
  now?: () => number;
  /**
   * The schedule of each lane: in memory (the default; one process), or in the
   * database (`databaseWriteSlots`), shared by every replica.
   */
  slots?: WriteSlots;
  /** Taking a slot failed (database down): the write is paced in memory instead. */
  onSlotError?: (err: unknown, lane: string) => void;
}

/**
 * Per-installation write queues with a minimum gap between writes. Priorities
 * and coalescing act within this process; the gap holds across every process
 * that shares the `slots` schedule.
 */
export class WritePacer {
  readonly #intervalMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #slots: WriteSlots;
  readonly #fallback = memoryWriteSlots();
  readonly #onSlotError: ((err: unknown, lane: string) => void) | undefined;
  readonly #lanes = new Map<string, { queue: QueuedWrite[]; busy: boolean }>();
  #seq = 0;
  /** Count of writes that a newer update replaced before they were sent. */
  coalesced = 0;

  constructor(intervalMs: number, sleep: (ms: number) => Promise<void>, options: WritePacerOptions = {}) {
    this.#intervalMs = intervalMs;
    this.#sleep = sleep;
    this.#now = options.now ?? Date.now;
    this.#slots = options.slots ?? memoryWriteSlots();
    this.#onSlotError = options.onSlotError;
  }

  /**
   * Runs `send` in the installation's lane when its turn comes. With a
   * `coalesceKey`, a still-queued write with the same key is dropped and its
   * caller gets this write's result.
   */
  schedule<T>(lane: string, priority: Priority, coalesceKey: string | undefined, send: () => Promise<T>): Promise<T> {
    const state = this.#lane(lane);
    return new Promise<T>((resolve, reject) => {
      const item: QueuedWrite = {
        priority,
        seq: this.#seq++,
        coalesceKey,
        send,
        waiters: [{ resolve: resolve as (value: unknown) => void, reject }],
        superseded: false,
      };
      const older = coalesceKey ? state.queue.find((w) => w.coalesceKey === coalesceKey && !w.superseded) : undefined;
      if (older) {
        older.superseded = true;
        item.waiters.push(...older.waiters);
        this.coalesced++;
      }
      state.queue.push(item);
      void this.#drain(lane);
    });
  }

  #lane(lane: string) {
    let state = this.#lanes.get(lane);
    if (!state) {
      state = { queue: [], busy: false };
      this.#lanes.set(lane, state);
    }
    return state;
  }

  /** The lane's next slot; synchronous when the schedule is in memory. */
  #reserve(lane: string): number | Promise<number> {
    const fallback = (err: unknown) => {
      this.#onSlotError?.(err, lane);
      return this.#fallback.take(lane, this.#now(), this.#intervalMs);
    };
    try {
      const taken = this.#slots.take(lane, this.#now(), this.#intervalMs);
      return typeof taken === 'number' ? taken : taken.catch(fallback);
    } catch (err) {
      return fallback(err);
    }
  }

  async #drain(lane: string): Promise<void> {
    const state = this.#lane(lane);
    if (state.busy) return;
    state.busy = true;
    try {
      for (;;) {
        state.queue = state.queue.filter((w) => !w.superseded);
        if (state.queue.length === 0) break;
        // One slot per write, reserved only when a write is waiting for it.
        const reserved = this.#reserve(lane);
        const slotAt = typeof reserved === 'number' ? reserved : await reserved;
        const wait = slotAt - this.#now();
        if (wait > 0) await this.#sleep(wait);
        state.queue = state.queue.filter((w) => !w.superseded);
        // Sorted after the wait: a dispatch that came meanwhile goes before a check-run update.
        state.queue.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
        const next = state.queue.shift();
        if (!next) break;
        next.send().then(
          (value) => next.waiters.forEach((w) => w.resolve(value)),
          (err: unknown) => next.waiters.forEach((w) => w.reject(err)),
        );
      }
    } finally {
      state.busy = false;
    }
  }
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** A GraphQL query is a POST that reads: GitHub's write pacing is for mutations. */
export function isGraphqlQuery(url: string, endpoint: { query?: unknown }): boolean {
  return /\/graphql$/.test(url) && typeof endpoint.query === 'string' && !/^\s*mutation\b/.test(endpoint.query.replace(/^(\s*#[^\n]*\n)*/, ''));
}

function classify(method: string, url: string): Priority {
  if (/\/check-runs(\/|$)/.test(url)) return PRIORITY.cosmetic;
  if (/\/(comments|reactions)(\/|$)/.test(url)) return PRIORITY.conversation;
  return PRIORITY.critical;
}

interface ErrorWithResponse {
  status?: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
  message?: string;
}

/** How long to wait before retrying this error, or undefined when it must not be retried. */
export function retryDelay(err: ErrorWithResponse, attempt: number, options: RequestPolicyOptions, nowMs: number, notIdempotent: boolean): number | undefined {
  const status = err.status;
  const headers = err.response?.headers ?? {};
  const message = `${err.message ?? ''} ${JSON.stringify(err.response?.data ?? '')}`;
  const retryAfter = Number(headers['retry-after']);
  const remaining = headers['x-ratelimit-remaining'];
  const reset = Number(headers['x-ratelimit-reset']);
  const isSecondary = /secondary rate limit|abuse/i.test(message);
  const isPrimary = (status === 403 || status === 429) && String(remaining) === '0';
  const isRateLimit = status === 429 || (status === 403 && (isSecondary || isPrimary || Number.isFinite(retryAfter)));
  const isServerError = status !== undefined && status >= 500;
  const isNetwork = status === undefined || status === 0;
  if (!isRateLimit && !isServerError && !isNetwork) return undefined;
  if (!isRateLimit && notIdempotent) return undefined;
  const backoff = options.retryBaseMs * 2 ** attempt * (1 + Math.random() * 0.25);
  let wait = backoff;
  if (Number.isFinite(retryAfter) && retryAfter >= 0) wait = Math.max(retryAfter * 1000, isSecondary ? backoff : 0);
  else if (isPrimary && Number.isFinite(reset)) wait = Math.max(0, reset * 1000 - nowMs) + 1000;
  return Math.min(wait, options.maxWaitMs);
}

/**
 * The Octokit plugin. Options come through the Octokit constructor:
 * `{ shipgate: { policy, pacer } }`; installation clients are paced in the lane
 * of their installation id.
 */
export function requestPolicyPlugin(octokit: Octokit, octokitOptions: Record<string, unknown>): void {
  const settings = octokitOptions.shipgate as { policy?: RequestPolicyOptions; pacer?: WritePacer } | undefined;
  const policy = settings?.policy ?? DEFAULT_REQUEST_POLICY;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pacer = settings?.pacer ?? new WritePacer(policy.writeIntervalMs, sleep);
  const auth = octokitOptions.auth as { installationId?: number } | undefined;
  const lane = auth?.installationId ? `installation:${auth.installationId}` : 'app';

  octokit.hook.wrap('request', async (request, options) => {
    const endpoint = options as EndpointOptions & RequestParameters & { request?: { shipgate?: RequestMarks } };
    const method = String(endpoint.method).toUpperCase();
    const url = String(endpoint.url);
    const marks = endpoint.request?.shipgate ?? {};
    const send = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await request(options);
        } catch (err) {
          const wait = attempt < policy.maxRetries ? retryDelay(err as ErrorWithResponse, attempt, policy, Date.now(), marks.notIdempotent === true) : undefined;
          if (wait === undefined) throw err;
          policy.onRetry?.({ method, url, status: (err as ErrorWithResponse).status, attempt: attempt + 1, waitMs: wait });
          await sleep(wait);
        }
      }
    };
    if (!WRITE_METHODS.has(method) || isGraphqlQuery(url, endpoint) || policy.writeIntervalMs <= 0) return send();
    const priority = marks.priority ?? classify(method, url);
    // Only updates of one check run coalesce; creates and other writes each happen.
    const coalesceKey = method === 'PATCH' && priority === PRIORITY.cosmetic ? `${String(endpoint.owner)}/${String(endpoint.repo)}/${String(endpoint.check_run_id)}` : undefined;
    return pacer.schedule(lane, priority, coalesceKey, send);
  });
}

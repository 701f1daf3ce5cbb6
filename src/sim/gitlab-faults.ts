/**
 * Faults of the GitLab simulator, on demand: GitLab down for a while (on the
 * sim clock), the first calls of some routes refused or failing, answers
 * lost after the work was done, Pipeline Hooks lost. Counted, not random:
 * a test says exactly what goes wrong.
 */

export interface GitLabFaultSettings {
  /** The first N API calls (of `routes`, when given) are answered `failStatus` without being carried out. */
  failFirst?: number;
  /** What `failFirst` answers (default 502; 429 for a rate limit, 400 for a refusal). */
  failStatus?: number;
  /** `Retry-After` seconds on `failFirst` answers of 429 and 5xx (none by default). */
  retryAfterSeconds?: number;
  /** The first N API calls (of `routes`, when given) that succeed are carried out, then answered 502: GitLab acted, its answer was lost. */
  loseAnswers?: number;
  /** Only these routes (`'POST /projects/:id/pipeline'`) get `failFirst`/`loseAnswers`; all when absent. */
  routes?: string[];
}

/** How GitLab is down: `unavailable` answers 503 (as its load balancer does during a restart); `reset` closes the connection without an answer. */
export type GitLabOutage = 'unavailable' | 'reset';

/** The switchboard, reachable as `sim.faults`. */
export class GitLabFaults {
  readonly #now: () => number;
  #settings: GitLabFaultSettings = {};
  #failLeft = 0;
  #loseLeft = 0;
  #downUntil = 0;
  #outage: GitLabOutage = 'unavailable';
  #dropHooks = false;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Replaces the call faults (`down` and `dropHooks` stay as they are). */
  set(settings: GitLabFaultSettings): void {
    this.#settings = { ...settings };
    this.#failLeft = settings.failFirst ?? 0;
    this.#loseLeft = settings.loseAnswers ?? 0;
  }

  /** Turns every fault off, outages and lost hooks included. */
  clear(): void {
    this.set({});
    this.#downUntil = 0;
    this.#dropHooks = false;
  }

  get settings(): Readonly<GitLabFaultSettings> {
    return this.#settings;
  }

  /** GitLab is down for `forMs` of sim-clock time from now (the artifact storage stays up: it is not GitLab). */
  down(forMs: number, how: GitLabOutage = 'unavailable'): void {
    this.#downUntil = this.#now() + Math.max(0, forMs);
    this.#outage = how;
  }

  /** Ends an outage early. */
  up(): void {
    this.#downUntil = 0;
  }

  /** The current outage, with the seconds it has left (for `Retry-After`), or undefined. */
  outage(): { how: GitLabOutage; retryAfterSeconds: number } | undefined {
    const left = this.#downUntil - this.#now();
    return left > 0 ? { how: this.#outage, retryAfterSeconds: Math.ceil(left / 1000) } : undefined;
  }

  /** Lose every Pipeline Hook from now on (`true`), or send them again (`false`); polling must notice on its own. */
  dropHooks(drop = true): void {
    this.#dropHooks = drop;
  }

  get hooksDropped(): boolean {
    return this.#dropHooks;
  }

  /** The scripted failure for one call, or undefined. */
  failure(route: string): { status: number; retryAfterSeconds: number | undefined } | undefined {
    if (this.#failLeft <= 0 || !this.#applies(route)) return undefined;
    this.#failLeft -= 1;
    const status = this.#settings.failStatus ?? 502;
    const retryable = status === 429 || status >= 500;
    return { status, retryAfterSeconds: retryable ? this.#settings.retryAfterSeconds : undefined };
  }

  /** Whether the answer to a call that was carried out is lost. */
  loseAnswer(route: string): boolean {
    if (this.#loseLeft <= 0 || !this.#applies(route)) return false;
    this.#loseLeft -= 1;
    return true;
  }

  #applies(route: string): boolean {
    return !this.#settings.routes || this.#settings.routes.includes(route);
  }
}

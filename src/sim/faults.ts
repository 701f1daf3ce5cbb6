/**
 * Faults on demand: a share of the app's API calls answered with 5xx or
 * secondary rate limits, added latency, and duplicated, dropped or reordered
 * webhooks. Every decision comes from a seeded PRNG, so a run is reproducible.
 */
import { GitHubApiError } from './errors.ts';
import { seededRandom } from './prng.ts';

export interface FaultSettings {
  /** Share (0..1) of API calls answered 502 or 503. */
  errorRate?: number;
  /** Share (0..1) of API calls answered as a secondary rate limit. */
  rateLimitRate?: number;
  /** `retry-after` seconds on rate-limit answers (default 1). */
  retryAfterSeconds?: number;
  /** 403 (GitHub's usual secondary-limit answer), 429, or a seeded mix (default). */
  rateLimitStatus?: 403 | 429 | 'mixed';
  /** Added latency per API call, on the sim clock. */
  latencyMs?: number;
  /** Share (0..1) of webhooks sent twice with the same delivery id. */
  webhookDuplicateRate?: number;
  /** Share (0..1) of webhooks never sent (they stay in the log, redeliverable). */
  webhookDropRate?: number;
  /** Send queued webhooks in a seeded random order instead of the order they happened. */
  webhookReorder?: boolean;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Only these routes (`'POST /repos/{owner}/{repo}/check-runs'`) get API faults; all when absent. */
  routes?: string[];
  /** The first N API calls (of `routes`, when given) are answered 502 (or `failStatus`), whatever the rates say. */
  failFirst?: number;
  /** The status `failFirst` answers with (default 502; e.g. 422 for a refusal). */
  failStatus?: number;
  /** The first N API calls (of `routes`, when given) are carried out, then answered 502: GitHub acted, its answer was lost. */
  loseAnswers?: number;
}

export const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';

const RATE_LIMIT_DOCS =
  'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';

/** The fault switchboard, reachable as `sim.faults`. */
export class Faults {
  #settings: FaultSettings = {};
  #apiRandom = seededRandom(1);
  #hookRandom = seededRandom(1 ^ 0x5bd1e995);
  #failLeft = 0;
  #loseLeft = 0;

  /** Replaces the settings and reseeds the PRNGs. */
  set(settings: FaultSettings): void {
    this.#settings = { ...settings };
    const seed = settings.seed ?? 1;
    this.#apiRandom = seededRandom(seed);
    this.#hookRandom = seededRandom(seed ^ 0x5bd1e995);
    this.#failLeft = settings.failFirst ?? 0;
    this.#loseLeft = settings.loseAnswers ?? 0;
  }

  /** Turns every fault off. */
  clear(): void {
    this.set({});
  }

  get settings(): Readonly<FaultSettings> {
    return this.#settings;
  }

  get latencyMs(): number {
    return this.#settings.latencyMs ?? 0;
  }

  /** The fault for one API call, as an error to answer with, or undefined. */
  apiFault(route: string | undefined, requestId: string): GitHubApiError | undefined {
    const { errorRate = 0, rateLimitRate = 0, routes } = this.#settings;
    if (routes && (!route || !routes.includes(route))) return undefined;
    if (this.#failLeft > 0) {
      this.#failLeft--;
      const status = this.#settings.failStatus ?? 502;
      return new GitHubApiError(status, status >= 500 ? 'Server Error' : 'Unprocessable Entity (scripted fault)');
    }
    if (errorRate <= 0 && rateLimitRate <= 0) return undefined;
    const draw = this.#apiRandom();
    if (draw < errorRate) {
      return this.#apiRandom() < 0.5
        ? new GitHubApiError(502, 'Server Error')
        : new GitHubApiError(503, 'Service Unavailable');
    }
    if (draw < errorRate + rateLimitRate) {
      const retryAfter = String(this.#settings.retryAfterSeconds ?? 1);
      const mode = this.#settings.rateLimitStatus ?? 'mixed';
      const status = mode === 'mixed' ? (this.#apiRandom() < 0.5 ? 403 : 429) : mode;
      return new GitHubApiError(status, `${SECONDARY_RATE_LIMIT_MESSAGE} ${requestId}.`, {
        documentationUrl: RATE_LIMIT_DOCS,
        headers: { 'retry-after': retryAfter },
      });
    }
    return undefined;
  }

  /** Whether the answer to a call that was carried out is lost (answered 502 instead). */
  loseAnswer(route: string | undefined): GitHubApiError | undefined {
    const { routes } = this.#settings;
    if (this.#loseLeft <= 0 || (routes && (!route || !routes.includes(route)))) return undefined;
    this.#loseLeft--;
    return new GitHubApiError(502, 'Server Error');
  }

  /** Whether to drop and/or duplicate one webhook delivery. */
  webhookFate(): { drop: boolean; duplicate: boolean } {
    const { webhookDropRate = 0, webhookDuplicateRate = 0 } = this.#settings;
    const drop = webhookDropRate > 0 && this.#hookRandom() < webhookDropRate;
    const duplicate = !drop && webhookDuplicateRate > 0 && this.#hookRandom() < webhookDuplicateRate;
    return { drop, duplicate };
  }

  /** Which of `count` queued webhooks goes next. */
  nextWebhookIndex(count: number): number {
    if (!this.#settings.webhookReorder || count <= 1) return 0;
    return Math.floor(this.#hookRandom() * count);
  }
}

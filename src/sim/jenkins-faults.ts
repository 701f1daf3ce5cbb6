/**
 * Faults of the Jenkins simulator, on demand and on the sim clock: Jenkins
 * down for a while (answering 503 as a restarting Jenkins does, or dropping
 * every connection as a crashed one behind a load balancer does), the first N
 * calls failed, or the first N carried out with their answer lost (502).
 */
import type { Clock } from '../clock.ts';

export interface JenkinsFaultSettings {
  /** The first N calls (of `routes`, when given) are answered `failStatus` without being carried out. */
  failFirst?: number;
  /** The status `failFirst` answers with (default 502; 429 or 503 for overload, 403 or 404 for refusals). */
  failStatus?: number;
  /** `Retry-After` seconds on `failFirst` answers (none by default). */
  retryAfterSeconds?: number;
  /** The first N calls (of `routes`, when given) are carried out, then answered 502: Jenkins acted, its answer was lost. */
  loseAnswers?: number;
  /** Only these routes (`'POST /job/{job}/buildWithParameters'`) get faults; all when absent. */
  routes?: string[];
}

/** How Jenkins is down: `unavailable` answers 503 ("getting ready to work"); `reset` drops each connection unanswered. */
export type DownMode = 'unavailable' | 'reset';

/** What the log says about an injected fault. */
export type JenkinsFaultKind = 'down' | 'reset' | 'failed' | 'lost';

/** The fault switchboard, reachable as `sim.faults`. */
export class JenkinsFaults {
  readonly #clock: Clock;
  #settings: JenkinsFaultSettings = {};
  #failLeft = 0;
  #loseLeft = 0;
  #downUntil = Number.NEGATIVE_INFINITY;
  #downMode: DownMode = 'unavailable';

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Replaces the settings (down time is kept). */
  set(settings: JenkinsFaultSettings): void {
    this.#settings = { ...settings };
    this.#failLeft = settings.failFirst ?? 0;
    this.#loseLeft = settings.loseAnswers ?? 0;
  }

  /** Turns every fault off, down time included. */
  clear(): void {
    this.set({});
    this.#downUntil = Number.NEGATIVE_INFINITY;
  }

  get settings(): Readonly<JenkinsFaultSettings> {
    return this.#settings;
  }

  /** Jenkins is down for `forMs` of clock time from now (default mode: 503 answers). */
  down(forMs: number, mode: DownMode = 'unavailable'): void {
    this.#downUntil = this.#clock.now() + Math.max(0, forMs);
    this.#downMode = mode;
  }

  /** How Jenkins is down right now, if it is. */
  downNow(): DownMode | undefined {
    return this.#clock.now() < this.#downUntil ? this.#downMode : undefined;
  }

  /** The status to fail this call with, before it is carried out, or undefined. */
  failure(route: string | undefined): { status: number; retryAfterSeconds: number | undefined } | undefined {
    if (this.#failLeft <= 0 || !this.#applies(route)) return undefined;
    this.#failLeft--;
    return { status: this.#settings.failStatus ?? 502, retryAfterSeconds: this.#settings.retryAfterSeconds };
  }

  /** Whether the answer to this call, carried out, is lost (answered 502). */
  loseAnswer(route: string | undefined): boolean {
    if (this.#loseLeft <= 0 || !this.#applies(route)) return false;
    this.#loseLeft--;
    return true;
  }

  #applies(route: string | undefined): boolean {
    const { routes } = this.#settings;
    return route !== undefined && (!routes || routes.includes(route));
  }
}

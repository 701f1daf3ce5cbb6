import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.ts';
import { githubMessage, statusOf } from '../github/client.ts';
import type { Database, Effect } from '../store/schema/index.ts';
import { claimDueEffects, nextEffectDueAt, reclaimAbandonedEffects, settleEffect, type EffectSettlement } from '../store/repos/effects.ts';

/** How one try of an effect ended, as its performer says. */
export type PerformOutcome =
  | { kind: 'done' }
  /** Try again later (GitHub's outcome unknown, a sibling not ready yet). */
  | { kind: 'retry'; error: string; afterMs?: number }
  /** Never again: GitHub refused for good; the performer recorded the consequence. */
  | { kind: 'failed'; error: string }
  /** Done for now; perform it again at `at` (a poll that repeats while something is pending). */
  | { kind: 'again'; at: Date };

/** Performs one kind of effect: idempotent, safe to call again after a crash at any point. */
export type Performer = (effect: Effect) => Promise<PerformOutcome | void>;

export interface EffectRunnerOptions {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  /** This process's instance id (`registerInstance`). */
  instance: number;
  performers: Record<string, Performer>;
  /** Effects performed at once by this process (default 8). */
  concurrency?: number;
  /** A claimed effect is taken over by another process after this long (default 10 min). */
  leaseMs?: number;
  /** First retry delay; doubles per try up to `maxBackoffMs` (defaults 2 s and 5 min). */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** Tries before an effect that keeps failing transiently is given up (default 25). */
  maxAttempts?: number;
}

/** The retry delay after `attempts` tries (pure). */
export function backoffDelay(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Performs recorded effects: claims due rows, runs each through its kind's
 * performer, and settles it — done only after GitHub answered, retried with
 * backoff on 5xx, rate limits and network errors, failed on a 4xx. Wakes when
 * kicked (right after a decision commits), when its own timer for the next due
 * effect fires (the injected clock's), and on every reconciliation pass.
 */
export class EffectRunner {
  readonly #options: Required<Omit<EffectRunnerOptions, 'performers'>> & { performers: Record<string, Performer> };
  #running: Promise<void> | undefined;
  #again = false;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  #stopped = false;
  #claimedLastPass = false;
  /** Groups of effects being performed, and how many effects they hold. */
  readonly #inFlight = new Set<Promise<void>>();
  #inFlightCount = 0;
  #wake: (() => void) | undefined;

  constructor(options: EffectRunnerOptions) {
    this.#options = { concurrency: 8, leaseMs: 10 * 60_000, backoffBaseMs: 2_000, maxBackoffMs: 5 * 60_000, maxAttempts: 25, ...options };
  }

  /** Performs what is due, soon; a call while a pass runs makes it look again at once. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      this.#wake?.();
      return;
    }
    this.#running = this.#pump().finally(() => {
      this.#running = undefined;
      // A kick that came after the pass's last look (while it armed its timer) goes round again.
      if (this.#again) this.kick();
    });
  }

  /** Resolves once no pass is running (tests wait for this before they look). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Whether a pass is running right now. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Takes back effects of dead processes, then performs what is due. */
  async sweep(): Promise<number> {
    const now = new Date(this.#options.clock.now());
    const reclaimed = await reclaimAbandonedEffects(this.#options.db, { now, self: this.#options.instance });
    if (reclaimed > 0) this.#options.log.warn({ reclaimed }, 'took over effects left by a stopped process');
    this.kick();
    await this.idle();
    return reclaimed;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#options.clock.clearTimeout(this.#timer);
    await this.idle();
  }

  /**
   * Claims due effects while there is room and performs them, without waiting for slow ones
   * (a check-run write queued behind GitHub's write pacing) before claiming what falls due next
   * (a dispatch). Ends when nothing is due or in flight.
   */
  async #pump(): Promise<void> {
    const { db, clock, log, instance, leaseMs, concurrency } = this.#options;
    this.#claimedLastPass = false;
    while (!this.#stopped) {
      this.#again = false;
      const room = concurrency - this.#inFlightCount;
      let claimed: Effect[] = [];
      if (room > 0) {
        try {
          claimed = await claimDueEffects(db, { now: new Date(clock.now()), instance, leaseMs, limit: room });
        } catch (err) {
          log.error({ err }, 'claiming effects failed; the next pass tries again');
          break;
        }
      }
      if (claimed.length > 0) {
        this.#claimedLastPass = true;
        this.#start(claimed);
        continue;
      }
      if (this.#inFlight.size === 0) {
        if (this.#again) continue;
        break;
      }
      const kicked = new Promise<void>((resolve) => (this.#wake = resolve));
      await Promise.race([...this.#inFlight, kicked]);
      this.#wake = undefined;
    }
    await Promise.all(this.#inFlight);
    await this.#armTimer();
  }

  /**
   * Starts a claimed batch: its priority groups in order (dispatches and cancels before check-run
   * writes), each group at once, so a cosmetic write never takes the write slot one of this batch's
   * dispatches is about to need.
   */
  #start(batch: Effect[]): void {
    let previous: Promise<unknown> = Promise.resolve();
    for (const priority of [...new Set(batch.map((e) => e.priority))].sort((a, b) => a - b)) {
      const group = batch.filter((e) => e.priority === priority);
      this.#inFlightCount += group.length;
      const done: Promise<void> = previous
        .then(() => Promise.all(group.map((effect) => this.#performOne(effect))))
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          this.#inFlightCount -= group.length;
          this.#inFlight.delete(done);
        });
      this.#inFlight.add(done);
      previous = done;
    }
  }

  async #performOne(effect: Effect): Promise<void> {
    const { db, clock, log, instance, performers, backoffBaseMs, maxBackoffMs, maxAttempts } = this.#options;
    const performer = performers[effect.kind];
    let settlement: EffectSettlement;
    const retryAt = (afterMs?: number) => new Date(clock.now() + (afterMs ?? backoffDelay(effect.attempts, backoffBaseMs, maxBackoffMs)));
    if (!performer) {
      settlement = { kind: 'failed', error: `no performer for effect kind '${effect.kind}'` };
    } else {
      try {
        const outcome = (await performer(effect)) ?? { kind: 'done' as const };
        settlement = outcome.kind === 'retry' ? { kind: 'retry', at: retryAt(outcome.afterMs), error: outcome.error } : outcome;
      } catch (err) {
        const status = statusOf(err);
        const message = githubMessage(err);
        const transient = status === undefined || status >= 500 || status === 429 || (status === 403 && /rate limit/i.test(message));
        settlement = transient ? { kind: 'retry', at: retryAt(), error: message } : { kind: 'failed', error: `HTTP ${status}: ${message}` };
        if (!transient || effect.attempts >= 3) log.warn({ err, effect: effect.key, kind: effect.kind, attempts: effect.attempts }, 'effect failed');
      }
    }
    if (settlement.kind === 'retry' && effect.attempts >= maxAttempts) {
      settlement = { kind: 'failed', error: `gave up after ${effect.attempts} tries: ${settlement.error}` };
    }
    if (settlement.kind === 'failed') log.error({ effect: effect.key, kind: effect.kind, error: settlement.error }, 'effect failed for good');
    try {
      await settleEffect(db, effect.id, instance, settlement, new Date(clock.now()));
    } catch (err) {
      // The lease runs out and another pass performs it again: performers are idempotent.
      log.error({ err, effect: effect.key }, 'could not settle an effect');
    }
  }

  async #armTimer(): Promise<void> {
    if (this.#stopped) return;
    const { db, clock } = this.#options;
    let at: number;
    try {
      const due = await nextEffectDueAt(db);
      if (!due) return;
      at = due.getTime();
    } catch {
      return;
    }
    if (at <= clock.now() && this.#claimedLastPass) {
      // Due already (recorded after this pass's last look): go round again.
      setImmediate(() => this.kick());
      return;
    }
    // Due but nothing could be claimed (another replica holds it): look again in a second.
    if (at <= clock.now()) at = clock.now() + 1_000;
    if (at >= this.#timerAt && this.#timer) return;
    if (this.#timer) clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      // After the current turn: a clock moved forward in one step reads its final time.
      setImmediate(() => this.kick());
    }, at - clock.now());
  }
}

/**
 * `/events`: server-sent events telling open dashboard pages that the store
 * changed. One poll per process, on the app's clock, while at least one page
 * listens: every second it reads the store's change version (from the
 * database, so a change made by another replica is seen too) and, when it
 * moved, sends `event: version` with it to every stream. A new stream gets the
 * current version at once; the page compares it with the version it was
 * rendered at and fetches its main fragment again when they differ, so a
 * change between rendering and connecting is not missed. `close()` ends every
 * stream and the poll (the server then stops without waiting on them).
 */
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../clock.ts';

export interface LiveUpdatesOptions {
  clock: Clock;
  /** Reads the store's change version (`readStoreVersion`). */
  readVersion: () => Promise<string>;
  /** How often the store is looked at (default 1 s). */
  intervalMs?: number;
  /** A comment line is sent after this many quiet polls, so proxies keep the stream open (default 15). */
  heartbeatEvery?: number;
  /** How long the browser waits before reconnecting a dropped stream (default 3 s). */
  retryMs?: number;
  onError?: (err: unknown) => void;
}

/** The header of an event stream. */
export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/** One `event:`/`data:` message (the data has no line breaks: versions are hex). */
export function eventMessage(event: string, data: string): string {
  return `event: ${event}\ndata: ${data.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** The streams of this process and the poll that feeds them. */
export class LiveUpdates {
  readonly #clock: Clock;
  readonly #readVersion: () => Promise<string>;
  readonly #intervalMs: number;
  readonly #heartbeatEvery: number;
  readonly #retryMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #streams = new Set<ServerResponse>();
  #timer: TimerHandle | null = null;
  #version: string | null = null;
  #quiet = 0;
  #closed = false;

  constructor(options: LiveUpdatesOptions) {
    this.#clock = options.clock;
    this.#readVersion = options.readVersion;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#heartbeatEvery = options.heartbeatEvery ?? 15;
    this.#retryMs = options.retryMs ?? 3_000;
    this.#onError = options.onError ?? (() => {});
  }

  /** Open streams. */
  get streams(): number {
    return this.#streams.size;
  }

  /** Whether the poll is scheduled. */
  get polling(): boolean {
    return this.#timer !== null;
  }

  /** Answers a request with an event stream and keeps it until the client leaves or `close()`. */
  async attach(res: ServerResponse, headers: Record<string, string>): Promise<void> {
    if (this.#closed) {
      res.writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end('shutting down\n');
      return;
    }
    res.writeHead(200, { ...headers, ...EVENT_STREAM_HEADERS });
    res.write(`retry: ${this.#retryMs}\n\n`);
    this.#streams.add(res);
    res.on('close', () => {
      this.#streams.delete(res);
      if (this.#streams.size === 0) this.#stopPolling();
    });
    if (this.#version === null) await this.#poll(false);
    if (this.#version !== null && !res.writableEnded) res.write(eventMessage('version', this.#version));
    this.#schedule();
  }

  /** Ends every stream and stops the poll; later requests are refused. */
  close(): void {
    this.#closed = true;
    this.#stopPolling();
    for (const res of this.#streams) res.end();
    this.#streams.clear();
  }

  #schedule(): void {
    if (this.#timer !== null || this.#closed || this.#streams.size === 0) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      void this.#poll(true).finally(() => this.#schedule());
    }, this.#intervalMs);
  }

  #stopPolling(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    // A version read while nobody listened may be old by the next stream.
    if (this.#streams.size === 0) this.#version = null;
  }

  /** Reads the version; with `broadcast`, tells every stream when it moved (or sends a heartbeat). */
  async #poll(broadcast: boolean): Promise<void> {
    let version: string;
    try {
      version = await this.#readVersion();
    } catch (err) {
      this.#onError(err);
      return;
    }
    if (this.#closed) return;
    const moved = this.#version !== null && version !== this.#version;
    this.#version = version;
    if (!broadcast) return;
    if (moved) {
      this.#quiet = 0;
      const message = eventMessage('version', version);
      for (const res of this.#streams) res.write(message);
    } else if (++this.#quiet >= this.#heartbeatEvery) {
      this.#quiet = 0;
      for (const res of this.#streams) res.write(': keep-alive\n\n');
    }
  }
}

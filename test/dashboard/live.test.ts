import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { eventMessage, LiveUpdates } from '../../src/dashboard/live.ts';

/** An event stream read as it arrives. */
interface Stream {
  response: IncomingMessage;
  text(): string;
  /** Waits until the stream's text matches. */
  until(pattern: RegExp): Promise<void>;
  ended: Promise<void>;
}

let server: Server | undefined;
let live: LiveUpdates | undefined;

afterEach(async () => {
  live?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  live = undefined;
});

async function serve(hub: LiveUpdates): Promise<string> {
  live = hub;
  server = createServer((_req, res) => void hub.attach(res, { 'x-test': 'yes' }));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

function open(url: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let text = '';
      const waiters: Array<() => void> = [];
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        for (const wake of waiters.splice(0)) wake();
      });
      const ended = new Promise<void>((done) => response.on('end', () => done()));
      resolve({
        response,
        text: () => text,
        ended,
        until: async (pattern) => {
          for (let i = 0; i < 200 && !pattern.test(text); i++) {
            await new Promise<void>((wake) => {
              waiters.push(wake);
              setTimeout(wake, 10);
            });
          }
          if (!pattern.test(text)) throw new Error(`stream never matched ${pattern}: ${JSON.stringify(text)}`);
        },
      });
    }).on('error', reject);
  });
}

/** Lets pending I/O and promise callbacks run. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('live updates', () => {
  it('sends the current version at once, then a new one when the store moves on the clock', async () => {
    const clock = new ManualClock();
    let version = 'v1';
    let reads = 0;
    const url = await serve(new LiveUpdates({ clock, readVersion: async () => (reads++, version) }));
    const stream = await open(url);
    expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers['x-test']).toBe('yes');
    await stream.until(/event: version\ndata: v1\n\n/);
    expect(stream.text()).toMatch(/^retry: 3000\n\n/);

    // Nothing moved: a poll sends nothing.
    clock.advance(1_000);
    await tick();
    expect(stream.text().match(/event: version/g)).toHaveLength(1);

    version = 'v2';
    clock.advance(1_000);
    await stream.until(/data: v2\n\n/);
    expect(reads).toBeGreaterThanOrEqual(3);
  });

  it('polls once for all streams, and stops polling when the last one leaves', async () => {
    const clock = new ManualClock();
    let reads = 0;
    const hub = new LiveUpdates({ clock, readVersion: async () => (reads++, 'v1') });
    const url = await serve(hub);
    const one = await open(url);
    const two = await open(url);
    await one.until(/data: v1/);
    await two.until(/data: v1/);
    expect(hub.streams).toBe(2);
    const before = reads;
    clock.advance(1_000);
    await tick();
    expect(reads - before).toBe(1);

    one.response.destroy();
    two.response.destroy();
    for (let i = 0; i < 50 && hub.streams > 0; i++) await tick();
    expect(hub.streams).toBe(0);
    expect(hub.polling).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('sends a keep-alive comment after quiet polls', async () => {
    const clock = new ManualClock();
    const url = await serve(new LiveUpdates({ clock, readVersion: async () => 'same', heartbeatEvery: 3 }));
    const stream = await open(url);
    await stream.until(/data: same/);
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      await tick();
    }
    await stream.until(/: keep-alive\n\n/);
  });

  it('keeps polling when reading the version fails, and reports the error', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    let fail = false;
    let version = 'a';
    const url = await serve(new LiveUpdates({ clock, readVersion: async () => (fail ? Promise.reject(new Error('db down')) : version), onError: (err) => errors.push(err) }));
    const stream = await open(url);
    await stream.until(/data: a/);
    fail = true;
    clock.advance(1_000);
    await tick();
    expect(errors).toHaveLength(1);
    fail = false;
    version = 'b';
    clock.advance(1_000);
    await stream.until(/data: b/);
  });

  it('ends every stream on close and refuses new ones', async () => {
    const clock = new ManualClock();
    const hub = new LiveUpdates({ clock, readVersion: async () => 'x' });
    const url = await serve(hub);
    const stream = await open(url);
    await stream.until(/data: x/);
    hub.close();
    await stream.ended;
    expect(hub.streams).toBe(0);
    expect(clock.pending).toBe(0);
    const refused = await open(url);
    expect(refused.response.statusCode).toBe(503);
  });

  it('writes one event per message with no line break in its data', () => {
    expect(eventMessage('version', 'a\nb')).toBe('event: version\ndata: a b\n\n');
  });
});

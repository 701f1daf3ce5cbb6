import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { notifyPerformer } from '../../src/effects/perform-notify.ts';
import type { NotifyEvent } from '../../src/notify/events.ts';
import type { Store } from '../../src/store/db.ts';
import type { Effect, JsonObject } from '../../src/store/schema/index.ts';
import { databaseTargets } from '../helpers/databases.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const EVENT: NotifyEvent = {
  name: 'failure',
  id: 'failure-run-1-1',
  at: '2026-12-01T12:00:00.000Z',
  repository: 'acme/api',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  runId: 1,
  pipeline: 'ci',
  trigger: 'push',
  actor: 'alice',
  pr: null,
  branch: 'main',
  tag: null,
  conclusion: 'failure',
};

let nextId = 1;
function effect(payload: unknown, key = `notify:${EVENT.id}:x${nextId}`): Effect {
  const at = new Date();
  return { id: nextId++, kind: 'notify', key, installation_id: null, pipeline_run_id: 1, priority: 7, payload: payload as JsonObject, status: 'running', attempts: 1, next_attempt_at: at, locked_by: 1, locked_until: at, rearmed: false, last_error: null, created_at: at, updated_at: at, done_at: null };
}

describe.each(databaseTargets())('the notify performer on $name', (target) => {
  let store: Store;
  let server: Server;
  let port = 0;
  const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
  let answer = { status: 200, body: 'ok' };
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
  const log = pino({ level: 'silent' });

  beforeEach(async () => {
    store = await target.open();
    received.length = 0;
    answer = { status: 200, body: 'ok' };
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(answer.status).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  const perform = (settings: { slack?: string; secret?: string }, payload: unknown) =>
    notifyPerformer(
      { db: store.db, clock, log },
      { slackWebhookUrl: settings.slack, notificationSecret: settings.secret, allowPrivateUrls: true, githubBaseUrl: 'https://api.github.com' },
    )(effect(payload));

  it('posts Slack an unsigned Block Kit message, at most one a second per URL', async () => {
    const slack = `http://127.0.0.1:${port}/slack`;
    expect(await perform({ slack }, { event: EVENT, target: { kind: 'slack' } })).toEqual({ kind: 'done' });
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['webhook-signature']).toBeUndefined();
    expect(JSON.parse(received[0]?.body ?? '{}')).toMatchObject({ text: '❌ ci failed on main (acme/api)', blocks: expect.any(Array) });
    expect(JSON.stringify(JSON.parse(received[0]?.body ?? '{}'))).toContain('https://github.com/acme/api/commit/');

    expect(await perform({ slack }, { event: EVENT, target: { kind: 'slack' } })).toEqual({ kind: 'again', at: new Date(clock.now() + 1_000) });
    expect(received).toHaveLength(1);
    clock.advance(1_000);
    expect(await perform({ slack }, { event: EVENT, target: { kind: 'slack' } })).toEqual({ kind: 'done' });
    expect(received).toHaveLength(2);
  });

  it('signs a webhook with the effect key as webhook-id and the clock\'s seconds as webhook-timestamp', async () => {
    const url = `http://127.0.0.1:${port}/hook`;
    expect(await perform({ secret: SECRET }, { event: EVENT, target: { kind: 'webhook', url } })).toEqual({ kind: 'done' });
    expect(received[0]?.headers).toMatchObject({ 'webhook-id': expect.stringMatching(/^notify:failure-run-1-1:x\d+$/), 'webhook-timestamp': String(Math.floor(clock.now() / 1000)), 'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/) });
  });

  it('skips a webhook when no secret is set, and Slack when no URL is, without sending', async () => {
    const url = `http://127.0.0.1:${port}/hook`;
    expect(await perform({}, { event: EVENT, target: { kind: 'webhook', url } })).toEqual({ kind: 'done' });
    expect(await perform({}, { event: EVENT, target: { kind: 'slack' } })).toEqual({ kind: 'done' });
    expect(received).toEqual([]);
  });

  it('fails on a 400 with what the receiver said, and on a malformed effect', async () => {
    answer = { status: 400, body: 'invalid_payload\n' };
    const url = `http://127.0.0.1:${port}/hook`;
    expect(await perform({ secret: SECRET }, { event: EVENT, target: { kind: 'webhook', url } })).toEqual({ kind: 'failed', error: `HTTP 400 from http://127.0.0.1:${port}: invalid_payload` });
    expect(await perform({ secret: SECRET }, { event: { name: 'nonsense' }, target: { kind: 'webhook', url } })).toMatchObject({ kind: 'failed', error: expect.stringContaining('malformed notify effect') });
  });

  it('retries a 5xx and a connection refused', async () => {
    answer = { status: 502, body: '' };
    const url = `http://127.0.0.1:${port}/hook`;
    expect(await perform({ secret: SECRET }, { event: EVENT, target: { kind: 'webhook', url } })).toEqual({ kind: 'retry', error: `HTTP 502 from http://127.0.0.1:${port}` });
    expect(await perform({ secret: SECRET }, { event: EVENT, target: { kind: 'webhook', url: 'http://127.0.0.1:1/hook' } })).toMatchObject({ kind: 'retry', error: expect.stringContaining('ECONNREFUSED') });
  });
});

/**
 * Notifications end to end (SPEC §12): the real app and the simulator, with a
 * local receiver standing in for Slack and for an outgoing webhook. Events are
 * recorded with the decisions that cause them and sent through the effect
 * queue: signed per Standard Webhooks, retried on 5xx/429 (honouring
 * `Retry-After`, on the manual clock) with the same `webhook-id`, disabled on
 * 410, refused for a private address without SHIPGATE_ALLOW_PRIVATE_URLS=1,
 * and never back-filled.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/app-config.ts';
import { databaseTargets, type DatabaseTarget } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SECRET_KEY = Buffer.from(SECRET.slice('whsec_'.length), 'base64');

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The app's (manual) clock when it arrived. */
  at: number;
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
}

/** A local HTTP receiver: records every request; answers each path from its queue of answers, then 200. */
class Receiver {
  readonly received: Received[] = [];
  readonly #answers = new Map<string, Answer[]>();
  #server: Server | undefined;
  port = 0;
  now: () => number = () => 0;

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '';
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: this.now() });
        const answer = this.#answers.get(path)?.shift() ?? { status: 200 };
        res.writeHead(answer.status, answer.headers).end(answer.status === 200 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server?.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  answer(path: string, ...answers: Answer[]): void {
    this.#answers.set(path, answers);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve) ?? resolve(undefined));
  }
}

function config(options: { notifications?: string; environments?: string } = {}): string {
  return `version: 1
pipelines:
  ci:
    on:
      push: { branches: [main] }
    stages:
      build:
        jobs:
          app: { workflow: build.yml }
${options.environments ?? ''}${options.notifications ?? ''}`;
}

const notifications = (receiver: Receiver, on = '[failure, recovery]') => `notifications:
  slack: { on: ${on} }
  webhooks:
    - url: ${receiver.url('/hook')}
      on: ${on}
`;

/** What the app logged, parsed (the tests read the lines notifications write). */
function captureLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

/** The Standard Webhooks check a receiver makes, written here independently of the app's signer. */
function verified(request: Received): boolean {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  const expected = createHmac('sha256', SECRET_KEY).update(`${id}.${timestamp}.${request.body}`).digest('base64');
  return String(request.headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

const failOnce = (h: { sim: Harness['sim'] }) => h.sim.scripts.workflow({ repo: ACME_API, workflow: 'build.yml', attempts: [{ conclusion: 'failure', durationMs: 10_000 }], times: 1 });

async function finish(h: Harness, rounds = 3) {
  await h.settle();
  for (let i = 0; i < rounds; i++) await h.advance(31_000);
}

async function notifyEffects(h: Harness) {
  return h.store.db.selectFrom('effects').select(['key', 'status', 'attempts', 'last_error']).where('kind', '=', 'notify').orderBy('id').execute();
}

describe.each(databaseTargets())('notifications on $name', (target: DatabaseTarget) => {
  let h: Harness | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await h?.close();
    await receiver?.close();
    h = undefined;
    receiver = undefined;
  });

  async function start(yml: string, settings: Partial<AppConfig>, options: { failFirst?: boolean; log?: ReturnType<typeof captureLog>['log'] } = {}): Promise<Harness> {
    const r = receiver as Receiver;
    const harness = await startAcmeHarness(target, yml, {
      config: { notificationSecret: SECRET, allowPrivateUrls: true, ...settings },
      ...(options.log ? { app: { log: options.log } } : {}),
      setup: (sim) => {
        if (options.failFirst) failOnce({ sim });
      },
    });
    r.now = () => harness.clock.now();
    return harness;
  }

  it('sends one failure to Slack and to the webhook, signed; then a green run sends a recovery', async () => {
    receiver = await new Receiver().start();
    h = await start(config({ notifications: notifications(receiver) }), { slackWebhookUrl: receiver.url('/slack') }, { failFirst: true });
    const red = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h);

    expect(receiver.at('/slack')).toHaveLength(1);
    expect(receiver.at('/hook')).toHaveLength(1);
    const slack = JSON.parse(receiver.at('/slack')[0]?.body ?? '{}') as { text: string; blocks: Array<{ type: string }> };
    expect(slack.text).toBe('❌ ci failed on main (acme/api)');
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'actions']);

    const hook = receiver.at('/hook')[0] as Received;
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['webhook-id']).toMatch(/^notify:failure-run-\d+-\d+:webhook-[0-9a-f]{16}$/);
    expect(Number(hook.headers['webhook-timestamp'])).toBe(Math.floor(hook.at / 1000));
    expect(verified(hook)).toBe(true);
    expect(verified({ ...hook, body: hook.body.replace('"failure"', '"success"') })).toBe(false);
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'shipgate.failure', data: { repository: ACME_API, pipeline: 'ci', sha: red.sha, branch: 'main', conclusion: 'failure', links: { commit: expect.stringContaining(`/acme/api/commit/${red.sha}`) } } });

    // Nothing is sent twice, however long the app runs on.
    await h.advance(10 * 60_000);
    expect(receiver.received).toHaveLength(2);

    const green = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 2;\n' } });
    await finish(h);
    expect(receiver.at('/slack')).toHaveLength(2);
    expect(receiver.at('/hook')).toHaveLength(2);
    const recovery = receiver.at('/hook')[1] as Received;
    expect(verified(recovery)).toBe(true);
    expect(JSON.parse(recovery.body)).toMatchObject({ type: 'shipgate.recovery', data: { sha: green.sha, conclusion: 'success', previousConclusion: 'failure' } });
    expect((JSON.parse(receiver.at('/slack')[1]?.body ?? '{}') as { text: string }).text).toBe('✅ ci is green again on main (acme/api)');
    expect((await notifyEffects(h)).map((e) => e.status)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('retries a 503 with the same webhook-id, sends the event once more, and skips Slack without a URL (logged)', async () => {
    receiver = await new Receiver().start();
    receiver.answer('/hook', { status: 503 });
    const captured = captureLog();
    h = await start(config({ notifications: notifications(receiver, '[failure]') }), { slackWebhookUrl: undefined }, { failFirst: true, log: captured.log });
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    // A second at a time: each send is seen at the clock's time it was due.
    for (let i = 0; i < 60 && receiver.at('/hook').length < 2; i++) await h.advance(1_000);

    const hooks = receiver.at('/hook');
    expect(hooks.map((r) => r.at - (hooks[0]?.at ?? 0))).toEqual([0, 2_000]);
    expect(new Set(hooks.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(hooks.map((r) => r.headers['webhook-timestamp'])).toEqual([String(Math.floor((hooks[0]?.at ?? 0) / 1000)), String(Math.floor((hooks[0]?.at ?? 0) / 1000) + 2)]);
    expect(hooks.every(verified)).toBe(true);
    expect(hooks[0]?.body).toBe(hooks[1]?.body);
    await h.advance(10 * 60_000);
    expect(receiver.at('/hook')).toHaveLength(2);
    expect(receiver.at('/slack')).toEqual([]);

    const effects = await notifyEffects(h);
    expect(effects).toEqual([
      expect.objectContaining({ key: expect.stringMatching(/:slack$/), status: 'done', attempts: 1 }),
      expect.objectContaining({ key: expect.stringMatching(/:webhook-/), status: 'done', attempts: 2, last_error: null }),
    ]);
    expect(captured.lines.find((l) => l['msg'] === 'Slack notification skipped: SLACK_WEBHOOK_URL is not set')).toMatchObject({ target: 'slack', event: expect.stringMatching(/^failure-run-/) });
  });

  it('honours Retry-After on the clock: a 429 asking for 2 s is sent again after 2 s, not on the longer backoff', async () => {
    receiver = await new Receiver().start();
    receiver.answer('/hook', { status: 503 }, { status: 429, headers: { 'retry-after': '2' } });
    h = await start(config({ notifications: notifications(receiver, '[failure]') }), {}, { failFirst: true });
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    // Up to the first answer (the 503), then the backoff's 2 s to the 429.
    for (let i = 0; i < 40 && receiver.at('/hook').length < 2; i++) await h.advance(1_000);
    expect(receiver.at('/hook')).toHaveLength(2);
    const second = (receiver.at('/hook')[1] as Received).at;
    const pending = (await notifyEffects(h)).find((e) => e.key.includes(':webhook-'));
    expect(pending).toMatchObject({ status: 'pending', last_error: expect.stringContaining('HTTP 429') });
    expect(pending?.last_error).toContain('Retry-After: 2');

    // The runner's own backoff would wait 4 s after a second try; Retry-After says 2.
    await h.advance(second + 1_999 - h.clock.now());
    expect(receiver.at('/hook')).toHaveLength(2);
    await h.advance(1);
    expect(receiver.at('/hook')).toHaveLength(3);
    expect((receiver.at('/hook')[2] as Received).at - second).toBe(2_000);
    expect((await notifyEffects(h)).find((e) => e.key.includes(':webhook-'))).toMatchObject({ status: 'done', attempts: 3 });
  });

  it('disables an endpoint that answers 410 and sends it nothing more', async () => {
    receiver = await new Receiver().start();
    receiver.answer('/hook', { status: 410 });
    const captured = captureLog();
    h = await start(config({ notifications: `notifications:\n  webhooks: [{ url: '${receiver.url('/hook')}' }]\n` }), {}, { log: captured.log });
    h.sim.scripts.workflow({ repo: ACME_API, workflow: 'build.yml', attempts: [{ conclusion: 'failure', durationMs: 10_000 }] });
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h);
    expect(receiver.at('/hook')).toHaveLength(1);
    expect((await notifyEffects(h))[0]).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/HTTP 410 from http:\/\/127\.0\.0\.1:\d+: the endpoint is gone; it is disabled/) });
    const endpoints = await h.store.db.selectFrom('notification_endpoints').selectAll().execute();
    expect(endpoints).toEqual([expect.objectContaining({ kind: 'webhook', origin: receiver.url('').replace(/\/$/, ''), disabled_reason: expect.stringContaining('410') })]);

    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 2;\n' } });
    await finish(h);
    expect(receiver.at('/hook')).toHaveLength(1);
    const effects = await notifyEffects(h);
    expect(effects).toHaveLength(2);
    expect(effects[1]).toMatchObject({ status: 'done', attempts: 1 });
    expect(captured.lines.some((l) => String(l['msg']).startsWith('notification skipped: the endpoint is disabled'))).toBe(true);
  });

  it('refuses a private address without SHIPGATE_ALLOW_PRIVATE_URLS=1: the effect fails and says why', async () => {
    receiver = await new Receiver().start();
    const captured = captureLog();
    h = await start(config({ notifications: notifications(receiver, '[failure]') }), { allowPrivateUrls: false, slackWebhookUrl: receiver.url('/slack') }, { failFirst: true, log: captured.log });
    h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h);
    expect(receiver.received).toEqual([]);
    const effects = await notifyEffects(h);
    expect(effects).toHaveLength(2);
    for (const effect of effects) {
      expect(effect).toMatchObject({ status: 'failed', attempts: 1 });
      expect(effect.last_error).toBe('refused: 127.0.0.1 is a loopback address; private targets are sent to only with SHIPGATE_ALLOW_PRIVATE_URLS=1');
    }
    expect(captured.lines.filter((l) => l['msg'] === 'notification refused')).toHaveLength(2);
  });

  it('sends nothing for what happened before notifications were enabled', async () => {
    receiver = await new Receiver().start();
    h = await start(config(), { slackWebhookUrl: receiver.url('/slack') }, { failFirst: true });
    const red = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h);
    expect(await notifyEffects(h)).toEqual([]);

    // Enabling them on the default branch: this push's own run is the first event told.
    h.sim.push({ repo: ACME_API, branch: 'main', files: { '.github/shipgate.yml': config({ notifications: notifications(receiver) }) } });
    await finish(h);
    await h.advance(10 * 60_000);
    const effects = await notifyEffects(h);
    expect(effects.map((e) => e.key)).toEqual([expect.stringMatching(/^notify:recovery-run-\d+-\d+:slack$/), expect.stringMatching(/^notify:recovery-run-\d+-\d+:webhook-/)]);
    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/hook', '/slack']);
    expect(receiver.received.some((r) => r.body.includes(red.sha))).toBe(false);
  });

  it('takes the targets of a pull request\'s run from the default branch: the PR cannot redirect them', async () => {
    receiver = await new Receiver().start();
    const onPulls = (hook: string) =>
      config({ notifications: `notifications:\n  webhooks: [{ url: '${receiver?.url(hook)}', on: [failure] }]\n` }).replace('      push: { branches: [main] }\n', '      push: { branches: [main] }\n      pull_request: { branches: [main] }\n');
    h = await start(onPulls('/hook'), {}, { failFirst: true });
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { '.github/shipgate.yml': onPulls('/evil'), 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await finish(h);
    expect(receiver.at('/evil')).toEqual([]);
    expect(receiver.at('/hook')).toHaveLength(1);
    expect(JSON.parse(receiver.at('/hook')[0]?.body ?? '{}')).toMatchObject({ type: 'shipgate.failure', data: { pr: pr.number, links: { pullRequest: expect.stringContaining(`/acme/api/pull/${pr.number}`) } } });
  });

  it('tells a deployment that succeeded and an approval request that opened, from the default branch\'s config', async () => {
    receiver = await new Receiver().start();
    const environments = `environments:
  staging:
    workflow: deploy.yml
    url: https://staging.example.com
  production:
    approvals: 1
    approvers: [alice]
    workflow: deploy.yml
`;
    const yml = config({ environments, notifications: `notifications:\n  webhooks: [{ url: '${receiver.url('/hook')}', on: [deployment, approval-requested] }]\n` }).replace(
      '          app: { workflow: build.yml }\n',
      '          app: { workflow: build.yml }\n      staging:\n        needs: [build]\n        environment: staging\n        jobs:\n          deploy: { workflow: deploy.yml }\n      production:\n        needs: [staging]\n        environment: production\n        jobs:\n          release: { workflow: deploy.yml }\n',
    );
    h = await start(yml, {});
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h, 5);
    // Both may be due at once and sent side by side: in either order.
    const bodies = receiver
      .at('/hook')
      .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> })
      .sort((a, b) => (a.type === 'shipgate.deployment' ? -1 : b.type === 'shipgate.deployment' ? 1 : 0));
    expect(bodies.map((b) => b.type)).toEqual(['shipgate.deployment', 'shipgate.approval-requested']);
    expect(bodies[0]?.data).toMatchObject({ environment: 'staging', status: 'succeeded', sha: push.sha, url: 'https://staging.example.com', links: { environment: 'https://staging.example.com' } });
    expect(bodies[1]?.data).toMatchObject({ environment: 'production', required: 1, approvers: ['alice'], sha: push.sha });
    expect(receiver.at('/hook').every(verified)).toBe(true);
  });
});

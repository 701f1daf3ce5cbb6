import { createServer, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { AppConfigError, loadAppConfig } from '../../src/config/app-config.ts';
import { metricsHandler } from '../../src/metrics/handler.ts';
import { createShipgateMetrics } from '../../src/metrics/registry.ts';
import type { Store } from '../../src/store/db.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { parsePromText, sampleValue } from '../helpers/prom-text.ts';

const TOKEN = 'scrape-me-0123456789';

/** Serves `handler` the way Probot's server does: unanswered requests are 404. */
async function serve(handler: ReturnType<typeof metricsHandler>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void Promise.resolve(handler(req, res)).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

describe.each(databaseTargets())('GET /metrics on $name', (target) => {
  let store: Store;
  let open: { server: Server; url: string };
  let guarded: { server: Server; url: string };
  beforeAll(async () => {
    store = await target.open();
    const metrics = createShipgateMetrics({ db: store.db, clock: new ManualClock(), defaultMetrics: false });
    metrics.observeWebhook('push', 'recorded');
    open = await serve(metricsHandler(metrics));
    guarded = await serve(metricsHandler(metrics, { token: TOKEN }));
  });
  afterAll(async () => {
    await new Promise((resolve) => open.server.close(resolve));
    await new Promise((resolve) => guarded.server.close(resolve));
    await store.close();
  });

  it('serves the text format with its content type', async () => {
    const response = await fetch(`${open.url}/metrics?x=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePromText(await response.text());
    expect(sampleValue(families, 'shipgate_webhooks_received_total', { event: 'push', outcome: 'recorded' })).toBe(1);
  });

  it('leaves other paths to other handlers and refuses other methods', async () => {
    expect((await fetch(`${open.url}/metricsx`)).status).toBe(404);
    expect((await fetch(`${open.url}/`)).status).toBe(404);
    const post = await fetch(`${open.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${open.url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('with METRICS_TOKEN, answers only a request bearing it', async () => {
    const none = await fetch(`${guarded.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain('shipgate_');
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN, 'Bearer ', `Bearer ${TOKEN} extra`]) {
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization } })).status, authorization).toBe(401);
    }
    const good = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(good.status).toBe(200);
    expect(await good.text()).toContain('shipgate_webhooks_received_total');
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `bearer  ${TOKEN}` } })).status).toBe(200);
  });
});

describe('METRICS_TOKEN', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const base = { APP_ID: '42', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 's3cret' };

  it('is optional: unset or blank, /metrics is open', () => {
    expect(loadAppConfig(base).metricsToken).toBeUndefined();
    expect(loadAppConfig({ ...base, METRICS_TOKEN: '  ' }).metricsToken).toBeUndefined();
    expect(loadAppConfig({ ...base, METRICS_TOKEN: ` ${TOKEN} ` }).metricsToken).toBe(TOKEN);
  });

  it('must be one word that fits a bearer header', () => {
    for (const bad of ['two words', 'tab\there', 'naïve']) {
      expect(() => loadAppConfig({ ...base, METRICS_TOKEN: bad })).toThrow(AppConfigError);
      try {
        loadAppConfig({ ...base, METRICS_TOKEN: bad });
      } catch (err) {
        expect((err as AppConfigError).problems.join('\n')).toContain('METRICS_TOKEN');
      }
    }
  });
});

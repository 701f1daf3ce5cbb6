import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.ts';
import { registerStatsCommand } from '../../src/cli/stats.ts';
import { statsApiHandler } from '../../src/http/stats-api.ts';
import type { Store } from '../../src/store/db.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { cliTargets, type CliDatabase } from '../insight/cli-targets.ts';
import { seedWeek } from '../insight/seed.ts';

const NOW = Date.parse('2026-03-10T00:00:00Z');
const TOKEN = 'a-long-random-dashboard-token';
const WEEK = 'since=2026-03-02&until=2026-03-09';

/** An HTTP server with only the statistics handler (anything it does not answer is a plain 404). */
async function serve(store: Store, token: string | undefined): Promise<{ url: string; server: Server; errors: unknown[] }> {
  const errors: unknown[] = [];
  const handler = statsApiHandler(store, { clock: { now: () => NOW }, token, onError: (error) => errors.push(error) });
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).then(
      (handled) => {
        if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end('not the stats API');
      },
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, errors };
}

async function get(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

const bearer = { headers: { authorization: `Bearer ${TOKEN}` } };

describe.each(cliTargets())('GET /api/v1/stats on $name', (target) => {
  let database: CliDatabase;
  let cliJson: string;
  let store: Store;
  let api: Awaited<ReturnType<typeof serve>>;
  let off: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    database = await target.create(seedWeek);
    // The CLI first: the embedded database is opened by one process (here: one store) at a time.
    const io = captureIo();
    const program = new Command('shipgate').exitOverride();
    registerStatsCommand(program, io, database.env, () => NOW);
    await program.parseAsync(['stats', ...database.args, '--repo', 'acme/app', '--since', '2026-03-02', '--until', '2026-03-09', '--json'], { from: 'user' });
    expect(io.err).toBe('');
    cliJson = io.out.trim();
    store = await database.open();
    api = await serve(store, TOKEN);
    off = await serve(store, undefined);
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => api?.server.close(resolve));
    await new Promise((resolve) => off?.server.close(resolve));
    await store?.close();
    await database?.dispose();
  });

  it('answers the same statistics as shipgate stats --json, as JSON that is not cached', async () => {
    const response = await get(`${api.url}/api/v1/stats?repo=acme/app&${WEEK}`, bearer);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.json()).toEqual(JSON.parse(cliJson));
    expect(response.text).toBe(cliJson);
    expect(api.errors).toEqual([]);
  });

  it('reads the filters and relative windows as the CLI does', async () => {
    const response = await get(`${api.url}/api/v1/stats?repo=ACME/App&since=7d&until=2026-03-09T00:00:00Z&pipeline=nightly&branch=main&env=staging`, bearer);
    expect(response.status).toBe(200);
    const stats = response.json() as { repository: string; window: unknown; filters: unknown; runs: { total: number } };
    expect(stats.repository).toBe('acme/app');
    expect(stats.window).toEqual({ since: '2026-03-02T00:00:00.000Z', until: '2026-03-09T00:00:00.000Z' });
    expect(stats.filters).toEqual({ pipeline: 'nightly', branch: 'main', environment: 'staging' });
    expect(stats.runs.total).toBe(4);
  });

  it('answers HEAD without a body', async () => {
    const response = await get(`${api.url}/api/v1/stats?repo=acme/app&${WEEK}`, { ...bearer, method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });

  it('refuses a request without the token, or with a wrong one, with 401 JSON', async () => {
    for (const init of [{}, { headers: { authorization: 'Bearer not-the-token' } }, { headers: { authorization: `Basic ${TOKEN}` } }]) {
      const response = await get(`${api.url}/api/v1/stats?repo=acme/app`, init);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="shipgate"');
      expect(response.json()).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('Authorization: Bearer <DASHBOARD_TOKEN>') });
      expect(response.text).not.toContain(TOKEN);
    }
  });

  it('is off without DASHBOARD_TOKEN: 404 with a JSON hint, whatever the request carries', async () => {
    for (const init of [{}, bearer]) {
      const response = await get(`${off.url}/api/v1/stats?repo=acme/app`, init);
      expect(response.status).toBe(404);
      expect(response.json()).toEqual({ error: 'not-configured', message: 'the statistics API is off: set DASHBOARD_TOKEN and send it as Authorization: Bearer <token>' });
    }
  });

  it('answers 400 JSON for bad parameters and 404 for a repository without history', async () => {
    const cases: [string, number, string, RegExp][] = [
      ['since=yesterday', 400, 'bad-request', /since "yesterday": expected a duration such as 30d/],
      ['until=2026-02-30', 400, 'bad-request', /until "2026-02-30"/],
      ['since=2026-03-09&until=2026-03-02', 400, 'bad-request', /since \(2026-03-09T00:00:00.000Z\) must be before until/],
      ['repo=acme', 400, 'bad-request', /repo "acme": expected OWNER\/REPO/],
      ['', 400, 'bad-request', /give repo OWNER\/REPO: the store has 2 repositories/],
      ['repo=acme/app&limit=3', 400, 'bad-request', /unknown parameter limit; the parameters are repo, since, until, pipeline, branch, env/],
      ['repo=acme/app&since=7d&since=30d', 400, 'bad-request', /give since once/],
      ['repo=acme/app&env=', 400, 'bad-request', /env must be between 1 and 200 characters/],
      ['repo=acme/none', 404, 'unknown-repository', /no pipeline runs or deployments of acme\/none in this store/],
    ];
    for (const [query, status, error, message] of cases) {
      const response = await get(`${api.url}/api/v1/stats?${query}`, bearer);
      expect(response.status, query).toBe(status);
      expect(response.json(), query).toEqual({ error, message: expect.stringMatching(message) });
    }
  });

  it('answers only GET and HEAD on its own path', async () => {
    const post = await get(`${api.url}/api/v1/stats?repo=acme/app`, { ...bearer, method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const other = await get(`${api.url}/api/v1/statistics`, bearer);
    expect(other.status).toBe(404);
    expect(other.text).toBe('not the stats API');
  });
});

describe('GET /api/v1/stats when the database fails', () => {
  it('answers 500 JSON without details and reports the error', async () => {
    // A store whose database has gone away: every query fails.
    const [pglite] = databaseTargets();
    const broken = await pglite!.open();
    await broken.close();
    const api = await serve(broken, TOKEN);
    try {
      const response = await get(`${api.url}/api/v1/stats?repo=acme/app`, bearer);
      expect(response.status).toBe(500);
      expect(response.json()).toEqual({ error: 'internal', message: 'the statistics could not be computed; the server log says why' });
      expect(api.errors).toHaveLength(1);
    } finally {
      await new Promise((resolve) => api.server.close(resolve));
    }
  });
});

import { Octokit } from '@octokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { DEFAULT_REQUEST_POLICY, requestPolicyPlugin } from '../../src/github/request-policy.ts';
import { githubMetricsPlugin, rateLimitOf } from '../../src/metrics/github-requests.ts';
import { createShipgateMetrics, type ShipgateMetrics } from '../../src/metrics/registry.ts';
import type { Store } from '../../src/store/db.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { parsePromText, sampleValue } from '../helpers/prom-text.ts';

const T0 = Date.UTC(2026, 11, 1, 12);

/** An Octokit with the metrics plugin (wrapped by the request policy, as in `server.ts`) whose fetch answers from a script. */
function scriptedOctokit(metrics: ShipgateMetrics | undefined, answers: Array<{ status: number; headers?: Record<string, string> }>, installationId?: number) {
  const urls: string[] = [];
  const fetch = async (url: string | URL) => {
    urls.push(String(url));
    const answer = answers.shift() ?? { status: 200 };
    return new Response(answer.status === 204 ? null : '{}', { status: answer.status, headers: { 'content-type': 'application/json', ...answer.headers } });
  };
  const Client = Octokit.plugin(githubMetricsPlugin, requestPolicyPlugin);
  const octokit = new Client({
    request: { fetch },
    ...(installationId !== undefined ? { auth: { installationId } } : {}),
    authStrategy: installationId !== undefined ? () => ({ hook: (request: (o: unknown) => unknown, options: unknown) => request(options), auth: async () => ({}) }) : undefined,
    shipgate: { policy: { ...DEFAULT_REQUEST_POLICY, retryBaseMs: 1, writeIntervalMs: 0, sleep: async () => {} }, metrics },
  } as ConstructorParameters<typeof Client>[0]);
  return { octokit, urls };
}

const limit = (remaining: number, resource = 'core') => ({ 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(T0 / 1000 + 3600), 'x-ratelimit-resource': resource });

describe.each(databaseTargets())('GitHub request metrics on $name', (target) => {
  let store: Store;
  beforeAll(async () => {
    store = await target.open();
  });
  afterAll(async () => {
    await store.close();
  });
  const fresh = () => createShipgateMetrics({ db: store.db, clock: new ManualClock(T0), defaultMetrics: false });

  it('counts each try by route class, method and status: a retried 502 counts, then its 204', async () => {
    const metrics = fresh();
    const { octokit, urls } = scriptedOctokit(metrics, [{ status: 502 }, { status: 204, headers: limit(4321) }]);
    await octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', { owner: 'acme', repo: 'api', workflow_id: 'build.yml', ref: 'main', request: { shipgate: {} } });
    await expect(octokit.request('GET /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner: 'acme', repo: 'api', check_run_id: 7 })).resolves.toMatchObject({ status: 200 });
    const families = parsePromText(await metrics.scrape());
    expect(urls).toHaveLength(3);
    expect(sampleValue(families, 'shipgate_github_requests_total', { route_class: 'actions', method: 'POST', status: '502' })).toBe(1);
    expect(sampleValue(families, 'shipgate_github_requests_total', { route_class: 'actions', method: 'POST', status: '204' })).toBe(1);
    expect(sampleValue(families, 'shipgate_github_requests_total', { route_class: 'checks', method: 'GET', status: '200' })).toBe(1);
    expect(sampleValue(families, 'shipgate_github_rate_limit_remaining', { resource: 'core' })).toBe(4321);
    // Labels never carry the filled URL.
    const text = await metrics.scrape();
    expect(text).not.toContain('acme');
    expect(text).not.toContain('build.yml');
  });

  it('counts a refused request with its status and keeps the rate limit its error reports', async () => {
    const metrics = fresh();
    const { octokit } = scriptedOctokit(metrics, [{ status: 404, headers: limit(17, 'graphql') }], 5);
    await expect(octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'acme', repo: 'api', pull_number: 3 })).rejects.toMatchObject({ status: 404 });
    const families = parsePromText(await metrics.scrape());
    expect(sampleValue(families, 'shipgate_github_requests_total', { route_class: 'pulls', method: 'GET', status: '404' })).toBe(1);
    expect(sampleValue(families, 'shipgate_github_rate_limit_remaining', { resource: 'graphql' })).toBe(17);
  });

  it('does not count a request that was never sent because its installation token could not be had', async () => {
    const metrics = fresh();
    const Client = Octokit.plugin(githubMetricsPlugin);
    const fetch = async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    const tokenFailure = Object.assign(new Error('could not create an installation token'), { status: 502, request: { url: 'https://api.github.com/app/installations/5/access_tokens' } });
    const octokit = new Client({
      request: { fetch },
      auth: { installationId: 5 },
      authStrategy: () => ({
        hook: async () => {
          throw tokenFailure;
        },
        auth: async () => ({}),
      }),
      shipgate: { metrics },
    } as ConstructorParameters<typeof Client>[0]);
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'api' })).rejects.toBe(tokenFailure);
    expect(await metrics.scrape()).not.toMatch(/^shipgate_github_requests_total\{/m);
  });

  it('does nothing without metrics in the options', async () => {
    const { octokit, urls } = scriptedOctokit(undefined, [{ status: 200 }]);
    await expect(octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'api' })).resolves.toMatchObject({ status: 200 });
    expect(urls).toHaveLength(1);
  });
});

describe('rateLimitOf', () => {
  it('reads remaining, resource and reset (seconds → ms)', () => {
    expect(rateLimitOf({ 'x-ratelimit-remaining': '12', 'x-ratelimit-reset': '1700000000', 'x-ratelimit-resource': 'search' })).toEqual({ resource: 'search', remaining: 12, resetAt: 1_700_000_000_000 });
    expect(rateLimitOf({ 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 1700000000 })).toEqual({ resource: 'core', remaining: 0, resetAt: 1_700_000_000_000 });
  });

  it('ignores answers without usable headers', () => {
    expect(rateLimitOf(undefined)).toBeUndefined();
    expect(rateLimitOf({})).toBeUndefined();
    expect(rateLimitOf({ 'x-ratelimit-remaining': 'lots', 'x-ratelimit-reset': '1700000000' })).toBeUndefined();
    expect(rateLimitOf({ 'x-ratelimit-remaining': '5' })).toBeUndefined();
  });
});

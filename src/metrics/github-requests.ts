import type { Octokit } from '@octokit/core';
import type { EndpointOptions } from '@octokit/types';
import type { ShipgateMetrics } from './registry.ts';
import { routeClassOf } from './route-class.ts';

type Headers = Record<string, string | number | undefined>;

/** What the rate-limit headers of one answer say, if they are there. */
export function rateLimitOf(headers: Headers | undefined): { resource: string; remaining: number; resetAt: number } | undefined {
  if (!headers) return undefined;
  const remaining = Number(headers['x-ratelimit-remaining']);
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-remaining'] === undefined || !Number.isFinite(remaining) || !Number.isFinite(reset)) return undefined;
  return { resource: String(headers['x-ratelimit-resource'] ?? 'core'), remaining, resetAt: reset * 1000 };
}

/**
 * An Octokit plugin that counts every request sent to GitHub by route class,
 * method and status, and keeps the rate limit each answer reports. It takes
 * `{ shipgate: { metrics } }` from the Octokit options and does nothing
 * without it. Put it before `requestPolicyPlugin` in `Octokit.plugin(…)`: the
 * policy then wraps it, so each retry is counted as the request it is, and
 * the time a write waits for its slot is not.
 */
export function githubMetricsPlugin(octokit: Octokit, octokitOptions: Record<string, unknown>): void {
  const metrics = (octokitOptions.shipgate as { metrics?: ShipgateMetrics } | undefined)?.metrics;
  if (!metrics) return;
  const auth = octokitOptions.auth as { installationId?: number } | undefined;
  const lane = auth?.installationId ? `installation:${auth.installationId}` : 'app';
  const observe = (endpoint: EndpointOptions, status: number | undefined, headers: Headers | undefined) => {
    metrics.observeGitHubRequest(routeClassOf(String(endpoint.url)), String(endpoint.method), status);
    const limit = rateLimitOf(headers);
    if (limit) metrics.setRateLimitRemaining({ lane, ...limit });
  };

  const sentUrl = (options: unknown): string | undefined => {
    try {
      return octokit.request.endpoint.parse(options as Parameters<typeof octokit.request.endpoint.parse>[0]).url;
    } catch {
      return undefined;
    }
  };

  octokit.hook.wrap('request', async (request, options) => {
    const endpoint = options as EndpointOptions;
    try {
      const response = await request(options);
      observe(endpoint, response.status, response.headers as Headers);
      return response;
    } catch (err) {
      const failed = err as { status?: unknown; response?: { headers?: Headers }; request?: { url?: unknown } };
      // An error of another request (the installation token's, which the auth hook asked for and
      // which was counted on its own) means this one was never sent: not counted.
      if (typeof failed.request?.url !== 'string' || failed.request.url === sentUrl(options)) {
        observe(endpoint, typeof failed.status === 'number' ? failed.status : undefined, failed.response?.headers);
      }
      throw err;
    }
  });
}

/**
 * What the app asked of the Jenkins and GitLab simulators, from their request
 * logs: per provider, how many requests, how many wrote, how many were
 * answered with an error, and the count per route — the providers' side of
 * the GitHub API counts of the closing summary. Building and printing are
 * separate, pure steps.
 */

/** A request as both simulators log it. */
export interface ProviderRequest {
  method: string;
  path: string;
  /** `'METHOD /template'`; undefined for a path the service does not have. */
  route: string | undefined;
  /** 0 when the connection was dropped. */
  status: number;
}

/** One provider's requests. */
export interface ProviderRequestCounts {
  /** `Jenkins`, `GitLab CI`. */
  provider: string;
  /** The simulator's base URL. */
  url: string;
  total: number;
  /** POST, PUT, PATCH and DELETE. */
  writes: number;
  /** Answered 4xx/5xx, or dropped. */
  failed: number;
  /** Most served first, then by route. */
  byRoute: Array<{ route: string; count: number }>;
}

/** Counts one simulator's requests. */
export function countProviderRequests(provider: string, url: string, requests: readonly ProviderRequest[]): ProviderRequestCounts {
  const byRoute = new Map<string, number>();
  for (const request of requests) {
    const route = request.route ?? `${request.method} ${request.path} (unknown route)`;
    byRoute.set(route, (byRoute.get(route) ?? 0) + 1);
  }
  return {
    provider,
    url,
    total: requests.length,
    writes: requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').length,
    failed: requests.filter((r) => r.status === 0 || r.status >= 400).length,
    byRoute: [...byRoute].map(([route, count]) => ({ route, count })).sort((a, b) => b.count - a.count || a.route.localeCompare(b.route)),
  };
}

/** The counts as terminal lines, one block per provider: `Jenkins requests served to the app: 21 (2 writes)` and a line per route. */
export function formatProviderRequests(counts: readonly ProviderRequestCounts[]): string[] {
  return counts.flatMap((c) => {
    const width = String(Math.max(1, ...c.byRoute.map((r) => r.count))).length;
    const failed = c.failed ? `, ${c.failed} answered with an error` : '';
    return [
      `${c.provider} requests served to the app (${c.url}): ${c.total} (${c.writes} write${c.writes === 1 ? '' : 's'}${failed})`,
      ...c.byRoute.map(({ route, count }) => `  ${String(count).padStart(width)}  ${route}`),
    ];
  });
}

/** Counting the app's GitHub requests in the simulator's request log (pure). */
import type { RequestLogEntry } from '../src/sim/index.ts';

/** GitHub's GraphQL API: shipgate sends queries only, so these are reads. */
export const GRAPHQL_ROUTE = 'POST /graphql';

/** The one-off app-authenticated request that mints an installation token. */
export const TOKEN_ROUTE = 'POST /app/installations/{installation_id}/access_tokens';

/** The log fields the counting reads. */
export type LoggedRequest = Pick<RequestLogEntry, 'method' | 'path' | 'route' | 'installationId' | 'api'>;

/** The requests made for one installation. */
export interface InstallationRequests {
  /** API requests authenticated as the installation. */
  total: number;
  /** Of those, POST/PATCH/PUT/DELETE (not GraphQL queries). */
  writes: number;
  /** Route (`METHOD /template`) → count. */
  byRoute: Record<string, number>;
  /** Installation tokens minted for it (app-authenticated, not in `total`). */
  tokenRequests: number;
}

/** Counts the requests of one installation, by route, with the token requests apart. */
export function requestsOfInstallation(log: readonly LoggedRequest[], installationId: number): InstallationRequests {
  const result: InstallationRequests = { total: 0, writes: 0, byRoute: {}, tokenRequests: 0 };
  const tokenPath = `/app/installations/${installationId}/access_tokens`;
  for (const entry of log) {
    if (!entry.api) continue;
    if (entry.route === TOKEN_ROUTE && entry.path === tokenPath) {
      result.tokenRequests++;
      continue;
    }
    if (entry.installationId !== installationId) continue;
    result.total++;
    if (entry.method !== 'GET' && entry.method !== 'HEAD' && entry.route !== GRAPHQL_ROUTE) result.writes++;
    const route = entry.route ?? `${entry.method} ${entry.path} (unknown route)`;
    result.byRoute[route] = (result.byRoute[route] ?? 0) + 1;
  }
  return result;
}

/** Route → mean count over several runs (a route missing from a run counts 0 there). */
export function meanByRoute(runs: readonly Record<string, number>[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const run of runs) for (const [route, count] of Object.entries(run)) totals[route] = (totals[route] ?? 0) + count;
  return Object.fromEntries(Object.entries(totals).map(([route, total]) => [route, runs.length ? total / runs.length : 0]));
}

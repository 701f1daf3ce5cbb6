/** The log of every request the app made, for assertions and counting. */

export interface RequestLogEntry {
  method: string;
  /** Path without `/api/v3` and without the query. */
  path: string;
  query: string;
  /** `'METHOD /template'` from GitHub's description (undefined for an unknown route). */
  route: string | undefined;
  status: number;
  /** The parsed JSON body, if any. */
  body: unknown;
  /** Sim-clock time when the request arrived. */
  at: number;
  installationId: number | undefined;
  appId: number | undefined;
  requestId: string;
  /** Set when the answer was an injected fault. */
  fault: 'server-error' | 'rate-limit' | 'refusal' | undefined;
  /** False for the sim's own non-API URLs (artifact downloads). */
  api: boolean;
}

/** A decoded workflow dispatch. */
export interface DispatchCall {
  owner: string;
  repo: string;
  workflow: string;
  ref: string;
  inputs: Record<string, unknown>;
  returnRunDetails: boolean;
  status: number;
  at: number;
  installationId: number | undefined;
}

/** GitHub's GraphQL API; the sim answers queries only, so it counts as a read. */
export const GRAPHQL_ROUTE = 'POST /graphql';

export const DISPATCH_ROUTE = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';

/** Requests to one route (`method` + OpenAPI template). */
export function requestsTo(log: readonly RequestLogEntry[], method: string, template: string): RequestLogEntry[] {
  const wanted = `${method.toUpperCase()} ${template}`;
  return log.filter((entry) => entry.route === wanted);
}

/** The dispatch calls, decoded. */
export function dispatchesIn(log: readonly RequestLogEntry[]): DispatchCall[] {
  return requestsTo(log, 'POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches').map((entry) => {
    const [, , owner = '', repo = '', , , workflow = ''] = entry.path.split('/');
    const body = (entry.body ?? {}) as { ref?: string; inputs?: Record<string, unknown>; return_run_details?: boolean };
    return {
      owner,
      repo,
      workflow: decodeURIComponent(workflow),
      ref: body.ref ?? '',
      inputs: body.inputs ?? {},
      returnRunDetails: body.return_run_details === true,
      status: entry.status,
      at: entry.at,
      installationId: entry.installationId,
    };
  });
}

export interface RequestCountFilter {
  /** Only requests at or after this sim time. */
  since?: number;
  /** Only requests before this sim time. */
  until?: number;
  installationId?: number;
  /** `owner/name`: only requests under `/repos/owner/name`. */
  repo?: string;
  /** Only POST/PATCH/PUT/DELETE (GraphQL queries are reads). */
  writesOnly?: boolean;
  /** Leave out injected faults (count what the app achieved, not its retries). */
  excludeFaults?: boolean;
}

/** Counts API requests matching a filter (e.g. the calls made for one pipeline run). */
export function countRequests(log: readonly RequestLogEntry[], filter: RequestCountFilter = {}): number {
  const prefix = filter.repo ? `/repos/${filter.repo.toLowerCase()}/` : undefined;
  return log.filter(
    (entry) =>
      entry.api &&
      (filter.since === undefined || entry.at >= filter.since) &&
      (filter.until === undefined || entry.at < filter.until) &&
      (filter.installationId === undefined || entry.installationId === filter.installationId) &&
      (!prefix || `${entry.path.toLowerCase()}/`.startsWith(prefix)) &&
      (!filter.writesOnly || (entry.method !== 'GET' && entry.route !== GRAPHQL_ROUTE)) &&
      (!filter.excludeFaults || entry.fault === undefined),
  ).length;
}

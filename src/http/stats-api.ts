import type { ServerResponse } from 'node:http';
import type { HttpHandler } from './handler.ts';
import type { Clock } from '../clock.ts';
import type { Store } from '../store/db.ts';
import { bearerToken, constantTimeEqual } from '../dashboard/auth.ts';
import { computeStats, StatsQueryError } from '../insight/stats.ts';
import { resolveStatsRequest } from '../insight/stats-request.ts';

/** The path the statistics are served at. */
export const STATS_API_PATH = '/api/v1/stats';

const PARAMETERS = ['repo', 'since', 'until', 'pipeline', 'branch', 'env'] as const;
const PARAMETER_NAMES = { repo: 'repo', since: 'since', until: 'until', pipeline: 'pipeline', branch: 'branch', environment: 'env' };

export interface StatsApiOptions {
  clock: Pick<Clock, 'now'>;
  /** `DASHBOARD_TOKEN`: the bearer token a request must present; unset, the API is off (404). */
  token: string | undefined;
  /** Told about a request that failed inside (the answer is a 500 without details). */
  onError?: (error: unknown) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers }).end(JSON.stringify(body));
}

/**
 * `GET /api/v1/stats?repo=O/R&since=30d&until=…&pipeline=…&branch=…&env=…`:
 * a repository's delivery statistics (SPEC §12), exactly the object `shipgate
 * stats --json` prints. Parameters read as the CLI's options (`since` and
 * `until`: a duration or an ISO date; `repo` optional when the store has one
 * repository). Access needs `Authorization: Bearer <DASHBOARD_TOKEN>`: without a
 * configured token the API answers 404 saying how to turn it on; a missing or
 * wrong token gets 401. Errors are JSON `{ error, message }`: 400 for a bad
 * parameter, 404 for a repository without history, 405 for another method.
 */
export function statsApiHandler(store: Pick<Store, 'db'>, options: StatsApiOptions): HttpHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://shipgate.invalid');
    if (url.pathname !== STATS_API_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method-not-allowed', message: `${STATS_API_PATH} answers GET only` }, { allow: 'GET, HEAD' });
      return true;
    }
    if (!options.token) {
      sendJson(res, 404, { error: 'not-configured', message: 'the statistics API is off: set DASHBOARD_TOKEN and send it as Authorization: Bearer <token>' });
      return true;
    }
    const presented = bearerToken(req.headers.authorization);
    if (presented === undefined || !constantTimeEqual(presented, options.token)) {
      sendJson(res, 401, { error: 'unauthorized', message: `send the dashboard token: Authorization: Bearer <DASHBOARD_TOKEN>${presented === undefined ? '' : ' (the token given is not it)'}` }, { 'www-authenticate': 'Bearer realm="shipgate"' });
      return true;
    }
    const unknown = [...url.searchParams.keys()].filter((key) => !(PARAMETERS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      sendJson(res, 400, { error: 'bad-request', message: `unknown parameter ${unknown.join(', ')}; the parameters are ${PARAMETERS.join(', ')}` });
      return true;
    }
    const repeated = PARAMETERS.filter((key) => url.searchParams.getAll(key).length > 1);
    if (repeated.length > 0) {
      sendJson(res, 400, { error: 'bad-request', message: `give ${repeated.join(', ')} once` });
      return true;
    }
    const param = (key: (typeof PARAMETERS)[number]) => url.searchParams.get(key) ?? undefined;
    try {
      const resolved = await resolveStatsRequest(
        store.db,
        { repo: param('repo'), since: param('since'), until: param('until'), pipeline: param('pipeline'), branch: param('branch'), environment: param('env') },
        new Date(options.clock.now()),
        PARAMETER_NAMES,
      );
      if (!resolved.ok) {
        sendJson(res, resolved.kind === 'unknown-repository' ? 404 : 400, { error: resolved.kind, message: resolved.message });
        return true;
      }
      const stats = await computeStats(store.db, resolved.query);
      if (req.method === 'HEAD') res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end();
      else sendJson(res, 200, stats);
    } catch (error) {
      if (error instanceof StatsQueryError) {
        sendJson(res, 400, { error: 'bad-request', message: error.message });
        return true;
      }
      options.onError?.(error);
      sendJson(res, 500, { error: 'internal', message: 'the statistics could not be computed; the server log says why' });
    }
    return true;
  };
}

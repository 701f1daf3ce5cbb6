import type { HttpHandler } from './handler.ts';
import type { Store } from '../store/db.ts';
import { ping } from '../store/db.ts';

/**
 * `GET /healthz`: 200 with the database status when the store answers, 503 when
 * it does not, so a load balancer takes a replica out that cannot record deliveries.
 */
export function healthHandler(store: Store, version: string): HttpHandler {
  return async (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/healthz') return false;
    const database = await ping(store);
    const body = JSON.stringify({ status: database.ok ? 'ok' : 'unavailable', version, database });
    res.writeHead(database.ok ? 200 : 503, { 'content-type': 'application/json' }).end(body);
    return true;
  };
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { HttpHandler } from '../http/handler.ts';
import type { ShipgateMetrics } from './registry.ts';

/** The path Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

export interface MetricsHandlerOptions {
  /** `METRICS_TOKEN`: when set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** The scrape failed (a bug, not a database gauge: those are left out instead). */
  onError?: (err: unknown) => void;
}

/** Whether the request carries the bearer token; compared in constant time. */
export function hasBearer(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match?.[1]) return false;
  // Equal-length digests: neither the length nor the content leaks through timing.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * `GET /metrics`: the app's private registry in Prometheus's text format.
 * Not behind the dashboard's token; behind `METRICS_TOKEN` (bearer) when it is set.
 */
export function metricsHandler(metrics: ShipgateMetrics, options: MetricsHandlerOptions = {}): HttpHandler {
  return async (req, res) => {
    if ((req.url ?? '').split('?')[0] !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return true;
    }
    if (options.token !== undefined && !hasBearer(req, options.token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="shipgate metrics"', 'content-type': 'text/plain; charset=utf-8' }).end('a bearer token is required (METRICS_TOKEN)\n');
      return true;
    }
    try {
      const body = await metrics.scrape();
      res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      options.onError?.(err);
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics could not be collected\n');
    }
    return true;
  };
}

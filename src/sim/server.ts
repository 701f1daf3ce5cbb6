/**
 * The HTTP side: one request goes through prefix stripping, OpenAPI matching
 * and validation, authentication, faults, the handler, response validation and
 * the request log — in that order.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identifyCaller, type Caller } from './auth.ts';
import type { SimContext, Violation, ViolationKind } from './context.ts';
import { GitHubApiError } from './errors.ts';
import type { RequestLogEntry } from './request-log.ts';
import { findRoute, type RouteDefinition, type RouteResponse } from './router.ts';
import { readRequestBody } from './request-body.ts';

const MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface SimServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with a port chosen by the OS. */
export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<SimServer> {
  const server = createServer(handler);
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body, or the GitHub error for one over {@link MAX_BODY_BYTES} (thrown). */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const body = await readRequestBody(req, MAX_BODY_BYTES);
  if (body === undefined) throw new GitHubApiError(413, 'Request body too large');
  return body;
}

function send(ctx: SimContext, res: ServerResponse, requestId: string, response: RouteResponse): void {
  const headers: Record<string, string> = {
    date: new Date(ctx.state.now()).toUTCString(),
    'x-github-request-id': requestId,
    'x-github-api-version-selected': '2022-11-28',
    'x-github-media-type': 'github.v3; format=json',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
    'x-ratelimit-reset': String(Math.floor(ctx.state.now() / 1000) + 3600),
    ...response.headers,
  };
  if (response.raw) {
    const data = typeof response.raw.data === 'string' ? Buffer.from(response.raw.data) : Buffer.from(response.raw.data);
    res.writeHead(response.status, { ...headers, 'content-type': response.raw.contentType, 'content-length': String(data.length) });
    res.end(data);
    return;
  }
  if (response.body === undefined || response.status === 204 || response.status === 304) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const body = Buffer.from(JSON.stringify(response.body));
  res.writeHead(response.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) });
  res.end(body);
}

function errorResponse(error: GitHubApiError): RouteResponse {
  return { status: error.status, body: error.toBody(), headers: error.headers };
}

/** Builds the request handler for a simulator. */
export function createRequestHandler(ctx: SimContext, routes: readonly RouteDefinition[], log: RequestLogEntry[]) {
  const violate = (kind: ViolationKind, fields: Omit<Violation, 'kind' | 'at'>): void => {
    ctx.violations.push({ kind, ...fields, at: ctx.state.now() });
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = `${randomBytes(2).toString('hex').toUpperCase()}:${randomBytes(3).toString('hex').toUpperCase()}`;
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', ctx.state.urls.web);
    const at = ctx.state.now();
    const entry: RequestLogEntry = {
      method,
      path: url.pathname,
      query: url.search,
      route: undefined,
      status: 0,
      body: undefined,
      at,
      installationId: undefined,
      appId: undefined,
      requestId,
      fault: undefined,
      api: true,
    };

    // The sim's own blob storage for artifact downloads: no auth, no validation, no faults.
    const download = /^\/_sim\/artifacts\/(\d+)\/([0-9a-f]+)\.zip$/.exec(url.pathname);
    if (download) {
      entry.api = false;
      entry.route = 'GET (artifact download)';
      const zip = ctx.actions.artifactZip(Number(download[1]), download[2] ?? '');
      const response: RouteResponse = zip
        ? { status: 200, raw: { data: zip, contentType: 'application/zip' } }
        : { status: 404, raw: { data: 'Not Found', contentType: 'text/plain' } };
      entry.status = response.status;
      log.push(entry);
      send(ctx, res, requestId, response);
      return;
    }

    let path = url.pathname.startsWith('/api/v3') ? url.pathname.slice('/api/v3'.length) || '/' : url.pathname;
    if (path.length > 1) path = path.replace(/\/+$/, '');
    entry.path = path;
    const publicUrl = new URL(`${ctx.state.urls.api}${path}${url.search}`);

    let response: RouteResponse;
    try {
      const raw = await readBody(req);
      let body: unknown;
      if (raw.length) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          violate('invalid-request', { method, path, route: undefined, status: 400, message: 'body is not JSON', errors: undefined });
          throw new GitHubApiError(400, 'Problems parsing JSON');
        }
      }
      entry.body = body;

      // GraphQL is not in the REST description: its route checks the query against GitHub's schema.
      const graphql = path === '/graphql' || path === '/api/graphql';
      if (graphql) {
        path = entry.path = '/graphql';
        if (method !== 'POST') {
          violate('method-not-allowed', { method, path, route: undefined, status: 404, message: `GitHub has no ${method} on /graphql`, errors: undefined });
          throw new GitHubApiError(404, 'Not Found');
        }
      }

      const lookup = graphql ? undefined : ctx.openapi?.match(method, path);
      if (lookup?.kind === 'found') entry.route = lookup.operation.route;
      if (ctx.options.validate && lookup && lookup.kind !== 'found') {
        const message = lookup.kind === 'unknown-route' ? `GitHub has no route ${method} ${path}` : `GitHub has no ${method} on ${lookup.template}`;
        violate(lookup.kind, { method, path, route: undefined, status: 404, message, errors: undefined });
        throw new GitHubApiError(404, 'Not Found');
      }

      const found = findRoute(routes, method, path);
      if (!found) {
        if (lookup?.kind === 'found') {
          violate('unimplemented', { method, path, route: entry.route, status: 404, message: `the simulator does not implement ${entry.route ?? path}`, errors: undefined });
        }
        throw new GitHubApiError(404, 'Not Found');
      }
      entry.route ??= `${method} ${found.route.template}`;

      if (ctx.options.validate && ctx.openapi && lookup?.kind === 'found') {
        const problem = ctx.openapi.validateRequest(lookup.operation, lookup.params, url.searchParams, body, raw.length > 0);
        if (problem) {
          violate('invalid-request', { method, path, route: entry.route, status: problem.status, message: problem.message, errors: problem.errors });
          throw new GitHubApiError(problem.status, problem.message);
        }
      }

      const authorization = req.headers.authorization;
      const caller: Caller = identifyCaller(ctx.state, authorization, { enforceTokenExpiry: ctx.options.enforceTokenExpiry });
      if (caller.kind === 'installation') {
        entry.installationId = caller.token.installation.id;
        entry.appId = caller.token.installation.app.id;
      } else if (caller.kind === 'app') entry.appId = caller.app.id;
      if (caller.kind === 'none') throw new GitHubApiError(401, 'Requires authentication');
      if (found.route.auth === 'app' && caller.kind !== 'app') {
        throw new GitHubApiError(401, 'A JSON web token could not be decoded');
      }
      if (found.route.auth === 'installation' && caller.kind !== 'installation') throw new GitHubApiError(401, 'Bad credentials');

      if (ctx.faults.latencyMs > 0) {
        await new Promise<void>((resolve) => ctx.state.clock.setTimeout(resolve, ctx.faults.latencyMs));
      }
      const fault = ctx.faults.apiFault(entry.route, requestId);
      if (fault) {
        entry.fault = fault.status >= 500 ? 'server-error' : fault.status === 403 || fault.status === 429 ? 'rate-limit' : 'refusal';
        throw fault;
      }

      response = await found.route.handle({ ctx, method, params: found.params, query: url.searchParams, url: publicUrl, body, headers: req.headers, caller });
      const lost = response.status < 400 ? ctx.faults.loseAnswer(entry.route) : undefined;
      if (lost) {
        entry.fault = 'server-error';
        throw lost;
      }

      if (ctx.options.validateResponses && ctx.openapi && lookup?.kind === 'found' && response.status < 400 && !response.raw) {
        const problem = ctx.openapi.validateResponse(lookup.operation, response.status, response.body);
        if (problem) violate('invalid-response', { method, path, route: entry.route, status: response.status, message: problem, errors: undefined });
      }
    } catch (error) {
      if (error instanceof GitHubApiError) response = errorResponse(error);
      else {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        violate('sim-error', { method, path, route: entry.route, status: 500, message, errors: undefined });
        response = errorResponse(new GitHubApiError(500, 'Server Error'));
      }
    }
    entry.status = response.status;
    log.push(entry);
    for (const hook of ctx.responseHooks) await hook(entry);
    if (!res.destroyed) send(ctx, res, requestId, response);
  };
}

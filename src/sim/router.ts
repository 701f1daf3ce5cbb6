/**
 * The simulator's route table: handlers keyed by the same templates as GitHub's
 * OpenAPI description, plus the helpers handlers share (repository access,
 * pagination, the caller's app and bot account).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './auth.ts';
import type { SimContext } from './context.ts';
import { GitHubApiError, notAccessible, notFound } from './errors.ts';
import type { Account, Installation, Repository, SimApp } from './model.ts';
import { paginate } from './pagination.ts';
import { compileTemplate, matchTemplate, type CompiledTemplate } from './route-template.ts';

/** Which credentials a route takes. */
export type RouteAuth = 'app' | 'installation';

export interface RouteRequest {
  ctx: SimContext;
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The public URL of the request (for `Link` headers). */
  url: URL;
  body: unknown;
  headers: IncomingHttpHeaders;
  caller: Caller;
}

export interface RouteResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body (raw file content, zip). */
  raw?: { data: Uint8Array | string; contentType: string };
}

export interface RouteDefinition {
  method: string;
  template: string;
  auth: RouteAuth;
  compiled: CompiledTemplate;
  handle(request: RouteRequest): RouteResponse | Promise<RouteResponse>;
}

/** Declares a route. */
export function route(
  method: string,
  template: string,
  auth: RouteAuth,
  handle: RouteDefinition['handle'],
): RouteDefinition {
  return { method, template, auth, compiled: compileTemplate(template), handle };
}

/** Finds the handler for a request path. */
export function findRoute(
  routes: readonly RouteDefinition[],
  method: string,
  path: string,
): { route: RouteDefinition; params: Record<string, string> } | undefined {
  const candidates = routes.filter((r) => r.method === method);
  const found = matchTemplate(candidates, (r) => r.compiled, path);
  return found ? { route: found.entry, params: found.params } : undefined;
}

/** The calling installation (routes with `installation` auth only). */
export function installationOf(request: RouteRequest): Installation {
  if (request.caller.kind !== 'installation') throw new GitHubApiError(401, 'Bad credentials');
  return request.caller.token.installation;
}

/** The calling app, whichever credential it used. */
export function appOf(request: RouteRequest): SimApp {
  if (request.caller.kind === 'app') return request.caller.app;
  return installationOf(request).app;
}

/** The account the caller acts as (the app's bot). */
export function actorOf(request: RouteRequest): Account {
  return appOf(request).bot;
}

/**
 * The repository in the path, if the caller may see it: its installation covers
 * the owner, or the repository is public and this is a read. Writes elsewhere
 * are refused as GitHub refuses them.
 */
export function repoFor(request: RouteRequest, access: 'read' | 'write' = request.method === 'GET' ? 'read' : 'write'): Repository {
  const { owner, repo: name } = request.params;
  if (!owner || !name) throw notFound();
  const repo = request.ctx.state.repo(owner, name);
  const installation = request.caller.kind === 'installation' ? request.caller.token.installation : undefined;
  if (installation && installation.account === repo.owner) return repo;
  if (repo.private) throw notFound();
  if (access === 'write') throw notAccessible();
  return repo;
}

/** A numeric path parameter. */
export function intParam(request: RouteRequest, name: string): number {
  const value = Number(request.params[name]);
  if (!Number.isInteger(value)) throw notFound();
  return value;
}

/** A JSON array answer, paginated with a `Link` header. */
export function pageOf<T>(request: RouteRequest, items: readonly T[], map: (item: T) => unknown): RouteResponse {
  const page = paginate(items, { url: request.url });
  return { status: 200, body: page.items.map(map), ...(page.link ? { headers: { link: page.link } } : {}) };
}

/** A `{ total_count, <key>: [...] }` answer, paginated with a `Link` header. */
export function countedPageOf<T>(request: RouteRequest, key: string, items: readonly T[], map: (item: T) => unknown, extra: Record<string, unknown> = {}): RouteResponse {
  const page = paginate(items, { url: request.url });
  return {
    status: 200,
    body: { total_count: items.length, ...extra, [key]: page.items.map(map) },
    ...(page.link ? { headers: { link: page.link } } : {}),
  };
}

/** The request body as an object (validation has already checked its shape). */
export function bodyOf<T>(request: RouteRequest): T {
  const body = request.body;
  if (body === undefined || body === null || typeof body !== 'object') return {} as T;
  return body as T;
}

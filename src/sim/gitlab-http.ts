/**
 * The GitLab simulator's HTTP side. One API request goes: outage → route →
 * body → token (401) → project by id or URL-encoded path (404) → scripted
 * failure → the route → lost answer → the request log, in that order. The
 * object storage that artifact downloads redirect to lives at `/-/storage/`:
 * no outage, no faults, and it refuses any request carrying GitLab
 * credentials (a client that forwards `PRIVATE-TOKEN` there leaks it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GITLAB_ROUTES, GitLabSimError, matchRoute, type GitLabAnswer, type GitLabSimContext } from './gitlab-routes.ts';
import type { SimGitLabProject } from './gitlab-model.ts';
import { readRequestBody } from './request-body.ts';

/** One request, as the sim saw it. */
export interface GitLabRequestLogEntry {
  method: string;
  /** Path without `/api/v4` and the query, still URL-encoded (`/projects/group%2Fapp/pipeline`). */
  path: string;
  query: string;
  /** `'POST /projects/:id/pipeline'`; `'GET (artifact storage)'` for object storage; undefined for an unknown route. */
  route: string | undefined;
  status: number;
  /** Sim-clock time when the request arrived. */
  at: number;
  /** The parsed JSON body, if any. */
  body?: unknown;
  /** Set when the answer was an injected fault. */
  fault?: 'down' | 'scripted' | 'lost-answer';
  /** Whether the request carried `PRIVATE-TOKEN` or `Authorization`. */
  credentials: boolean;
}

export const STORAGE_ROUTE = 'GET (artifact storage)';
/** Signed storage links stop working after this long, as object storage's do. */
const STORAGE_LINK_TTL_MS = 10 * 60_000;
const MAX_BODY_BYTES = 1024 * 1024;

/** The body, or the GitLab error for one over {@link MAX_BODY_BYTES} (thrown). */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const body = await readRequestBody(req, MAX_BODY_BYTES);
  if (body === undefined) throw new GitLabSimError(413, { message: '413 Request Entity Too Large' });
  return body;
}

function send(ctx: GitLabSimContext, res: ServerResponse, answer: GitLabAnswer): void {
  const headers: Record<string, string> = {
    date: new Date(ctx.clock.now()).toUTCString(),
    'x-request-id': Math.random().toString(36).slice(2, 14),
    'x-gitlab-meta': '{"correlation_id":"sim"}',
    ...answer.headers,
  };
  if (answer.raw) {
    const data = Buffer.from(answer.raw.data);
    res.writeHead(answer.status, { ...headers, 'content-type': answer.raw.contentType, 'content-length': String(data.length) });
    res.end(data);
    return;
  }
  if (answer.body === undefined) {
    res.writeHead(answer.status, headers);
    res.end();
    return;
  }
  const data = Buffer.from(JSON.stringify(answer.body));
  res.writeHead(answer.status, { ...headers, 'content-type': 'application/json', 'content-length': String(data.length) });
  res.end(data);
}

function storageError(status: number, code: string, message: string): GitLabAnswer {
  return { status, raw: { data: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`, contentType: 'application/xml' } };
}

function serveStorage(ctx: GitLabSimContext, method: string, pathname: string, credentials: boolean): GitLabAnswer {
  const match = /^\/-\/storage\/artifacts\/(\d+)\/([0-9a-f]+)\/artifacts\.zip$/.exec(pathname);
  const link = match ? ctx.storage.get(match[2] ?? '') : undefined;
  if (method !== 'GET' || !match || !link || link.jobId !== Number(match[1])) return storageError(404, 'NoSuchKey', 'The specified key does not exist.');
  if (credentials) {
    return storageError(403, 'AccessDenied', 'The simulated object storage refuses requests carrying GitLab credentials (PRIVATE-TOKEN or Authorization): they must not leave GitLab.');
  }
  if (ctx.clock.now() - link.issuedAt > STORAGE_LINK_TTL_MS) return storageError(403, 'AccessDenied', 'Request has expired');
  const archive = ctx.engine.archiveOf(link.jobId);
  if (!archive) return storageError(404, 'NoSuchKey', 'The specified key does not exist.');
  return { status: 200, raw: { data: archive, contentType: 'application/zip' } };
}

function findProject(ctx: GitLabSimContext, idOrPath: string): SimGitLabProject | undefined {
  if (/^\d+$/.test(idOrPath)) return ctx.projects.get(Number(idOrPath));
  const wanted = idOrPath.toLowerCase();
  for (const project of ctx.projects.values()) if (project.path.toLowerCase() === wanted) return project;
  return undefined;
}

function authenticate(ctx: GitLabSimContext, req: IncomingMessage): void {
  const privateToken = req.headers['private-token'];
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const given = typeof privateToken === 'string' ? privateToken : bearer;
  if (given !== ctx.options.token) throw new GitLabSimError(401, { message: '401 Unauthorized' });
}

/** Builds the request handler of a GitLab simulator. */
export function createGitLabHandler(ctx: GitLabSimContext, log: GitLabRequestLogEntry[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', ctx.web);
    const credentials = req.headers['private-token'] !== undefined || req.headers.authorization !== undefined;
    const entry: GitLabRequestLogEntry = { method, path: url.pathname, query: url.search, route: undefined, status: 0, at: ctx.clock.now(), credentials };

    if (url.pathname.startsWith('/-/storage/')) {
      entry.route = STORAGE_ROUTE;
      const answer = serveStorage(ctx, method, url.pathname, credentials);
      entry.status = answer.status;
      log.push(entry);
      send(ctx, res, answer);
      return;
    }

    // The route is named even when GitLab is down, so the log counts every attempt.
    const api = url.pathname.startsWith('/api/v4/');
    const segments = api ? url.pathname.slice('/api/v4'.length).replace(/\/+$/, '').split('/').slice(1) : [];
    const found = api ? matchRoute(GITLAB_ROUTES, method, segments) : undefined;
    if (api) entry.path = `/${segments.join('/')}`;
    if (found) entry.route = `${method} ${found.route.template}`;

    const outage = ctx.faults.outage();
    if (outage) {
      entry.fault = 'down';
      if (outage.how === 'reset') {
        log.push(entry);
        req.socket.destroy();
        return;
      }
      entry.status = 503;
      log.push(entry);
      send(ctx, res, {
        status: 503,
        headers: { 'retry-after': String(outage.retryAfterSeconds) },
        raw: { data: '<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head><body><h1>503</h1><p>GitLab is not responding.</p></body></html>\n', contentType: 'text/html; charset=utf-8' },
      });
      return;
    }

    let answer: GitLabAnswer;
    try {
      if (!found) throw new GitLabSimError(404, { error: '404 Not Found' });
      const route = `${method} ${found.route.template}`;
      const raw = await readBody(req);
      let body: unknown;
      if (raw.length) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new GitLabSimError(400, { message: '400 Bad request - the body is not JSON' });
        }
      }
      if (body !== undefined) entry.body = body;
      authenticate(ctx, req);
      const project = findProject(ctx, found.params.id ?? '');
      if (!project) throw new GitLabSimError(404, { message: '404 Project Not Found' });
      const failure = ctx.faults.failure(route);
      if (failure) {
        entry.fault = 'scripted';
        const headers: Record<string, string> = failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {};
        const message = failure.status === 429 ? 'Retry later' : failure.status >= 500 ? `${failure.status} Server Error` : `${failure.status} Scripted refusal`;
        throw new GitLabSimError(failure.status, { message }, headers);
      }
      answer = found.route.handle({ ctx, project, params: found.params, query: url.searchParams, body, url });
      if (answer.status < 400 && ctx.faults.loseAnswer(route)) {
        entry.fault = 'lost-answer';
        answer = { status: 502, raw: { data: '<html><body><h1>502 Bad Gateway</h1></body></html>\n', contentType: 'text/html' } };
      }
    } catch (error) {
      if (error instanceof GitLabSimError) answer = { status: error.status, body: error.body, headers: error.headers };
      else {
        ctx.errors.push(`${method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        answer = { status: 500, body: { message: '500 Internal Server Error' } };
      }
    }
    entry.status = answer.status;
    log.push(entry);
    if (!res.destroyed) send(ctx, res, answer);
  };
}

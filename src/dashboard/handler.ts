/**
 * The dashboard's HTTP handler (SPEC §12 "Dashboard"), one of Probot's server
 * handlers: it answers `/`, `/runs/:id`, `/deployments`, `/approvals`,
 * `/trends`, `/events`, `/login` and `/assets/…`, and leaves every other path
 * (`/healthz`, `/metrics`, the webhook route, the API) to the other handlers.
 *
 * - Access: `DASHBOARD_TOKEN` as a bearer token or the session cookie of
 *   `/login?token=…` (see `auth.ts`); without a configured token every page
 *   answers 404 saying how to turn the dashboard on. The static assets are
 *   served to anyone (they hold no data), so the login page is styled too.
 * - Every answer carries a strict Content-Security-Policy (no inline script or
 *   style anywhere), `nosniff`, `no-referrer` and a frame ban; pages are not cached.
 * - `?fragment=1` answers a page's `<main>` alone, for the live script.
 */
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { HttpHandler } from '../http/handler.ts';
import type { Database } from '../store/schema/index.ts';
import { loadApprovalsPage } from './approvals-data.ts';
import { renderApprovalsPage } from './approvals-page.ts';
import { ArtifactCache, type ListArtifacts } from './artifact-cache.ts';
import { assetUrls, loadAssets } from './assets.ts';
import { cameOverHttps, checkAccess, constantTimeEqual, sessionCookie } from './auth.ts';
import { renderDeploymentsPage } from './deployments-page.ts';
import { loadDeploymentsPage, parseRepo } from './deployments-data.ts';
import { html, type SafeHtml } from './html.ts';
import { renderLayout, renderMain, type NavKey } from './layout.ts';
import { EVENT_STREAM_HEADERS, LiveUpdates } from './live.ts';
import { badRequestPage, failurePage, loginRequiredPage, notConfiguredPage, notFoundPage, type MessagePage } from './message-page.ts';
import { loadRunPage, type RunArtifacts } from './run-data.ts';
import { renderRunPage } from './run-page.ts';
import { loadRunsPage, parseRunsRequest, RUNS_PAGE_SIZE } from './runs-data.ts';
import { renderRunsPage } from './runs-page.ts';
import { readStoreVersion } from './store-version.ts';
import { loadTrendsPage, parseTrendsQuery } from './trends-data.ts';
import { renderTrendsPage } from './trends-page.ts';

/** The Content-Security-Policy of every dashboard answer. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The security headers of every dashboard answer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** What the dashboard needs. */
export interface DashboardOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** `DASHBOARD_TOKEN`; undefined or empty: the dashboard is off (404). */
  token: string | undefined;
  /** Lists a workflow run's artifacts through an installation; null: artifacts are not listed. */
  listArtifacts: ListArtifacts | null;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Runs per page (default 25). */
  pageSize?: number;
}

/** The dashboard of one process: its handler, its live streams, and how to stop them. */
export interface Dashboard {
  handler: HttpHandler;
  live: LiveUpdates;
  artifacts: ArtifactCache | null;
  /** Ends the live streams (before the server stops, which would otherwise wait on them). */
  close(): void;
}

/** The paths the dashboard answers; anything else is left to the other handlers. */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path === '/deployments' || path === '/approvals' || path === '/trends' || path === '/events' || path === '/login' || path.startsWith('/runs/') || path.startsWith('/assets/');
}

/** A request as the dashboard reads it. */
interface Request {
  path: string;
  params: URLSearchParams;
  head: boolean;
  fragment: boolean;
}

/** Creates the dashboard. */
export function createDashboard(options: DashboardOptions): Dashboard {
  const { db, clock, token } = options;
  const log = options.log;
  const assets = loadAssets();
  const urls = assetUrls(assets);
  const pageSize = options.pageSize ?? RUNS_PAGE_SIZE;
  const live = new LiveUpdates({ clock, readVersion: () => readStoreVersion(db), onError: (err) => log?.warn({ err }, 'dashboard: reading the store version failed') });
  const artifacts = options.listArtifacts ? new ArtifactCache({ list: options.listArtifacts, clock }) : null;
  const runArtifacts: RunArtifacts | null = artifacts ? (run, workflowRunId, state) => artifacts.get(run.installation_id, { owner: run.owner, repo: run.repo }, workflowRunId, state) : null;

  const send = (res: ServerResponse, request: Request, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(request.head ? undefined : body);
  };

  const sendMessage = (res: ServerResponse, request: Request, page: MessagePage, headers: Record<string, string> = {}) => {
    const document = renderLayout({ title: page.title, current: null, main: renderMain('', page.body), assets: urls, live: false });
    send(res, request, page.status, document.toString(), headers);
  };

  const sendPage = (res: ServerResponse, request: Request, title: string, current: NavKey | null, version: string, content: SafeHtml, live = true) => {
    const main = renderMain(version, content);
    const body = request.fragment ? main : renderLayout({ title, current, main, assets: urls, live });
    send(res, request, 200, body.toString());
  };

  /** Answers an authorized request. */
  const route = async (res: ServerResponse, request: Request): Promise<void> => {
    if (request.path === '/events') {
      if (request.head) {
        res.writeHead(200, { ...SECURITY_HEADERS, ...EVENT_STREAM_HEADERS }).end();
        return;
      }
      return live.attach(res, { ...SECURITY_HEADERS });
    }
    const now = new Date(clock.now());
    // The version first: a change while the page is read then shows as a newer version at once.
    const version = await readStoreVersion(db);
    if (request.path === '/') {
      const view = await loadRunsPage(db, parseRunsRequest(request.params), now, pageSize);
      return sendPage(res, request, 'Runs', 'runs', version, renderRunsPage(view));
    }
    const runMatch = /^\/runs\/(\d{1,15})$/.exec(request.path);
    if (runMatch) {
      const view = await loadRunPage(db, Number(runMatch[1]), runArtifacts, now);
      if (!view) return sendMessage(res, request, notFoundPage(`There is no run #${runMatch[1]}.`));
      return sendPage(res, request, `Run #${view.run.id} ${view.run.pipeline}`, 'runs', version, renderRunPage(view));
    }
    if (request.path === '/deployments') {
      const repoParam = request.params.get('repo')?.trim() ?? '';
      const repo = parseRepo(repoParam);
      if (repoParam !== '' && !repo) return sendMessage(res, request, badRequestPage('The repository filter must be owner/repo.'));
      return sendPage(res, request, 'Deployments', 'deployments', version, renderDeploymentsPage(await loadDeploymentsPage(db, repo, now)));
    }
    if (request.path === '/approvals') {
      return sendPage(res, request, 'Approvals', 'approvals', version, renderApprovalsPage(await loadApprovalsPage(db, now)));
    }
    if (request.path === '/trends') {
      // Not live: its figures cover days, and recomputing them on every change of the store is not worth it.
      return sendPage(res, request, 'Trends', 'trends', version, renderTrendsPage(await loadTrendsPage(db, parseTrendsQuery(request.params), now)), false);
    }
    return sendMessage(res, request, notFoundPage(`There is no page ${request.path}.`));
  };

  const handler: HttpHandler = async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    if (!isDashboardPath(path)) return false;
    const request: Request = { path, params: url.searchParams, head: req.method === 'HEAD', fragment: url.searchParams.get('fragment') === '1' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, request, 405, html`<p>Method not allowed.</p>`.toString(), { allow: 'GET, HEAD' });
      return true;
    }

    const asset = assets.get(path);
    if (path.startsWith('/assets/')) {
      if (!asset) sendMessage(res, request, notFoundPage(`There is no asset ${path}.`));
      else {
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'cache-control': 'public, max-age=86400', etag: `"${asset.version}"` });
        res.end(request.head ? undefined : asset.body);
      }
      return true;
    }

    if (path === '/login') {
      // Keeps the token out of the request log's message, which reads the URL when the answer is
      // sent. (Probot's request logger bound the `req` it prints on arrival, before any handler.)
      const given = url.searchParams.get('token') ?? '';
      req.url = '/login?token=[redacted]';
      if (!token) sendMessage(res, request, notConfiguredPage());
      else if (given !== '' && constantTimeEqual(given, token)) {
        const secure = cameOverHttps(req.headers, (req.socket as TLSSocket).encrypted === true);
        send(res, request, 303, html`<p><a href="/">Go to the dashboard</a></p>`.toString(), { location: '/', 'set-cookie': sessionCookie(token, secure) });
      } else sendMessage(res, request, loginRequiredPage(given === '' ? 'missing' : 'wrong'));
      return true;
    }

    const access = checkAccess(req.headers, token);
    if (access.kind === 'not-configured') {
      sendMessage(res, request, notConfiguredPage());
      return true;
    }
    if (access.kind === 'denied') {
      sendMessage(res, request, loginRequiredPage(access.reason), { 'www-authenticate': 'Bearer realm="shipgate dashboard"' });
      return true;
    }
    try {
      await route(res, request);
    } catch (err) {
      log?.error({ err, path }, 'dashboard: a page failed');
      if (!res.headersSent) sendMessage(res, request, failurePage());
      else res.end();
    }
    return true;
  };

  return {
    handler,
    live,
    artifacts,
    close: () => live.close(),
  };
}

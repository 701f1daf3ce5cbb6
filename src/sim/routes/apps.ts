/** App authentication routes: the app itself, its installations, installation tokens. */
import { issueInstallationToken } from '../auth.ts';
import { GitHubApiError, notFound } from '../errors.ts';
import { appOf, installationOf, intParam, route, type RouteDefinition, type RouteRequest } from '../router.ts';
import { appShape, installationShape, repoShape } from '../shapes.ts';
import { isoTime } from '../time-format.ts';
import type { DeliveryAttempt, WebhookDelivery } from '../webhooks.ts';

/** `hook-delivery-item`: one attempt of the app's webhook, as `GET /app/hook/deliveries` lists it. */
function hookDeliveryItemShape(delivery: WebhookDelivery, attempt: DeliveryAttempt) {
  const repository = delivery.payload.repository as { id?: unknown } | undefined;
  const statusCode = attempt.status ?? 0;
  return {
    id: attempt.id,
    guid: delivery.id,
    delivered_at: isoTime(attempt.at),
    redelivery: attempt.redelivery,
    duration: Math.round(attempt.durationMs) / 1000,
    status: attempt.status === undefined ? 'failed to connect' : statusCode >= 200 && statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${statusCode}`,
    status_code: statusCode,
    event: delivery.event,
    action: delivery.action ?? null,
    installation_id: delivery.installationId ?? null,
    repository_id: typeof repository?.id === 'number' ? repository.id : null,
  };
}

const CURSOR = /^v1_(\d+)$/;

/**
 * `GET /app/hook/deliveries`: newest first, `per_page` (default 30, at most
 * 100) from the attempt the `cursor` names, with a `Link` header whose `next`
 * carries the cursor of the next page, as GitHub pages this list.
 */
function listHookDeliveries(request: RouteRequest) {
  const cursor = request.query.get('cursor');
  const from = cursor === null ? undefined : CURSOR.exec(cursor);
  if (from === null) throw new GitHubApiError(400, `Invalid cursor: ${cursor}`);
  const perPageRaw = Number(request.query.get('per_page') ?? 30);
  const perPage = Math.min(100, Math.max(1, Number.isFinite(perPageRaw) ? Math.floor(perPageRaw) : 30));
  const all = request.ctx.webhooks.attemptsOf(appOf(request).id).filter((entry) => !from || entry.attempt.id <= Number(from[1]));
  const status = request.query.get('status');
  const wanted = all.filter(({ attempt }) => {
    const code = attempt.status ?? 0;
    if (status === 'success') return code >= 200 && code <= 399;
    if (status === 'failure') return code >= 400 && code <= 599;
    return true;
  });
  const page = wanted.slice(0, perPage);
  const next = wanted[perPage];
  const headers: Record<string, string> = {};
  if (next) {
    const url = new URL(request.url.href);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('cursor', `v1_${next.attempt.id}`);
    headers.link = `<${url.href}>; rel="next"`;
  }
  return { status: 200, body: page.map(({ delivery, attempt }) => hookDeliveryItemShape(delivery, attempt)), headers };
}

function ownInstallation(request: RouteRequest, installationId: number) {
  const installation = request.ctx.state.installations.get(installationId);
  if (!installation || installation.app !== appOf(request)) throw notFound();
  return installation;
}

function installationOn(request: RouteRequest, login: string | undefined) {
  const { state } = request.ctx;
  const account = login ? state.account(login) : undefined;
  const installation = account ? state.installationOf(appOf(request), account) : undefined;
  if (!installation) throw notFound('https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app');
  return installation;
}

export const appRoutes: RouteDefinition[] = [
  route('GET', '/app', 'app', (request) => ({ status: 200, body: appShape(request.ctx.state.urls, appOf(request)) })),

  route('GET', '/app/hook/deliveries', 'app', listHookDeliveries),

  route('POST', '/app/hook/deliveries/{delivery_id}/attempts', 'app', (request) => {
    const delivery = request.ctx.webhooks.redeliverAttempt(appOf(request).id, intParam(request, 'delivery_id'));
    if (!delivery) throw notFound('https://docs.github.com/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook');
    return { status: 202, body: {} };
  }),

  route('GET', '/app/installations', 'app', (request) => {
    const app = appOf(request);
    const { state } = request.ctx;
    const all = [...state.installations.values()].filter((i) => i.app === app);
    return { status: 200, body: all.map((i) => installationShape(state.urls, i)) };
  }),

  route('GET', '/app/installations/{installation_id}', 'app', (request) => ({
    status: 200,
    body: installationShape(request.ctx.state.urls, ownInstallation(request, intParam(request, 'installation_id'))),
  })),

  route('POST', '/app/installations/{installation_id}/access_tokens', 'app', (request) => {
    const installation = ownInstallation(request, intParam(request, 'installation_id'));
    const token = issueInstallationToken(request.ctx.state, installation.id);
    return {
      status: 201,
      body: {
        token: token.token,
        expires_at: isoTime(token.expiresAt),
        permissions: installation.app.permissions,
        repository_selection: installation.repositorySelection,
      },
    };
  }),

  route('GET', '/repos/{owner}/{repo}/installation', 'app', (request) => {
    const { state } = request.ctx;
    const repo = state.repo(request.params.owner ?? '', request.params.repo ?? '');
    return { status: 200, body: installationShape(state.urls, installationOn(request, repo.owner.login)) };
  }),

  route('GET', '/orgs/{org}/installation', 'app', (request) => ({
    status: 200,
    body: installationShape(request.ctx.state.urls, installationOn(request, request.params.org)),
  })),

  route('GET', '/users/{username}/installation', 'app', (request) => ({
    status: 200,
    body: installationShape(request.ctx.state.urls, installationOn(request, request.params.username)),
  })),

  route('GET', '/installation/repositories', 'installation', (request) => {
    const installation = installationOf(request);
    const { state } = request.ctx;
    const repos = [...state.repos.values()].filter((r) => r.owner === installation.account);
    return {
      status: 200,
      body: {
        total_count: repos.length,
        repository_selection: installation.repositorySelection,
        repositories: repos.map((r) => repoShape(state.urls, r)),
      },
    };
  }),
];

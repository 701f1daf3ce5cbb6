/** App authentication routes: the app itself, its installations, installation tokens. */
import { issueInstallationToken } from '../auth.ts';
import { notFound } from '../errors.ts';
import { appOf, installationOf, intParam, route, type RouteDefinition, type RouteRequest } from '../router.ts';
import { appShape, installationShape, repoShape } from '../shapes.ts';
import { isoTime } from '../time-format.ts';

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

/** Who may do what: collaborator permissions, team memberships, org membership, users. */
import { GitHubApiError, notFound } from '../errors.ts';
import type { Permission } from '../model.ts';
import { pageOf, repoFor, route, type RouteDefinition } from '../router.ts';
import { userShape } from '../shapes.ts';

/** `permission` is the legacy level; `role_name` the actual role. */
const LEGACY: Record<Permission, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export const peopleRoutes: RouteDefinition[] = [
  route('GET', '/repos/{owner}/{repo}/collaborators/{username}/permission', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const user = state.account(request.params.username ?? '');
    if (!user) throw new GitHubApiError(404, `${request.params.username ?? ''} is not a user`);
    const role = state.permissionOf(repo, user.login);
    const permissions = {
      admin: role === 'admin',
      maintain: role === 'admin' || role === 'maintain',
      push: ['admin', 'maintain', 'write'].includes(role),
      triage: ['admin', 'maintain', 'write', 'triage'].includes(role),
      pull: role !== 'none',
    };
    return {
      status: 200,
      body: {
        permission: LEGACY[role],
        role_name: role === 'none' ? 'none' : role,
        user: { ...userShape(state.urls, user), permissions, role_name: role },
      },
    };
  }),

  route('GET', '/orgs/{org}/teams/{team_slug}/memberships/{username}', 'installation', (request) => {
    const { state } = request.ctx;
    const org = state.org(request.params.org ?? '');
    const team = org?.teams.get((request.params.team_slug ?? '').toLowerCase());
    const membership = team?.members.get((request.params.username ?? '').toLowerCase());
    if (!org || !team || !membership) throw notFound('https://docs.github.com/rest/teams/members#get-team-membership-for-a-user');
    return {
      status: 200,
      body: {
        url: `${state.urls.api}/organizations/${org.account.id}/team/${team.id}/memberships/${request.params.username ?? ''}`,
        role: membership.role,
        state: membership.state,
      },
    };
  }),

  route('GET', '/orgs/{org}/teams/{team_slug}/members', 'installation', (request) => {
    const { state } = request.ctx;
    const team = state.org(request.params.org ?? '')?.teams.get((request.params.team_slug ?? '').toLowerCase());
    if (!team) throw notFound('https://docs.github.com/rest/teams/members#list-team-members');
    const role = request.query.get('role') ?? 'all';
    const members = [...team.members.entries()]
      .filter(([, membership]) => membership.state === 'active' && (role === 'all' || membership.role === role))
      .map(([login]) => state.account(login))
      .filter((account) => account !== undefined);
    return pageOf(request, members, (account) => userShape(state.urls, account));
  }),

  route('GET', '/orgs/{org}/members/{username}', 'installation', (request) => {
    const org = request.ctx.state.org(request.params.org ?? '');
    if (!org?.members.has((request.params.username ?? '').toLowerCase())) throw notFound();
    return { status: 204 };
  }),

  route('GET', '/users/{username}', 'installation', (request) => {
    const { state } = request.ctx;
    const user = state.account(request.params.username ?? '');
    if (!user) throw notFound();
    return {
      status: 200,
      body: {
        ...userShape(state.urls, user),
        name: user.name,
        company: null,
        blog: '',
        location: null,
        email: null,
        hireable: null,
        bio: null,
        twitter_username: null,
        public_repos: 0,
        public_gists: 0,
        followers: 0,
        following: 0,
        created_at: new Date(user.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        updated_at: new Date(user.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  }),
];

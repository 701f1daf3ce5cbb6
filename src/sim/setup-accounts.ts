/** Setup (not HTTP): apps, organisations, teams, installations, permissions. */
import { generateAppKeys } from './auth.ts';
import { emitInstallationEvent, type SimContext } from './context.ts';
import { nodeId } from './identity.ts';
import type { Account, Installation, Organization, Permission, SimApp, Team, TeamMembership } from './model.ts';

/** The events shipgate subscribes to (SPEC §2), plus deployment events. */
export const DEFAULT_APP_EVENTS = [
  'push',
  'pull_request',
  'issue_comment',
  'check_run',
  'check_suite',
  'workflow_run',
  'workflow_job',
  'deployment',
  'deployment_status',
  'deployment_protection_rule',
  'installation',
  'installation_repositories',
];

export const DEFAULT_APP_PERMISSIONS: Record<string, string> = {
  actions: 'write',
  checks: 'write',
  contents: 'read',
  deployments: 'write',
  issues: 'write',
  metadata: 'read',
  members: 'read',
  pull_requests: 'write',
};

export interface AppOptions {
  id?: number;
  slug?: string;
  name?: string;
  webhookSecret?: string;
  events?: string[];
  permissions?: Record<string, string>;
  /** Generate no key pair (GitHub's own apps). */
  keyless?: boolean;
}

/** Registers a GitHub App with its own RSA key pair and bot account. */
export function createApp(ctx: SimContext, options: AppOptions = {}): SimApp {
  const { state } = ctx;
  const id = options.id ?? state.ids.next('app');
  const slug = options.slug ?? `app-${id}`;
  const keys = options.keyless ? { privateKey: '', publicKey: undefined } : generateAppKeys();
  const owner = state.ensureAccount(`${slug}-owner`, 'User');
  const app: SimApp = {
    id,
    slug,
    name: options.name ?? slug,
    nodeId: nodeId('Integration', id),
    clientId: `Iv1.${id.toString(16).padStart(16, '0')}`,
    owner,
    bot: state.ensureAccount(`${slug}[bot]`, 'Bot'),
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
    webhookSecret: options.webhookSecret ?? `secret-${id}`,
    webhookUrl: undefined,
    hookId: state.ids.next('hook'),
    permissions: options.permissions ?? DEFAULT_APP_PERMISSIONS,
    events: options.events ?? DEFAULT_APP_EVENTS,
    createdAt: state.now(),
  };
  state.apps.set(id, app);
  return app;
}

/** Installs an app on an account (once); returns the installation. */
export function install(ctx: SimContext, app: SimApp, account: Account): Installation {
  const { state } = ctx;
  const existing = state.installationOf(app, account);
  if (existing) return existing;
  const installation: Installation = {
    id: state.ids.next('installation'),
    app,
    account,
    repositorySelection: 'all',
    createdAt: state.now(),
  };
  state.installations.set(installation.id, installation);
  if (app.events.includes('installation')) emitInstallationEvent(ctx, installation, 'created', account.type === 'User' ? account : (state.account('octocat') ?? state.ensureAccount('octocat')));
  return installation;
}

export interface OrgOptions {
  /** Logins (members) or login → role. */
  members?: string[] | Record<string, 'admin' | 'member'>;
  /** Team slug → member logins, or { members, maintainers }. */
  teams?: Record<string, string[] | { members?: string[]; maintainers?: string[] }>;
}

/** Creates (or extends) an organisation and installs `apps` on it. */
export function createOrg(ctx: SimContext, login: string, options: OrgOptions, apps: SimApp[]): Organization {
  const { state } = ctx;
  let org = state.org(login);
  if (!org) {
    const existing = state.account(login);
    if (existing && existing.type !== 'Organization') throw new Error(`${login} is a user, not an organisation`);
    org = { account: state.ensureAccount(login, 'Organization'), members: new Map(), teams: new Map() };
    state.orgs.set(login.toLowerCase(), org);
  }
  const members = Array.isArray(options.members)
    ? Object.fromEntries(options.members.map((m) => [m, 'member' as const]))
    : (options.members ?? {});
  for (const [member, role] of Object.entries(members)) {
    state.ensureAccount(member);
    org.members.set(member.toLowerCase(), role);
  }
  for (const [slug, spec] of Object.entries(options.teams ?? {})) {
    const { members: teamMembers = [], maintainers = [] } = Array.isArray(spec) ? { members: spec } : spec;
    for (const member of teamMembers) addTeamMember(ctx, login, slug, member, { role: 'member' });
    for (const member of maintainers) addTeamMember(ctx, login, slug, member, { role: 'maintainer' });
  }
  for (const app of apps) install(ctx, app, org.account);
  return org;
}

function ensureTeam(ctx: SimContext, org: Organization, slug: string): Team {
  const key = slug.toLowerCase();
  let team = org.teams.get(key);
  if (!team) {
    const id = ctx.state.ids.next('team');
    team = { id, nodeId: nodeId('Team', id), slug: key, name: slug, org: org.account, members: new Map() };
    org.teams.set(key, team);
  }
  return team;
}

/** Adds a user to a team (and to the organisation). */
export function addTeamMember(
  ctx: SimContext,
  orgLogin: string,
  teamSlug: string,
  login: string,
  membership: Partial<TeamMembership> = {},
): void {
  const { state } = ctx;
  const org = state.org(orgLogin) ?? createOrg(ctx, orgLogin, {}, []);
  state.ensureAccount(login);
  if (!org.members.has(login.toLowerCase())) org.members.set(login.toLowerCase(), 'member');
  ensureTeam(ctx, org, teamSlug).members.set(login.toLowerCase(), {
    role: membership.role ?? 'member',
    state: membership.state ?? 'active',
  });
}

/** Removes a user from a team. */
export function removeTeamMember(ctx: SimContext, orgLogin: string, teamSlug: string, login: string): void {
  ctx.state.org(orgLogin)?.teams.get(teamSlug.toLowerCase())?.members.delete(login.toLowerCase());
}

/** Gives a user a role on a repository (`none` takes it away, even from org members). */
export function setPermission(ctx: SimContext, fullName: string, login: string, permission: Permission): void {
  const repo = ctx.state.findRepo(fullName);
  if (!repo) throw new Error(`no repository ${fullName}`);
  ctx.state.ensureAccount(login);
  repo.collaborators.set(login.toLowerCase(), permission);
}

/** Who may run a command: the user's role from the API, looked up once per delivery. */
import type { GitHubClient, RepoRef } from '../github/client.ts';
import { githubMessage } from '../github/client.ts';
import { hasRole, repositoryRole, teamMembership, type Role, type TeamMembership } from '../github/permissions.ts';
import { reason, type Reason } from '../engine/reasons.ts';

/** Whether an account is a bot (this app included): GitHub's `type`, or a `[bot]` login. Bots never command, approve or reject. */
export function isBotAuthor(user: { login: string; type?: string | undefined } | null): boolean {
  return user === null || user.type === 'Bot' || user.login.toLowerCase().endsWith('[bot]');
}

/** A role lookup that asks GitHub at most once per user; made for one delivery and dropped with it. */
export type RoleLookup = (user: string) => Promise<Role>;

/**
 * A per-delivery cache of `repositoryRole` (never shared across deliveries, so a
 * permission change counts from the next comment). A failed lookup is not cached.
 */
export function roleLookupFor(octokit: GitHubClient, ref: RepoRef): RoleLookup {
  const cache = new Map<string, Promise<Role>>();
  return (user) => {
    const key = user.toLowerCase();
    let role = cache.get(key);
    if (!role) {
      role = repositoryRole(octokit, ref, user);
      role.catch(() => cache.delete(key));
      cache.set(key, role);
    }
    return role;
  };
}

/**
 * `true` when `user` has at least `needed`, else the reason to reply with: the
 * role they have, or that GitHub could not say (5xx after retries: try again).
 */
export async function authorize(lookup: RoleLookup, user: string, needed: Role): Promise<true | Reason> {
  let role: Role;
  try {
    role = await lookup(user);
  } catch (err) {
    return reason('refuse.permission-unknown', { user, message: githubMessage(err) });
  }
  return hasRole(role, needed) ? true : reason('refuse.permission', { user, needed, has: role });
}

/** A team-membership lookup (`@org/slug` → active or not), cached like `RoleLookup` for one delivery. */
export type TeamLookup = (team: string, user: string) => Promise<TeamMembership>;

/**
 * A per-delivery cache of `teamMembership` for teams written `@org/slug` (as `approvers` lists
 * them): only an `active` membership counts; a malformed team name is no membership.
 */
export function teamLookupFor(octokit: GitHubClient): TeamLookup {
  const cache = new Map<string, Promise<TeamMembership>>();
  return (team, user) => {
    const match = /^@?([^/\s]+)\/([^/\s]+)$/.exec(team);
    if (!match) return Promise.resolve('none');
    const key = `${match[1]}/${match[2]}/${user}`.toLowerCase();
    let membership = cache.get(key);
    if (!membership) {
      membership = teamMembership(octokit, match[1] ?? '', match[2] ?? '', user);
      membership.catch(() => cache.delete(key));
      cache.set(key, membership);
    }
    return membership;
  };
}

import type { GitHubClient, RepoRef } from './client.ts';
import { statusOf } from './client.ts';

/** Repository roles, weakest first (GitHub's `role_name`). */
export const ROLES = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` is at least `needed`. */
export function hasRole(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** GitHub's `role_name` (or legacy `permission`) as a role; custom roles count as what they are based on. */
export function roleFrom(data: { role_name?: string | null; permission?: string | null }): Role {
  const name = (data.role_name ?? '').toLowerCase();
  if ((ROLES as readonly string[]).includes(name)) return name as Role;
  const legacy = (data.permission ?? '').toLowerCase();
  if (legacy === 'admin') return 'admin';
  if (legacy === 'write') return 'write';
  if (legacy === 'read') return 'read';
  return 'none';
}

/**
 * A user's role on a repository, from the API (never from `author_association`):
 * `GET /repos/{o}/{r}/collaborators/{user}/permission`. A user who is not a
 * collaborator (404) has no access. Other failures are thrown.
 */
export async function repositoryRole(octokit: GitHubClient, { owner, repo }: RepoRef, username: string): Promise<Role> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    return roleFrom({ role_name: data.role_name, permission: data.permission });
  } catch (err) {
    if (statusOf(err) === 404) return 'none';
    throw err;
  }
}

/** A user's membership of a team: only `active` counts for anything (a `pending` invitation does not). */
export type TeamMembership = 'active' | 'pending' | 'none';

/**
 * A user's membership of `org`'s team `slug`, from
 * `GET /orgs/{org}/teams/{team_slug}/memberships/{username}` (the installation needs Members:
 * read). Not a member, or no such team (404): `none`. Other failures are thrown.
 */
export async function teamMembership(octokit: GitHubClient, org: string, slug: string, username: string): Promise<TeamMembership> {
  try {
    const { data } = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username });
    return data.state === 'active' ? 'active' : data.state === 'pending' ? 'pending' : 'none';
  } catch (err) {
    if (statusOf(err) === 404) return 'none';
    throw err;
  }
}

/**
 * Whether a user is one of an environment's `approvers` (SPEC §6): listed by
 * login, or an *active* member of a listed team (`@org/slug`); a pending
 * invitation does not count. Logins compare case-insensitively, as GitHub's do.
 */
import type { TeamLookup } from './authorize.ts';

/** A team entry (`@org/slug`), as opposed to a user login. */
export function isTeamEntry(entry: string): boolean {
  return /^@?[^/\s]+\/[^/\s]+$/.test(entry);
}

/** Whether `user` may approve for an environment whose approvers are `approvers`. */
export async function isApprover(user: string, approvers: readonly string[], teams: TeamLookup): Promise<boolean> {
  const login = user.toLowerCase();
  for (const entry of approvers) if (!isTeamEntry(entry) && entry.replace(/^@/, '').toLowerCase() === login) return true;
  for (const entry of approvers) if (isTeamEntry(entry) && (await teams(entry, user)) === 'active') return true;
  return false;
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { hasRole, repositoryRole, roleFrom, teamMembership } from '../../src/github/permissions.ts';
import { startGitHubSimulator, type GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit } from '../sim/helpers.ts';

describe('roles', () => {
  it('ranks roles and reads role_name before the legacy permission', () => {
    expect(hasRole('maintain', 'write')).toBe(true);
    expect(hasRole('triage', 'write')).toBe(false);
    expect(roleFrom({ role_name: 'maintain', permission: 'write' })).toBe('maintain');
    expect(roleFrom({ role_name: 'custom-reviewer', permission: 'read' })).toBe('read');
    expect(roleFrom({ role_name: null, permission: 'none' })).toBe('none');
  });
});

describe('permissions from the API (simulator)', () => {
  let sim: GitHubSimulator;
  beforeEach(async () => {
    sim = await startGitHubSimulator({ clock: new ManualClock(Math.floor(Date.now() / 1000) * 1000) });
    sim.org('acme', { members: ['alice', 'bob', 'carol'], teams: { 'release-managers': ['alice'] } });
    sim.addTeamMember('acme', 'release-managers', 'carol', { state: 'pending' });
    sim.repo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
    sim.setPermission('acme/api', 'alice', 'write');
  });
  afterEach(async () => {
    await sim.close();
  });

  it('reads a repository role, and no access for a user who is not a collaborator', async () => {
    const octokit = installationOctokit(sim, 'acme');
    expect(await repositoryRole(octokit, { owner: 'acme', repo: 'api' }, 'alice')).toBe('write');
    expect(await repositoryRole(octokit, { owner: 'acme', repo: 'api' }, 'bob')).toBe('read');
    expect(await repositoryRole(octokit, { owner: 'acme', repo: 'api' }, 'mallory')).toBe('none');
    sim.assertNoViolations();
  });

  it('counts only an active team membership; pending, absent and unknown teams are not members', async () => {
    const octokit = installationOctokit(sim, 'acme');
    expect(await teamMembership(octokit, 'acme', 'release-managers', 'alice')).toBe('active');
    expect(await teamMembership(octokit, 'acme', 'release-managers', 'carol')).toBe('pending');
    expect(await teamMembership(octokit, 'acme', 'release-managers', 'bob')).toBe('none');
    expect(await teamMembership(octokit, 'acme', 'no-such-team', 'alice')).toBe('none');
    sim.assertNoViolations();
  });
});

describe('the per-delivery team lookup', () => {
  it('asks GitHub once per team and user, reads @org/slug, and treats a malformed name as no team', async () => {
    const { teamLookupFor } = await import('../../src/commands/authorize.ts');
    const calls: string[] = [];
    const octokit = {
      rest: {
        teams: {
          getMembershipForUserInOrg: async (args: { org: string; team_slug: string; username: string }) => {
            calls.push(`${args.org}/${args.team_slug}/${args.username}`);
            return { data: { state: args.username === 'alice' ? 'active' : 'pending' } };
          },
        },
      },
    } as unknown as Parameters<typeof teamLookupFor>[0];
    const lookup = teamLookupFor(octokit);
    expect(await lookup('@acme/release-managers', 'alice')).toBe('active');
    expect(await lookup('acme/Release-Managers', 'ALICE')).toBe('active');
    expect(await lookup('@acme/release-managers', 'carol')).toBe('pending');
    expect(await lookup('not a team', 'alice')).toBe('none');
    expect(calls).toEqual(['acme/release-managers/alice', 'acme/release-managers/carol']);
  });
});

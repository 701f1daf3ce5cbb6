import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, seedAcme, startTestSimulator } from './helpers.ts';

let sim: GitHubSimulator;
afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    await sim.close();
  }
});

async function setup(): Promise<ReturnType<typeof installationOctokit>> {
  ({ sim } = await startTestSimulator());
  seedAcme(sim);
  return installationOctokit(sim, 'acme');
}

describe('repositories', () => {
  it('serves contents as JSON with git blob shas, raw on request, and 404 when missing', async () => {
    const octokit = await setup();
    sim.push({ repo: 'acme/api', branch: 'main', files: { 'hello.txt': 'hello\n' }, message: 'hello' });
    const { data } = await octokit.rest.repos.getContent({ owner: 'acme', repo: 'api', path: 'hello.txt' });
    if (Array.isArray(data) || data.type !== 'file') throw new Error('expected a file');
    // `echo hello | git hash-object --stdin`
    expect(data.sha).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(Buffer.from(data.content, 'base64').toString('utf8')).toBe('hello\n');
    expect(data.encoding).toBe('base64');

    const raw = await octokit.rest.repos.getContent({ owner: 'acme', repo: 'api', path: 'src/index.ts', ref: 'main', mediaType: { format: 'raw' } });
    expect(raw.data).toBe('export const x = 1;\n');

    const dir = await octokit.rest.repos.getContent({ owner: 'acme', repo: 'api', path: '.github/workflows' });
    expect((dir.data as Array<{ name: string; type: string }>).map((e) => [e.name, e.type])).toEqual([
      ['build.yml', 'file'],
      ['push-only.yml', 'file'],
    ]);

    const blob = await octokit.rest.git.getBlob({ owner: 'acme', repo: 'api', file_sha: data.sha });
    expect(Buffer.from(blob.data.content, 'base64').toString('utf8')).toBe('hello\n');
    const branches = await octokit.rest.repos.listBranches({ owner: 'acme', repo: 'api' });
    expect(branches.data.map((b) => [b.name, b.commit.sha])).toEqual([['main', sim.refSha('acme/api', 'main')]]);

    await expect(octokit.rest.repos.getContent({ owner: 'acme', repo: 'api', path: 'nope.txt' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.getContent({ owner: 'acme', repo: 'api', path: 'hello.txt', ref: 'no-such-branch' })).rejects.toMatchObject({ status: 404 });
    // At the commit before the push the file does not exist.
    const head = await octokit.rest.repos.getCommit({ owner: 'acme', repo: 'api', ref: 'main' });
    expect(head.data.files?.map((f) => [f.filename, f.status])).toEqual([['hello.txt', 'added']]);
    const parent = head.data.parents[0]?.sha ?? '';
    await expect(octokit.rest.repos.getContent({ owner: 'acme', repo: 'api', path: 'hello.txt', ref: parent })).rejects.toMatchObject({ status: 404 });
  });

  it('compares across more than 20 commits, with pagination, and push payloads list only 20', async () => {
    const octokit = await setup();
    const base = sim.refSha('acme/api', 'main') ?? '';
    const commits = Array.from({ length: 25 }, (_, i) => ({ files: { [`src/f${i}.ts`]: `export const n = ${i};\n` }, message: `commit ${i}` }));
    const pushed = sim.push({ repo: 'acme/api', branch: 'main', commits });
    expect(pushed.commits).toHaveLength(25);
    const payload = pushed.delivery?.payload as { commits: Array<{ message: string; added: string[] }>; before: string; after: string; head_commit: { id: string } };
    expect(payload.commits).toHaveLength(20);
    expect(payload.commits.at(-1)?.message).toBe('commit 24');
    expect(payload).toMatchObject({ before: base, after: pushed.sha, head_commit: { id: pushed.sha } });

    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner: 'acme', repo: 'api', basehead: `${base}...${pushed.sha}` });
    expect(data).toMatchObject({ status: 'ahead', ahead_by: 25, behind_by: 0, total_commits: 25 });
    expect(data.commits).toHaveLength(25);
    expect(data.files?.map((f) => f.filename)).toHaveLength(25);
    expect(data.files?.[0]).toMatchObject({ status: 'added', additions: 1, deletions: 0 });

    const page1 = await octokit.rest.repos.compareCommitsWithBasehead({ owner: 'acme', repo: 'api', basehead: `${base}...main`, per_page: 10, page: 1 });
    expect(page1.data.commits.map((c) => c.commit.message)).toEqual(Array.from({ length: 10 }, (_, i) => `commit ${i}`));
    expect(page1.headers.link).toContain('rel="next"');
    const page3 = await octokit.rest.repos.compareCommitsWithBasehead({ owner: 'acme', repo: 'api', basehead: `${base}...main`, per_page: 10, page: 3 });
    expect(page3.data.commits).toHaveLength(5);
    expect(page3.data.files).toEqual([]);

    const identical = await octokit.rest.repos.compareCommitsWithBasehead({ owner: 'acme', repo: 'api', basehead: 'main...main' });
    expect(identical.data).toMatchObject({ status: 'identical', ahead_by: 0, files: [] });
  });

  it('lists pull request files with pagination and Link headers; fork PRs have the fork as head repo', async () => {
    const octokit = await setup();
    const files = Object.fromEntries(Array.from({ length: 75 }, (_, i) => [`docs/page-${String(i).padStart(2, '0')}.md`, `# ${i}\n`]));
    const pr = sim.openPullRequest({ repo: 'acme/api', head: 'docs', files, title: 'Docs', author: 'alice' });
    const first = await octokit.rest.pulls.listFiles({ owner: 'acme', repo: 'api', pull_number: pr.number, per_page: 30 });
    expect(first.data).toHaveLength(30);
    expect(first.headers.link).toMatch(/<[^>]+page=2[^>]*>; rel="next"/);
    expect(first.headers.link).toMatch(/<[^>]+page=3[^>]*>; rel="last"/);
    const all = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: 'acme', repo: 'api', pull_number: pr.number, per_page: 30 });
    expect(all).toHaveLength(75);
    expect(new Set(all.map((f) => f.filename)).size).toBe(75);

    const fork = sim.openPullRequest({ repo: 'acme/api', head: 'patch-1', fork: { owner: 'mallory' }, files: { 'src/index.ts': 'export const x = 2;\n' } });
    const { data } = await octokit.rest.pulls.get({ owner: 'acme', repo: 'api', pull_number: fork.number });
    expect(data.head.repo?.full_name).toBe('mallory/api');
    expect(data.head.repo?.fork).toBe(true);
    expect(data.base.repo.full_name).toBe('acme/api');
    expect(data.head.sha).toBe(fork.headSha);
    expect(data.user.login).toBe('mallory');
    const forkFiles = await octokit.rest.pulls.listFiles({ owner: 'acme', repo: 'api', pull_number: fork.number });
    expect(forkFiles.data.map((f) => [f.filename, f.status, f.additions, f.deletions])).toEqual([['src/index.ts', 'modified', 1, 1]]);
    // The fork's content is readable (public) through the base installation.
    const content = await octokit.rest.repos.getContent({ owner: 'mallory', repo: 'api', path: 'src/index.ts', ref: fork.headSha, mediaType: { format: 'raw' } });
    expect(content.data).toBe('export const x = 2;\n');
    const pulls = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner: 'acme', repo: 'api', commit_sha: pr.headSha });
    expect(pulls.data.map((p) => p.number)).toEqual([pr.number]);
  });

  it('answers permissions and team memberships from the setup', async () => {
    const octokit = await setup();
    sim.setPermission('acme/api', 'carol', 'write');
    sim.setPermission('acme/api', 'bob', 'none');
    sim.addTeamMember('acme', 'release-managers', 'dave', { state: 'pending' });
    const permission = async (username: string) => (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: 'acme', repo: 'api', username })).data;
    expect(await permission('octocat')).toMatchObject({ permission: 'admin', role_name: 'admin' });
    expect(await permission('carol')).toMatchObject({ permission: 'write', role_name: 'write' });
    expect(await permission('alice')).toMatchObject({ permission: 'read' });
    expect(await permission('bob')).toMatchObject({ permission: 'none' });
    sim.setPermission('acme/api', 'erin', 'maintain');
    expect(await permission('erin')).toMatchObject({ permission: 'write', role_name: 'maintain' });

    const membership = await octokit.rest.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'release-managers', username: 'alice' });
    expect(membership.data).toMatchObject({ role: 'member', state: 'active' });
    const pending = await octokit.rest.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'release-managers', username: 'dave' });
    expect(pending.data.state).toBe('pending');
    await expect(octokit.rest.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'release-managers', username: 'bob' })).rejects.toMatchObject({ status: 404 });
    const members = await octokit.rest.teams.listMembersInOrg({ org: 'acme', team_slug: 'release-managers' });
    expect(members.data.map((m) => m.login)).toEqual(['alice']);
  });

  it('lets Probot’s config plugin read org defaults from the .github repository', async () => {
    const octokit = await setup();
    sim.repo({ owner: 'acme', name: '.github', files: { '.github/shipgate.yml': 'version: 1\ndefaults:\n  timeout: 20m\n' } });
    sim.push({ repo: 'acme/api', files: { '.github/shipgate.yml': '_extends: .github\npipelines: {}\n' } });
    const { config, files } = await octokit.config.get({ owner: 'acme', repo: 'api', path: '.github/shipgate.yml' });
    expect(config).toEqual({ version: 1, defaults: { timeout: '20m' }, pipelines: {} });
    expect(files.map((f) => `${f.owner}/${f.repo}`)).toEqual(['acme/api', 'acme/.github']);
    const missing = await octokit.config.get({ owner: 'acme', repo: '.github', path: '.github/other.yml' });
    expect(missing.config).toEqual({});
  });
});

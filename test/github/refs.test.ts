/** Branches and commits against the simulator: a branch's head, a commit's full sha, which branches contain a sha. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.ts';
import { branchesContaining, listBranches, MAX_CONTAINING_CANDIDATES, resolveBranch, resolveCommit } from '../../src/github/refs.ts';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, seedAcme, startTestSimulator } from '../sim/helpers.ts';

const REPO = { owner: 'acme', repo: 'api' };
const COMPARE_ROUTE = '/repos/{owner}/{repo}/compare/{basehead}';

let sim: GitHubSimulator;
let octokit: GitHubClient;
/** main's first commit, then the side branch `feature/login` with one commit of its own, then one more commit on main. */
let base: string;
let side: string;
let mainHead: string;

beforeEach(async () => {
  ({ sim } = await startTestSimulator());
  seedAcme(sim);
  octokit = installationOctokit(sim, 'acme');
  base = sim.refSha('acme/api', 'main') ?? '';
  side = sim.push({ repo: 'acme/api', branch: 'feature/login', from: 'main', files: { 'src/login.ts': 'export {};\n' } }).sha;
  mainHead = sim.push({ repo: 'acme/api', branch: 'main', files: { 'src/index.ts': 'export const x = 2;\n' } }).sha;
});

afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    await sim.close();
  }
});

describe('resolveBranch', () => {
  it('gives the head sha of a branch, also of one with a slash in its name', async () => {
    expect(await resolveBranch(octokit, REPO, 'main')).toBe(mainHead);
    expect(await resolveBranch(octokit, REPO, 'feature/login')).toBe(side);
  });

  it('gives null for a branch that does not exist (404), and for an empty name without asking', async () => {
    expect(await resolveBranch(octokit, REPO, 'nope')).toBeNull();
    expect(await resolveBranch(octokit, REPO, mainHead)).toBeNull();
    const before = sim.requests.length;
    expect(await resolveBranch(octokit, REPO, '')).toBeNull();
    expect(sim.requests.length).toBe(before);
  });

  it('throws a 5xx', async () => {
    sim.faults.set({ routes: ['GET /repos/{owner}/{repo}/branches/{branch}'], failFirst: 1 });
    await expect(resolveBranch(octokit, REPO, 'main')).rejects.toMatchObject({ status: 502 });
  });

  it('counts a branch GitHub followed to its new name as gone', async () => {
    const renamed = {
      rest: { repos: { getBranch: async () => ({ data: { name: 'trunk', commit: { sha: mainHead } } }) } },
    } as unknown as GitHubClient;
    expect(await resolveBranch(renamed, REPO, 'master')).toBeNull();
    expect(await resolveBranch(renamed, REPO, 'trunk')).toBe(mainHead);
  });
});

describe('resolveCommit', () => {
  it('gives the full sha for a full sha, a 7-digit prefix and upper case', async () => {
    expect(await resolveCommit(octokit, REPO, side)).toBe(side);
    expect(await resolveCommit(octokit, REPO, side.slice(0, 7))).toBe(side);
    expect(await resolveCommit(octokit, REPO, base.slice(0, 12).toUpperCase())).toBe(base);
    const query = new URLSearchParams(sim.requestsTo('GET', '/repos/{owner}/{repo}/commits/{ref}')[0]?.query ?? '');
    expect(query.get('per_page')).toBe('1');
  });

  it('gives null for an unknown commit (422 in the sim), and for non-hex or short input without asking', async () => {
    expect(await resolveCommit(octokit, REPO, 'f'.repeat(40))).toBeNull();
    expect(sim.requestsTo('GET', '/repos/{owner}/{repo}/commits/{ref}').map((r) => r.status)).toEqual([422]);
    const before = sim.requests.length;
    expect(await resolveCommit(octokit, REPO, 'main')).toBeNull();
    expect(await resolveCommit(octokit, REPO, side.slice(0, 6))).toBeNull();
    expect(await resolveCommit(octokit, REPO, `${side}0`)).toBeNull();
    expect(sim.requests.length).toBe(before);
  });

  it('throws a 5xx', async () => {
    sim.faults.set({ routes: ['GET /repos/{owner}/{repo}/commits/{ref}'], failFirst: 1 });
    await expect(resolveCommit(octokit, REPO, side)).rejects.toMatchObject({ status: 502 });
  });
});

describe('branchesContaining', () => {
  it('a commit of the side branch is only on the side branch', async () => {
    expect(await branchesContaining(octokit, REPO, side, ['main', 'feature/login'])).toEqual(['feature/login']);
  });

  it('a commit both branches share is on both (behind), a branch head is on its branch (identical)', async () => {
    expect(await branchesContaining(octokit, REPO, base, ['main', 'feature/login'])).toEqual(['main', 'feature/login']);
    expect(await branchesContaining(octokit, REPO, mainHead, ['feature/login', 'main'])).toEqual(['main']);
    const statuses = sim.requestsTo('GET', COMPARE_ROUTE).map((r) => r.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('a branch behind the sha does not contain it (ahead)', async () => {
    sim.createBranch({ repo: 'acme/api', branch: 'old', from: base });
    expect(await branchesContaining(octokit, REPO, side, ['old'])).toEqual([]);
    expect(await branchesContaining(octokit, REPO, base, ['old'])).toEqual(['old']);
  });

  it('a branch that does not exist, or a sha GitHub does not know, contains nothing (404)', async () => {
    expect(await branchesContaining(octokit, REPO, side, ['gone', 'feature/login'])).toEqual(['feature/login']);
    expect(await branchesContaining(octokit, REPO, 'f'.repeat(40), ['main', 'feature/login'])).toEqual([]);
    expect(sim.requestsTo('GET', COMPARE_ROUTE).map((r) => r.status)).toEqual([404, 200, 404, 404]);
  });

  it('compares each distinct branch once, and refuses more than 20 before asking', async () => {
    expect(await branchesContaining(octokit, REPO, base, ['main', 'main', ''])).toEqual(['main']);
    expect(sim.requestsTo('GET', COMPARE_ROUTE)).toHaveLength(1);
    const many = Array.from({ length: MAX_CONTAINING_CANDIDATES + 1 }, (_, i) => `b${i}`);
    await expect(branchesContaining(octokit, REPO, base, many)).rejects.toThrow(RangeError);
    expect(sim.requestsTo('GET', COMPARE_ROUTE)).toHaveLength(1);
    expect(await branchesContaining(octokit, REPO, base, many.slice(0, MAX_CONTAINING_CANDIDATES))).toEqual([]);
  });

  it('throws a 5xx instead of answering "not containing"', async () => {
    sim.faults.set({ routes: [`GET ${COMPARE_ROUTE}`], failFirst: 1 });
    await expect(branchesContaining(octokit, REPO, base, ['main'])).rejects.toMatchObject({ status: 502 });
  });
});

describe('listBranches', () => {
  it('lists branch names alphabetically, capped at max', async () => {
    sim.createBranch({ repo: 'acme/api', branch: 'develop' });
    expect(await listBranches(octokit, REPO)).toEqual(['develop', 'feature/login', 'main']);
    expect(await listBranches(octokit, REPO, 2)).toEqual(['develop', 'feature/login']);
    const before = sim.requests.length;
    expect(await listBranches(octokit, REPO, 0)).toEqual([]);
    expect(sim.requests.length).toBe(before);
  });

  it('reads further pages up to max, and stops at 100 by default', async () => {
    for (let i = 0; i < 120; i += 1) sim.createBranch({ repo: 'acme/api', branch: `topic-${String(i).padStart(3, '0')}` });
    const all = await listBranches(octokit, REPO, 1_000);
    expect(all).toHaveLength(122);
    expect(sim.requestsTo('GET', '/repos/{owner}/{repo}/branches')).toHaveLength(2);
    const capped = await listBranches(octokit, REPO, 110);
    expect(capped).toEqual(all.slice(0, 110));
    const byDefault = await listBranches(octokit, REPO);
    expect(byDefault).toEqual(all.slice(0, 100));
    expect(sim.requestsTo('GET', '/repos/{owner}/{repo}/branches')).toHaveLength(5);
  });
});

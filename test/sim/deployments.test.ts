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

describe('deployments', () => {
  it('creates deployments and statuses; a new success makes the previous one inactive', async () => {
    ({ sim } = await startTestSimulator());
    seedAcme(sim);
    const octokit = installationOctokit(sim, 'acme');
    const create = (ref: string) =>
      octokit.rest.repos.createDeployment({ owner: 'acme', repo: 'api', ref, environment: 'production', auto_merge: false, required_contexts: [], payload: { shipgate: { run: 'r1' } } });
    const first = (await create('main')).data;
    if (!('id' in first)) throw new Error('no deployment');
    expect(first).toMatchObject({ environment: 'production', ref: 'main', sha: sim.refSha('acme/api', 'main'), payload: { shipgate: { run: 'r1' } }, creator: { login: 'shipgate[bot]' } });
    for (const state of ['queued', 'in_progress', 'success'] as const) {
      await octokit.rest.repos.createDeploymentStatus({ owner: 'acme', repo: 'api', deployment_id: first.id, state, log_url: 'http://ci.example/1' });
    }
    sim.push({ repo: 'acme/api', files: { 'v2.txt': '2' } });
    const second = (await create('main')).data;
    if (!('id' in second)) throw new Error('no deployment');
    await octokit.rest.repos.createDeploymentStatus({ owner: 'acme', repo: 'api', deployment_id: second.id, state: 'success', environment_url: 'https://app.example.com' });

    const statuses = await octokit.rest.repos.listDeploymentStatuses({ owner: 'acme', repo: 'api', deployment_id: first.id });
    expect(statuses.data.map((s) => s.state)).toEqual(['inactive', 'success', 'in_progress', 'queued']);
    const list = await octokit.rest.repos.listDeployments({ owner: 'acme', repo: 'api', environment: 'production' });
    expect(list.data.map((d) => d.id)).toEqual([second.id, first.id]);
    expect((await octokit.rest.repos.getDeployment({ owner: 'acme', repo: 'api', deployment_id: second.id })).data.sha).toBe(sim.refSha('acme/api', 'main'));
  });

  it('refuses a deployment whose required checks have not passed (default contexts), like GitHub', async () => {
    ({ sim } = await startTestSimulator());
    seedAcme(sim);
    const octokit = installationOctokit(sim, 'acme');
    const sha = sim.refSha('acme/api', 'main') ?? '';
    await octokit.rest.checks.create({ owner: 'acme', repo: 'api', name: 'shipgate', head_sha: sha, status: 'in_progress' });
    await expect(octokit.rest.repos.createDeployment({ owner: 'acme', repo: 'api', ref: 'main', environment: 'staging' })).rejects.toMatchObject({ status: 409 });
    await expect(octokit.rest.repos.createDeployment({ owner: 'acme', repo: 'api', ref: 'nope', required_contexts: [] })).rejects.toMatchObject({ status: 422 });
  });
});

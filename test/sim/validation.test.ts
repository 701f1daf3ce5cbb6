import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, installationToken, seedAcme, startTestSimulator } from './helpers.ts';

let sim: GitHubSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  if (!sim) throw new Error('no sim');
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('validation against GitHub’s OpenAPI description', () => {
  it('records a dispatch without ref, a check run with a bad status and an unknown route', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    seedAcme(sim);
    const token = await installationToken(sim, 'acme');
    const sha = sim.refSha('acme/api', 'main');

    const noRef = await call('POST', '/repos/acme/api/actions/workflows/build.yml/dispatches', token, { inputs: { shipgate_run: 'x' } });
    expect(noRef.status).toBe(422);
    expect(noRef.body).toMatchObject({ message: expect.stringContaining('"ref" wasn\'t supplied'), documentation_url: expect.any(String), status: '422' });

    const badStatus = await call('POST', '/repos/acme/api/check-runs', token, { name: 'shipgate', head_sha: sha, status: 'running' });
    expect(badStatus.status).toBe(422);

    const unknown = await call('GET', '/repos/acme/api/pipelines', token);
    expect(unknown).toEqual({ status: 404, body: { message: 'Not Found', documentation_url: expect.any(String), status: '404' } });

    const wrongMethod = await call('DELETE', '/repos/acme/api/actions/workflows/build.yml/dispatches', token);
    expect(wrongMethod.status).toBe(404);

    const badParam = await call('GET', '/repos/acme/api/actions/runs/not-a-number', token);
    expect(badParam.status).toBe(404);

    expect(sim.violations.map((v) => [v.kind, v.method, v.route ?? v.path])).toEqual([
      ['invalid-request', 'POST', 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches'],
      ['invalid-request', 'POST', 'POST /repos/{owner}/{repo}/check-runs'],
      ['unknown-route', 'GET', '/repos/acme/api/pipelines'],
      ['method-not-allowed', 'DELETE', '/repos/acme/api/actions/workflows/build.yml/dispatches'],
      ['invalid-request', 'GET', 'GET /repos/{owner}/{repo}/actions/runs/{run_id}'],
    ]);
    expect(sim.violations[1]?.errors).toEqual(expect.arrayContaining([expect.objectContaining({ instancePath: '/status', keyword: 'enum' })]));
    expect(() => sim?.assertNoViolations()).toThrow(/5 violation\(s\)[\s\S]*dispatches[\s\S]*check-runs[\s\S]*\/repos\/acme\/api\/pipelines/);
    // Nothing happened: no run, no check run.
    expect(sim.workflowRuns()).toHaveLength(0);
    expect(sim.checkRuns('acme/api').filter((c) => c.name === 'shipgate')).toHaveLength(0);
  });

  it('records routes GitHub has but the sim does not serve, and a body that is not JSON', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    seedAcme(sim);
    const token = await installationToken(sim, 'acme');
    const unimplemented = await call('GET', '/repos/acme/api/releases', token);
    expect(unimplemented.status).toBe(404);
    const response = await fetch(`${sim.baseUrl}/repos/acme/api/check-runs`, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(response.status).toBe(400);
    expect(sim.violations.map((v) => v.kind)).toEqual(['unimplemented', 'invalid-request']);
  });

  it('accepts what Octokit sends for valid calls, with or without the /api/v3 prefix', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    seedAcme(sim);
    const octokit = installationOctokit(sim, 'acme');
    const sha = sim.refSha('acme/api', 'main') ?? '';
    await octokit.rest.checks.create({ owner: 'acme', repo: 'api', name: 'shipgate', head_sha: sha, status: 'in_progress', output: { title: 't', summary: 's' } });
    await octokit.rest.repos.getContent({ owner: 'acme', repo: 'api', path: 'src/index.ts', ref: 'main' });
    const token = await installationToken(sim, 'acme');
    const cloudStyle = await fetch(`${sim.url}/repos/acme/api`, { headers: { authorization: `Bearer ${token}` } });
    expect(cloudStyle.status).toBe(200);
    expect(sim.requests.at(-1)).toMatchObject({ method: 'GET', path: '/repos/acme/api', route: 'GET /repos/{owner}/{repo}', status: 200 });
    sim.assertNoViolations();
  });

  it('can be switched off', async () => {
    const started = await startTestSimulator({ validate: false, validateResponses: false, validateWebhooks: false });
    sim = started.sim;
    seedAcme(sim);
    const token = await installationToken(sim, 'acme');
    expect((await call('GET', '/repos/acme/api/pipelines', token)).status).toBe(404);
    expect(sim.violations).toEqual([]);
  });
});

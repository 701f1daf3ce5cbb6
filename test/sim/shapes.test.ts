import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadOpenApiDescription } from '../../src/sim/openapi.ts';
import { installationOctokit, seedAcme, startTestSimulator } from './helpers.ts';

type Example = Record<string, unknown>;
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{ name: string; examples: Example[] }>;

/** Keys at depth 0 and 1 (`a`, `a.b`), the level at which consumers read payloads. */
function keysOf(payload: Example): Set<string> {
  const keys = new Set<string>();
  for (const [key, value] of Object.entries(payload)) {
    keys.add(key);
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const inner of Object.keys(value)) keys.add(`${key}.${inner}`);
  }
  return keys;
}

/** Fields the examples carry that the sim leaves out on purpose. */
const NOT_MODELLED = new Set(['enterprise', 'check_run.deployment']);

describe('shapes', () => {
  it('webhook payloads carry every field of @octokit/webhooks-examples’ payloads (two levels deep)', async () => {
    const { sim, clock } = await startTestSimulator();
    try {
      seedAcme(sim);
      const octokit = installationOctokit(sim, 'acme');
      sim.push({ repo: 'acme/api', files: { a: '1' } });
      const pr = sim.openPullRequest({ repo: 'acme/api', head: 'f', files: { b: '2' } });
      sim.push({ repo: 'acme/api', branch: 'f', files: { b: '3' } });
      sim.comment({ repo: 'acme/api', issue: pr.number, body: 'x', author: 'alice' });
      await octokit.request('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', { owner: 'acme', repo: 'api', workflow_id: 'build.yml', ref: 'main' });
      clock.advance(60_000);
      const deployment = await octokit.rest.repos.createDeployment({ owner: 'acme', repo: 'api', ref: 'main', required_contexts: [] });
      await octokit.rest.repos.createDeploymentStatus({ owner: 'acme', repo: 'api', deployment_id: (deployment.data as { id: number }).id, state: 'success' });

      const compared = new Set<string>();
      for (const delivery of sim.webhooks.deliveries) {
        const name = `${delivery.event}.${delivery.action ?? ''}`;
        if (compared.has(name)) continue;
        const group = examples.find((e) => e.name === delivery.event)?.examples ?? [];
        const example = group.find((e) => e.action === delivery.action) ?? (delivery.action === undefined ? group[0] : undefined);
        if (!example) continue;
        compared.add(name);
        const mine = keysOf(delivery.payload);
        const missing = [...keysOf(example)].filter((key) => !mine.has(key) && !NOT_MODELLED.has(key) && !NOT_MODELLED.has(key.split('.')[0] ?? ''));
        expect({ event: name, missing }).toEqual({ event: name, missing: [] });
      }
      expect([...compared].sort()).toEqual(
        [
          'check_run.completed',
          'check_run.created',
          'deployment.created',
          'deployment_status.created',
          'installation.created',
          'issue_comment.created',
          'pull_request.opened',
          'pull_request.synchronize',
          'push.',
          'workflow_job.completed',
          'workflow_job.in_progress',
          'workflow_job.queued',
          'workflow_run.completed',
          'workflow_run.requested',
        ].sort(),
      );
      sim.assertNoViolations();
    } finally {
      await sim.close();
    }
  });

  it('the response check catches a shape GitHub would not send', async () => {
    const description = await describedApi();
    const lookup = description.match('GET', '/repos/acme/api/actions/runs/1');
    if (lookup.kind !== 'found') throw new Error('route not found');
    expect(lookup.operation.route).toBe('GET /repos/{owner}/{repo}/actions/runs/{run_id}');
    expect(lookup.params).toEqual({ owner: 'acme', repo: 'api', run_id: '1' });
    expect(description.validateResponse(lookup.operation, 200, { id: 'one' })).toMatch(/must have required property|must be integer/);
    expect(description.validateResponse(lookup.operation, 201, {})).toMatch(/not documented/);
    expect(description.validateWebhook('workflow_run', 'completed', { action: 'completed' })).toMatch(/required property/);
  });

  it('matches route templates whose parameters hold slashes', async () => {
    const description = await describedApi();
    const contents = description.match('GET', '/repos/acme/api/contents/.github/shipgate.yml');
    expect(contents).toMatchObject({ kind: 'found', operation: { template: '/repos/{owner}/{repo}/contents/{path}' }, params: { path: '.github/shipgate.yml' } });
    const encoded = description.match('GET', '/repos/acme/api/contents/.github%2Fshipgate.yml');
    expect(encoded).toMatchObject({ kind: 'found', params: { path: '.github/shipgate.yml' } });
    const checks = description.match('GET', '/repos/acme/api/commits/release/1.x/check-runs');
    expect(checks).toMatchObject({ kind: 'found', operation: { template: '/repos/{owner}/{repo}/commits/{ref}/check-runs' }, params: { ref: 'release/1.x' } });
    const compare = description.match('GET', '/repos/acme/api/compare/main...feature/x');
    expect(compare).toMatchObject({ kind: 'found', params: { basehead: 'main...feature/x' } });
  });
});

async function describedApi() {
  const description = await loadOpenApiDescription();
  if (!description) throw new Error('@octokit/openapi is a dev dependency: it must be installed for the tests');
  return description;
}

/** GitHub deployments and statuses against the simulator (a real installation Octokit), plus the answers the sim cannot give. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/github/client.ts';
import {
  createDeploymentStatus,
  createGitHubDeployment,
  cutDescription,
  findGitHubDeployment,
  requestIdOf,
  shipgatePayload,
  type GitHubDeploymentInput,
} from '../../src/github/deployments.ts';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, seedAcme, startTestSimulator } from '../sim/helpers.ts';

const REPO = { owner: 'acme', repo: 'api' };
const CREATE_ROUTE = '/repos/{owner}/{repo}/deployments';
const STATUS_ROUTE = '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses';

let sim: GitHubSimulator;
let octokit: GitHubClient;
let head: string;

beforeEach(async () => {
  ({ sim } = await startTestSimulator());
  seedAcme(sim);
  octokit = installationOctokit(sim, 'acme');
  head = sim.refSha('acme/api', 'main') ?? '';
});

afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    await sim.close();
  }
});

function input(extra: Partial<GitHubDeploymentInput> = {}): GitHubDeploymentInput {
  return {
    sha: head,
    environment: 'staging',
    production: false,
    description: 'Deploy by shipgate',
    payload: shipgatePayload({ requestId: 41, actor: 'alice', pipelineRunId: 7 }),
    ...extra,
  };
}

/** A fake Octokit whose `request` answers or throws as told (for answers the sim never gives). */
function answering(answer: () => unknown): GitHubClient {
  return { request: async () => answer() } as unknown as GitHubClient;
}

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status, response: { data: { message } } });
}

describe('createGitHubDeployment', () => {
  it('creates a deployment of the exact sha with the fields SPEC §6 asks for', async () => {
    const result = await createGitHubDeployment(octokit, REPO, input());
    if (!result.ok) throw new Error(result.message);
    expect(result.url).toBe(`${sim.baseUrl}/repos/acme/api/deployments/${result.id}`);
    expect(sim.requestsTo('POST', CREATE_ROUTE).map((r) => r.body)).toEqual([
      {
        ref: head,
        auto_merge: false,
        required_contexts: [],
        environment: 'staging',
        production_environment: false,
        transient_environment: false,
        payload: { shipgate_request_id: 41, actor: 'alice', pipeline_run_id: 7, rollback_of: null },
        description: 'Deploy by shipgate',
      },
    ]);
    const [deployment] = sim.deployments('acme/api');
    expect(deployment).toMatchObject({ id: result.id, sha: head, ref: head, environment: 'staging', production: false, transient: false });
  });

  it('marks production as production, and carries rollback_of in the payload round trip', async () => {
    const payload = shipgatePayload({ requestId: 'req-9', actor: 'bob', rollbackOf: 3 });
    const result = await createGitHubDeployment(octokit, REPO, input({ environment: 'production', production: true, payload }));
    if (!result.ok) throw new Error(result.message);
    const { data } = await octokit.rest.repos.getDeployment({ ...REPO, deployment_id: result.id });
    expect(data).toMatchObject({ environment: 'production', production_environment: true, transient_environment: false });
    expect(data.payload).toEqual({ shipgate_request_id: 'req-9', actor: 'bob', pipeline_run_id: null, rollback_of: 3 });
  });

  it('cuts a long description to 140 characters, keeping a short one whole', async () => {
    const long = 'x'.repeat(200);
    const result = await createGitHubDeployment(octokit, REPO, input({ description: long }));
    if (!result.ok) throw new Error(result.message);
    const description = sim.deployments('acme/api')[0]?.description ?? '';
    expect(description).toHaveLength(140);
    expect(description).toBe(`${'x'.repeat(139)}…`);
    const exact = 'y'.repeat(140);
    await createGitHubDeployment(octokit, REPO, input({ description: exact }));
    expect(sim.deployments('acme/api').map((d) => d.description)).toContain(exact);
  });

  it('deploys a sha whose checks failed, because required_contexts is empty (without it GitHub answers 409)', async () => {
    await octokit.rest.checks.create({ ...REPO, name: 'lint', head_sha: head, status: 'completed', conclusion: 'failure' });
    expect(await createGitHubDeployment(octokit, REPO, input())).toMatchObject({ ok: true });
    // What shipgate avoids: the same request without `required_contexts`.
    const refused = await octokit
      .request('POST /repos/{owner}/{repo}/deployments', { ...REPO, ref: head, auto_merge: false, environment: 'staging' })
      .then(
        () => undefined,
        (err: { status?: number }) => err.status,
      );
    expect(refused).toBe(409);
  });

  it('answers 422 for a sha GitHub does not know as a refusal with its message, not an error', async () => {
    const unknown = 'f'.repeat(40);
    const result = await createGitHubDeployment(octokit, REPO, input({ sha: unknown }));
    expect(result).toEqual({ ok: false, status: 422, message: expect.stringContaining(`No ref found for: ${unknown}`) as unknown });
    expect(sim.deployments('acme/api')).toEqual([]);
  });

  it('answers a 409 as a refusal (the sim gives no 409 when required_contexts is empty)', async () => {
    const conflict = answering(() => {
      throw httpError(409, 'Conflict merging main into topic.');
    });
    expect(await createGitHubDeployment(conflict, REPO, input())).toEqual({ ok: false, status: 409, message: 'Conflict merging main into topic.' });
  });

  it('answers a 202 without a deployment (auto-merged) as a refusal naming GitHub’s message', async () => {
    const merged = answering(() => ({ status: 202, data: { message: 'Auto-merged main into topic on deployment.' } }));
    expect(await createGitHubDeployment(merged, REPO, input())).toEqual({
      ok: false,
      status: 202,
      message: 'GitHub answered 202 without creating a deployment: Auto-merged main into topic on deployment.',
    });
  });

  it('throws a 5xx with its status, for the caller to retry', async () => {
    sim.faults.set({ routes: [`POST ${CREATE_ROUTE}`], failFirst: 1 });
    await expect(createGitHubDeployment(octokit, REPO, input())).rejects.toMatchObject({ status: 502 });
    expect(sim.deployments('acme/api')).toEqual([]);
    expect(await createGitHubDeployment(octokit, REPO, input())).toMatchObject({ ok: true });
  });

  it('throws a 403 too (only 409 and 422 are refusals)', async () => {
    const forbidden = answering(() => {
      throw httpError(403, 'Resource not accessible by integration');
    });
    await expect(createGitHubDeployment(forbidden, REPO, input())).rejects.toMatchObject({ status: 403 });
  });
});

describe('findGitHubDeployment', () => {
  it('finds the deployment a lost answer created, by the request id in its payload', async () => {
    const created = await createGitHubDeployment(octokit, REPO, input());
    await createGitHubDeployment(octokit, REPO, input({ payload: shipgatePayload({ requestId: 42, actor: 'alice' }) }));
    if (!created.ok) throw new Error(created.message);
    expect(await findGitHubDeployment(octokit, REPO, { sha: head, environment: 'staging', requestId: 41 })).toBe(created.id);
    expect(await findGitHubDeployment(octokit, REPO, { sha: head, environment: 'staging', requestId: '41' })).toBe(created.id);
  });

  it('finds nothing for another request, another environment or another sha', async () => {
    await createGitHubDeployment(octokit, REPO, input());
    const other = sim.push({ repo: 'acme/api', branch: 'main', files: { 'b.txt': 'b\n' } }).sha;
    expect(await findGitHubDeployment(octokit, REPO, { sha: head, environment: 'staging', requestId: 99 })).toBeNull();
    expect(await findGitHubDeployment(octokit, REPO, { sha: head, environment: 'production', requestId: 41 })).toBeNull();
    expect(await findGitHubDeployment(octokit, REPO, { sha: other, environment: 'staging', requestId: 41 })).toBeNull();
    const query = sim.requestsTo('GET', CREATE_ROUTE)[0]?.query ?? '';
    expect(new URLSearchParams(query).get('sha')).toBe(head);
    expect(new URLSearchParams(query).get('environment')).toBe('staging');
  });

  it('reads a payload GitHub keeps as a JSON string', async () => {
    const { data } = await octokit.request('POST /repos/{owner}/{repo}/deployments', {
      ...REPO,
      ref: head,
      auto_merge: false,
      required_contexts: [],
      environment: 'staging',
      payload: JSON.stringify({ shipgate_request_id: 77 }),
    });
    const id = (data as { id: number }).id;
    expect(await findGitHubDeployment(octokit, REPO, { sha: head, environment: 'staging', requestId: 77 })).toBe(id);
  });

  it('looks past the first page', async () => {
    const first = await createGitHubDeployment(octokit, REPO, input({ payload: shipgatePayload({ requestId: 1, actor: 'alice' }) }));
    for (let i = 2; i <= 101; i += 1) await createGitHubDeployment(octokit, REPO, input({ payload: shipgatePayload({ requestId: i, actor: 'alice' }) }));
    if (!first.ok) throw new Error(first.message);
    expect(await findGitHubDeployment(octokit, REPO, { sha: head, environment: 'staging', requestId: 1 })).toBe(first.id);
    expect(sim.requestsTo('GET', CREATE_ROUTE)).toHaveLength(2);
  });
});

describe('requestIdOf', () => {
  it.each([
    [{ shipgate_request_id: 5 }, '5'],
    [{ shipgate_request_id: 'abc' }, 'abc'],
    ['{"shipgate_request_id":6}', '6'],
    ['not json', null],
    ['[1]', null],
    [[{ shipgate_request_id: 5 }], null],
    [{ shipgate_request_id: { nested: 1 } }, null],
    [{}, null],
    [null, null],
    ['', null],
  ])('%j → %j', (payload, expected) => {
    expect(requestIdOf(payload)).toBe(expected);
  });
});

describe('cutDescription', () => {
  it('keeps ≤ 140 characters, cuts longer ones with an ellipsis and never splits a surrogate pair', () => {
    expect(cutDescription('short')).toBe('short');
    expect(cutDescription('a'.repeat(141))).toBe(`${'a'.repeat(139)}…`);
    const emoji = `${'a'.repeat(138)}🚀🚀`;
    const cut = cutDescription(emoji);
    expect(cut).toBe(`${'a'.repeat(138)}…`);
    expect(cut.length).toBeLessThanOrEqual(140);
  });
});

describe('createDeploymentStatus', () => {
  async function deploy(requestId: number): Promise<number> {
    const result = await createGitHubDeployment(octokit, REPO, input({ payload: shipgatePayload({ requestId, actor: 'alice' }) }));
    if (!result.ok) throw new Error(result.message);
    return result.id;
  }

  function lastState(id: number): string | undefined {
    return sim.deployments('acme/api').find((d) => d.id === id)?.statuses.at(-1)?.state;
  }

  it('mirrors a run: queued → in_progress → success, with log_url and environment_url', async () => {
    const id = await deploy(1);
    const logUrl = 'https://github.com/acme/api/actions/runs/5';
    const ids = [
      await createDeploymentStatus(octokit, REPO, id, { state: 'queued', logUrl }),
      await createDeploymentStatus(octokit, REPO, id, { state: 'in_progress', logUrl, description: 'Deploying' }),
      await createDeploymentStatus(octokit, REPO, id, { state: 'success', logUrl, environmentUrl: 'https://staging.acme.test' }),
    ];
    expect(new Set(ids).size).toBe(3);
    const statuses = sim.deployments('acme/api')[0]?.statuses ?? [];
    expect(statuses.map((s) => [s.id, s.state, s.logUrl, s.targetUrl])).toEqual([
      [ids[0], 'queued', logUrl, logUrl],
      [ids[1], 'in_progress', logUrl, logUrl],
      [ids[2], 'success', logUrl, logUrl],
    ]);
    expect(statuses[2]?.environmentUrl).toBe('https://staging.acme.test');
    expect(sim.requestsTo('POST', STATUS_ROUTE).map((r) => r.body)).toEqual([
      { state: 'queued', auto_inactive: false, log_url: logUrl },
      { state: 'in_progress', auto_inactive: false, log_url: logUrl, description: 'Deploying' },
      { state: 'success', auto_inactive: true, log_url: logUrl, environment_url: 'https://staging.acme.test' },
    ]);
  });

  it('a success makes the previous successful deployment inactive by default', async () => {
    const first = await deploy(1);
    await createDeploymentStatus(octokit, REPO, first, { state: 'success' });
    const second = await deploy(2);
    await createDeploymentStatus(octokit, REPO, second, { state: 'success' });
    expect([lastState(first), lastState(second)]).toEqual(['inactive', 'success']);
  });

  it('leaves the previous deployment alone with autoInactive: false, and on a failure', async () => {
    const first = await deploy(1);
    await createDeploymentStatus(octokit, REPO, first, { state: 'success' });
    const failed = await deploy(2);
    await createDeploymentStatus(octokit, REPO, failed, { state: 'failure', description: 'Deploy job failed' });
    const kept = await deploy(3);
    await createDeploymentStatus(octokit, REPO, kept, { state: 'success', autoInactive: false });
    expect([lastState(first), lastState(failed), lastState(kept)]).toEqual(['success', 'failure', 'success']);
  });

  it('cuts a long description to 140 characters', async () => {
    const id = await deploy(1);
    await createDeploymentStatus(octokit, REPO, id, { state: 'error', description: 'e'.repeat(300) });
    expect(sim.deployments('acme/api')[0]?.statuses[0]?.description).toBe(`${'e'.repeat(139)}…`);
  });

  it('throws for a deployment GitHub does not have', async () => {
    await expect(createDeploymentStatus(octokit, REPO, 123_456, { state: 'queued' })).rejects.toMatchObject({ status: 404 });
  });
});

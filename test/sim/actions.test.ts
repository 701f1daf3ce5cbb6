import { unzipSync, strFromU8 } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.ts';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, seedAcme, startTestSimulator, startWebhookReceiver } from './helpers.ts';

const DISPATCH = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';

let sim: GitHubSimulator;
let clock: ManualClock;
const cleanups: Array<() => Promise<void>> = [];

async function setup(): Promise<void> {
  ({ sim, clock } = await startTestSimulator());
  cleanups.push(() => sim.close());
  seedAcme(sim);
}

afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    while (cleanups.length) await cleanups.pop()?.();
  }
});

async function dispatchBuild(inputs: Record<string, string> = { shipgate_run: 'sg-run-1' }): Promise<number> {
  const octokit = installationOctokit(sim, 'acme');
  const response = await octokit.request(DISPATCH, { owner: 'acme', repo: 'api', workflow_id: 'build.yml', ref: 'main', inputs, return_run_details: true });
  expect(response.status).toBe(200);
  return (response.data as { workflow_run_id: number }).workflow_run_id;
}

describe('workflow dispatch and runs', () => {
  it('sends workflow_run requested → in_progress → completed, signed, as the clock advances', async () => {
    await setup();
    const receiver = await startWebhookReceiver(sim.app.webhookSecret);
    cleanups.push(() => receiver.close());
    sim.setWebhookUrl(receiver.url);
    sim.scripts.workflow({ repo: 'acme/api', workflow: 'build.yml', attempts: [{ conclusion: 'success', durationMs: 60_000 }] });

    const runId = await dispatchBuild();
    const runActions = () => receiver.received.filter((w) => w.event === 'workflow_run').map((w) => w.action);
    await sim.webhooks.drain();
    expect(runActions()).toEqual(['requested']);

    clock.advance(1_000);
    await sim.webhooks.drain();
    expect(runActions()).toEqual(['requested', 'in_progress']);

    clock.advance(58_999);
    await sim.webhooks.drain();
    expect(runActions()).toEqual(['requested', 'in_progress']);

    clock.advance(1);
    await sim.webhooks.drain();
    expect(runActions()).toEqual(['requested', 'in_progress', 'completed']);

    expect(receiver.received.every((w) => w.signatureValid)).toBe(true);
    expect(new Set(receiver.received.map((w) => w.deliveryId)).size).toBe(receiver.received.length);
    const first = receiver.received[0];
    expect(first?.headers['user-agent']).toMatch(/^GitHub-Hookshot\//);
    expect(first?.headers['x-github-hook-id']).toMatch(/^\d+$/);
    expect(first?.headers['x-github-hook-installation-target-id']).toBe(String(sim.app.id));
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.payload.installation).toEqual({ id: sim.installation('acme'), node_id: expect.any(String) });

    const jobs = receiver.received.filter((w) => w.event === 'workflow_job').map((w) => `${(w.payload.workflow_job as { name: string }).name}:${w.action ?? ''}`);
    expect(jobs).toEqual(['Compile:queued', 'lint:queued', 'Compile:in_progress', 'lint:in_progress', 'Compile:completed', 'lint:completed']);

    const completed = receiver.received.find((w) => w.event === 'workflow_run' && w.action === 'completed');
    const run = completed?.payload.workflow_run as { id: number; conclusion: string; display_title: string; name: string; run_attempt: number };
    expect(run).toMatchObject({ id: runId, conclusion: 'success', display_title: 'sg-run-1', name: 'Build', run_attempt: 1 });

    const octokit = installationOctokit(sim, 'acme');
    const { data } = await octokit.rest.actions.getWorkflowRun({ owner: 'acme', repo: 'api', run_id: runId });
    expect(data).toMatchObject({ status: 'completed', conclusion: 'success', display_title: 'sg-run-1', event: 'workflow_dispatch', head_branch: 'main', head_sha: sim.refSha('acme/api', 'main') });
    expect(Date.parse(data.updated_at) - Date.parse(data.created_at)).toBe(60_000);
  });

  it('re-runs failed jobs as a new attempt that follows the script (attempt 1 fails, attempt 2 succeeds)', async () => {
    await setup();
    sim.scripts.workflow({
      repo: 'acme/api',
      workflow: 'build.yml',
      attempts: [
        { conclusion: 'failure', durationMs: 10_000, jobs: [{ name: 'Compile', conclusion: 'failure' }, { name: 'lint', conclusion: 'success' }] },
        { conclusion: 'success', durationMs: 5_000, jobs: [{ name: 'Compile' }, { name: 'lint' }] },
      ],
    });
    const octokit = installationOctokit(sim, 'acme');
    const runId = await dispatchBuild();
    clock.advance(10_000);
    expect((await octokit.rest.actions.getWorkflowRun({ owner: 'acme', repo: 'api', run_id: runId })).data.conclusion).toBe('failure');

    const rerun = await octokit.rest.actions.reRunWorkflowFailedJobs({ owner: 'acme', repo: 'api', run_id: runId });
    expect(rerun.status).toBe(201);
    const queued = (await octokit.rest.actions.getWorkflowRun({ owner: 'acme', repo: 'api', run_id: runId })).data;
    expect(queued).toMatchObject({ run_attempt: 2, status: 'queued', conclusion: null });
    expect(queued.previous_attempt_url).toMatch(/\/attempts\/1$/);

    clock.advance(5_000);
    const done = (await octokit.rest.actions.getWorkflowRun({ owner: 'acme', repo: 'api', run_id: runId })).data;
    expect(done).toMatchObject({ run_attempt: 2, status: 'completed', conclusion: 'success' });
    const first = (await octokit.rest.actions.getWorkflowRunAttempt({ owner: 'acme', repo: 'api', run_id: runId, attempt_number: 1 })).data;
    expect(first).toMatchObject({ run_attempt: 1, conclusion: 'failure' });

    const latest = (await octokit.rest.actions.listJobsForWorkflowRun({ owner: 'acme', repo: 'api', run_id: runId })).data.jobs;
    expect(latest.map((j) => [j.name, j.run_attempt, j.conclusion])).toEqual([
      ['lint', 1, 'success'],
      ['Compile', 2, 'success'],
    ]);
    const all = (await octokit.rest.actions.listJobsForWorkflowRun({ owner: 'acme', repo: 'api', run_id: runId, filter: 'all' })).data;
    expect(all.total_count).toBe(3);

    await expect(octokit.rest.actions.reRunWorkflowFailedJobs({ owner: 'acme', repo: 'api', run_id: runId })).rejects.toMatchObject({ status: 403 });
  });

  it('serves artifacts as real zips through a redirect', async () => {
    await setup();
    const summary = JSON.stringify({ total: { lines: { pct: 91.5 } } });
    sim.scripts.workflow({
      repo: 'acme/api',
      workflow: 'build.yml',
      attempts: [{ conclusion: 'success', durationMs: 2_000, artifacts: [{ name: 'coverage', files: { 'coverage-summary.json': summary, 'nested/lcov.info': 'TN:\n' } }] }],
    });
    const octokit = installationOctokit(sim, 'acme');
    const runId = await dispatchBuild();
    expect((await octokit.rest.actions.listWorkflowRunArtifacts({ owner: 'acme', repo: 'api', run_id: runId })).data.total_count).toBe(0);
    clock.advance(2_000);
    const { data } = await octokit.rest.actions.listWorkflowRunArtifacts({ owner: 'acme', repo: 'api', run_id: runId, name: 'coverage' });
    expect(data.total_count).toBe(1);
    const artifact = data.artifacts[0];
    if (!artifact) throw new Error('no artifact');
    expect(artifact.workflow_run?.id).toBe(runId);

    const raw = await fetch(`${sim.baseUrl}/repos/acme/api/actions/artifacts/${artifact.id}/zip`, {
      headers: { authorization: `token ${await tokenFor(octokit)}` },
      redirect: 'manual',
    });
    expect(raw.status).toBe(302);
    expect(raw.headers.get('location')).toMatch(new RegExp(`^${sim.url}/`));

    const download = await octokit.rest.actions.downloadArtifact({ owner: 'acme', repo: 'api', artifact_id: artifact.id, archive_format: 'zip' });
    const files = unzipSync(new Uint8Array(download.data as ArrayBuffer));
    expect(strFromU8(files['coverage-summary.json'] ?? new Uint8Array())).toBe(summary);
    expect(strFromU8(files['nested/lcov.info'] ?? new Uint8Array())).toBe('TN:\n');
    expect(artifact.size_in_bytes).toBe((download.data as ArrayBuffer).byteLength);
  });

  it('answers 204 without run details, and always with the GHES switch; runs are found by run-name', async () => {
    await setup();
    const octokit = installationOctokit(sim, 'acme');
    const plain = await octokit.request(DISPATCH, { owner: 'acme', repo: 'api', workflow_id: 'build.yml', ref: 'main', inputs: { shipgate_run: 'sg-a' } });
    expect(plain.status).toBe(204);

    sim.options.dispatchReturns204 = true;
    const ghes = await octokit.request(DISPATCH, { owner: 'acme', repo: 'api', workflow_id: 'build.yml', ref: 'main', inputs: { shipgate_run: 'sg-b' }, return_run_details: true });
    expect(ghes.status).toBe(204);

    const { data } = await octokit.rest.actions.listWorkflowRuns({ owner: 'acme', repo: 'api', workflow_id: 'build.yml', event: 'workflow_dispatch', created: '>=2026-01-01' });
    expect(data.workflow_runs.map((r) => r.display_title)).toEqual(['sg-b', 'sg-a']);
    expect(sim.dispatches().map((d) => [d.workflow, d.ref, d.inputs.shipgate_run, d.status])).toEqual([
      ['build.yml', 'main', 'sg-a', 204],
      ['build.yml', 'main', 'sg-b', 204],
    ]);
    const repoRuns = await octokit.rest.actions.listWorkflowRunsForRepo({ owner: 'acme', repo: 'api', status: 'queued', head_sha: sim.refSha('acme/api', 'main') ?? '' });
    expect(repoRuns.data.total_count).toBe(2);
  });

  it('refuses dispatches GitHub refuses, with its messages', async () => {
    await setup();
    const octokit = installationOctokit(sim, 'acme');
    const attempt = (params: Record<string, unknown>) =>
      octokit.request(DISPATCH, { owner: 'acme', repo: 'api', workflow_id: 'build.yml', ref: 'main', ...params }).then(
        (r) => ({ status: r.status, message: '' }),
        (e: { status: number; response?: { data?: { message?: string } } }) => ({ status: e.status, message: e.response?.data?.message ?? '' }),
      );
    expect(await attempt({ inputs: { nope: 'x' } })).toEqual({ status: 422, message: 'Unexpected inputs provided: ["nope"]' });
    expect(await attempt({ ref: 'does-not-exist' })).toEqual({ status: 422, message: 'No ref found for: does-not-exist' });
    expect(await attempt({ inputs: { target: 'docs' } })).toEqual({ status: 422, message: "Provided value 'docs' for input 'target' not in the list of allowed values" });
    expect(await attempt({ workflow_id: 'push-only.yml' })).toEqual({ status: 422, message: "Workflow does not have 'workflow_dispatch' trigger" });
    expect(await attempt({ workflow_id: 'missing.yml' })).toMatchObject({ status: 404 });
    expect(sim.workflowRuns()).toHaveLength(0);
  });

  it('keeps a hanging run going until cancelled; unscripted runs succeed after 30 s', async () => {
    await setup();
    sim.scripts.workflow({ repo: 'acme/api', workflow: 'build.yml', attempts: [{ hang: true }], times: 1 });
    const octokit = installationOctokit(sim, 'acme');
    const hanging = await dispatchBuild({ shipgate_run: 'hang' });
    const normal = await dispatchBuild({ shipgate_run: 'normal' });
    clock.advance(3_600_000);
    const get = async (id: number) => (await octokit.rest.actions.getWorkflowRun({ owner: 'acme', repo: 'api', run_id: id })).data;
    expect(await get(hanging)).toMatchObject({ status: 'in_progress', conclusion: null });
    expect(await get(normal)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(Date.parse((await get(normal)).updated_at) - Date.parse((await get(normal)).created_at)).toBe(30_000);

    expect((await octokit.rest.actions.cancelWorkflowRun({ owner: 'acme', repo: 'api', run_id: hanging })).status).toBe(202);
    clock.advance(2_000);
    expect(await get(hanging)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    await expect(octokit.rest.actions.cancelWorkflowRun({ owner: 'acme', repo: 'api', run_id: hanging })).rejects.toMatchObject({ status: 409 });
  });
});

async function tokenFor(octokit: ReturnType<typeof installationOctokit>): Promise<string> {
  const auth = (await octokit.auth({ type: 'installation' })) as { token: string };
  return auth.token;
}

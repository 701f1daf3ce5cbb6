/**
 * shipgate as a custom deployment protection rule (SPEC §6): GitHub Actions
 * holds a native job that targets an environment and sends
 * `deployment_protection_rule.requested`; shipgate applies the environment's
 * policy (branches, approvals, queue), reports while it waits, and answers
 * through the callback — retried on 5xx, recorded and left on a 422.
 */
import { finish } from '../helpers/harness.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';

const CONFIG = `version: 1
pipelines:
  ci:
    on:
      push: { branches: [main] }
    stages:
      test:
        jobs:
          unit: { workflow: test.yml }
environments:
  staging:
    branches: [main]
  production:
    branches: [main]
    approvals: 1
    approvers: [carol]
  review:
    approvals: 1
    approvers: [carol]
`;

/** A push pipeline whose last stage deploys to staging. */
const STAGE_CONFIG = `version: 1
pipelines:
  ci:
    on:
      push: { branches: [main] }
    stages:
      build:
        jobs:
          app: { workflow: build.yml }
      staging:
        needs: [build]
        environment: staging
        jobs:
          deploy: { workflow: deploy.yml }
environments:
  staging:
    branches: [main]
`;

/** How the job's workflow run ended (its latest attempt). */
const ended = (run: { attempts: Array<{ status: string; conclusion?: string | null }> }) => run.attempts.at(-1)?.conclusion ?? run.attempts.at(-1)?.status;

const CALLBACK = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule';

async function protectionDeployments(h: Harness) {
  return h.store.db.selectFrom('deployments').select(['id', 'environment', 'status', 'source', 'reason', 'github_deployment_id']).where('source', '=', 'protection').orderBy('id').execute();
}

async function start(target: Parameters<typeof startAcmeHarness>[0]) {
  const h = await startAcmeHarness(target, CONFIG, { setup: (sim) => sim.setPermission(ACME_API, 'carol', 'read') });
  await finish(h);
  return h;
}

describe.each(databaseTargets())('deployment protection rule on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('approves an environment shipgate does not define, saying no policy applies', async () => {
    h = await start(target);
    const { requests, run } = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'preview', workflow: 'deploy.yml' });
    await finish(h);
    expect(requests[0]?.decision).toMatchObject({ state: 'approved' });
    expect(requests[0]?.decision?.comment).toContain('shipgate defines no policy for environment preview');
    expect(ended(run)).toBe('success');
    expect(await protectionDeployments(h)).toEqual([]);
  });

  it('lets an allowed job through at once, and its run ending ends the request', async () => {
    h = await start(target);
    const { requests, run } = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml' });
    await finish(h);
    expect(requests[0]?.decision).toMatchObject({ state: 'approved' });
    expect(ended(run)).toBe('success');
    expect(await protectionDeployments(h)).toMatchObject([{ environment: 'staging', status: 'succeeded', github_deployment_id: requests[0]?.deployment.id }]);
  });

  it('finds out from GitHub when the held job\'s run ended and its webhook was lost', async () => {
    h = await start(target);
    const { requests } = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml' });
    await h.settle();
    expect(requests[0]?.decision).toMatchObject({ state: 'approved' });
    h.sim.faults.set({ webhookDropRate: 1 });
    await finish(h);
    expect(await protectionDeployments(h)).toMatchObject([{ status: 'deploying' }]);
    h.sim.faults.clear();
    await h.advance(6 * 60_000);
    await h.reconcile();
    expect(await protectionDeployments(h)).toMatchObject([{ status: 'succeeded' }]);
  });

  it('rejects a ref the environment does not allow', async () => {
    h = await start(target);
    h.sim.push({ repo: ACME_API, branch: 'feature', files: { 'x.ts': 'x\n' } });
    await finish(h);
    const { requests, run } = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml', ref: 'feature' });
    await finish(h);
    expect(requests[0]?.decision).toMatchObject({ state: 'rejected' });
    expect(requests[0]?.decision?.comment).toContain("feature may not be deployed to staging");
    expect(ended(run)).toBe('failure');
    expect(await protectionDeployments(h)).toMatchObject([{ status: 'refused', reason: expect.objectContaining({ code: 'deploy.ref-not-allowed' }) }]);
  });

  it('holds a job for approvals: a status report, the request comment on the commit, a 👍 by an approver, then approved', async () => {
    h = await start(target);
    const { requests, run } = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'production', workflow: 'deploy.yml' });
    await finish(h, 1);
    const request = requests[0];
    expect(request?.decision).toBeUndefined();
    expect(request?.comments).toHaveLength(1);
    expect(request?.comments[0]).toContain('waiting for approval to deploy to production: 0 of 1 given');
    expect(request?.comments[0]?.length).toBeLessThanOrEqual(1_024);
    const sha = request?.deployment.sha ?? '';
    const comment = h.sim.commitComments(ACME_API, sha).find((c) => c.body.includes('<!-- shipgate:approval:'));
    expect(comment?.body).toContain('0 of 1');
    h.sim.react({ repo: ACME_API, commentId: comment?.id ?? 0, content: '+1', user: 'carol' });
    await finish(h);
    expect(request?.decision).toMatchObject({ state: 'approved' });
    expect(ended(run)).toBe('success');
    expect(await protectionDeployments(h)).toMatchObject([{ environment: 'production', status: 'succeeded' }]);
    // One report while waiting, not one per poll.
    expect(request?.comments).toHaveLength(1);
  });

  it("puts the approval request on the run's pull request (pull_requests[]), where /approve answers it", async () => {
    h = await start(target);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', base: 'main', files: { 'src/a.ts': 'a\n' }, author: 'alice' });
    await finish(h);
    const { requests } = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'review', workflow: 'deploy.yml', ref: 'topic', actor: 'alice' });
    await finish(h, 1);
    const comment = h.sim.comments(ACME_API, pr.number).find((c) => c.body.includes('<!-- shipgate:approval:'));
    expect(comment?.body).toContain('0 of 1');
    // The job's actor asked for it: alice may not approve it herself; carol may.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/approve review', author: 'alice' });
    await h.settle();
    expect(requests[0]?.decision).toBeUndefined();
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/approve review', author: 'carol' });
    await finish(h);
    expect(requests[0]?.decision).toMatchObject({ state: 'approved' });
    expect(await protectionDeployments(h)).toMatchObject([{ environment: 'review', status: 'succeeded' }]);
  });

  it('queues a second job for the same environment until the first one ends', async () => {
    h = await start(target);
    const first = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml' });
    const second = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml' });
    await h.settle();
    expect(first.requests[0]?.decision).toMatchObject({ state: 'approved' });
    expect(second.requests[0]?.decision).toBeUndefined();
    expect(second.requests[0]?.comments.at(-1)).toContain("number 2 in staging's queue");
    await finish(h);
    expect(second.requests[0]?.decision).toMatchObject({ state: 'approved' });
    expect((await protectionDeployments(h)).map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('answers rejected when a push to the pull request voids a held job waiting for approvals', async () => {
    h = await start(target);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', base: 'main', files: { 'src/a.ts': 'a\n' }, author: 'alice' });
    await finish(h);
    const { requests } = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'review', workflow: 'deploy.yml', ref: 'topic', actor: 'alice' });
    await finish(h, 1);
    expect(requests[0]?.decision).toBeUndefined();
    h.sim.push({ repo: ACME_API, branch: 'topic', files: { 'src/a.ts': 'b\n' } });
    await finish(h, 2);
    expect(requests[0]?.decision).toMatchObject({ state: 'rejected' });
    expect(requests[0]?.decision?.comment).toContain('no longer count');
    expect(await protectionDeployments(h)).toMatchObject([{ environment: 'review', status: 'cancelled', reason: expect.objectContaining({ code: 'deploy.sha-changed' }) }]);
  });

  it("lets through a job of shipgate's own deployment of the commit (its workflow names the environment)", async () => {
    h = await startAcmeHarness(target, STAGE_CONFIG);
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'x\n' } });
    await h.settle();
    await h.advance(31_000);
    const own = await h.store.db.selectFrom('deployments').select(['id', 'status']).where('sha', '=', push.sha).executeTakeFirst();
    expect(own?.status).toBe('deploying');
    const attempt = await h.store.db.selectFrom('job_attempts').select(['workflow_run_id']).where('job', '=', 'deploy').executeTakeFirst();
    // Another job on the same commit (not shipgate's run) goes through the policy: it queues behind the deploy.
    const other = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml' });
    await h.settle();
    expect(other.requests[0]?.decision).toBeUndefined();
    expect(other.requests[0]?.comments.at(-1)).toContain("staging's queue");
    // shipgate's own deploy run reaching the environment is let through at once.
    const { requests } = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml', runId: attempt?.workflow_run_id ?? 0 });
    await h.settle();
    expect(requests[0]?.decision).toMatchObject({ state: 'approved' });
    expect(requests[0]?.decision?.comment).toContain(`deployment #${own?.id} of ${push.sha.slice(0, 7)} to staging is deploying this commit`);
    await finish(h);
    expect(other.requests[0]?.decision).toMatchObject({ state: 'approved' });
  });

  it('retries a callback answered 5xx; a 422 (decided already) is recorded and not retried', async () => {
    h = await start(target);
    h.sim.faults.set({ routes: [CALLBACK], failFirst: 2 });
    const first = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml' });
    await finish(h, 6);
    expect(first.requests[0]?.decision).toMatchObject({ state: 'approved' });
    expect(h.sim.requests.filter((r) => r.route === CALLBACK).map((r) => r.status)).toEqual([502, 502, 204]);

    h.sim.faults.set({ routes: [CALLBACK], failFirst: 1, failStatus: 422 });
    const second = h.sim.requestDeploymentProtection({ repo: ACME_API, environment: 'staging', workflow: 'deploy.yml' });
    await finish(h, 6);
    expect(second.requests[0]?.decision).toBeUndefined();
    expect(h.sim.requests.filter((r) => r.route === CALLBACK).map((r) => r.status)).toEqual([502, 502, 204, 422]);
    const audit = await h.store.db.selectFrom('audit_log').select(['action', 'outcome']).where('action', '=', 'protection.answer').orderBy('id').execute();
    expect(audit.map((a) => a.outcome)).toEqual(['approved', 'already-decided']);
    h.sim.faults.clear();
  });
});

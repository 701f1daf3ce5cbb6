/**
 * Deployments end to end (SPEC §6): a stage with `environment:` becomes a
 * GitHub deployment once the environment's policy and queue allow it; its
 * workflow is dispatched with the deployment's id; statuses mirror the run;
 * `shipgate/deploy/<env>` says what the request waits for, then the result.
 */
import { finish } from '../helpers/harness.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';
import { DISPATCH } from '../helpers/routes.ts';

const CONFIG = `version: 1
pipelines:
  ci:
    on:
      push: { branches: [main, 'feature/**'] }
    stages:
      build:
        jobs:
          app: { workflow: build.yml, inputs: { target: web } }
      staging:
        needs: [build]
        environment: staging
        jobs:
          deploy: { workflow: deploy.yml }
environments:
  staging:
    branches: [main]
    url: https://staging.example.com
    workflow: deploy.yml
`;

/** A PR pipeline and three environments for `/deploy`: production (auto-rollback), qa (after staging), gated (approvals). */
const COMMAND_CONFIG = `version: 1
pipelines:
  ci:
    on:
      pull_request: { branches: [main] }
      push: { branches: [main] }
    stages:
      test:
        jobs:
          unit: { workflow: test.yml }
environments:
  staging:
    workflow: deploy.yml
  production:
    branches: [main, 'topic*']
    workflow: deploy.yml
    auto-rollback: true
    url: https://app.example.com
  qa:
    after: staging
    workflow: deploy.yml
  gated:
    approvals: 2
    approvers: [alice, bob]
    workflow: deploy.yml
  soak:
    wait: 10m
    workflow: deploy.yml
`;

const appComments = (h: Harness, issue: number) => h.sim.comments(ACME_API, issue).filter((c) => c.app !== undefined);
const lastReply = (h: Harness, issue: number) => appComments(h, issue).at(-1)?.body ?? '';

const checkOf = (h: Harness, sha: string, name: string) =>
  h.sim
    .checkRuns(ACME_API)
    .filter((c) => c.headSha === sha && c.name === name)
    .at(-1);

async function deployments(h: Harness) {
  return h.store.db.selectFrom('deployments').select(['id', 'environment', 'sha', 'status', 'source', 'github_deployment_id', 'reason']).orderBy('id').execute();
}

describe.each(databaseTargets())('deployments on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('deploys a stage with environment: a GitHub deployment, the workflow dispatched with its id, statuses in_progress then success', async () => {
    h = await startAcmeHarness(target, CONFIG);
    const push = h.sim.push({ repo: ACME_API, branch: 'main', files: { 'src/app.ts': 'export const x = 1;\n' } });
    await finish(h);
    const [deployment] = await deployments(h);
    expect(deployment).toMatchObject({ environment: 'staging', sha: push.sha, status: 'succeeded', source: 'stage' });
    const [github] = h.sim.deployments(ACME_API);
    expect(github).toMatchObject({ sha: push.sha, ref: push.sha, environment: 'staging', transient: false, production: false });
    expect(github?.payload).toMatchObject({ shipgate_request_id: deployment?.id });
    expect(github?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(github?.statuses.at(-1)).toMatchObject({ environmentUrl: 'https://staging.example.com' });
    expect(github?.statuses.at(-1)?.logUrl).toMatch(/\/actions\/runs\/\d+/);
    const deployDispatch = h.sim.requests.find((r) => r.route === DISPATCH && (r.body as { inputs?: Record<string, string> } | undefined)?.inputs?.deployment_id !== undefined);
    expect((deployDispatch?.body as { inputs: Record<string, string> }).inputs).toMatchObject({ environment: 'staging', deployment_id: String(github?.id), sha: push.sha });
    expect(checkOf(h, push.sha, 'shipgate/deploy/staging')).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(checkOf(h, push.sha, 'shipgate/deploy/staging')?.output.title).toBe(`Deployed ${push.sha.slice(0, 7)} to staging`);
    expect(checkOf(h, push.sha, 'shipgate/ci')).toMatchObject({ conclusion: 'success' });
    const events = await h.store.db.selectFrom('deployment_events').select(['from_status', 'to_status']).orderBy('id').execute();
    expect(events.map((e) => `${e.from_status ?? '∅'}→${e.to_status}`)).toEqual(['∅→requested', 'requested→deploying', 'deploying→succeeded']);
  });

  it('refuses a ref outside the environment\'s branches: the stage fails without running and says why', async () => {
    h = await startAcmeHarness(target, CONFIG);
    const push = h.sim.push({ repo: ACME_API, branch: 'feature/x', files: { 'src/app.ts': 'export const x = 2;\n' } });
    await finish(h);
    const [deployment] = await deployments(h);
    expect(deployment).toMatchObject({ status: 'refused', reason: expect.objectContaining({ code: 'deploy.ref-not-allowed' }) });
    expect(h.sim.deployments(ACME_API)).toEqual([]);
    expect(h.sim.requests.filter((r) => r.route === DISPATCH).length).toBe(1);
    const check = checkOf(h, push.sha, 'shipgate/deploy/staging');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check?.output.title).toContain("feature/x may not be deployed to staging: its `branches` are 'main'");
    const pipeline = checkOf(h, push.sha, 'shipgate/ci');
    expect(pipeline).toMatchObject({ conclusion: 'failure' });
    expect(pipeline?.output.summary).toContain('may not be deployed to staging');
  });

  it('/deploy ENV on a pull request deploys its head with the environment\'s workflow once its pipelines succeeded; the roll-up ignores it', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await h.settle();
    // The PR's pipeline is still running: the request waits for it.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    let [deployment] = await deployments(h);
    expect(deployment).toMatchObject({ environment: 'production', sha: pr.headSha, status: 'waiting', source: 'command', reason: expect.objectContaining({ code: 'deploy.pipelines-running' }) });
    expect(lastReply(h, pr.number)).toContain('is waiting: waiting for the pipelines of');
    expect(checkOf(h, pr.headSha, 'shipgate/deploy/production')).toMatchObject({ status: 'queued' });
    await finish(h);
    [deployment] = await deployments(h);
    expect(deployment).toMatchObject({ status: 'succeeded' });
    const [github] = h.sim.deployments(ACME_API);
    expect(github).toMatchObject({ sha: pr.headSha, environment: 'production', production: true });
    expect(github?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    const dispatch = h.sim.requests.filter((r) => r.route === DISPATCH).map((r) => ({ workflow: r.path.split('/').at(-2), body: r.body as { ref: string; inputs: Record<string, string> } })).find((d) => d.workflow === 'deploy.yml');
    expect(dispatch?.body).toMatchObject({ ref: 'topic', inputs: { environment: 'production', deployment_id: String(github?.id), sha: pr.headSha } });
    expect(checkOf(h, pr.headSha, 'shipgate/deploy/production')).toMatchObject({ conclusion: 'success' });
    expect(checkOf(h, pr.headSha, 'shipgate')).toMatchObject({ conclusion: 'success', output: expect.objectContaining({ title: '1 pipeline succeeded' }) });
    // GitHub writes of the deployment, against the floor (create, dispatch, two statuses), and its check run.
    const writes = (route: string) => h?.sim.requests.filter((r) => r.route === route && r.status < 300).length;
    expect(writes('POST /repos/{owner}/{repo}/deployments')).toBe(1);
    expect(writes('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses')).toBe(2);
    expect(h.sim.requests.filter((r) => r.route === DISPATCH && r.path.includes('deploy.yml')).length).toBe(1);
    expect(checkOf(h, pr.headSha, 'shipgate/deploy/production')?.history.length).toBeLessThanOrEqual(4);
  });

  it('queues a second request behind the one deploying, says its place, and deploys it next', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG, { setup: (sim) => sim.scripts.workflow({ repo: ACME_API, workflow: 'deploy.yml', attempts: [{ durationMs: 60_000 }] }) });
    const first = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-a', files: { 'a.ts': 'a\n' }, author: 'alice' });
    const second = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-b', files: { 'b.ts': 'b\n' }, author: 'alice' });
    await finish(h, 2);
    h.sim.comment({ repo: ACME_API, issue: first.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    h.sim.comment({ repo: ACME_API, issue: second.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    const [a, b] = await deployments(h);
    expect(a).toMatchObject({ status: 'deploying' });
    expect(b).toMatchObject({ status: 'queued', reason: expect.objectContaining({ code: 'deploy.queued', position: 2, ahead: [a?.id] }) });
    expect(lastReply(h, second.number)).toContain(`is queued: number 2 in production's queue, behind deployment #${a?.id}`);
    expect(checkOf(h, second.headSha, 'shipgate/deploy/production')?.output.title).toContain("number 2 in production's queue");
    // The same sha asked again is the same request.
    h.sim.comment({ repo: ACME_API, issue: second.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    expect(lastReply(h, second.number)).toContain(`is already requested for this environment (deployment #${b?.id})`);
    await h.advance(61_000);
    await h.advance(61_000);
    await h.advance(61_000);
    expect((await deployments(h)).map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    expect(h.sim.deployments(ACME_API).map((d) => d.sha)).toEqual([first.headSha, second.headSha]);
  });

  it('refuses bad requests with a reply that says what to do', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await finish(h, 2);
    const cases: Array<[string, string]> = [
      ['/deploy', 'name the environment to deploy to'],
      ['/deploy nowhere', "there is no environment 'nowhere' in .github/shipgate.yml on the default branch; the environments are 'staging', 'production', 'qa', 'gated', 'soak'"],
      ['/deploy production no-such-branch', "'no-such-branch' is neither a branch of this repository nor a commit sha"],
      ['/deploy qa', 'qa deploys only commits already deployed to staging'],
      ['/deploy gated', 'waiting for approvals to deploy to gated: 0 of 2 given'],
    ];
    for (const [command, expected] of cases) {
      h.sim.comment({ repo: ACME_API, issue: pr.number, body: command, author: 'alice' });
      await h.settle();
      expect(lastReply(h, pr.number), command).toContain(expected);
    }
    // bob may only read: refused before anything is recorded.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy production', author: 'bob' });
    await h.settle();
    expect(lastReply(h, pr.number)).toContain('@bob has read access to this repository; this needs write access');
    expect(h.sim.deployments(ACME_API)).toEqual([]);
  });

  it('a lock blocks everyone but its holder; a lock taken while a request is queued keeps it waiting; /unlock by the holder lets it go', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG, {
      setup: (sim) => {
        sim.setPermission(ACME_API, 'carol', 'write');
        sim.scripts.workflow({ repo: ACME_API, workflow: 'deploy.yml', attempts: [{ durationMs: 60_000 }] });
      },
    });
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    const other = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-2', files: { 'src/b.ts': 'b\n' }, author: 'carol' });
    await finish(h, 2);
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/lock production release freeze', author: 'alice' });
    await h.settle();
    expect(lastReply(h, pr.number)).toContain('production is locked by @alice');
    h.sim.comment({ repo: ACME_API, issue: other.number, body: '/deploy production', author: 'carol' });
    await h.settle();
    expect(lastReply(h, other.number)).toMatch(/production is locked by @alice \(“release freeze”\) since 20\d\d-\d\d-\d\d \d\d:\d\d UTC; ask them to `\/unlock production`/);
    h.sim.comment({ repo: ACME_API, issue: other.number, body: '/lock production mine', author: 'carol' });
    await h.settle();
    expect(lastReply(h, other.number)).toContain('production is already locked by @alice');
    h.sim.comment({ repo: ACME_API, issue: other.number, body: '/unlock production', author: 'carol' });
    await h.settle();
    expect(lastReply(h, other.number)).toContain('production is locked by @alice; only they or an admin may unlock it');
    // The holder deploys.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    expect((await deployments(h)).at(-1)).toMatchObject({ sha: pr.headSha, status: 'deploying' });
    // Unlocked, carol's request queues behind alice's deploy; alice locks again while it waits.
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/unlock production', author: 'alice' });
    await h.settle();
    h.sim.comment({ repo: ACME_API, issue: other.number, body: '/deploy production', author: 'carol' });
    await h.settle();
    expect((await deployments(h)).at(-1)).toMatchObject({ sha: other.headSha, status: 'queued' });
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/lock production hold on', author: 'alice' });
    await h.settle();
    await h.advance(61_000);
    await h.advance(61_000);
    const waiting = (await deployments(h)).at(-1);
    expect(waiting).toMatchObject({ sha: other.headSha, status: 'waiting', reason: expect.objectContaining({ code: 'deploy.locked', holder: 'alice' }) });
    expect(checkOf(h, other.headSha, 'shipgate/deploy/production')?.output.title).toContain('production is locked by @alice');
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/unlock production', author: 'alice' });
    await h.settle();
    await h.advance(61_000);
    await h.advance(61_000);
    expect((await deployments(h)).at(-1)).toMatchObject({ sha: other.headSha, status: 'succeeded' });
  });

  it('/rollback redeploys the previous good commit with rollback_of; a failed deploy with auto-rollback rolls back by itself, once', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG, {
      setup: (sim) => {
        sim.scripts.workflow({ repo: ACME_API, workflow: 'deploy.yml', when: { ref: 'topic-bad' }, attempts: [{ conclusion: 'failure', durationMs: 10_000 }] });
      },
    });
    const one = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-1', files: { 'one.ts': '1\n' }, author: 'alice' });
    const two = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-2', files: { 'two.ts': '2\n' }, author: 'alice' });
    await finish(h, 2);
    // Nothing deployed yet: nothing to roll back to.
    h.sim.comment({ repo: ACME_API, issue: one.number, body: '/rollback production', author: 'alice' });
    await h.settle();
    expect(lastReply(h, one.number)).toContain('production has no earlier successful deployment of another commit to roll back to');
    for (const pr of [one, two]) {
      h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy production', author: 'alice' });
      await finish(h, 2);
    }
    expect((await deployments(h)).map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    h.sim.comment({ repo: ACME_API, issue: two.number, body: '/rollback production', author: 'alice' });
    await finish(h, 2);
    const rollback = (await deployments(h)).at(-1);
    expect(rollback).toMatchObject({ sha: one.headSha, source: 'rollback', status: 'succeeded' });
    const github = h.sim.deployments(ACME_API).find((d) => d.sha === one.headSha && (d.payload as { rollback_of?: unknown }).rollback_of !== null);
    expect(github?.payload).toMatchObject({ rollback_of: (await deployments(h))[1]?.id });

    // A deploy that fails rolls back to the last good commit automatically.
    const bad = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-bad', files: { 'bad.ts': 'x\n' }, author: 'alice' });
    await finish(h, 2);
    h.sim.comment({ repo: ACME_API, issue: bad.number, body: '/deploy production', author: 'alice' });
    await finish(h, 3);
    const all = await deployments(h);
    const failed = all.find((d) => d.sha === bad.headSha);
    expect(failed).toMatchObject({ status: 'rolled-back' });
    const auto = all.at(-1);
    expect(auto).toMatchObject({ source: 'auto-rollback', sha: one.headSha, status: 'succeeded' });
    expect(all.filter((d) => d.source === 'auto-rollback')).toHaveLength(1);
  });

  it('a lost answer to the deployment create is found again by its request id: one deployment, one dispatch', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await finish(h, 2);
    h.sim.faults.set({ routes: ['POST /repos/{owner}/{repo}/deployments'], loseAnswers: 1 });
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy production', author: 'alice' });
    await finish(h, 3);
    expect(h.sim.requests.filter((r) => r.route === 'POST /repos/{owner}/{repo}/deployments').map((r) => r.status)).toEqual([502]);
    expect(h.sim.deployments(ACME_API)).toHaveLength(1);
    const deployDispatches = h.sim.requests.filter((r) => r.route === DISPATCH && r.path.includes('deploy.yml'));
    expect(deployDispatches).toHaveLength(1);
    expect((await deployments(h))[0]).toMatchObject({ status: 'succeeded', github_deployment_id: h.sim.deployments(ACME_API)[0]?.id });
  });

  it('/cancel on the pull request cancels its queued deployment, and its running one (status error)', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG, { setup: (sim) => sim.scripts.workflow({ repo: ACME_API, workflow: 'deploy.yml', attempts: [{ hang: true }] }) });
    const first = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-a', files: { 'a.ts': 'a\n' }, author: 'alice' });
    const second = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-b', files: { 'b.ts': 'b\n' }, author: 'alice' });
    await finish(h, 2);
    h.sim.comment({ repo: ACME_API, issue: first.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    h.sim.comment({ repo: ACME_API, issue: second.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    expect((await deployments(h)).map((d) => d.status)).toEqual(['deploying', 'queued']);
    h.sim.comment({ repo: ACME_API, issue: second.number, body: '/cancel', author: 'alice' });
    await h.settle();
    expect((await deployments(h)).map((d) => d.status)).toEqual(['deploying', 'cancelled']);
    expect(checkOf(h, second.headSha, 'shipgate/deploy/production')).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    h.sim.comment({ repo: ACME_API, issue: first.number, body: '/cancel', author: 'alice' });
    await finish(h, 2);
    expect((await deployments(h)).map((d) => d.status)).toEqual(['cancelled', 'cancelled']);
    expect(h.sim.deployments(ACME_API)[0]?.statuses.map((s) => s.state)).toEqual(['in_progress', 'error']);
  });

  it('a deploy workflow whose dispatch GitHub answers 422 fails the request with GitHub\'s message and status failure', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await finish(h, 2);
    h.sim.faults.set({ routes: [DISPATCH], failFirst: 1, failStatus: 422 });
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy staging', author: 'alice' });
    await finish(h, 2);
    const [deployment] = await deployments(h);
    expect(deployment).toMatchObject({ status: 'failed', reason: expect.objectContaining({ code: 'deploy.job-failed' }) });
    expect(h.sim.deployments(ACME_API)[0]?.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    const check = checkOf(h, pr.headSha, 'shipgate/deploy/staging');
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const attempt = await h.store.db.selectFrom('job_attempts').select(['error']).where('workflow', '=', 'deploy.yml').executeTakeFirst();
    expect(attempt?.error).toContain('GitHub refused to start deploy.yml on topic');
    expect(attempt?.error).toContain('(HTTP 422)');
  });

  it('refuses a commit that is on no branch', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    const stray = h.sim.push({ repo: ACME_API, branch: 'stray', files: { 'x.ts': 'x\n' } });
    h.sim.push({ repo: ACME_API, branch: 'stray', delete: true });
    await finish(h, 2);
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: `/deploy production ${stray.sha}`, author: 'alice' });
    await h.settle();
    expect(lastReply(h, pr.number)).toContain(`${stray.sha.slice(0, 7)} is on no branch that may be deployed to production`);
    expect(h.sim.deployments(ACME_API)).toEqual([]);
  });

  it('ignores a pull request\'s edit of environments: its stage deploys under the default branch\'s policy', async () => {
    h = await startAcmeHarness(target, CONFIG);
    const widened = CONFIG.replace('    branches: [main]\n', "    branches: [main, 'feature/**']\n");
    expect(widened).not.toBe(CONFIG);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'feature/wider', files: { '.github/shipgate.yml': widened }, author: 'alice' });
    await finish(h);
    // The PR's push to feature/wider ran ci with the PR's pipelines and the default branch's environments.
    const refused = (await deployments(h)).filter((d) => d.sha === pr.headSha);
    expect(refused.length).toBeGreaterThan(0);
    for (const d of refused) expect(d).toMatchObject({ status: 'refused', reason: expect.objectContaining({ code: 'deploy.ref-not-allowed', patterns: ['main'] }) });
    expect(h.sim.deployments(ACME_API)).toEqual([]);
  });

  it('holds a request for the wait timer, says until when, and deploys when it ends', async () => {
    h = await startAcmeHarness(target, COMMAND_CONFIG);
    const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
    await finish(h, 2);
    h.sim.comment({ repo: ACME_API, issue: pr.number, body: '/deploy soak', author: 'alice' });
    await h.settle();
    expect((await deployments(h))[0]).toMatchObject({ status: 'waiting', reason: expect.objectContaining({ code: 'deploy.wait-timer' }) });
    expect(lastReply(h, pr.number)).toMatch(/is waiting: soak's wait timer runs until 20\d\d-\d\d-\d\d \d\d:\d\d UTC/);
    // Reconciliation (every minute) decides waiting requests again; the wake-up at the timer's end is the quick path.
    await h.advance(9 * 60_000);
    await h.reconcile();
    expect((await deployments(h))[0]).toMatchObject({ status: 'waiting' });
    expect(h.sim.deployments(ACME_API)).toEqual([]);
    await h.advance(61_000);
    await h.reconcile();
    await h.advance(31_000);
    expect((await deployments(h))[0]).toMatchObject({ status: 'succeeded' });
  });
});

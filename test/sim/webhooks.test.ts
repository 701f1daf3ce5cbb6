import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.ts';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, seedAcme, startTestSimulator, startWebhookReceiver, type ReceivedWebhook } from './helpers.ts';

let sim: GitHubSimulator;
let clock: ManualClock;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

async function setup(): Promise<void> {
  ({ sim, clock } = await startTestSimulator());
  seedAcme(sim);
  // Set after seeding: the installation.created of the seed is not part of these tests.
  receiver = await startWebhookReceiver(sim.app.webhookSecret);
  sim.setWebhookUrl(receiver.url);
}

afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    await sim.close();
    await receiver.close();
  }
});

const names = (received: ReceivedWebhook[]) => received.map((w) => `${w.event}${w.action ? `.${w.action}` : ''}`);

describe('webhooks', () => {
  it('sends installation.created when the app is installed', async () => {
    await setup();
    sim.org('globex', { members: ['wile'] });
    await sim.webhooks.drain();
    expect(receiver.received.map((w) => [w.event, w.action])).toEqual([['installation', 'created']]);
    expect(receiver.received[0]?.payload).toMatchObject({ installation: { id: sim.installation('globex'), account: { login: 'globex' }, app_id: sim.app.id } });
    const seeded = sim.webhooks.find('installation', 'created')[0];
    expect(seeded?.attempts[0]?.error).toMatch(/no webhook URL/);
  });

  it('sends push, pull_request and issue_comment events shaped like GitHub’s', async () => {
    await setup();
    sim.push({ repo: 'acme/api', branch: 'main', files: { 'src/a.ts': 'a\n', 'README.md': null }, message: 'change', author: 'alice' });
    const pr = sim.openPullRequest({ repo: 'acme/api', head: 'feature', files: { 'src/b.ts': 'b\n' }, author: 'bob', title: 'Feature' });
    const update = sim.push({ repo: 'acme/api', branch: 'feature', files: { 'src/b.ts': 'b2\n' }, author: 'bob' });
    const comment = sim.comment({ repo: 'acme/api', issue: pr.number, body: '/deploy staging', author: 'alice' });
    sim.push({ repo: 'acme/api', tag: 'v1.0.0', author: 'octocat' });
    sim.push({ repo: 'acme/api', branch: 'feature', delete: true, author: 'bob' });
    await sim.webhooks.drain();

    expect(names(receiver.received)).toEqual([
      'push',
      'push',
      'pull_request.opened',
      'push',
      'pull_request.synchronize',
      'issue_comment.created',
      'push',
      'push',
    ]);
    expect(receiver.received.every((w) => w.signatureValid)).toBe(true);
    const [mainPush, branchPush, opened, , sync, created, tagPush, deletion] = receiver.received.map((w) => w.payload);
    expect(mainPush).toMatchObject({ ref: 'refs/heads/main', created: false, deleted: false, pusher: { name: 'alice' }, sender: { login: 'alice' }, organization: { login: 'acme' } });
    expect(mainPush?.commits).toEqual([expect.objectContaining({ added: ['src/a.ts'], removed: ['README.md'], modified: [] })]);
    expect(branchPush).toMatchObject({ ref: 'refs/heads/feature', created: true, before: '0000000000000000000000000000000000000000' });
    expect(opened).toMatchObject({ action: 'opened', number: pr.number, pull_request: { head: { ref: 'feature', sha: pr.headSha }, base: { ref: 'main' } } });
    expect(sync).toMatchObject({ action: 'synchronize', before: pr.headSha, after: update.sha });
    expect(created).toMatchObject({ action: 'created', comment: { id: comment.id, body: '/deploy staging', user: { login: 'alice' } }, issue: { number: pr.number, pull_request: expect.any(Object) } });
    expect(tagPush).toMatchObject({ ref: 'refs/tags/v1.0.0', created: true, commits: [], base_ref: 'refs/heads/main' });
    expect(deletion).toMatchObject({ ref: 'refs/heads/feature', deleted: true, after: '0000000000000000000000000000000000000000', head_commit: null });
    for (const payload of receiver.received.map((w) => w.payload)) {
      expect(payload.installation).toEqual({ id: sim.installation('acme'), node_id: expect.any(String) });
      expect(payload.repository).toMatchObject({ full_name: 'acme/api' });
    }
    const sent = sim.webhooks.deliveries.filter((d) => d.event !== 'installation');
    expect(sent.map((d) => d.attempts[0]?.status)).toEqual(receiver.received.map(() => 202));
  });

  it('duplicates deliveries with the same X-GitHub-Delivery, drops and reorders deterministically', async () => {
    await setup();
    sim.faults.set({ webhookDuplicateRate: 1, seed: 7 });
    sim.comment({ repo: 'acme/api', issue: sim.openIssue({ repo: 'acme/api', title: 'x' }).number, body: '/help', author: 'alice' });
    await sim.webhooks.drain();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]?.deliveryId).toBe(receiver.received[1]?.deliveryId);
    expect(receiver.received[0]?.body).toBe(receiver.received[1]?.body);
    expect(sim.webhooks.deliveries.at(-1)?.attempts.map((a) => a.duplicate)).toEqual([false, true]);

    const order = async (seed: number): Promise<string[]> => {
      receiver.received.length = 0;
      sim.faults.set({ webhookReorder: true, seed });
      for (let i = 0; i < 6; i++) sim.push({ repo: 'acme/api', files: { [`f${i}`]: `${i}` }, message: `m${i}` });
      await sim.webhooks.drain();
      return receiver.received.map((w) => ((w.payload.head_commit as { message: string }).message));
    };
    const first = await order(42);
    const second = await order(42);
    expect(first.map((m) => m).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(second).toEqual(first);
    expect(first).not.toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);

    receiver.received.length = 0;
    sim.faults.set({ webhookDropRate: 1 });
    const dropped = sim.push({ repo: 'acme/api', files: { dropped: 'x' } }).delivery;
    await sim.webhooks.drain();
    expect(receiver.received).toHaveLength(0);
    expect(dropped?.dropped).toBe(true);

    sim.faults.clear();
    const attempt = await sim.webhooks.redeliver(dropped?.id ?? '');
    expect(attempt).toMatchObject({ status: 202, redelivery: true });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.deliveryId).toBe(dropped?.id);
    expect(receiver.received[0]?.body).toBe(dropped?.body);
  });

  it('logs the app’s status for each delivery and keeps going when the app is down', async () => {
    await setup();
    const failing = await startWebhookReceiver(sim.app.webhookSecret, 500);
    sim.setWebhookUrl(failing.url);
    sim.push({ repo: 'acme/api', files: { a: '1' } });
    await sim.webhooks.drain();
    sim.setWebhookUrl('http://127.0.0.1:9/unreachable');
    sim.push({ repo: 'acme/api', files: { a: '2' } });
    await sim.webhooks.drain();
    await failing.close();
    const [first, second] = sim.webhooks.find('push');
    expect(first?.attempts[0]?.status).toBe(500);
    expect(second?.attempts[0]?.status).toBeUndefined();
    expect(second?.attempts[0]?.error).toBeTruthy();
  });

  it('sends check_run created/completed to installed apps; a deployment protection rule goes through the callback', async () => {
    await setup();
    const octokit = installationOctokit(sim, 'acme');
    const { requests, run } = sim.requestDeploymentProtection({ repo: 'acme/api', environment: 'production', workflow: 'build.yml' });
    await sim.webhooks.drain();
    const rule = receiver.received.find((w) => w.event === 'deployment_protection_rule');
    expect(rule?.payload).toMatchObject({ action: 'requested', environment: 'production', event: 'push', deployment: { environment: 'production' } });
    const callback = String(rule?.payload.deployment_callback_url);
    expect(callback).toBe(`${sim.baseUrl}/repos/acme/api/actions/runs/${run.id}/deployment_protection_rule`);
    expect((await octokit.rest.actions.getWorkflowRun({ owner: 'acme', repo: 'api', run_id: run.id })).data.status).toBe('waiting');

    clock.advance(60_000);
    expect(sim.workflowRun(run.id)?.attempts[0]?.status).toBe('waiting');
    await octokit.request(`POST ${callback}`, { environment_name: 'production', state: 'approved', comment: 'ok by shipgate' });
    expect(requests[0]?.decision).toMatchObject({ state: 'approved', comment: 'ok by shipgate' });
    clock.advance(30_000);
    expect((await octokit.rest.actions.getWorkflowRun({ owner: 'acme', repo: 'api', run_id: run.id })).data).toMatchObject({ status: 'completed', conclusion: 'success' });
    await sim.webhooks.drain();
    const checkActions = receiver.received.filter((w) => w.event === 'check_run').map((w) => w.action);
    expect(checkActions).toEqual(['created', 'created', 'completed', 'completed']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, seedAcme, startTestSimulator, startWebhookReceiver } from './helpers.ts';

let sim: GitHubSimulator;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    while (cleanups.length) await cleanups.pop()?.();
  }
});

async function setup() {
  ({ sim } = await startTestSimulator());
  cleanups.push(() => sim.close());
  seedAcme(sim);
  const receiver = await startWebhookReceiver(sim.app.webhookSecret);
  cleanups.push(() => receiver.close());
  sim.setWebhookUrl(receiver.url);
  return { octokit: installationOctokit(sim, 'acme'), receiver, sha: sim.refSha('acme/api', 'main') ?? '' };
}

describe('check runs', () => {
  it('only the creating app may update a check run', async () => {
    const { octokit, sha } = await setup();
    const other = sim.createApp({ slug: 'other-bot' });
    sim.install('acme', other.id);
    const otherOctokit = installationOctokit(sim, 'acme', other);

    const { data: created } = await octokit.rest.checks.create({ owner: 'acme', repo: 'api', name: 'shipgate/ci', head_sha: sha, status: 'in_progress' });
    expect(created).toMatchObject({ status: 'in_progress', conclusion: null, app: { id: sim.app.id } });
    await expect(otherOctokit.rest.checks.update({ owner: 'acme', repo: 'api', check_run_id: created.id, conclusion: 'success' })).rejects.toMatchObject({ status: 403 });
    const { data: updated } = await octokit.rest.checks.update({ owner: 'acme', repo: 'api', check_run_id: created.id, conclusion: 'failure', output: { title: 'Failed', summary: 'gate coverage' } });
    expect(updated).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'Failed', summary: 'gate coverage' } });
    expect(updated.completed_at).toBeTruthy();
    // The other app can still read it.
    expect((await otherOctokit.rest.checks.get({ owner: 'acme', repo: 'api', check_run_id: created.id })).data.conclusion).toBe('failure');
  });

  it('lists check runs for a ref with check_name, stores annotations and buttons', async () => {
    const { octokit, sha, receiver } = await setup();
    const annotations = Array.from({ length: 50 }, (_, i) => ({ path: 'src/index.ts', start_line: i + 1, end_line: i + 1, annotation_level: 'warning' as const, message: `finding ${i}` }));
    const { data: check } = await octokit.rest.checks.create({
      owner: 'acme',
      repo: 'api',
      name: 'shipgate',
      head_sha: sha,
      status: 'in_progress',
      output: { title: 'Running', summary: '…', annotations },
      actions: [
        { label: 'Re-run failed', description: 'Re-run the failed jobs', identifier: 'rerun-failed' },
        { label: 'Cancel', description: 'Cancel the pipeline', identifier: 'cancel' },
      ],
    });
    await octokit.rest.checks.update({ owner: 'acme', repo: 'api', check_run_id: check.id, output: { title: 'More', summary: '…', annotations: annotations.slice(0, 5) } });
    await octokit.rest.checks.create({ owner: 'acme', repo: 'api', name: 'shipgate/ci', head_sha: sha });

    const listed = await octokit.rest.checks.listForRef({ owner: 'acme', repo: 'api', ref: 'main', check_name: 'shipgate' });
    expect(listed.data.check_runs.map((c) => c.id)).toEqual([check.id]);
    expect(listed.data.check_runs[0]?.output.annotations_count).toBe(55);
    const all = await octokit.paginate(octokit.rest.checks.listAnnotations, { owner: 'acme', repo: 'api', check_run_id: check.id, per_page: 50 });
    expect(all).toHaveLength(55);
    expect((await octokit.rest.checks.listForRef({ owner: 'acme', repo: 'api', ref: sha })).data.total_count).toBe(2);

    const tooMany = [...annotations, annotations[0]];
    await expect(octokit.rest.checks.update({ owner: 'acme', repo: 'api', check_run_id: check.id, output: { title: 't', summary: 's', annotations: tooMany as typeof annotations } })).rejects.toMatchObject({ status: 422 });
    sim.violations.length = 0; // the 51-annotation request is a schema violation, on purpose

    const stored = sim.checkRuns('acme/api').find((c) => c.id === check.id);
    expect(stored?.actions.map((a) => a.identifier)).toEqual(['rerun-failed', 'cancel']);

    receiver.received.length = 0;
    sim.clickCheckRunButton({ checkRunId: check.id, identifier: 'cancel', user: 'alice' });
    sim.rerequestCheckRun({ checkRunId: check.id, user: 'bob' });
    expect(() => sim.clickCheckRunButton({ checkRunId: check.id, identifier: 'nope', user: 'alice' })).toThrow(/no button/);
    await sim.webhooks.drain();
    expect(receiver.received.map((w) => [w.event, w.action, (w.payload.sender as { login: string }).login])).toEqual([
      ['check_run', 'requested_action', 'alice'],
      ['check_run', 'rerequested', 'bob'],
    ]);
    expect(receiver.received[0]?.payload.requested_action).toEqual({ identifier: 'cancel' });
    expect((receiver.received[0]?.payload.check_run as { id: number }).id).toBe(check.id);
  });

  it('requires a known head_sha and a conclusion when completed', async () => {
    const { octokit, sha } = await setup();
    await expect(octokit.rest.checks.create({ owner: 'acme', repo: 'api', name: 'x', head_sha: 'a'.repeat(40) })).rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.checks.create({ owner: 'acme', repo: 'api', name: 'x', head_sha: sha, status: 'completed' })).rejects.toMatchObject({ status: 422 });
    sim.violations.length = 0;
  });
});

describe('comments and reactions', () => {
  it('creates, lists, updates comments and reactions', async () => {
    const { octokit, receiver } = await setup();
    const pr = sim.openPullRequest({ repo: 'acme/api', head: 'feature', files: { 'x.txt': 'x' }, author: 'bob' });
    const user = sim.comment({ repo: 'acme/api', issue: pr.number, body: '/deploy production', author: 'bob' });
    const { data: eyes } = await octokit.rest.reactions.createForIssueComment({ owner: 'acme', repo: 'api', comment_id: user.id, content: 'eyes' });
    expect(eyes.content).toBe('eyes');
    const again = await octokit.rest.reactions.createForIssueComment({ owner: 'acme', repo: 'api', comment_id: user.id, content: 'eyes' });
    expect(again.status).toBe(200);
    const { data: rocket } = await octokit.rest.reactions.createForIssueComment({ owner: 'acme', repo: 'api', comment_id: user.id, content: 'rocket' });
    await octokit.rest.reactions.deleteForIssueComment({ owner: 'acme', repo: 'api', comment_id: user.id, reaction_id: rocket.id });
    expect(user.reactions.map((r) => r.content)).toEqual(['eyes']);

    const { data: reply } = await octokit.rest.issues.createComment({ owner: 'acme', repo: 'api', issue_number: pr.number, body: 'Approval needed from @acme/release-managers' });
    expect(reply.user?.login).toBe('shipgate[bot]');
    expect(reply.performed_via_github_app?.id).toBe(sim.app.id);
    sim.react({ repo: 'acme/api', commentId: reply.id, content: '+1', user: 'alice' });
    sim.react({ repo: 'acme/api', commentId: reply.id, content: 'rocket', user: 'bob' });
    const plusOnes = await octokit.rest.reactions.listForIssueComment({ owner: 'acme', repo: 'api', comment_id: reply.id, content: '+1' });
    expect(plusOnes.data.map((r) => r.user?.login)).toEqual(['alice']);
    expect((await octokit.rest.issues.getComment({ owner: 'acme', repo: 'api', comment_id: reply.id })).data.reactions).toMatchObject({ total_count: 2, '+1': 1, rocket: 1 });

    const { data: edited } = await octokit.rest.issues.updateComment({ owner: 'acme', repo: 'api', comment_id: reply.id, body: 'Approved' });
    expect(edited.body).toBe('Approved');
    await expect(octokit.rest.issues.updateComment({ owner: 'acme', repo: 'api', comment_id: user.id, body: 'hijack' })).rejects.toMatchObject({ status: 403 });

    const comments = await octokit.rest.issues.listComments({ owner: 'acme', repo: 'api', issue_number: pr.number });
    expect(comments.data.map((c) => c.body)).toEqual(['/deploy production', 'Approved']);
    await sim.webhooks.drain();
    expect(receiver.received.filter((w) => w.event === 'issue_comment').map((w) => w.action)).toEqual(['created', 'created', 'edited']);
  });
});

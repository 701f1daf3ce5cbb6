import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Probot, ProbotOctokit, createNodeMiddleware } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { seedAcme, startTestSimulator } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
let sim: GitHubSimulator;
afterEach(async () => {
  try {
    sim.assertNoViolations();
  } finally {
    while (cleanups.length) await cleanups.pop()?.();
  }
});

/** Probot, as shipgate runs it, pointed at the sim (what GHE_HOST/GHE_PROTOCOL do in `npm start`). */
async function startProbotApp(appFn: (app: Probot) => void): Promise<string> {
  const probot = new Probot({
    appId: sim.app.id,
    privateKey: sim.app.privateKey,
    secret: sim.app.webhookSecret,
    baseUrl: sim.baseUrl,
    logLevel: 'fatal',
    Octokit: ProbotOctokit.defaults({ throttle: { enabled: false } }),
  });
  const middleware = await createNodeMiddleware(appFn, { probot, webhooksPath: '/api/github/webhooks' });
  const server = createServer((req, res) => {
    void middleware(req, res, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
}

async function eventually(check: () => void, attempts = 100): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      check();
      return;
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('a real Probot app against the sim', () => {
  it('verifies the sim’s webhooks, authenticates as the installation, and drives a run to a check run', async () => {
    const started = await startTestSimulator();
    sim = started.sim;
    cleanups.push(() => sim.close());
    seedAcme(sim);
    const url = await startProbotApp((app) => {
      app.on('issue_comment.created', async (context) => {
        if (context.payload.comment.user?.type === 'Bot') return;
        await context.octokit.rest.reactions.createForIssueComment(context.repo({ comment_id: context.payload.comment.id, content: 'eyes' }));
        await context.octokit.rest.actions.createWorkflowDispatch(
          context.repo({ workflow_id: 'build.yml', ref: 'main', inputs: { shipgate_run: `sg-${context.payload.comment.id}` } }),
        );
      });
      app.on('workflow_run.completed', async (context) => {
        const run = context.payload.workflow_run;
        const { owner, repo } = context.repo();
        await context.octokit.rest.checks.create({
          owner,
          repo,
          name: 'shipgate/ci',
          head_sha: run.head_sha,
          conclusion: run.conclusion === 'success' ? 'success' : 'failure',
          output: { title: run.display_title ?? '', summary: 'done' },
        });
      });
    });
    sim.setWebhookUrl(url);
    const issue = sim.openIssue({ repo: 'acme/api', title: 'Deploy please' });
    const comment = sim.comment({ repo: 'acme/api', issue: issue.number, body: '/run ci', author: 'alice' });
    await sim.webhooks.drain();
    await eventually(() => expect(sim.dispatches()).toHaveLength(1));
    expect(comment.reactions.map((r) => [r.content, r.user.login])).toEqual([['eyes', 'shipgate[bot]']]);
    expect(sim.dispatches()[0]).toMatchObject({ workflow: 'build.yml', ref: 'main', inputs: { shipgate_run: `sg-${comment.id}` }, status: 204 });

    started.clock.advance(30_000);
    await sim.webhooks.drain();
    await eventually(() => expect(sim.checkRuns('acme/api').filter((c) => c.name === 'shipgate/ci')).toHaveLength(1));
    const check = sim.checkRuns('acme/api').find((c) => c.name === 'shipgate/ci');
    expect(check).toMatchObject({ conclusion: 'success', output: { title: `sg-${comment.id}` } });
    const sent = sim.webhooks.deliveries.filter((d) => d.event !== 'installation');
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.every((d) => d.attempts.every((a) => a.status === 200))).toBe(true);

    const installationId = sim.installation('acme');
    expect(sim.countRequests({ installationId, writesOnly: true })).toBe(3);
    expect(sim.requestsTo('POST', '/repos/{owner}/{repo}/check-runs')).toHaveLength(1);
    expect(sim.requestsTo('POST', '/app/installations/{installation_id}/access_tokens').length).toBeGreaterThanOrEqual(1);
  });
});

/**
 * The world of the approvals end-to-end tests: `acme/api` with a PR pipeline
 * and a `production` environment needing 2 of `@acme/release` (erin is its
 * active member), carol, dave and alice; alice opens a pull request and asks
 * `/deploy production`. Readers of what people and the store then see.
 */
import { finish } from './harness.ts';
import { ACME_API, startAcmeHarness } from './acme-harness.ts';
import type { DatabaseTarget } from './databases.ts';
import type { Harness } from './harness.ts';

/** The hidden marker of shipgate's approval request comment. */
export const APPROVAL_MARKER = '<!-- shipgate:approval:';

/** The config; `wait: false` leaves the wait timer out (the deploy starts at the last approval). */
export function approvalsConfig(options: { wait?: boolean } = {}): string {
  return `version: 1
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
  production:
    approvals: 2
    approvers: ['@acme/release', carol, dave, alice]
${options.wait === false ? '' : '    wait: 10m\n'}    approval-timeout: 24h
    workflow: deploy.yml
`;
}

export const appComments = (h: Harness, issue: number) => h.sim.comments(ACME_API, issue).filter((c) => c.app !== undefined);
export const requestComment = (h: Harness, issue: number) => appComments(h, issue).find((c) => c.body.includes(APPROVAL_MARKER));
export const replies = (h: Harness, issue: number) => appComments(h, issue).filter((c) => !c.body.includes(APPROVAL_MARKER)).map((c) => c.body);
export const lastReply = (h: Harness, issue: number) => replies(h, issue).at(-1) ?? '';
export const checkOf = (h: Harness, sha: string, name = 'shipgate/deploy/production') =>
  h.sim
    .checkRuns(ACME_API)
    .filter((c) => c.headSha === sha && c.name === name)
    .at(-1);

export async function latestDeployment(h: Harness) {
  return h.store.db.selectFrom('deployments').select(['id', 'status', 'reason', 'sha']).orderBy('id', 'desc').executeTakeFirst();
}
export async function approvalRows(h: Harness) {
  return h.store.db.selectFrom('approvals').select(['approver', 'via', 'sha']).orderBy('id').execute();
}
export function say(h: Harness, issue: number, author: string, body: string) {
  h.sim.comment({ repo: ACME_API, issue, body, author });
  return h.settle();
}

/** The app with the world above, a pull request whose pipeline finished, and alice's `/deploy production` (its request comment written). */
export async function startWithRequest(target: DatabaseTarget, options: { wait?: boolean } = {}) {
  const h = await startAcmeHarness(target, approvalsConfig(options), {
    setup: (sim) => {
      for (const user of ['carol', 'dave', 'erin', 'frank', 'gina']) sim.setPermission(ACME_API, user, 'read');
      sim.addTeamMember('acme', 'release', 'erin');
    },
  });
  const pr = h.sim.openPullRequest({ repo: ACME_API, head: 'topic', files: { 'src/app.ts': 'export const x = 1;\n' }, author: 'alice' });
  await finish(h);
  await say(h, pr.number, 'alice', '/deploy production');
  const request = requestComment(h, pr.number);
  if (!request) throw new Error('no approval request comment was written');
  return { h, pr, request };
}

export { finish };

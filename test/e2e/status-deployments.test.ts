/**
 * `/status` with deployments (SPEC §7): besides the runs, the reply shows the
 * gates of each pipeline, the head commit's deployment requests (environment,
 * request id, status and why, GitHub deployment id), and the queue and lock
 * of their environments.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import type { Harness } from '../helpers/harness.ts';
import { ACME_API, startAcmeHarness } from '../helpers/acme-harness.ts';

const CONFIG = `version: 1
pipelines:
  ci:
    on:
      pull_request: { branches: [main] }
    stages:
      test:
        jobs:
          unit: { workflow: test.yml }
    gates:
      - { name: duration, type: duration, max: 30m }
environments:
  production:
    workflow: deploy.yml
  staging:
    workflow: deploy.yml
`;

const statusComment = (h: Harness, issue: number) => h.sim.comments(ACME_API, issue).find((c) => c.app !== undefined && c.body.includes(`<!-- shipgate:status:${issue} -->`))?.body ?? '';

async function deployments(h: Harness) {
  return h.store.db.selectFrom('deployments').select(['id', 'sha', 'status', 'github_deployment_id']).orderBy('id').execute();
}

describe.each(databaseTargets())('/status with deployments on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("shows the head commit's gates and deployments, and the queue and lock of their environments", async () => {
    h = await startAcmeHarness(target, CONFIG, {
      setup: (sim) => {
        sim.setPermission(ACME_API, 'carol', 'write');
        sim.scripts.workflow({ repo: ACME_API, workflow: 'deploy.yml', attempts: [{ hang: true }] });
      },
    });
    const first = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-a', files: { 'a.ts': 'a\n' }, author: 'alice' });
    const second = h.sim.openPullRequest({ repo: ACME_API, head: 'topic-b', files: { 'b.ts': 'b\n' }, author: 'carol' });
    await h.settle();
    for (let i = 0; i < 2; i++) await h.advance(31_000);

    // Nothing deployed yet: the reply has no deployment part.
    h.sim.comment({ repo: ACME_API, issue: second.number, body: '/status', author: 'bob' });
    await h.settle();
    const before = statusComment(h, second.number);
    expect(before).toMatch(/\*\*ci\*\* — run #\d+ \(pull_request\): ✅ success/);
    expect(before).toContain('- gates: duration ✅ pass');
    expect(before).not.toContain('Deployments of');
    expect(before).not.toContain('Queues and locks');

    h.sim.comment({ repo: ACME_API, issue: first.number, body: '/deploy production', author: 'alice' });
    await h.settle();
    h.sim.comment({ repo: ACME_API, issue: second.number, body: '/deploy production', author: 'carol' });
    await h.settle();
    h.sim.comment({ repo: ACME_API, issue: second.number, body: '/lock production release freeze', author: 'alice' });
    await h.settle();
    const [deploying, waiting] = await deployments(h);
    expect(deploying).toMatchObject({ sha: first.headSha, status: 'deploying', github_deployment_id: expect.any(Number) });
    expect(waiting).toMatchObject({ sha: second.headSha, status: 'waiting' });

    h.sim.comment({ repo: ACME_API, issue: second.number, body: '/status', author: 'bob' });
    await h.settle();
    const body = statusComment(h, second.number);
    const short = second.headSha.slice(0, 7);
    expect(body).toContain(`#### Deployments of \`${short}\``);
    expect(body).toMatch(new RegExp(`- \\*\\*production\\*\\* — request #${waiting?.id} \\(\`/deploy\` by @carol\\): ⏳ waiting: production is locked by @alice \\(“release freeze”\\) since 20\\d\\d-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC; .* · no GitHub deployment yet`));
    expect(body).toContain('**production**\n- 🔒 locked by @alice (“release freeze”) since');
    expect(body).toContain(`  1. #${deploying?.id} \`${first.headSha.slice(0, 7)}\` by @alice — deploying\n  2. #${waiting?.id} \`${short}\` by @carol — waiting ← this commit`);
    // staging concerns neither this commit nor a lock of this pull request.
    expect(body).not.toContain('**staging**');

    h.sim.comment({ repo: ACME_API, issue: first.number, body: '/status', author: 'bob' });
    await h.settle();
    const other = statusComment(h, first.number);
    expect(other).toContain(`- **production** — request #${deploying?.id} (\`/deploy\` by @alice): 🔄 deploying · GitHub deployment ${deploying?.github_deployment_id}`);
    expect(other).toContain(`  1. #${deploying?.id} \`${first.headSha.slice(0, 7)}\` by @alice — deploying ← this commit`);
    expect(other).toContain('- 🔒 locked by @alice');
  });
});

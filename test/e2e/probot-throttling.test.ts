import { afterEach, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { SINGLE_STAGE_CONFIG, standardWorkflows } from '../helpers/repo-fixtures.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// shipgate paces writes itself (request-policy.ts). Probot hands every client its own `throttle`
// options; once they replaced shipgate's `{ enabled: false }` and plugin-throttling paced every
// write and GraphQL query of an installation at one per second of wall time, on top of that.
it("sends an installation's writes as shipgate's own pacing says, never one per second behind Probot's throttling", async () => {
  const [pglite] = databaseTargets();
  h = await startHarness(pglite as NonNullable<typeof pglite>, {
    setup: (sim) => {
      sim.org('acme', { members: ['alice'] });
      sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': SINGLE_STAGE_CONFIG, ...standardWorkflows() } });
    },
  });
  const octokit = await h.app.engine.github(h.sim.installation('acme'));
  const sha = h.sim.refSha('acme/api', 'main') ?? '';
  const started = Date.now();
  // The harness sets writeIntervalMs to 0: five writes at once go out at once.
  await Promise.all(
    [1, 2, 3, 4, 5].map((i) => octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'acme', repo: 'api', name: `check ${i}`, head_sha: sha })),
  );
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(h.sim.requestsTo('POST', '/repos/{owner}/{repo}/check-runs')).toHaveLength(5);
});

import { afterEach, describe, expect, it } from 'vitest';
import { requestsOfInstallation } from '../../bench/request-counts.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { DAG_CONFIG, standardWorkflows } from '../helpers/repo-fixtures.ts';

const REPO = 'acme/api';
/** SPEC §11: jobs + stages + 4 for the DAG fixture (4 jobs, 4 stages). */
const TARGET = 4 + 4 + 4;
const GRAPHQL = 'POST /graphql';
const CONTENTS = 'GET /repos/{owner}/{repo}/contents/{path}';

/** Pushes to main and lets every run of the DAG finish; returns the installation's requests for that run. */
async function runDag(h: Harness, installationId: number, content: string) {
  const before = h.sim.requests.length;
  h.sim.push({ repo: REPO, branch: 'main', files: { 'src/app.ts': content }, author: 'alice' });
  await h.settle();
  for (let i = 0; i < 8; i++) await h.advance(31_000);
  return requestsOfInstallation(h.sim.requests.slice(before), installationId);
}

describe.each(databaseTargets())('GitHub requests per DAG run on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('stays within jobs + stages + 4 on the first run of a repository and on the next', async () => {
    h = await startHarness(target, {
      setup: (sim) => {
        sim.org('acme', { members: ['alice'] });
        sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': DAG_CONFIG, ...standardWorkflows() } });
      },
    });
    const installationId = h.sim.installation('acme');
    const cold = await runDag(h, installationId, 'export const a = 1;\n');
    const warm = await runDag(h, installationId, 'export const a = 2;\n');
    if (process.env['SHIPGATE_PRINT_COUNTS']) console.log(JSON.stringify({ cold, warm }, null, 2));
    // One GraphQL query per commit replaces the config, listing and workflow-file requests.
    expect(cold.byRoute).toMatchObject({ [GRAPHQL]: 1 });
    expect(cold.byRoute[CONTENTS]).toBeUndefined();
    expect(h.sim.dispatches().filter((d) => d.status < 300)).toHaveLength(8);
    expect(cold.total).toBeLessThanOrEqual(TARGET);
    expect(warm.total).toBeLessThanOrEqual(TARGET);
    h.sim.assertNoViolations();
  }, 120_000);

  it('reads over REST from a GitHub Enterprise Server without a GraphQL field, and asks its GraphQL only once', async () => {
    h = await startHarness(target, {
      setup: (sim) => {
        sim.org('acme', { members: ['alice'] });
        sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': DAG_CONFIG, ...standardWorkflows() } });
        sim.options.graphqlMissingFields = ['Blob.isTruncated'];
      },
    });
    const installationId = h.sim.installation('acme');
    const first = await runDag(h, installationId, 'export const a = 1;\n');
    const second = await runDag(h, installationId, 'export const a = 2;\n');
    expect(first.byRoute).toMatchObject({ [GRAPHQL]: 1, [CONTENTS]: 6 });
    expect(second.byRoute[GRAPHQL]).toBeUndefined();
    expect(second.byRoute[CONTENTS]).toBe(2);
    expect(h.sim.dispatches().filter((d) => d.status < 300)).toHaveLength(8);
    h.sim.assertNoViolations();
  }, 120_000);
});

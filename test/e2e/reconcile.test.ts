import { afterEach, describe, expect, it } from 'vitest';
import { toJsonb } from '../../src/store/json.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { SINGLE_STAGE_CONFIG, standardWorkflows } from '../helpers/repo-fixtures.ts';
import { DISPATCH } from '../helpers/routes.ts';

const REPO = 'acme/api';
const QUEUED_CONFIG = SINGLE_STAGE_CONFIG.replace('    stages:', '    concurrency: queue\n    stages:');

async function harnessWith(target: Parameters<typeof startHarness>[0], config: string): Promise<Harness> {
  return startHarness(target, {
    setup: (sim) => {
      sim.org('acme', { members: ['alice'] });
      sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': config, ...standardWorkflows() } });
      sim.scripts.workflow({ repo: REPO, workflow: 'build.yml', attempts: [{ hang: true }, { durationMs: 30_000 }] });
    },
  });
}

describe.each(databaseTargets())('reconciliation on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('goes on past a run that cannot be advanced, and advances the rest', async () => {
    h = await harnessWith(target, SINGLE_STAGE_CONFIG);
    h.sim.push({ repo: REPO, branch: 'main', files: { 'a.txt': '1\n' }, author: 'alice' });
    await h.settle();
    h.sim.push({ repo: REPO, branch: 'main', files: { 'b.txt': '2\n' }, author: 'alice' });
    await h.settle();
    const [poison, good] = await h.store.db.selectFrom('pipeline_runs').select('id').orderBy('id').execute();
    // The oldest due run is broken (its plan is gone), so it comes first in every pass.
    await h.store.db.updateTable('pipeline_runs').set({ plan: toJsonb({}), advance_due_at: new Date(h.clock.now()) }).where('id', '=', poison?.id ?? 0).execute();
    // The newer one's job is past its deadline.
    await h.store.db.updateTable('job_attempts').set({ deadline_at: new Date(h.clock.now() - 1) }).where('pipeline_run_id', '=', good?.id ?? 0).execute();
    const report = await h.reconcile();
    expect(report.failed).toBe(1);
    const runs = await h.store.db.selectFrom('pipeline_runs').select(['id', 'status', 'conclusion']).orderBy('id').execute();
    expect(runs).toEqual([
      { id: poison?.id, status: 'in_progress', conclusion: null },
      { id: good?.id, status: 'completed', conclusion: 'timed_out' },
    ]);
    h.sim.assertNoViolations();
  });

  it('releases a queued run whose release was lost when the run ahead of it ended', async () => {
    h = await harnessWith(target, QUEUED_CONFIG);
    h.sim.push({ repo: REPO, branch: 'main', files: { 'a.txt': '1\n' }, author: 'alice' });
    await h.settle();
    h.sim.push({ repo: REPO, branch: 'main', files: { 'b.txt': '2\n' }, author: 'alice' });
    await h.settle();
    const [first, second] = await h.store.db.selectFrom('pipeline_runs').selectAll().orderBy('id').execute();
    expect(second).toMatchObject({ status: 'queued', waiting_reason: { code: 'wait.concurrency-queue', behind: first?.id } });
    expect(h.sim.requests.filter((r) => r.route === DISPATCH && r.status < 300)).toHaveLength(1);
    // The first run's end committed and the process died before it released the next one.
    await h.store.db
      .updateTable('pipeline_runs')
      .set({ status: 'completed', conclusion: 'cancelled', completed_at: new Date(h.clock.now()), advance_due_at: null })
      .where('id', '=', first?.id ?? 0)
      .execute();
    const report = await h.reconcile();
    expect(report.released).toBe(1);
    expect(h.sim.requests.filter((r) => r.route === DISPATCH && r.status < 300)).toHaveLength(2);
    const after = await h.store.db.selectFrom('pipeline_runs').selectAll().where('id', '=', second?.id ?? 0).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: 'in_progress', waiting_reason: null });
    h.sim.assertNoViolations();
  });
});

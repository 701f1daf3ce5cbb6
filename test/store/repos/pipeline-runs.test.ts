import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { recordDelivery } from '../../../src/store/repos/deliveries.ts';
import {
  createPipelineRun,
  findActivePipelineRuns,
  findPipelineRunsByPullRequest,
  findPipelineRunsBySha,
  getPipelineRun,
  lockPipelineRun,
  updatePipelineRun,
} from '../../../src/store/repos/pipeline-runs.ts';
import { withTransaction } from '../../../src/store/db.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { AT, BIG_ID, pipelineRunInput } from '../fixtures.ts';

/** `updatePipelineRun`, stamped with the tests' fixed time. */
const update = (db: Parameters<typeof updatePipelineRun>[0], id: number, changes: Parameters<typeof updatePipelineRun>[2], options: Omit<Parameters<typeof updatePipelineRun>[3], 'now'> = {}) =>
  updatePipelineRun(db, id, changes, { ...options, now: AT });

describe.each(databaseTargets())('pipeline runs on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
    await recordDelivery(store.db, { id: 'push-1', event: 'push', payload: {} });
  });
  afterEach(async () => {
    await store.close();
  });

  it('creates a run, with big ids and the plan intact', async () => {
    const plan = { pipeline: { stages: { build: { jobs: { app: { workflow: 'build.yml' } } } } }, context: { pr: null } };
    const { pipelineRun, created } = await createPipelineRun(
      store.db,
      pipelineRunInput({ delivery_id: 'push-1', plan, actor: 'octocat' }),
    );
    expect(created).toBe(true);
    expect(pipelineRun).toMatchObject({
      id: expect.any(Number),
      installation_id: BIG_ID,
      delivery_id: 'push-1',
      status: 'queued',
      conclusion: null,
      plan,
      actor: 'octocat',
    });
    expect(pipelineRun.created_at).toBeInstanceOf(Date);
    expect(await getPipelineRun(store.db, pipelineRun.id)).toEqual(pipelineRun);
  });

  it('makes one run per delivery and pipeline, however often the event comes', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () => createPipelineRun(store.db, pipelineRunInput({ delivery_id: 'push-1' }))),
    );
    expect(attempts.filter((attempt) => attempt.created)).toHaveLength(1);
    expect(new Set(attempts.map((attempt) => attempt.pipelineRun.id)).size).toBe(1);

    const other = await createPipelineRun(store.db, pipelineRunInput({ delivery_id: 'push-1', pipeline: 'deploy' }));
    expect(other.created).toBe(true);
    // Runs without a delivery (simulator, tests) are never merged.
    const [a, b] = await Promise.all([
      createPipelineRun(store.db, pipelineRunInput()),
      createPipelineRun(store.db, pipelineRunInput()),
    ]);
    expect(a.pipelineRun.id).not.toBe(b.pipelineRun.id);
  });

  it('updates only from the statuses allowed', async () => {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput());
    const started = await update(
      store.db,
      pipelineRun.id,
      { status: 'in_progress', check_run_id: BIG_ID, started_at: new Date('2026-01-01T00:00:00Z') },
      { onlyIf: { status: ['queued'] } },
    );
    expect(started).toMatchObject({ status: 'in_progress', check_run_id: BIG_ID });
    expect(await update(store.db, pipelineRun.id, { status: 'in_progress' }, { onlyIf: { status: ['queued'] } })).toBeUndefined();

    const done = await updatePipelineRun(
      store.db,
      pipelineRun.id,
      { status: 'completed', conclusion: 'success', completed_at: new Date('2026-01-01T00:05:00Z') },
      { now: new Date('2026-01-01T00:05:00Z') },
    );
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success', updated_at: new Date('2026-01-01T00:05:00Z') });
  });

  it('refuses a completed run without a conclusion, and a conclusion on an open run', async () => {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput());
    await expect(update(store.db, pipelineRun.id, { status: 'completed' })).rejects.toThrow(
      /pipeline_runs_completed_check/,
    );
    await expect(update(store.db, pipelineRun.id, { conclusion: 'failure' })).rejects.toThrow(
      /pipeline_runs_completed_check/,
    );
  });

  it('finds runs by sha, pull request and concurrency key', async () => {
    const sha = 'b'.repeat(40);
    const pr = { trigger: 'pull_request', pr_number: 7, sha, concurrency_key: 'ci:pr-7' } as const;
    const first = (await createPipelineRun(store.db, pipelineRunInput(pr))).pipelineRun;
    const second = (await createPipelineRun(store.db, pipelineRunInput({ ...pr, pipeline: 'lint' }))).pipelineRun;
    await createPipelineRun(store.db, pipelineRunInput());
    await update(store.db, second.id, { status: 'completed', conclusion: 'cancelled' });

    expect((await findPipelineRunsBySha(store.db, { owner: 'acme', repo: 'app', sha })).map((r) => r.id)).toEqual([
      first.id,
      second.id,
    ]);
    expect(
      (await findPipelineRunsByPullRequest(store.db, { owner: 'acme', repo: 'app', pr_number: 7 })).map((r) => r.id),
    ).toEqual([second.id, first.id]);
    expect((await findActivePipelineRuns(store.db, 'ci:pr-7')).map((r) => r.id)).toEqual([first.id]);
  });

  it('locks a run for the rest of a transaction', async () => {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput());
    const locked = await withTransaction(store.db, (trx) => lockPipelineRun(trx, pipelineRun.id));
    expect(locked?.id).toBe(pipelineRun.id);
  });
});

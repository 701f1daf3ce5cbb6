import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { findCheckRunById, getCheckRun, upsertCheckRun } from '../../../src/store/repos/check-runs.ts';
import { createPipelineRun } from '../../../src/store/repos/pipeline-runs.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { AT, BIG_ID, pipelineRunInput } from '../fixtures.ts';

const key = { owner: 'acme', repo: 'app', head_sha: 'c'.repeat(40), name: 'shipgate/ci' };

describe.each(databaseTargets())('check runs on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps one row per check name on a commit, with what was last written', async () => {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput());
    const written = { status: 'in_progress', output: { title: 'build running', summary: '| stage |' } };
    const first = await upsertCheckRun(store.db, {
      ...key,
      check_run_id: BIG_ID,
      pipeline_run_id: pipelineRun.id,
      last_written: written, now: AT });
    expect(first).toMatchObject({ ...key, check_run_id: BIG_ID, pipeline_run_id: pipelineRun.id, last_written: written });

    const done = { status: 'completed', conclusion: 'success' };
    const second = await upsertCheckRun(store.db, { ...key, check_run_id: BIG_ID, last_written: done, now: AT });
    expect(second).toMatchObject({ check_run_id: BIG_ID, pipeline_run_id: pipelineRun.id, last_written: done });

    // A re-run writes a new check run under the same name.
    await upsertCheckRun(store.db, { ...key, check_run_id: BIG_ID + 1, last_written: written, now: AT });
    expect((await getCheckRun(store.db, key))?.check_run_id).toBe(BIG_ID + 1);
    expect(await findCheckRunById(store.db, BIG_ID)).toBeUndefined();
    expect((await findCheckRunById(store.db, BIG_ID + 1))?.name).toBe('shipgate/ci');
    expect(await store.db.selectFrom('check_runs').select('name').execute()).toHaveLength(1);
  });
});

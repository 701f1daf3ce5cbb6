import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { createPipelineRun } from '../../../src/store/repos/pipeline-runs.ts';
import { createStageRuns, getStageRun, listStageRuns, updateStageRun } from '../../../src/store/repos/stage-runs.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { pipelineRunInput } from '../fixtures.ts';

describe.each(databaseTargets())('stage runs on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('creates each stage of a run once', async () => {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput());
    const stages = await createStageRuns(store.db, pipelineRun.id, ['build', 'test']);
    expect(stages.map((s) => [s.stage, s.status])).toEqual([
      ['build', 'pending'],
      ['test', 'pending'],
    ]);
    const again = await createStageRuns(store.db, pipelineRun.id, ['build', 'test', 'deploy']);
    expect(again.map((s) => s.stage)).toEqual(['build', 'test', 'deploy']);
    expect(again.slice(0, 2).map((s) => s.id)).toEqual(stages.map((s) => s.id));
    await expect(
      store.db.insertInto('stage_runs').values({ pipeline_run_id: pipelineRun.id, stage: 'build' }).execute(),
    ).rejects.toThrow(/stage_runs_pipeline_run_stage_key/);
  });

  it('moves a stage forward only from the statuses allowed', async () => {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput());
    const [build] = await createStageRuns(store.db, pipelineRun.id, ['build']);
    const id = build!.id;
    expect(await updateStageRun(store.db, id, { status: 'running', started_at: new Date() }, { onlyIf: { status: ['pending'] } })).toMatchObject({ status: 'running' });
    expect(await updateStageRun(store.db, id, { status: 'skipped' }, { onlyIf: { status: ['pending'] } })).toBeUndefined();
    await updateStageRun(store.db, id, { status: 'completed', conclusion: 'failure', reason: 'job app failed' });
    expect(await getStageRun(store.db, id)).toMatchObject({ status: 'completed', conclusion: 'failure', reason: 'job app failed' });
    expect(await listStageRuns(store.db, pipelineRun.id)).toHaveLength(1);
  });
});

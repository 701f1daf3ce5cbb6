import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { createPipelineRun } from '../../../src/store/repos/pipeline-runs.ts';
import { listGateResults, overrideGateResult, upsertGateResult } from '../../../src/store/repos/gate-results.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { pipelineRunInput } from '../fixtures.ts';

describe.each(databaseTargets())('gate results on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps one result per gate of a run, and an override on top of it', async () => {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput());
    const gate = { pipeline_run_id: pipelineRun.id, gate: 'coverage', type: 'coverage' };
    await upsertGateResult(store.db, { ...gate, status: 'pending' });
    const failed = await upsertGateResult(store.db, {
      ...gate,
      status: 'completed',
      conclusion: 'failed',
      summary: 'coverage 78.2% < 80%',
      details: { lines: 78.2, min: 80 },
      evaluated_at: new Date('2026-01-01T00:00:00Z'),
    });
    expect(failed).toMatchObject({ conclusion: 'failed', details: { lines: 78.2, min: 80 }, overridden_by: null });

    const overridden = await overrideGateResult(store.db, {
      pipeline_run_id: pipelineRun.id,
      gate: 'coverage',
      by: 'octocat',
      reason: 'generated code',
    });
    expect(overridden).toMatchObject({ conclusion: 'failed', overridden_by: 'octocat', override_reason: 'generated code' });
    expect(overridden?.overridden_at).toBeInstanceOf(Date);
    expect(
      await overrideGateResult(store.db, { pipeline_run_id: pipelineRun.id, gate: 'nope', by: 'x', reason: 'y' }),
    ).toBeUndefined();

    // Re-evaluation replaces the result but keeps the override.
    await upsertGateResult(store.db, { ...gate, status: 'completed', conclusion: 'passed', summary: 'coverage 81%' });
    const results = await listGateResults(store.db, pipelineRun.id);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ conclusion: 'passed', overridden_by: 'octocat' });
  });
});

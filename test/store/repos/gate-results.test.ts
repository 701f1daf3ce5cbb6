import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { createPipelineRun } from '../../../src/store/repos/pipeline-runs.ts';
import { completeGate, createPendingGate, latestGateResults, listGateResults, previousGateResult } from '../../../src/store/repos/gate-results.ts';
import { overridesFor, recordGateOverride } from '../../../src/store/repos/gate-overrides.ts';
import { baselineAt, latestBaselines, recordBaseline } from '../../../src/store/repos/gate-baselines.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { pipelineRunInput } from '../fixtures.ts';

const now = new Date('2026-12-01T12:00:00Z');
const verdict = (result: 'pass' | 'fail', data = {}) => ({
  result,
  measured: '81%',
  threshold: '≥ 80%',
  baseline: null,
  reason: { code: 'coverage.min' },
  detail: 'line coverage 81%',
  findings: [],
  data,
  untrusted_producer: false,
  now,
});

describe.each(databaseTargets())('gate results on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('records one evaluation per gate and attempt, completed once', async () => {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput());
    const pending = { pipeline_run_id: pipelineRun.id, gate: 'coverage', type: 'coverage', stage: 'test', job: 'unit', job_attempt_id: null, workflow_run_id: 7, artifact: 'coverage', run_url: null, now };
    const first = await createPendingGate(store.db, { ...pending, attempt: 1 });
    expect(first.created).toBe(true);
    expect((await createPendingGate(store.db, { ...pending, attempt: 1 })).created).toBe(false);
    expect(await completeGate(store.db, first.row.id, verdict('fail', { failedTests: ['a'] }))).toMatchObject({ status: 'completed', result: 'fail' });
    // A second completion (another replica, a retried effect) changes nothing.
    expect(await completeGate(store.db, first.row.id, verdict('pass'))).toBeUndefined();
    const second = await createPendingGate(store.db, { ...pending, attempt: 2 });
    expect(second.created).toBe(true);
    const rows = await listGateResults(store.db, pipelineRun.id);
    expect(rows.map((r) => [r.attempt, r.status, r.result])).toEqual([
      [1, 'completed', 'fail'],
      [2, 'pending', null],
    ]);
    expect(latestGateResults(rows).get('coverage')?.attempt).toBe(2);
    expect((await previousGateResult(store.db, second.row))?.data).toEqual({ failedTests: ['a'] });
  });

  it('keeps an override per commit and gate, the latest word winning', async () => {
    const scope = { owner: 'acme', repo: 'api', sha: 'a'.repeat(40), pipeline: 'ci' };
    await recordGateOverride(store.db, { ...scope, gate: 'coverage', actor: 'octocat', reason: 'generated code', now });
    await recordGateOverride(store.db, { ...scope, gate: 'coverage', actor: 'hubot', reason: 'vendored', now });
    const overrides = await overridesFor(store.db, scope);
    expect([...overrides.values()].map((o) => [o.gate, o.actor, o.reason])).toEqual([['coverage', 'hubot', 'vendored']]);
    expect((await overridesFor(store.db, { ...scope, sha: 'b'.repeat(40) })).size).toBe(0);
  });

  it('chooses baselines by commit date, at or before a limit', async () => {
    const scope = { owner: 'acme', repo: 'api', pipeline: 'ci', gate: 'bench' };
    for (const [i, sha] of ['1', '2', '3'].entries()) {
      await recordBaseline(store.db, { ...scope, type: 'benchmark', sha: sha.repeat(40), branch: 'main', committedAt: new Date(Date.UTC(2026, 10, 1 + i)), pipelineRunId: 1, data: { benchmarks: { parse: i } }, now });
    }
    // The same commit again keeps the first measurement.
    await recordBaseline(store.db, { ...scope, type: 'benchmark', sha: '1'.repeat(40), branch: 'main', committedAt: new Date(Date.UTC(2026, 10, 1)), pipelineRunId: 2, data: { benchmarks: { parse: 99 } }, now });
    const upTo2 = await latestBaselines(store.db, scope, { notAfter: new Date(Date.UTC(2026, 10, 2)), limit: 5 });
    expect(upTo2.map((b) => b.sha[0])).toEqual(['2', '1']);
    expect(upTo2[1]?.data).toEqual({ benchmarks: { parse: 0 } });
    const excluding = await latestBaselines(store.db, scope, { notAfter: new Date(Date.UTC(2026, 10, 5)), excludeSha: '3'.repeat(40), limit: 1 });
    expect(excluding.map((b) => b.sha[0])).toEqual(['2']);
    expect((await baselineAt(store.db, scope, '3'.repeat(40)))?.data).toEqual({ benchmarks: { parse: 2 } });
    expect(await baselineAt(store.db, { ...scope, gate: 'other' }, '3'.repeat(40))).toBeUndefined();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/db.ts';
import { recordDeploymentNotification, recordNotifications, recordRunNotifications } from '../../src/notify/record.ts';
import { failureEvent } from '../../src/notify/events.ts';
import { disableEndpoint, disabledEndpoint, listDisabledEndpoints, swapRunOutcome, takeFreeSlot } from '../../src/notify/store.ts';
import { createPipelineRun, updatePipelineRun } from '../../src/store/repos/pipeline-runs.ts';
import { createDeployment, transitionDeployment } from '../../src/store/repos/deployments.ts';
import type { Conclusion, JsonObject, PipelineRun } from '../../src/store/schema/index.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { AT, pipelineRunInput } from '../store/fixtures.ts';

const TARGETS = { slack: ['failure', 'recovery'], webhooks: [{ url: 'https://hooks.example.com/a', on: ['failure', 'deployment'] }] };

describe.each(databaseTargets())('notifications in the store on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  let completions = 0;
  async function completedRun(conclusion: Conclusion, overrides: { plan?: JsonObject; trigger?: 'push' | 'deploy'; pr_number?: number; ref?: string } = {}): Promise<PipelineRun> {
    const { pipelineRun } = await createPipelineRun(store.db, pipelineRunInput({ plan: overrides.plan ?? { stages: {}, notifications: TARGETS }, ...overrides }));
    const done = await updatePipelineRun(store.db, pipelineRun.id, { status: 'completed', conclusion, completed_at: new Date(AT.getTime() + ++completions * 1000) }, { now: AT });
    if (!done) throw new Error('run not completed');
    return done;
  }
  const notifyKeys = async () => (await store.db.selectFrom('effects').select('key').where('kind', '=', 'notify').orderBy('id').execute()).map((e) => e.key);

  it('records one effect per target, and none again for the same event', async () => {
    const run = await completedRun('failure');
    const event = failureEvent(run, AT);
    expect(await recordNotifications(store.db, event, TARGETS as never, AT)).toBe(2);
    expect(await recordNotifications(store.db, event, TARGETS as never, AT)).toBe(0);
    expect(await notifyKeys()).toEqual([`notify:${event.id}:slack`, expect.stringMatching(new RegExp(`^notify:${event.id}:webhook-[0-9a-f]{16}$`))]);
    const effect = await store.db.selectFrom('effects').selectAll().where('kind', '=', 'notify').orderBy('id').executeTakeFirstOrThrow();
    expect(effect).toMatchObject({ pipeline_run_id: run.id, priority: 7, status: 'pending' });
    expect(effect.payload).toMatchObject({ event: { name: 'failure', runId: run.id, pipeline: 'ci', branch: 'main' }, target: { kind: 'slack' } });
  });

  it('tells a failure, then a recovery on the next success of the pipeline on the ref, and nothing for a success after a success', async () => {
    const failed = await completedRun('failure');
    await recordRunNotifications(store.db, failed, AT);
    const green = await completedRun('success');
    await recordRunNotifications(store.db, green, AT);
    const greenAgain = await completedRun('success');
    await recordRunNotifications(store.db, greenAgain, AT);
    const keys = await notifyKeys();
    expect(keys.filter((k) => k.startsWith('notify:failure-'))).toHaveLength(2);
    // Recovery goes to Slack only: the webhook does not list it.
    expect(keys.filter((k) => k.startsWith('notify:recovery-'))).toEqual([`notify:recovery-run-${green.id}-${green.completed_at?.getTime()}:slack`]);
    const recovery = await store.db.selectFrom('effects').select('payload').where('key', 'like', 'notify:recovery-%').executeTakeFirstOrThrow();
    expect(recovery.payload).toMatchObject({ event: { previousRunId: failed.id, previousConclusion: 'failure' } });
  });

  it('keeps a pull request\'s runs apart from the branch, and a cancelled run changes nothing', async () => {
    await recordRunNotifications(store.db, await completedRun('failure'), AT);
    await recordRunNotifications(store.db, await completedRun('cancelled'), AT);
    await recordRunNotifications(store.db, await completedRun('success', { pr_number: 5 }), AT);
    expect((await notifyKeys()).filter((k) => k.startsWith('notify:recovery-'))).toEqual([]);
    await recordRunNotifications(store.db, await completedRun('success'), AT);
    expect((await notifyKeys()).filter((k) => k.startsWith('notify:recovery-'))).toHaveLength(1);
    expect((await notifyKeys()).filter((k) => k.startsWith('notify:failure-'))).toHaveLength(2);
  });

  it('keeps the outcome without targets (so a later recovery is told), and tells deploy runs nothing', async () => {
    await recordRunNotifications(store.db, await completedRun('timed_out', { plan: { stages: {} } }), AT);
    expect(await notifyKeys()).toEqual([]);
    await recordRunNotifications(store.db, await completedRun('failure', { trigger: 'deploy', ref: 'refs/heads/deploy' }), AT);
    expect(await notifyKeys()).toEqual([]);
    await recordRunNotifications(store.db, await completedRun('success'), AT);
    expect((await notifyKeys()).filter((k) => k.startsWith('notify:recovery-'))).toHaveLength(1);
  });

  it('swaps the outcome of a pipeline on a ref, returning the one before', async () => {
    const key = { owner: 'acme', repo: 'app', pipeline: 'ci', ref: 'refs/heads/main' };
    expect(await swapRunOutcome(store.db, key, { conclusion: 'failure', runId: 1, at: AT })).toBeUndefined();
    expect(await swapRunOutcome(store.db, key, { conclusion: 'success', runId: 2, at: AT })).toEqual({ conclusion: 'failure', runId: 1 });
    expect(await swapRunOutcome(store.db, { ...key, ref: 'refs/heads/other' }, { conclusion: 'success', runId: 3, at: AT })).toBeUndefined();
  });

  it('tells a deployment that ended succeeded, failed or rolled back, with the snapshot\'s targets, and not a cancelled one', async () => {
    const base = { installation_id: 1, owner: 'acme', repo: 'app', environment: 'production', ref: 'main', sha: 'b'.repeat(40), requested_by: 'alice', source: 'stage' as const, pipeline_run_id: null, stage: 'deploy', ref_branches: ['main'], now: AT };
    const policy = { name: 'production', approvals: 0, approvers: [], inputs: {}, production: true, url: 'https://app.example.com', notifications: { webhooks: [{ url: 'https://hooks.example.com/a', on: ['deployment'] }] } } as unknown as JsonObject;
    const ok = await createDeployment(store.db, { ...base, policy });
    await transitionDeployment(store.db, ok.id, 'deploying', { reason: null, actor: 'shipgate', now: AT });
    await recordDeploymentNotification(store.db, ok.id, AT);
    expect(await notifyKeys()).toEqual([]);
    await transitionDeployment(store.db, ok.id, 'succeeded', { reason: null, actor: 'shipgate', now: AT });
    await recordDeploymentNotification(store.db, ok.id, AT);
    const cancelled = await createDeployment(store.db, { ...base, policy });
    await transitionDeployment(store.db, cancelled.id, 'cancelled', { reason: null, actor: 'shipgate', now: AT });
    await recordDeploymentNotification(store.db, cancelled.id, AT);
    const keys = await notifyKeys();
    expect(keys).toEqual([expect.stringMatching(new RegExp(`^notify:deployment-${ok.id}:webhook-`))]);
    const effect = await store.db.selectFrom('effects').select('payload').where('kind', '=', 'notify').executeTakeFirstOrThrow();
    expect(effect.payload).toMatchObject({ event: { name: 'deployment', status: 'succeeded', environment: 'production', url: 'https://app.example.com' }, target: { kind: 'webhook', url: 'https://hooks.example.com/a' } });
  });

  it('lets one Slack message a second through per lane, across callers', async () => {
    expect(await takeFreeSlot(store.db, 'slack:a', 10_000, 1_000)).toEqual({ ok: true });
    expect(await takeFreeSlot(store.db, 'slack:a', 10_500, 1_000)).toEqual({ ok: false, at: 11_000 });
    expect(await takeFreeSlot(store.db, 'slack:b', 10_500, 1_000)).toEqual({ ok: true });
    expect(await takeFreeSlot(store.db, 'slack:a', 11_000, 1_000)).toEqual({ ok: true });
    const together = await Promise.all([takeFreeSlot(store.db, 'slack:c', 20_000, 1_000), takeFreeSlot(store.db, 'slack:c', 20_000, 1_000), takeFreeSlot(store.db, 'slack:c', 20_000, 1_000)]);
    expect(together.filter((slot) => slot.ok)).toHaveLength(1);
  });

  it('disables an endpoint by the hash of its URL, keeping why', async () => {
    expect(await disabledEndpoint(store.db, 'h1')).toBeUndefined();
    await disableEndpoint(store.db, { hash: 'h1', kind: 'webhook', origin: 'https://hooks.example.com', reason: 'HTTP 410', now: AT });
    expect(await disabledEndpoint(store.db, 'h1')).toMatchObject({ hash: 'h1', kind: 'webhook', origin: 'https://hooks.example.com', disabled_reason: 'HTTP 410' });
    expect((await listDisabledEndpoints(store.db)).map((e) => e.hash)).toEqual(['h1']);
  });
});

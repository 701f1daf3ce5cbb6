import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import {
  createDeployment,
  getDeployment,
  lastSuccessfulDeployment,
  listDeploymentEvents,
  listOpenDeployments,
  transitionDeployment,
  updateDeploymentFields,
} from '../../../src/store/repos/deployments.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { BIG_ID } from '../fixtures.ts';

const production = { owner: 'acme', repo: 'app', environment: 'production' };
const at = (minute: number) => new Date(Date.UTC(2026, 11, 1, 12, minute));

describe.each(databaseTargets())('deployments on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  function deploy(sha: string, minute = 0) {
    return createDeployment(store.db, { ...production, installation_id: 1, ref: 'main', sha, requested_by: 'octocat', source: 'command', ref_branches: ['main'], policy: { approvals: 0 }, now: at(minute) });
  }

  it('records every transition with its reason and actor, and refuses a move from the wrong status', async () => {
    const deployment = await deploy('1'.repeat(40));
    expect(deployment).toMatchObject({ status: 'requested', github_deployment_id: null, succeeded_at: null, ref_branches: ['main'], policy: { approvals: 0 } });
    await transitionDeployment(store.db, deployment.id, 'queued', { reason: { code: 'deploy.queued', environment: 'production', position: 2, ahead: [9] }, actor: 'shipgate', now: at(1) });
    expect(await transitionDeployment(store.db, deployment.id, 'succeeded', { actor: 'shipgate', now: at(2), from: ['deploying'] })).toBeUndefined();
    const deploying = await transitionDeployment(store.db, deployment.id, 'deploying', { reason: null, actor: 'shipgate', now: at(3), from: ['queued'] });
    expect(deploying).toMatchObject({ status: 'deploying', started_at: at(3), reason: null });
    await updateDeploymentFields(store.db, deployment.id, { github_deployment_id: BIG_ID }, at(3));
    const done = await transitionDeployment(store.db, deployment.id, 'succeeded', { actor: 'shipgate', now: at(4), from: ['deploying'] });
    expect(done).toMatchObject({ status: 'succeeded', completed_at: at(4), succeeded_at: at(4), github_deployment_id: BIG_ID });
    const events = await listDeploymentEvents(store.db, deployment.id);
    expect(events.map((e) => [e.from_status, e.to_status, e.actor, (e.reason as { code?: string } | null)?.code ?? null])).toEqual([
      [null, 'requested', 'octocat', null],
      ['requested', 'queued', 'shipgate', 'deploy.queued'],
      ['queued', 'deploying', 'shipgate', null],
      ['deploying', 'succeeded', 'shipgate', null],
    ]);
    // One GitHub deployment mirrors one request.
    const other = await deploy('2'.repeat(40));
    await expect(updateDeploymentFields(store.db, other.id, { github_deployment_id: BIG_ID }, at(5))).rejects.toThrow(/deployments_github_deployment_id_key/);
  });

  it('lists the open requests oldest first and finds the last success, before an id, of a sha or not of one', async () => {
    const first = await deploy('1'.repeat(40), 0);
    const second = await deploy('2'.repeat(40), 1);
    const third = await deploy('3'.repeat(40), 2);
    expect((await listOpenDeployments(store.db, production)).map((d) => d.id)).toEqual([first.id, second.id, third.id]);
    for (const [d, minute] of [[first, 10], [second, 11]] as const) {
      await transitionDeployment(store.db, d.id, 'deploying', { actor: 'shipgate', now: at(minute) });
      await transitionDeployment(store.db, d.id, 'succeeded', { actor: 'shipgate', now: at(minute) });
    }
    await transitionDeployment(store.db, third.id, 'refused', { reason: { code: 'deploy.after-missing' }, actor: 'shipgate', now: at(12) });
    expect((await lastSuccessfulDeployment(store.db, production))?.id).toBe(second.id);
    expect((await lastSuccessfulDeployment(store.db, { ...production, beforeId: second.id }))?.id).toBe(first.id);
    expect((await lastSuccessfulDeployment(store.db, { ...production, excludeSha: '2'.repeat(40) }))?.id).toBe(first.id);
    expect(await lastSuccessfulDeployment(store.db, { ...production, sha: '3'.repeat(40) })).toBeUndefined();
    expect(await listOpenDeployments(store.db, production)).toEqual([]);
    expect((await getDeployment(store.db, third.id))?.status).toBe('refused');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import {
  createDeployment,
  findDeploymentByGithubId,
  getDeployment,
  lastSuccessfulDeployment,
  listActiveDeployments,
  updateDeployment,
} from '../../../src/store/repos/deployments.ts';
import { databaseTargets } from '../../helpers/databases.ts';
import { BIG_ID } from '../fixtures.ts';

const production = { owner: 'acme', repo: 'app', environment: 'production' };

describe.each(databaseTargets())('deployments on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  function deploy(sha: string) {
    return createDeployment(store.db, { ...production, ref: 'refs/heads/main', sha, requested_by: 'octocat' });
  }

  it('mirrors a GitHub deployment by its big id, once', async () => {
    const deployment = await deploy('1'.repeat(40));
    expect(deployment).toMatchObject({ status: 'pending', github_deployment_id: null, succeeded_at: null });
    await updateDeployment(store.db, deployment.id, { github_deployment_id: BIG_ID, status: 'queued' });
    expect((await findDeploymentByGithubId(store.db, BIG_ID))?.id).toBe(deployment.id);

    const other = await deploy('2'.repeat(40));
    await expect(updateDeployment(store.db, other.id, { github_deployment_id: BIG_ID })).rejects.toThrow(
      /deployments_github_deployment_id_key/,
    );
  });

  it('queues deployments of an environment and remembers which succeeded', async () => {
    const first = await deploy('1'.repeat(40));
    const second = await deploy('2'.repeat(40));
    const third = await deploy('3'.repeat(40));
    expect((await listActiveDeployments(store.db, production)).map((d) => d.id)).toEqual([first.id, second.id, third.id]);

    await updateDeployment(store.db, first.id, { status: 'success' }, { now: new Date('2026-01-01T00:00:00Z') });
    await updateDeployment(store.db, second.id, { status: 'success' });
    // The earlier success turns inactive but stays a rollback target.
    await updateDeployment(store.db, first.id, { status: 'inactive' });
    expect((await getDeployment(store.db, first.id))?.succeeded_at).toEqual(new Date('2026-01-01T00:00:00Z'));
    await updateDeployment(store.db, third.id, { status: 'failure' });

    expect((await lastSuccessfulDeployment(store.db, production))?.id).toBe(second.id);
    expect((await lastSuccessfulDeployment(store.db, { ...production, beforeId: second.id }))?.id).toBe(first.id);
    expect((await lastSuccessfulDeployment(store.db, { ...production, sha: '3'.repeat(40) }))).toBeUndefined();
    expect(await listActiveDeployments(store.db, production)).toEqual([]);
    expect(
      await updateDeployment(store.db, third.id, { status: 'in_progress' }, { onlyIf: { status: ['queued'] } }),
    ).toBeUndefined();
  });
});

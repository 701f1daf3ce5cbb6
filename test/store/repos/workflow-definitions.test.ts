import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { getWorkflowDefinition, putWorkflowDefinition } from '../../../src/store/repos/workflow-definitions.ts';
import { databaseTargets } from '../../helpers/databases.ts';

const key = { owner: 'acme', repo: 'app', blob_sha: 'd'.repeat(40) };

describe.each(databaseTargets())('workflow definitions on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('caches declared inputs by blob sha', async () => {
    expect(await getWorkflowDefinition(store.db, key)).toBeUndefined();
    const inputs = {
      target: { type: 'string', required: true },
      shipgate_run: { type: 'string', required: false, default: '' },
      matrix: { type: 'choice', options: ['a', 'b'] },
    };
    await putWorkflowDefinition(store.db, { ...key, path: '.github/workflows/build.yml', inputs });
    expect(await getWorkflowDefinition(store.db, key)).toMatchObject({
      ...key,
      path: '.github/workflows/build.yml',
      inputs,
      fetched_at: expect.any(Date),
    });
    await putWorkflowDefinition(store.db, { ...key, path: '.github/workflows/copy.yml', inputs: {} });
    expect(await getWorkflowDefinition(store.db, key)).toMatchObject({ path: '.github/workflows/copy.yml', inputs: {} });
    expect(await getWorkflowDefinition(store.db, { ...key, repo: 'other' })).toBeUndefined();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/db.ts';
import { appendAudit, listAudit } from '../../../src/store/repos/audit-log.ts';
import { databaseTargets } from '../../helpers/databases.ts';

describe.each(databaseTargets())('audit log on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('appends entries and lists a repository newest first', async () => {
    const entry = await appendAudit(store.db, {
      actor: 'octocat',
      action: 'command.deploy',
      owner: 'acme',
      repo: 'app',
      target: 'production',
      outcome: 'refused',
      details: { reason: 'environment locked by hubot', comment_id: 2 ** 40 },
      at: new Date('2026-01-01T00:00:00Z'),
    });
    expect(entry).toMatchObject({
      id: expect.any(Number),
      actor: 'octocat',
      outcome: 'refused',
      details: { reason: 'environment locked by hubot', comment_id: 2 ** 40 },
      at: new Date('2026-01-01T00:00:00Z'),
    });
    await appendAudit(store.db, { actor: 'shipgate', action: 'deployment.started', owner: 'acme', repo: 'app', outcome: 'ok' });
    await appendAudit(store.db, { actor: 'shipgate', action: 'installation.created', outcome: 'ok' });

    const listed = await listAudit(store.db, { owner: 'acme', repo: 'app' });
    expect(listed.map((e) => e.action)).toEqual(['deployment.started', 'command.deploy']);
    expect(listed[0]?.details).toEqual({});
  });
});

import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

describe.each(databaseTargets())('webhook intake on $name', (target) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(target, {
      setup: (sim) => {
        sim.org('acme', { members: ['alice'] });
        sim.repo({ owner: 'acme', name: 'api', files: { 'README.md': '# api\n' } });
      },
    });
  });
  afterEach(async () => {
    await h?.close();
  });

  it('verifies, records once and acknowledges a signed push; a redelivery is acknowledged and not recorded again', async () => {
    const pushed = h.sim.push({ repo: 'acme/api', branch: 'main', files: { 'src/a.ts': 'export {}\n' }, author: 'alice' });
    await h.settle();
    const deliveryId = pushed.delivery?.id;
    expect(deliveryId).toBeDefined();
    const rows = await h.store.db.selectFrom('deliveries').selectAll().execute();
    expect(rows.map((r) => [r.id, r.event, r.repository])).toEqual([[deliveryId, 'push', 'acme/api']]);
    // No shipgate.yml in the repository: the push is recorded and marked ignored.
    expect(rows[0]?.status).toBe('ignored');

    const again = await h.sim.webhooks.redeliver(deliveryId as string);
    expect(again.status).toBe(200);
    await h.settle();
    expect(await h.store.db.selectFrom('deliveries').selectAll().execute()).toHaveLength(1);
    h.sim.assertNoViolations();
  });

  it('rejects an unsigned or wrongly signed webhook and records nothing', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const post = (headers: Record<string, string>) =>
      fetch(`${h.app.url}/api/github/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': crypto.randomUUID(), ...headers },
        body,
      });
    const unsigned = await post({});
    expect(unsigned.status).toBe(400);
    const wrong = await post({ 'x-hub-signature-256': `sha256=${createHmac('sha256', 'not-the-secret').update(body).digest('hex')}` });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/signature does not match/i);
    const right = await post({ 'x-hub-signature-256': `sha256=${createHmac('sha256', h.sim.app.webhookSecret).update(body).digest('hex')}` });
    expect(right.status).toBe(200);
    const rows = await h.store.db.selectFrom('deliveries').select(['event']).execute();
    expect(rows).toEqual([{ event: 'ping' }]);
  });

  it('answers /healthz with the database status', async () => {
    const response = await fetch(`${h.app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: { ok: true, kind: target.name } });
  });
});

describe.each(databaseTargets())('hostile payloads on $name', (target) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(target, { setup: (sim) => void sim.org('acme', { members: ['alice'] }) });
  });
  afterEach(async () => {
    await h?.close();
  });

  it('records and ignores a signed push or pull_request whose payload is not what GitHub sends, and keeps serving', async () => {
    const send = async (event: string, payload: unknown) => {
      const body = JSON.stringify(payload);
      const response = await fetch(`${h.app.url}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': crypto.randomUUID(),
          'x-hub-signature-256': `sha256=${createHmac('sha256', h.sim.app.webhookSecret).update(body).digest('hex')}`,
        },
        body,
      });
      return response.status;
    };
    expect(await send('push', { installation: { id: 1 }, ref: 42 })).toBe(200);
    expect(await send('pull_request', { installation: { id: 1 }, action: 'opened', repository: { full_name: 'acme/x' }, pull_request: {} })).toBe(200);
    expect(await send('workflow_run', { installation: { id: 1 }, workflow_run: 'nope' })).toBe(200);
    await h.settle();
    const rows = await h.store.db.selectFrom('deliveries').select(['event', 'status']).orderBy('event').execute();
    expect(rows).toEqual([
      { event: 'pull_request', status: 'ignored' },
      { event: 'push', status: 'ignored' },
      { event: 'workflow_run', status: 'ignored' },
    ]);
    expect((await fetch(`${h.app.url}/healthz`)).status).toBe(200);
  });
});

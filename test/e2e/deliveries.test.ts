import { until } from '../helpers/wait.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { replayDeliveries } from '../../src/queue/replay-deliveries.ts';
import { getDelivery } from '../../src/store/repos/deliveries.ts';
import { listRedeliveries } from '../../src/store/repos/webhook-redeliveries.ts';
import { databaseTargets } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { SINGLE_STAGE_CONFIG, standardWorkflows } from '../helpers/repo-fixtures.ts';

const REPO = 'acme/api';

/** A server that answers every request with 500, as an app whose database is down. */
async function failingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(500).end('database is down'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/github/webhooks`,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

/** How many pipeline runs the delivery `id` started. */
async function runsOf(h: Harness, id: string | undefined): Promise<number> {
  return (await h.store.db.selectFrom('pipeline_runs').select('id').where('delivery_id', '=', id ?? '').execute()).length;
}

describe.each(databaseTargets())('deliveries shipgate missed or failed, on $name', (target) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('asks GitHub to redeliver webhooks sent while the app was down or answered 500, and processes each once', async () => {
    h = await startHarness(target, {
      setup: (sim) => {
        sim.org('acme', { members: ['alice'] });
        sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': SINGLE_STAGE_CONFIG, ...standardWorkflows() } });
      },
    });
    const appUrl = `${h.app.url}/api/github/webhooks`;
    const down = await failingServer();
    h.sim.setWebhookUrl(down.url);
    const answered500 = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/a.ts': 'export const a = 1;\n' }, author: 'alice' });
    await h.sim.webhooks.drain();
    await down.close();
    h.sim.setWebhookUrl('http://127.0.0.1:1/api/github/webhooks');
    const refused = h.sim.push({ repo: REPO, branch: 'release', files: { 'src/b.ts': 'export const b = 1;\n' }, author: 'alice' });
    await h.sim.webhooks.drain();
    expect(answered500.delivery?.attempts.map((a) => a.status)).toEqual([500]);
    expect(refused.delivery?.attempts.map((a) => a.error !== undefined)).toEqual([true]);
    expect(await h.store.db.selectFrom('deliveries').select('id').execute()).toEqual([]);

    h.sim.setWebhookUrl(appUrl);
    const report = await h.app.upkeepDeliveries();
    expect(report.redelivery).toEqual({ listed: 2, requested: 2, refused: 0, complete: true });
    await h.settle();
    for (const pushed of [answered500, refused]) {
      const recorded = await getDelivery(h.store.db, pushed.delivery?.id ?? '');
      expect(recorded?.status === 'processed' || recorded?.status === 'ignored').toBe(true);
    }
    // The push to main matches the pipeline: one run, started by the redelivered push.
    expect(await runsOf(h, answered500.delivery?.id)).toBe(1);
    expect((await listRedeliveries(h.store.db)).map((r) => [r.guid, r.status_code]).sort()).toEqual(
      [
        [answered500.delivery?.id, 500],
        [refused.delivery?.id, 0],
      ].sort(),
    );

    // Idempotent: neither another pass nor a restart (which runs one at start) asks again.
    expect((await h.app.upkeepDeliveries()).redelivery).toMatchObject({ requested: 0 });
    await h.restart();
    await h.settle();
    // Each event asked for once at most. (Webhooks the sim sent while the app restarted are asked for too.)
    const guidOfAttempt = new Map(h.sim.webhooks.deliveries.flatMap((d) => d.attempts.map((a) => [a.id, d.id] as const)));
    const asked = h.sim.requests
      .filter((r) => r.route === 'POST /app/hook/deliveries/{delivery_id}/attempts')
      .map((r) => guidOfAttempt.get(Number(/deliveries\/(\d+)\/attempts/.exec(r.path)?.[1])));
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked.filter((guid) => guid === answered500.delivery?.id || guid === refused.delivery?.id)).toHaveLength(2);
    expect(answered500.delivery?.attempts.map((a) => [a.status, a.redelivery])).toEqual([
      [500, false],
      [200, true],
    ]);
    expect(await runsOf(h, answered500.delivery?.id)).toBe(1);
    expect(await h.store.db.selectFrom('pipeline_runs').select('id').execute()).toHaveLength(1);
    h.sim.assertNoViolations();
  });

  it('leaves a delivery whose last try failed as failed, logs it once, and processes it when replayed', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    h = await startHarness(target, {
      setup: (sim) => {
        sim.org('acme', { members: ['alice'] });
        sim.repo({ owner: 'acme', name: 'api', files: { '.github/shipgate.yml': SINGLE_STAGE_CONFIG, ...standardWorkflows() } });
      },
      app: { log, queueRetry: { retryLimit: 1, retryDelay: 0, retryBackoff: false } },
    });
    // Every API call of the installation fails, so processing the push fails on every try.
    h.sim.faults.set({ errorRate: 1 });
    const pushed = h.sim.push({ repo: REPO, branch: 'main', files: { 'src/a.ts': 'export const a = 1;\n' }, author: 'alice' });
    const id = pushed.delivery?.id ?? '';
    await h.sim.webhooks.drain();
    await until('the last try to fail', async () => (await getDelivery(h!.store.db, id))?.status === 'failed');
    const failed = await getDelivery(h.store.db, id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect(failed?.error).toBeTruthy();
    const finalLogs = lines.filter((l) => l.level === 50 && l.delivery === id);
    expect(finalLogs).toHaveLength(1);
    expect(finalLogs[0]).toMatchObject({ event: 'push', attempts: 2, repository: REPO });
    expect(String(finalLogs[0]?.msg)).toContain(`shipgate deliveries replay ${id}`);
    expect(lines.filter((l) => l.level === 40 && l.delivery === id && /will be retried/.test(String(l.msg)))).toHaveLength(1);
    // Failed is finished: the harness settles although the delivery was not processed.
    await h.settle();

    h.sim.faults.set({ errorRate: 0 });
    expect(await replayDeliveries(h.store.db, h.app.boss, [id])).toEqual([id]);
    await until('the replay to be processed', async () => (await getDelivery(h!.store.db, id))?.status === 'processed');
    await h.settle();
    expect(await getDelivery(h.store.db, id)).toMatchObject({ status: 'processed', attempts: 3, error: null });
    expect(await runsOf(h, id)).toBe(1);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.ts';
import { registerDeliveriesCommand } from '../../src/cli/deliveries.ts';
import { QUEUES, startQueue } from '../../src/queue/boss.ts';
import { openDatabase, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrations/migrate.ts';
import { getDelivery, markDelivery, recordDelivery } from '../../src/store/repos/deliveries.ts';
import { databaseTargets } from '../helpers/databases.ts';

const FAILED = '11111111-1111-4111-8111-111111111111';
const FAILED_TOO = '22222222-2222-4222-8222-222222222222';
const DONE = '33333333-3333-4333-8333-333333333333';

async function runDeliveries(args: string[], env: NodeJS.ProcessEnv) {
  const io = captureIo();
  const program = new Command('shipgate').exitOverride();
  registerDeliveriesCommand(program, io, env);
  await program.parseAsync(['deliveries', ...args], { from: 'user' });
  return io;
}

/** Two failed deliveries, one processed, one waiting. */
async function seed(store: Store): Promise<void> {
  const base = { installation_id: 7, payload: { zen: 'x' } };
  await recordDelivery(store.db, { ...base, id: FAILED, event: 'push', repository: 'acme/api', received_at: new Date('2026-01-01T10:00:00Z') });
  await recordDelivery(store.db, { ...base, id: FAILED_TOO, event: 'workflow_run', action: 'completed', repository: 'acme/web', received_at: new Date('2026-01-01T11:00:00Z') });
  await recordDelivery(store.db, { ...base, id: DONE, event: 'push', received_at: new Date('2026-01-01T09:00:00Z') });
  await recordDelivery(store.db, { ...base, id: 'waiting', event: 'check_run', received_at: new Date('2026-01-01T12:00:00Z') });
  for (const id of [FAILED, FAILED_TOO]) {
    await markDelivery(store.db, id, 'processing');
    await markDelivery(store.db, id, 'failed', `GitHub said 502 for ${id.slice(0, 4)}`);
  }
  await markDelivery(store.db, DONE, 'processed');
}

describe('shipgate deliveries on an embedded database', () => {
  let dir: string;
  let dataDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipgate-deliveries-'));
    dataDir = join(dir, 'db');
    const store = await openDatabase({ dataDir });
    await migrateToLatest(store.db);
    await seed(store);
    await store.close();
  }, 60_000);
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a summary by status, then lists the failed ones, as text and as JSON', { timeout: 60_000 }, async () => {
    const summary = await runDeliveries(['--data-dir', dataDir], {});
    expect(summary.err).toBe('');
    expect(summary.out).toBe(
      [
        'received    1',
        'processing  0',
        'processed   1',
        'failed      2',
        'ignored     0',
        'open (received + processing): 1; failed: 2 (shipgate deliveries --failed)',
        '',
      ].join('\n'),
    );

    const text = await runDeliveries(['--failed', '--limit', '1'], { SHIPGATE_DATA_DIR: dataDir });
    expect(text.out).toBe(
      [
        `${FAILED_TOO}  workflow_run.completed  acme/web  1 attempt  received 2026-01-01T11:00:00.000Z`,
        '    GitHub said 502 for 2222',
        '1 failed; replay with: shipgate deliveries replay ID... (or --all-failed)',
        '',
      ].join('\n'),
    );

    const json = await runDeliveries(['--failed', '--json', '--data-dir', dataDir], {});
    expect(JSON.parse(json.out)).toEqual([
      { id: FAILED_TOO, event: 'workflow_run', action: 'completed', repository: 'acme/web', attempts: 1, error: 'GitHub said 502 for 2222', received_at: '2026-01-01T11:00:00.000Z' },
      { id: FAILED, event: 'push', action: null, repository: 'acme/api', attempts: 1, error: 'GitHub said 502 for 1111', received_at: '2026-01-01T10:00:00.000Z' },
    ]);
  });

  it('refuses unknown and unfailed ids, replaying none of them', { timeout: 60_000 }, async () => {
    const io = await runDeliveries(['replay', FAILED, 'nope', DONE, '--data-dir', dataDir], {});
    expect(io.exitCode).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toBe(
      [
        'shipgate deliveries replay: nothing replayed:',
        '  nope: no such delivery',
        `  ${DONE}: it is processed, not failed; only failed deliveries are replayed`,
        '(shipgate deliveries --failed lists the failed ones)',
        '',
      ].join('\n'),
    );
    const store = await openDatabase({ dataDir });
    try {
      expect((await getDelivery(store.db, FAILED))?.status).toBe('failed');
    } finally {
      await store.close();
    }
    const usage = await runDeliveries(['replay', '--data-dir', dataDir], {});
    expect(usage.exitCode).toBe(2);
    expect(usage.err).toMatch(/give delivery ids or --all-failed/);
  });

  it('replays one failed delivery: reopened, and a job for it waits on the delivery queue for the app', { timeout: 60_000 }, async () => {
    const io = await runDeliveries(['replay', FAILED, '--data-dir', dataDir], {});
    expect(io.err).toBe('');
    expect(io.out).toBe(`queued ${FAILED}\nreplayed 1 delivery\n`);

    const store = await openDatabase({ dataDir });
    const boss = await startQueue(store, { log: pino({ level: 'silent' }) });
    try {
      expect(await getDelivery(store.db, FAILED)).toMatchObject({ status: 'received', error: null, processed_at: null, attempts: 1 });
      expect((await getDelivery(store.db, FAILED_TOO))?.status).toBe('failed');
      const jobs = await boss.fetch<{ deliveryId: string }>(QUEUES.delivery, { batchSize: 10 });
      expect(jobs.map((job) => job.data)).toEqual([{ deliveryId: FAILED }]);
    } finally {
      await boss.stop({ graceful: false, timeout: 5_000 });
      await store.close();
    }

    const all = await runDeliveries(['replay', '--all-failed', '--data-dir', dataDir], {});
    expect(all.out).toBe(`queued ${FAILED_TOO}\nreplayed 1 delivery\n`);
  });

  it('says which database it could not find', async () => {
    const io = await runDeliveries(['--data-dir', join(dir, 'missing')], {});
    expect(io.exitCode).toBe(1);
    expect(io.err).toBe(`shipgate deliveries: no embedded database at ${join(dir, 'missing')}; set DATABASE_URL or --data-dir (embedded database ${join(dir, 'missing')})\n`);
  });
});

const postgres = databaseTargets().find((target) => target.name === 'postgres');
describe.runIf(postgres)('shipgate deliveries replay on PostgreSQL', () => {
  it('reaches the queue of an app running on the same database', { timeout: 60_000 }, async () => {
    const store = await postgres!.open();
    // Stands in for the running app: its own pg-boss on the database, working the delivery queue.
    const running = await startQueue(store, { log: pino({ level: 'silent' }) });
    try {
      await seed(store);
      const received: string[] = [];
      await running.work<{ deliveryId: string }>(QUEUES.delivery, { pollingIntervalSeconds: 0.5, batchSize: 10 }, async (jobs) => {
        for (const job of jobs) received.push(job.data.deliveryId);
      });
      const url = (store.pool!.options as { connectionString: string }).connectionString;
      const io = await runDeliveries(['replay', FAILED, FAILED_TOO], { DATABASE_URL: url });
      expect(io.err).toBe('');
      expect(io.out).toMatch(/replayed 2 deliveries\n$/);
      // The worker polls every half second; a loaded machine may take a few polls (the test's own timeout bounds this).
      for (let i = 0; i < 900 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(received.sort()).toEqual([FAILED, FAILED_TOO].sort());
    } finally {
      await running.stop({ graceful: false, timeout: 5_000 });
      await store.close();
    }
  });
});

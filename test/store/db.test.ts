import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeDatabaseUrl, openDatabase, ping, withTransaction, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrations/migrate.ts';
import { acquireLock, getLock } from '../../src/store/repos/locks.ts';
import { databaseTargets } from '../helpers/databases.ts';

const environment = { owner: 'acme', repo: 'app', environment: 'production' };

describe.each(databaseTargets())('store on $name', (target) => {
  let store: Store;
  beforeEach(async () => {
    store = await target.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('answers ping, and reports the failure once closed', async () => {
    const healthy = await ping(store);
    expect(healthy).toMatchObject({ ok: true, kind: target.name });
    expect(healthy.ok && healthy.latencyMs).toBeGreaterThanOrEqual(0);

    await store.close();
    const closed = await ping(store);
    expect(closed).toMatchObject({ ok: false, kind: target.name });
    expect(closed.ok === false && closed.error).toBeTruthy();
  });

  it('reads bigint as number, timestamptz as Date, jsonb as JSON', async () => {
    const { rows } = await sql<{ id: number; count: number; at: Date; doc: unknown }>`
      select 3000000000::bigint as id, count(*) as count, now() as at, '{"a":[1,{"b":null}]}'::jsonb as doc
    `.execute(store.db);
    expect(rows[0]).toEqual({ id: 3_000_000_000, count: 1, at: expect.any(Date), doc: { a: [1, { b: null }] } });
  });

  it('refuses a bigint that a JS number cannot hold exactly', async () => {
    await expect(sql`select 9007199254740993::bigint as id`.execute(store.db)).rejects.toThrow(
      /9007199254740993 does not fit/,
    );
  });

  it('commits a transaction, and rolls it all back on a throw', async () => {
    await withTransaction(store.db, async (trx) => {
      await acquireLock(trx, { ...environment, holder: 'octocat' });
    });
    expect(await getLock(store.db, environment)).toMatchObject({ holder: 'octocat' });

    const other = { ...environment, environment: 'staging' };
    await expect(
      withTransaction(store.db, async (trx) => {
        await acquireLock(trx, { ...other, holder: 'octocat' });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await getLock(store.db, other)).toBeUndefined();
  });

  it('runs a nested withTransaction inside the outer one', async () => {
    const other = { ...environment, environment: 'staging' };
    await expect(
      withTransaction(store.db, async (outer) => {
        await withTransaction(outer, async (inner) => {
          expect(inner).toBe(outer);
          await acquireLock(inner, { ...other, holder: 'octocat' });
        });
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await getLock(store.db, other)).toBeUndefined();
  });
});

describe('the embedded PGlite shared with another client (pg-boss)', () => {
  let store: Store;
  beforeEach(async () => {
    const [pglite] = databaseTargets();
    store = await pglite!.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('makes the other client wait for an open transaction instead of joining it', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const transaction = withTransaction(store.db, async (trx) => {
      await acquireLock(trx, { ...environment, holder: 'octocat' });
      inside();
      await released;
      throw new Error('roll back');
    });
    await entered;

    let answered = false;
    const outside = store.pglite!.query<{ n: number }>('select count(*)::int as n from locks').then((result) => {
      answered = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);

    release();
    await expect(transaction).rejects.toThrow('roll back');
    expect((await outside).rows).toEqual([{ n: 0 }]);
  });
});

describe('openDatabase', () => {
  it('keeps PGlite data in its directory across restarts', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shipgate-db-'));
    const dataDir = join(dir, 'nested', 'db');
    try {
      const first = await openDatabase({ dataDir });
      try {
        await migrateToLatest(first.db);
        await acquireLock(first.db, { ...environment, holder: 'octocat', reason: 'release freeze' });
      } finally {
        await first.close();
      }
      const second = await openDatabase({ dataDir });
      try {
        expect(second.kind).toBe('pglite');
        expect(await migrateToLatest(second.db)).toEqual([]);
        expect(await getLock(second.db, environment)).toMatchObject({ holder: 'octocat', reason: 'release freeze' });
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the PostgreSQL server it cannot reach, never the password', async () => {
    const error = await openDatabase({ url: 'postgres://shipgate:s3cr3t@127.0.0.1:1/shipgate' }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.message).toMatch(
      /^cannot connect to PostgreSQL at postgres:\/\/shipgate@127\.0\.0\.1:1\/shipgate: .*ECONNREFUSED.*; check DATABASE_URL$/,
    );
    expect(error?.message).not.toContain('s3cr3t');
    expect(error?.cause).toBeDefined();
  });

  it.each(['host=db password=s3cr3t', 'mysql://root:s3cr3t@db/app'])(
    'refuses %s as DATABASE_URL without echoing it',
    async (url) => {
      await expect(openDatabase({ url })).rejects.toThrow(
        /^DATABASE_URL is not a PostgreSQL URL \(expected postgres:\/\/user:password@host:port\/database\)$/,
      );
    },
  );
});

describe('describeDatabaseUrl', () => {
  it.each([
    ['postgres://user:secret@db.internal:5433/shipgate?sslmode=require', 'postgres://user@db.internal:5433/shipgate'],
    ['postgresql://db/shipgate', 'postgresql://db/shipgate'],
    ['not a url', '(invalid URL)'],
  ])('%s → %s', (url, described) => {
    expect(describeDatabaseUrl(url)).toBe(described);
  });
});

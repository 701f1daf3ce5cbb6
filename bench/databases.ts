import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describeDatabaseUrl, openDatabase, type Store } from '../src/store/db.ts';

/** A store for one bench pass, and how to get rid of it. */
export interface BenchDatabase {
  store: Store;
  /** Where it lives, for the progress output (no password). */
  where: string;
  /** Closes the store and deletes the data (temp dir or bench database). */
  dispose(): Promise<void>;
}

/** PGlite in a fresh temporary data directory, as the embedded default keeps its data on disk. */
export async function openBenchPglite(): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'shipgate-bench-'));
  try {
    const store = await openDatabase({ dataDir });
    return {
      store,
      where: dataDir,
      async dispose() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The PostgreSQL server to bench on: `DATABASE_URL`, else the local default. */
export function postgresServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** Whether a PostgreSQL server answers at `url` (within a few seconds); the reason when not. */
export async function postgresReachable(url: string): Promise<true | string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    return `no PostgreSQL at ${describeDatabaseUrl(url)} (${error instanceof Error ? error.message : String(error)}); set DATABASE_URL to bench on one`;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A fresh bench database on the PostgreSQL server of `DATABASE_URL` (or the local default), or
 * why the PostgreSQL figures are skipped when no server answers.
 */
export async function openReachablePostgres(): Promise<{ database: BenchDatabase } | { skipped: string }> {
  const url = postgresServerUrl();
  const reachable = await postgresReachable(url);
  if (reachable !== true) return { skipped: reachable };
  return { database: await openBenchPostgres(url) };
}

/** A fresh database `shipgate_bench_<random>` on the server of `url`, dropped by `dispose()`. */
export async function openBenchPostgres(url: string): Promise<BenchDatabase> {
  const name = `shipgate_bench_${randomBytes(5).toString('hex')}`;
  await onServer(url, `create database ${name} template template0`);
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  const drop = () => onServer(url, `drop database if exists ${name} with (force)`);
  let store: Store;
  try {
    store = await openDatabase({ url: databaseUrl.toString() });
  } catch (error) {
    await drop();
    throw error;
  }
  return {
    store,
    where: describeDatabaseUrl(databaseUrl.toString()),
    async dispose() {
      await store.close();
      await drop();
    },
  };
}

async function onServer(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

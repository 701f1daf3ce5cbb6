import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrations/migrate.ts';

/** A database the store tests run against. */
export interface DatabaseTarget {
  name: 'pglite' | 'postgres';
  /**
   * Opens a fresh, empty database of this kind, migrated to the latest schema
   * unless `migrate: false`. Its `close()` also deletes it: nothing a test
   * writes is seen by another test.
   */
  open(options?: { migrate?: boolean }): Promise<Store>;
}

/**
 * PGlite in memory always; PostgreSQL too when `DATABASE_URL` is set (every
 * `open()` creates its own database on that server and drops it on close).
 *
 * ```ts
 * describe.each(databaseTargets())('$name', (target) => {
 *   let store: Store;
 *   beforeEach(async () => { store = await target.open(); });
 *   afterEach(async () => { await store.close(); });
 * });
 * ```
 */
export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [{ name: 'pglite', open: openPglite }];
  const url = process.env['DATABASE_URL'];
  if (url) targets.push({ name: 'postgres', open: (options) => openPostgres(url, options) });
  return targets;
}

async function openPglite(options: { migrate?: boolean } = {}): Promise<Store> {
  const store = await openDatabase({ memory: true, loadDataDir: await pgliteTemplate() });
  return migrated(store, options);
}

async function openPostgres(url: string, options: { migrate?: boolean } = {}): Promise<Store> {
  const name = `shipgate_t_${randomBytes(6).toString('hex')}`;
  // template0: nobody connects to it, so concurrent creates never find it busy.
  await onServer(url, `create database ${name} template template0`);
  const databaseUrl = new URL(url);
  databaseUrl.pathname = `/${name}`;
  let store: Store;
  try {
    store = await openDatabase({ url: databaseUrl.toString(), poolSize: 4 });
  } catch (error) {
    await onServer(url, `drop database if exists ${name} with (force)`);
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await store.close();
      await onServer(url, `drop database if exists ${name} with (force)`);
    })());
  return migrated({ ...store, close }, options);
}

async function migrated(store: Store, options: { migrate?: boolean }): Promise<Store> {
  if (options.migrate === false) return store;
  try {
    await migrateToLatest(store.db);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Runs one statement through a short connection to the server of `url`. */
async function onServer(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

// A fresh PGlite runs initdb (seconds); loading a dump of a fresh one takes a
// fraction of that. The dump is made once and kept on disk for later runs,
// keyed by PGlite's version (it holds no shipgate schema, only PostgreSQL's).
let template: Promise<Blob> | undefined;

function pgliteTemplate(): Promise<Blob> {
  template ??= loadOrCreateTemplate();
  return template;
}

async function loadOrCreateTemplate(): Promise<Blob> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const packageJson = join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json');
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
  const file = join(root, 'node_modules', '.cache', 'shipgate-test', `pglite-${version}-empty.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    // Not there yet: create it below.
  }
  const pglite = await PGlite.create();
  let dump: Blob;
  try {
    dump = await pglite.dumpDataDir('none');
  } finally {
    await pglite.close();
  }
  try {
    await mkdir(dirname(file), { recursive: true });
    // Write aside and rename: a concurrent reader sees the whole file or none.
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await rename(partial, file).catch(() => rm(partial, { force: true }));
  } catch {
    // A read-only tree only costs the next run the initdb again.
  }
  return dump;
}

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { ensurePgliteDataDir } from './pglite-init.ts';
import { lockDataDir, type DataDirLock } from './pglite-lock.ts';
import type { Database } from './schema/index.ts';

/** Where the embedded database lives when neither `url` nor `memory` is given. */
export const DEFAULT_DATA_DIR = './.shipgate/db';

/** The open database: Kysely over PostgreSQL (`pg`) or over embedded PGlite. */
export interface Store {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /**
   * The PGlite instance (embedded only), for pg-boss's `fromPglite`. Kysely runs
   * its transactions through `pglite.transaction()`, which locks the instance,
   * so statements from another client wait instead of landing inside them.
   * The flip side: inside a transaction, do not await pg-boss (or anything else
   * on this instance) — it would wait for the very transaction waiting on it.
   * Enqueue after the commit. Stop the other clients before `close()`.
   */
  pglite?: PGlite;
  /** The pool (PostgreSQL only). */
  pool?: pg.Pool;
  /** Closes the pool or the PGlite instance; safe to call twice. */
  close(): Promise<void>;
}

/** Either the database or a transaction: every repository function takes this. */
export type DbOrTrx = Kysely<Database> | Transaction<Database>;

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string; when set, PostgreSQL is used. */
  url?: string | undefined;
  /**
   * PGlite data directory (created if missing); default `./.shipgate/db`. One
   * process at a time: it is locked (`shipgate.lock`, see `lockDataDir`) until `close()`.
   */
  dataDir?: string | undefined;
  /** PGlite in memory (nothing persisted); ignored when `url` is set. */
  memory?: boolean | undefined;
  /** PGlite only: start from this data-dir dump (`pglite.dumpDataDir()`), e.g. a template in tests. */
  loadDataDir?: Blob | undefined;
  /** PostgreSQL only: maximum pool size (default 10). */
  poolSize?: number | undefined;
  /**
   * PostgreSQL only: errors of idle pooled connections (server restart, network).
   * The pool drops the broken connection and opens a new one when needed; without
   * a listener such an error would crash the process.
   */
  onPoolError?: ((error: Error) => void) | undefined;
}

/**
 * Opens the database: PostgreSQL when `url` is given, otherwise PGlite in
 * `dataDir` (or in memory). PostgreSQL is connected to once before returning,
 * so a wrong URL fails here with a message that names the server (never the
 * password). Migrations are not run: see `migrateToLatest` (`migrations/migrate.ts`).
 *
 * A PGlite directory is locked for this process until `close()` (a second
 * opener gets `DataDirLockedError`); a new one is created by a child process
 * (`ensurePgliteDataDir`), so initdb's peak memory never lands in this one.
 *
 * Both drivers return the same JS types: `bigint` as `number` (GitHub ids exceed
 * 2^31 but stay below 2^53; a larger value throws rather than lose precision),
 * `timestamptz` as `Date`, `jsonb` as parsed JSON.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Store> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

/** Checks that the database answers (`select 1`), for health endpoints. */
export async function ping(
  store: Pick<Store, 'db' | 'kind'>,
): Promise<{ ok: true; kind: Store['kind']; latencyMs: number } | { ok: false; kind: Store['kind']; error: string }> {
  const started = performance.now();
  try {
    await sqlSelectOne(store.db);
    return { ok: true, kind: store.kind, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return { ok: false, kind: store.kind, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one,
 * so repository calls compose into one atomic unit. Commits when `fn`
 * resolves, rolls back when it throws.
 *
 * Inside `fn`, query through `trx` only: PGlite has a single connection, so a
 * query through the outer `db` would wait for this transaction forever (on
 * PostgreSQL it would silently run outside it).
 */
export async function withTransaction<T>(db: DbOrTrx, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}

/**
 * A PostgreSQL URL safe to print: scheme, user, host, port and database, never
 * the password or query parameters. Returns `'(invalid URL)'` for garbage.
 */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    const host = parsed.host || 'localhost';
    return `${parsed.protocol}//${user}${host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

const INT8_OID = 20;

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`bigint value ${text} does not fit in a JS number`);
  }
  return value;
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Store> {
  const target = describeDatabaseUrl(url);
  if (!/^postgres(ql)?:\/\//.test(target)) {
    throw new Error('DATABASE_URL is not a PostgreSQL URL (expected postgres://user:password@host:port/database)');
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    application_name: 'shipgate',
    // Per pool, not `pg.types.setTypeParser`: other pg users in the process keep their defaults.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? parseInt8
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  const onPoolError = options.onPoolError ?? (() => {});
  pool.on('error', onPoolError);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`cannot connect to PostgreSQL at ${target}: ${describeError(error)}; check DATABASE_URL`, {
      cause: error,
    });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: 'postgres',
    pool,
    close: () => (closing ??= db.destroy()),
  };
}

async function openPglite(options: OpenDatabaseOptions): Promise<Store> {
  if (options.memory) return openPgliteInstance(undefined, options, undefined);
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  // Two PostgreSQL instances on one directory lose rows and corrupt it: one opener at a time.
  const lock = await lockDataDir(dataDir);
  try {
    if (!options.loadDataDir) await ensurePgliteDataDir(dataDir);
    return await openPgliteInstance(dataDir, options, lock);
  } catch (error) {
    await lock.release();
    throw error instanceof Error && error.message.startsWith('cannot open the embedded database')
      ? error
      : new Error(`cannot open the embedded database in ${dataDir}: ${describeError(error)}`, { cause: error });
  }
}

async function openPgliteInstance(dataDir: string | undefined, options: OpenDatabaseOptions, lock: DataDirLock | undefined): Promise<Store> {
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      parsers: { [INT8_OID]: parseInt8 },
    });
  } catch (error) {
    const where = dataDir ? `in ${dataDir}` : 'in memory';
    throw new Error(`cannot open the embedded database ${where}: ${describeError(error)}`, { cause: error });
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  let closing: Promise<void> | undefined;
  return {
    db,
    kind: 'pglite',
    pglite,
    close: () =>
      (closing ??= (async () => {
        try {
          // Kysely closes PGlite only when it has used it; close it ourselves otherwise.
          await db.destroy();
          if (!pglite.closed) await pglite.close();
        } finally {
          await lock?.release();
        }
      })()),
  };
}

async function sqlSelectOne(db: Kysely<Database>): Promise<void> {
  await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
}

/** The error's message, plus its code (`ECONNREFUSED`, `28P01`) when it has one. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const message = error.message || error.name;
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

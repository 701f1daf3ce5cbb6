/**
 * Databases the `shipgate stats` CLI can reach, seeded: the embedded one in a
 * data directory (`--data-dir`), and PostgreSQL (`DATABASE_URL`) when the
 * tests have a server. The CLI opens them itself, as a user's shell would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { openDatabase, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrations/migrate.ts';
import type { Database } from '../../src/store/schema/index.ts';
import { databaseTargets } from '../helpers/databases.ts';

/** A seeded database, and how the CLI is pointed at it. */
export interface CliDatabase {
  /** Arguments that name it (`--data-dir …`), or none. */
  args: string[];
  /** Environment that names it (`DATABASE_URL`), or none. */
  env: NodeJS.ProcessEnv;
  /** Opens it in this process (after the CLI is done with it: the embedded one takes one process at a time). */
  open(): Promise<Store>;
  /** Deletes it. */
  dispose(): Promise<void>;
}

export interface CliTarget {
  name: 'pglite' | 'postgres';
  /** A fresh database, migrated and seeded by `seed`. */
  create(seed: (db: Kysely<Database>) => Promise<void>): Promise<CliDatabase>;
}

/** The embedded database always; PostgreSQL when `DATABASE_URL` is set. */
export function cliTargets(): CliTarget[] {
  const targets: CliTarget[] = [
    {
      name: 'pglite',
      async create(seed) {
        const dir = await mkdtemp(join(tmpdir(), 'shipgate-stats-'));
        const dataDir = join(dir, 'db');
        const store = await openDatabase({ dataDir });
        try {
          await migrateToLatest(store.db);
          await seed(store.db);
        } finally {
          await store.close();
        }
        return { args: ['--data-dir', dataDir], env: {}, open: () => openDatabase({ dataDir }), dispose: () => rm(dir, { recursive: true, force: true }) };
      },
    },
  ];
  const postgres = databaseTargets().find((target) => target.name === 'postgres');
  if (postgres) {
    targets.push({
      name: 'postgres',
      async create(seed) {
        const store = await postgres.open();
        await seed(store.db);
        const url = (store.pool?.options as { connectionString: string }).connectionString;
        // The database lives as long as this store; the callers' own stores close only their pools.
        return { args: [], env: { DATABASE_URL: url }, open: () => openDatabase({ url }), dispose: () => store.close() };
      },
    });
  }
  return targets;
}

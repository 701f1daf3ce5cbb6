import type { Kysely } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import { migrations } from './index.ts';

const provider: MigrationProvider = {
  getMigrations: async () => migrations,
};

/**
 * Applies every pending migration, all in one transaction (PostgreSQL's DDL is
 * transactional): either all of them are applied or none is. Replicas starting
 * together are safe: Kysely's migration lock makes them take turns.
 *
 * Returns the names of the migrations applied, in order (empty when the
 * database was up to date); `log` is called once for each. Throws an `Error`
 * naming the failed migration, with the database error as `cause`.
 */
export async function migrateToLatest(db: Kysely<any>, log?: (migration: string) => void): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const message = failed
      ? `migration ${failed.migrationName} failed, so this run applied nothing (rolled back): ${errorMessage(error)}`
      : `migrating the database failed: ${errorMessage(error)}`;
    throw new Error(message, { cause: error });
  }
  const applied = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  for (const name of applied) log?.(name);
  return applied;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

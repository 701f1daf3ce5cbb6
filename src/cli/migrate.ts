import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliIo } from './io.ts';
import { DEFAULT_DATA_DIR, describeDatabaseUrl, openDatabase } from '../store/db.ts';
import { migrateToLatest } from '../store/migrations/migrate.ts';

interface MigrateOptions {
  dataDir?: string;
  dotenv: string;
}

/**
 * `shipgate migrate`: brings the database up to date — PostgreSQL when
 * `DATABASE_URL` is set, otherwise the embedded database in `--data-dir`
 * (default `$SHIPGATE_DATA_DIR` or `./.shipgate/db`). Prints each migration it
 * applies and a final line; exits 1 with the reason when it cannot.
 * `env` is the environment to read (the process's by default).
 */
export function registerMigrateCommand(program: Command, io: CliIo, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (PostgreSQL from DATABASE_URL, or the embedded database)')
    .option('--data-dir <dir>', `embedded database directory when DATABASE_URL is unset (default: $SHIPGATE_DATA_DIR or ${DEFAULT_DATA_DIR})`)
    .option('--dotenv <file>', 'read environment variables from this file first (Node itself claims --env-file)', '.env')
    .action(async (options: MigrateOptions) => {
      if (env === process.env && existsSync(options.dotenv)) process.loadEnvFile(options.dotenv);
      const url = env['DATABASE_URL']?.trim() || undefined;
      const dataDir = resolve(options.dataDir ?? (env['SHIPGATE_DATA_DIR'] || DEFAULT_DATA_DIR));
      const target = url ? `PostgreSQL ${describeDatabaseUrl(url)}` : `embedded database ${dataDir}`;
      try {
        const store = await openDatabase(url ? { url } : { dataDir });
        try {
          const applied = await migrateToLatest(store.db, (name) => io.stdout(`applied ${name}`));
          io.stdout(
            applied.length === 0
              ? `${target} is up to date; no migration to apply`
              : `${target} is up to date; applied ${applied.length} migration${applied.length === 1 ? '' : 's'}`,
          );
        } finally {
          await store.close();
        }
      } catch (error) {
        io.stderr(`shipgate migrate: ${error instanceof Error ? error.message : String(error)}`);
        io.setExitCode(1);
      }
    });
}

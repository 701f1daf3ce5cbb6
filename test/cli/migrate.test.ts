import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureIo } from '../../src/cli/io.ts';
import { registerMigrateCommand } from '../../src/cli/migrate.ts';
import { describeDatabaseUrl, openDatabase } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { databaseTargets } from '../helpers/databases.ts';

const MIGRATIONS = Object.keys(migrations).sort();

async function runMigrate(args: string[], env: NodeJS.ProcessEnv) {
  const io = captureIo();
  const program = new Command('shipgate').exitOverride();
  registerMigrateCommand(program, io, env);
  await program.parseAsync(['migrate', ...args], { from: 'user' });
  return io;
}

describe('shipgate migrate on an embedded database', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipgate-migrate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory, applies every migration, then finds nothing to do', { timeout: 60_000 }, async () => {
    const dataDir = join(dir, 'db');
    const first = await runMigrate(['--data-dir', dataDir], {});
    expect(first.err).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.out).toBe(
      [
        ...MIGRATIONS.map((name) => `applied ${name}`),
        `embedded database ${dataDir} is up to date; applied ${MIGRATIONS.length} migration${MIGRATIONS.length === 1 ? '' : 's'}`,
        '',
      ].join('\n'),
    );

    const second = await runMigrate([], { SHIPGATE_DATA_DIR: dataDir });
    expect(second.exitCode).toBe(0);
    expect(second.out).toBe(`embedded database ${dataDir} is up to date; no migration to apply\n`);
  });

  it('exits 1 naming the migration that failed', { timeout: 60_000 }, async () => {
    const dataDir = join(dir, 'db');
    const store = await openDatabase({ dataDir });
    await sql`create table deliveries (id text)`.execute(store.db);
    await store.close();

    const io = await runMigrate(['--data-dir', dataDir], {});
    expect(io.exitCode).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toMatch(new RegExp(`^shipgate migrate: migration ${MIGRATIONS[0]} failed, .*"deliveries" already exists\\n$`));
  });
});

describe('shipgate migrate on PostgreSQL', () => {
  it('names the server it cannot reach, without the password, and exits 1', async () => {
    const io = await runMigrate([], { DATABASE_URL: 'postgres://shipgate:s3cr3t@127.0.0.1:1/shipgate' });
    expect(io.exitCode).toBe(1);
    expect(io.out).toBe('');
    expect(io.err).toMatch(
      /^shipgate migrate: cannot connect to PostgreSQL at postgres:\/\/shipgate@127\.0\.0\.1:1\/shipgate: .*ECONNREFUSED.*; check DATABASE_URL\n$/,
    );
    expect(io.err).not.toContain('s3cr3t');
  });

  const postgres = databaseTargets().find((target) => target.name === 'postgres');
  it.runIf(postgres)('migrates the database of DATABASE_URL', async () => {
    const store = await postgres!.open({ migrate: false });
    try {
      const url = (store.pool!.options as { connectionString: string }).connectionString;
      const first = await runMigrate([], { DATABASE_URL: url });
      expect(first.err).toBe('');
      expect(first.exitCode).toBe(0);
      const where = `PostgreSQL ${describeDatabaseUrl(url)}`;
      expect(first.out).toBe(
        [
          ...MIGRATIONS.map((name) => `applied ${name}`),
          `${where} is up to date; applied ${MIGRATIONS.length} migration${MIGRATIONS.length === 1 ? '' : 's'}`,
          '',
        ].join('\n'),
      );
      expect((await store.db.introspection.getTables()).map((table) => table.name)).toContain('job_attempts');

      const second = await runMigrate([], { DATABASE_URL: url });
      expect(second.out).toBe(`${where} is up to date; no migration to apply\n`);
    } finally {
      await store.close();
    }
  });
});

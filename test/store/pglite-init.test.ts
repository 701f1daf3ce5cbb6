import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.ts';
import { ensurePgliteDataDir, STAGING_PREFIX } from '../../src/store/pglite-init.ts';

describe('ensurePgliteDataDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shipgate-init-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a database in a new directory in a child process, then leaves an existing one alone', { timeout: 60_000 }, async () => {
    expect(await ensurePgliteDataDir(dir)).toBe('created');
    const names = readdirSync(dir);
    expect(names).toEqual(expect.arrayContaining(['PG_VERSION', 'base', 'global', 'pg_wal']));
    expect(names.filter((n) => n.startsWith(STAGING_PREFIX))).toEqual([]);

    const store = await openDatabase({ dataDir: dir });
    await sql`create table kept (v text)`.execute(store.db);
    await sql`insert into kept values ('still here')`.execute(store.db);
    await store.close();

    expect(await ensurePgliteDataDir(dir)).toBe('existing');
    const again = await openDatabase({ dataDir: dir });
    try {
      const { rows } = await sql<{ v: string }>`select v from kept`.execute(again.db);
      expect(rows).toEqual([{ v: 'still here' }]);
    } finally {
      await again.close();
    }
  });

  it('starts over after a kill interrupted the move (entries but no PG_VERSION, a staging directory left)', { timeout: 60_000 }, async () => {
    mkdirSync(join(dir, 'base', '1'), { recursive: true });
    writeFileSync(join(dir, 'base', '1', 'left-by-the-kill'), 'half a relation');
    mkdirSync(join(dir, `${STAGING_PREFIX}1-deadbeef`, 'global'), { recursive: true });
    writeFileSync(join(dir, 'postgresql.conf'), 'truncated');

    expect(await ensurePgliteDataDir(dir)).toBe('created');
    expect(existsSync(join(dir, 'base', '1', 'left-by-the-kill'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith(STAGING_PREFIX))).toEqual([]);
    const store = await openDatabase({ dataDir: dir });
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_class`.execute(store.db);
      expect(rows[0]?.n).toBeGreaterThan(100);
    } finally {
      await store.close();
    }
  });
});

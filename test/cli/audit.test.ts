import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAuditCommand } from '../../src/cli/audit.ts';
import { captureIo } from '../../src/cli/io.ts';
import { openDatabase } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrations/migrate.ts';
import { appendAudit } from '../../src/store/repos/audit-log.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');

async function runAudit(args: string[]) {
  const io = captureIo();
  const program = new Command('shipgate').exitOverride();
  registerAuditCommand(program, io, {}, () => NOW);
  await program.parseAsync(['audit', ...args], { from: 'user' });
  return io;
}

describe('shipgate audit on an embedded database', () => {
  let dir: string;
  let dataDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipgate-audit-'));
    dataDir = join(dir, 'db');
    const store = await openDatabase({ dataDir });
    await migrateToLatest(store.db);
    const entry = { outcome: 'ok', target: 'pull/4' };
    await appendAudit(store.db, { ...entry, actor: 'alice', action: 'command.retry', owner: 'acme', repo: 'api', details: { command: '/retry ci', sha: 'abcdef0123' }, at: new Date(NOW - 10 * 86_400_000) });
    await appendAudit(store.db, { ...entry, actor: 'bob', action: 'command.cancel', outcome: 'refuse.permission', owner: 'acme', repo: 'api', details: { command: '/cancel' }, at: new Date(NOW - 3_600_000) });
    await appendAudit(store.db, { ...entry, actor: 'carol', action: 'command.help', owner: 'acme', repo: 'web', details: { command: '/help' }, at: new Date(NOW - 60_000) });
    await store.close();
  }, 60_000);
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists entries newest first, filtered by repository and age, as text and as JSON', { timeout: 60_000 }, async () => {
    const all = await runAudit(['--data-dir', dataDir]);
    expect(all.err).toBe('');
    expect(all.out.trim().split('\n')).toEqual([
      '2026-03-10T11:59:00.000Z  carol  command.help  ok  acme/web  pull/4  /help',
      '2026-03-10T11:00:00.000Z  bob  command.cancel  refuse.permission  acme/api  pull/4  /cancel',
      '2026-02-28T12:00:00.000Z  alice  command.retry  ok  acme/api  pull/4  @abcdef0  /retry ci',
    ]);
    const recent = await runAudit(['--data-dir', dataDir, '--repo', 'acme/api', '--since', '7d', '--json']);
    expect(JSON.parse(recent.out)).toEqual([
      { at: '2026-03-10T11:00:00.000Z', actor: 'bob', action: 'command.cancel', outcome: 'refuse.permission', repository: 'acme/api', target: 'pull/4', details: { command: '/cancel' } },
    ]);
  });

  it('refuses a malformed --since or --repo with a usage error that says what is expected', async () => {
    await expect(runAudit(['--data-dir', dataDir, '--since', 'a week'])).rejects.toThrow(/expected a duration/);
    await expect(runAudit(['--data-dir', dataDir, '--repo', 'acme'])).rejects.toThrow(/expected OWNER\/REPO/);
  });
});

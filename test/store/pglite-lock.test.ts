import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.ts';
import { DataDirLockedError, LOCK_FILE_NAME, lockDataDir, type DataDirLock } from '../../src/store/pglite-lock.ts';

const OPENER = fileURLToPath(new URL('../helpers/pglite-opener.ts', import.meta.url));

/** A child running test/helpers/pglite-opener.ts, with its output as lines. */
interface Opener {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the first line matching `pattern`; rejects when the process exits first. */
  line(pattern: RegExp): Promise<string>;
  send(line: string): void;
  exited: Promise<number | null>;
}

function startOpener(mode: 'lock' | 'insert', dir: string, ...args: string[]): Opener {
  const child = spawn(process.execPath, [OPENER, mode, dir, ...args], { stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const found = out.split('\n').find((l) => pattern.test(l));
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`opener exited (${child.exitCode}) without ${pattern}:\n${out}\n${err}`);
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), exited]);
    }
  };
  return { child, line, send: (text) => child.stdin.write(`${text}\n`), exited };
}

/** A pid that no process has: one of a process that has just exited. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(result.stdout);
}

describe('lockDataDir', () => {
  let dir: string;
  let locks: DataDirLock[];
  let openers: Opener[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shipgate-lock-'));
    locks = [];
    openers = [];
  });
  afterEach(async () => {
    for (const opener of openers) {
      opener.child.kill('SIGKILL');
      await opener.exited;
    }
    for (const lock of locks) await lock.release();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a lock file naming this process, and removes it on release', async () => {
    const lock = await lockDataDir(dir);
    locks.push(lock);
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8')) as { pid: number; since: string };
    expect(owner.pid).toBe(process.pid);
    expect(Date.parse(owner.since)).not.toBeNaN();
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
    locks.push(await lockDataDir(dir));
  });

  it('refuses a second open in the same process, even two at once', async () => {
    const results = await Promise.allSettled([lockDataDir(dir), lockDataDir(dir)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of won) locks.push(r.value);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.reason).toBeInstanceOf(DataDirLockedError);
    expect(String(lost?.reason)).toContain(`${dir} is already open in this process (pid ${process.pid})`);
    await expect(lockDataDir(dir)).rejects.toThrow(/already open in this process/);
  });

  it('refuses while another process holds it, naming the directory, the pid and what to do; takes it over once that process is killed', async () => {
    const holder = startOpener('lock', dir);
    openers.push(holder);
    await holder.line(/^ready/);
    holder.send('go');
    await holder.line(/^locked/);

    const refusal = await lockDataDir(dir).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(DataDirLockedError);
    expect((refusal as DataDirLockedError).owner.pid).toBe(holder.child.pid);
    const message = (refusal as Error).message;
    expect(message).toContain(`the embedded database ${dir} is in use by process ${holder.child.pid}`);
    expect(message).toMatch(/Stop that process.*DATABASE_URL/);

    holder.child.kill('SIGKILL');
    await holder.exited;
    // kill -9 left the lock file behind, naming a pid that is gone.
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(true);
    locks.push(await lockDataDir(dir));
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('takes over a stale lock of a dead pid, and one that is not a lock file at all', async () => {
    writeFileSync(join(dir, LOCK_FILE_NAME), `${JSON.stringify({ pid: deadPid(), hostname: 'h', since: '2026-01-01T00:00:00Z' })}\n`);
    const first = await lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8'))).toMatchObject({ pid: process.pid });
    await first.release();

    writeFileSync(join(dir, LOCK_FILE_NAME), 'garbage');
    locks.push(await lockDataDir(dir));
    expect(readdirSync(dir)).toEqual([LOCK_FILE_NAME]);
  });

  it('takes over a lock naming its own pid that it does not hold (a restart that got the same pid)', async () => {
    writeFileSync(join(dir, LOCK_FILE_NAME), `${JSON.stringify({ pid: process.pid, hostname: 'h', since: 'x' })}\n`);
    locks.push(await lockDataDir(dir, { isAlive: () => true }));
    await expect(lockDataDir(dir)).rejects.toThrow(/already open in this process/);
  });

  it('lets exactly one of two processes racing for a stale lock win, every round', async () => {
    for (let round = 0; round < 12; round++) {
      writeFileSync(join(dir, LOCK_FILE_NAME), `${JSON.stringify({ pid: deadPid(), hostname: 'h', since: 'x' })}\n`);
      const racers = [startOpener('lock', dir), startOpener('lock', dir)];
      openers.push(...racers);
      await Promise.all(racers.map((r) => r.line(/^ready/)));
      for (const racer of racers) racer.send('go');
      const outcomes = await Promise.all(racers.map((r) => r.line(/^(locked|refused)/)));
      expect(outcomes.filter((o) => o === 'locked')).toHaveLength(1);
      const winner = racers[outcomes.indexOf('locked')];
      expect(outcomes.find((o) => o.startsWith('refused'))).toContain(`in use by process ${winner?.child.pid}`);
      for (const racer of racers) racer.child.stdin.end();
      await Promise.all(racers.map((r) => r.exited));
      expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
    }
  });
});

describe('openDatabase on one PGlite directory from two processes', () => {
  let dir: string;
  let openers: Opener[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shipgate-two-'));
  });
  afterEach(async () => {
    for (const opener of openers) {
      opener.child.kill('SIGKILL');
      await opener.exited;
    }
    openers = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the second of two processes inserting 3,000 rows each at once, so no row is lost', { timeout: 60_000 }, async () => {
    const writers = [startOpener('insert', dir, '3000'), startOpener('insert', dir, '3000')];
    openers.push(...writers);
    const outcomes = await Promise.all(writers.map((w) => w.line(/^(opened|refused)/)));
    expect(outcomes.filter((o) => o === 'opened')).toHaveLength(1);
    const winner = writers[outcomes.indexOf('opened')];
    const loser = writers[outcomes.findIndex((o) => o.startsWith('refused'))];
    expect(outcomes.find((o) => o.startsWith('refused'))).toContain(`${dir} is in use by process ${winner?.child.pid}`);
    expect(await loser?.exited).toBe(1);

    winner?.send('go');
    await winner?.line(/^inserted 3000/);
    expect(await winner?.exited).toBe(0);

    const store = await openDatabase({ dataDir: dir });
    try {
      const { rows } = await sql<{ count: number; writers: number }>`
        select count(*)::int as count, count(distinct writer)::int as writers from t`.execute(store.db);
      expect(rows[0]).toEqual({ count: 3000, writers: 1 });
      // While this process holds it, a new process is refused too.
      const late = startOpener('insert', dir, '1');
      openers.push(late);
      expect(await late.line(/^refused/)).toContain(`in use by process ${process.pid}`);
    } finally {
      await store.close();
    }
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });
});

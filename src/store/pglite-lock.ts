import { randomBytes } from 'node:crypto';
import { link, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The lock file's name inside the PGlite data directory (PostgreSQL ignores files it does not know). */
export const LOCK_FILE_NAME = 'shipgate.lock';

/** Who holds a data directory: what the lock file says. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** When the owner took the lock (ISO 8601). */
  since: string;
}

/** A held lock on a data directory; `release()` is safe to call twice. */
export interface DataDirLock {
  readonly dataDir: string;
  readonly file: string;
  release(): Promise<void>;
}

/** A second opener of a data directory that another process (or this one) holds. */
export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly owner: LockOwner;
  constructor(dataDir: string, owner: LockOwner, sameProcess: boolean) {
    super(
      sameProcess
        ? `the embedded database ${dataDir} is already open in this process (pid ${owner.pid}); ` +
            'close the first store before opening the directory again'
        : `the embedded database ${dataDir} is in use by process ${owner.pid} on ${owner.hostname} ` +
            `(since ${owner.since}); only one process may open it at a time. Stop that process, ` +
            'or run several replicas on one PostgreSQL server (set DATABASE_URL)',
    );
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.owner = owner;
  }
}

export interface LockDataDirOptions {
  /** Whether a process is alive; default `process.kill(pid, 0)` (ESRCH: dead, EPERM: alive). */
  isAlive?: (pid: number) => boolean;
}

// Directories this process holds, shared by every copy of this module in the process.
const heldKey = Symbol.for('shipgate.pglite-locks');
const held: Set<string> = ((globalThis as Record<symbol, unknown>)[heldKey] as Set<string> | undefined) ?? new Set();
(globalThis as Record<symbol, unknown>)[heldKey] = held;

const MAX_ATTEMPTS = 5;

/**
 * Locks a PGlite data directory (which must exist) for this process, the way
 * PostgreSQL's `postmaster.pid` does: a lock file holding the owner's pid.
 * The file appears complete or not at all (written aside, then hard-linked
 * into place, which fails when it exists). A lock whose pid is dead is taken
 * over; of two takers racing for it exactly one wins. A lock naming this
 * process's own pid that this process does not hold is stale too (a restart
 * that got the same pid, as pid 1 in a container does).
 *
 * Throws `DataDirLockedError` when a live process, or this process, holds it.
 */
export async function lockDataDir(dataDir: string, options: LockDataDirOptions = {}): Promise<DataDirLock> {
  const isAlive = options.isAlive ?? processIsAlive;
  const key = await realpath(dataDir);
  const file = join(dataDir, LOCK_FILE_NAME);
  // Checked and claimed in one synchronous step: two opens in this process cannot both pass.
  if (held.has(key)) throw new DataDirLockedError(dataDir, selfOwner(), true);
  held.add(key);
  try {
    return await acquire(dataDir, key, file, isAlive);
  } catch (error) {
    held.delete(key);
    throw error;
  }
}

async function acquire(dataDir: string, key: string, file: string, isAlive: (pid: number) => boolean): Promise<DataDirLock> {
  const token = randomBytes(6).toString('hex');
  const content = `${JSON.stringify(selfOwner())}\n`;
  const aside = join(dataDir, `.${LOCK_FILE_NAME}.${token}`);
  await writeFile(aside, content, { flag: 'wx' });
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await createExclusive(aside, file)) return holdLock(dataDir, key, file, content);
      const current = await readOwner(file);
      if (!current) continue; // released in the meantime: try again
      const { owner, text } = current;
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) throw new DataDirLockedError(dataDir, owner, false);
      await removeStale(file, text, join(dataDir, `.${LOCK_FILE_NAME}.stale.${token}`));
    }
  } finally {
    await unlink(aside).catch(() => {});
  }
  throw new Error(`could not lock the embedded database ${dataDir}: other processes keep taking its lock; try again`);
}

function holdLock(dataDir: string, key: string, file: string, content: string): DataDirLock {
  // A process that exits without close() (an uncaught error) leaves no lock behind; kill -9 does, and it is stale.
  const onExit = () => {
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
  process.once('exit', onExit);
  let released: Promise<void> | undefined;
  return {
    dataDir,
    file,
    release: () =>
      (released ??= (async () => {
        process.removeListener('exit', onExit);
        try {
          // Only our own lock: never remove one that another process took over.
          const current = await readOwner(file);
          if (current?.text === content) await unlink(file).catch(() => {});
        } finally {
          held.delete(key);
        }
      })()),
  };
}

/** Hard-links the complete lock file into place; false when a lock is already there. */
async function createExclusive(aside: string, file: string): Promise<boolean> {
  try {
    await link(aside, file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new Error(`cannot create the lock file ${file}: ${String(error)}`, { cause: error });
  }
}

/**
 * Moves the stale lock (whose text we read) out of the way. The rename is
 * atomic, so of several takers one moves it; a taker that moved a fresh lock
 * instead (one a faster taker had just created) puts it back.
 */
async function removeStale(file: string, staleText: string, grave: string): Promise<void> {
  try {
    await rename(file, grave);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(grave, 'utf8').catch(() => undefined);
  if (moved !== staleText) await link(grave, file).catch(() => {});
  await unlink(grave).catch(() => {});
}

async function readOwner(file: string): Promise<{ text: string; owner: LockOwner | undefined } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  return { text, owner: parseOwner(text) };
}

/** The owner a lock file names, or undefined for a file that is not one of ours (taken as stale). */
function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return undefined;
    return { pid: value.pid, hostname: String(value.hostname ?? 'unknown host'), since: String(value.since ?? 'unknown') };
  } catch {
    return undefined;
  }
}

function selfOwner(): LockOwner {
  return { pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== 'ESRCH';
  }
}

function errorCode(error: unknown): unknown {
  return error instanceof Error ? (error as { code?: unknown }).code : undefined;
}

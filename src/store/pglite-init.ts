import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Prefix of the staging directory inside the data directory where a new database is created. */
export const STAGING_PREFIX = '.shipgate-initdb-';

// PGlite says a directory holds a database when it has this file; it is moved in last.
const VERSION_FILE = 'PG_VERSION';

// Runs in the child: create the database in the staging directory, close it, exit.
// The child dies with its parent: stdin closes when the parent is gone.
const CHILD_SOURCE = `
process.stdin.on('end', () => process.exit(3));
process.stdin.resume();
const { PGlite } = await import(process.env.SHIPGATE_PGLITE_MODULE);
const pglite = await PGlite.create({ dataDir: process.env.SHIPGATE_INITDB_DIR });
await pglite.close();
process.exit(0);
`;

/**
 * Makes sure `dataDir` (which must exist, locked by the caller) holds a PGlite
 * database. A new one is created by `initdb` in a short-lived child process,
 * so this process never holds initdb's peak memory (several hundred MB, which
 * PGlite's own in-process initdb keeps as RSS afterwards). The child writes
 * into a staging directory; its entries are then moved into `dataDir` with
 * `PG_VERSION` last, so a kill at any moment leaves either no database (and
 * the next start creates it again) or a complete one.
 *
 * Returns `'created'` or `'existing'`.
 */
export async function ensurePgliteDataDir(dataDir: string): Promise<'created' | 'existing'> {
  await removeLeftovers(dataDir);
  if (await exists(join(dataDir, VERSION_FILE))) return 'existing';

  const staging = join(dataDir, `${STAGING_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  try {
    await runInitdbChild(staging);
    const entries = (await readdir(staging)).filter((name) => name !== VERSION_FILE);
    for (const name of [...entries, VERSION_FILE]) {
      const target = join(dataDir, name);
      // Left by a move that a kill interrupted (there is no PG_VERSION, so no database yet).
      await rm(target, { recursive: true, force: true });
      await rename(join(staging, name), target);
    }
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
  }
  return 'created';
}

/**
 * Staging directories of starts that were killed. Best effort: the child of a
 * killed start may still be writing into its own for a moment (it exits when it
 * notices), so what cannot be removed now is removed by a later start. Nothing
 * reads them: PostgreSQL ignores directories it does not know.
 */
async function removeLeftovers(dataDir: string): Promise<void> {
  const leftovers = (await readdir(dataDir)).filter((name) => name.startsWith(STAGING_PREFIX));
  for (const name of leftovers) await rm(join(dataDir, name), { recursive: true, force: true }).catch(() => {});
}

function runInitdbChild(staging: string): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '--eval', CHILD_SOURCE], {
    env: {
      PATH: process.env['PATH'] ?? '',
      SHIPGATE_INITDB_DIR: staging,
      SHIPGATE_PGLITE_MODULE: import.meta.resolve('@electric-sql/pglite'),
    },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start a process to create the embedded database: ${error.message}`, { cause: error })),
    );
    child.once('exit', (code, signal) => {
      child.stdin.destroy();
      if (code === 0) resolve();
      else reject(new Error(`creating the embedded database failed (initdb exited with ${signal ?? code}): ${stderr.trim() || 'no output'}`));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

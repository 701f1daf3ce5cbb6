/**
 * The environment an app process (`startAppProcess`) needs to run against
 * the GitHub simulator on a database of its own, and the clean-up of that
 * database: what every test that kills and restarts the app sets up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import type { Store } from '../../src/store/db.ts';
import type { DatabaseTarget } from './databases.ts';

export interface AppProcessEnv {
  /** The app's settings: the simulator's app and host, and `DATABASE_URL` or `SHIPGATE_DATA_DIR`. */
  env: Record<string, string>;
  /** Drops the PostgreSQL database, or deletes the PGlite data folder (after the app processes are gone). */
  close(): Promise<void>;
}

/**
 * The settings of an app process against `simulator`, on a fresh database of
 * `target`: a PostgreSQL database of its own, or a PGlite data folder in the
 * temp dir named after `dataDirPrefix` (every restart of the app finds the same one).
 */
export async function appProcessEnv(target: DatabaseTarget, simulator: GitHubSimulator, dataDirPrefix: string): Promise<AppProcessEnv> {
  const env: Record<string, string> = {
    APP_ID: String(simulator.app.id),
    PRIVATE_KEY: simulator.app.privateKey,
    WEBHOOK_SECRET: simulator.app.webhookSecret,
    GHE_HOST: simulator.host,
    GHE_PROTOCOL: 'http',
  };
  let store: Store | undefined;
  let dataDir: string | undefined;
  if (target.name === 'postgres') {
    store = await target.open();
    env['DATABASE_URL'] = String(store.pool?.options.connectionString);
  } else {
    dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
    env['SHIPGATE_DATA_DIR'] = dataDir;
  }
  return {
    env,
    async close() {
      await store?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GitHubSimulator } from '../src/sim/index.ts';
import { freePort } from './bare-probot.ts';
import { sleep, WaitTimeout } from './wait.ts';

const BIN = fileURLToPath(new URL('../bin/shipgate.js', import.meta.url));
/** How much of a child's output is kept for error messages. */
const OUTPUT_KEPT = 16_384;

/** `shipgate start` running in a process of its own, against the simulator. */
export interface ShipgateProcess {
  pid: number;
  url: string;
  webhookUrl: string;
  /** How long from spawn to `/healthz` answering 200, ms. */
  startupMs: number;
  /** The end of its stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `bin/shipgate.js start` as users run it, configured for the sim as for
 * GitHub Enterprise (`GHE_HOST`, `GHE_PROTOCOL=http`), on `database`
 * (`DATABASE_URL`, or PGlite in `SHIPGATE_DATA_DIR`), log level warn, and
 * waits until `/healthz` answers 200.
 */
export async function startShipgateProcess(sim: GitHubSimulator, database: { url: string } | { dataDir: string }, timeoutMs = 60_000): Promise<ShipgateProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    APP_ID: String(sim.app.id),
    PRIVATE_KEY: sim.app.privateKey,
    WEBHOOK_SECRET: sim.app.webhookSecret,
    GHE_HOST: sim.host,
    GHE_PROTOCOL: 'http',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env['SHIPGATE_BENCH_LOG'] ?? 'warn',
    ...('url' in database ? { DATABASE_URL: database.url } : { SHIPGATE_DATA_DIR: database.dataDir }),
  };
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--dotenv', '/nonexistent'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (alive()) child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!killed && alive()) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (!alive()) throw new Error(`shipgate exited (${child.exitCode ?? child.signalCode}) before it answered /healthz:\n${output}`);
      const healthy = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
      if (healthy) break;
      if (performance.now() - started > timeoutMs) throw new WaitTimeout(`shipgate did not answer /healthz within ${timeoutMs} ms:\n${output}`);
      await sleep(50);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error('shipgate started without a pid');
  return { pid: child.pid, url, webhookUrl: `${url}/api/github/webhooks`, startupMs: performance.now() - started, output: () => output, stop };
}

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { pino } from 'pino';
import type { CliIo } from './io.ts';
import { DEFAULT_DATA_DIR, describeDatabaseUrl, openDatabase, type Store } from '../store/db.ts';
import { deliveryStatuses } from '../store/schema/index.ts';
import { countDeliveriesByStatus, deliveryStatusesOf, failedDeliveries, OPEN_DELIVERY_STATUSES } from '../store/repos/deliveries.ts';
import { startQueue } from '../queue/boss.ts';
import { replayDeliveries } from '../queue/replay-deliveries.ts';

export interface DatabaseOptions {
  dataDir?: string;
  dotenv: string;
}

interface ListOptions extends DatabaseOptions {
  failed?: boolean;
  json?: boolean;
  limit: number;
}

interface ReplayOptions extends DatabaseOptions {
  allFailed?: boolean;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/**
 * `shipgate deliveries`: the webhook deliveries in the database (PostgreSQL
 * from `DATABASE_URL`, or the embedded one in `--data-dir`, as `shipgate
 * migrate`). Plain: a count by status. `--failed [--json] [--limit N]`: the
 * deliveries whose every try failed. `replay ID... | --all-failed`: queues
 * failed deliveries again on the app's queue (pg-boss in the same database).
 * Exits 1 with the reason when it cannot (unknown ids, no database).
 */
export function registerDeliveriesCommand(program: Command, io: CliIo, env: NodeJS.ProcessEnv = process.env): void {
  const deliveries = program
    .command('deliveries')
    .description('Show webhook deliveries by status, list the failed ones (--failed), replay them (replay)')
    .option('--failed', 'list the deliveries whose every try failed, most recent first')
    .option('--json', 'with --failed: one JSON array')
    .option('--limit <n>', 'with --failed: at most this many', positiveInteger, 50);
  addDatabaseOptions(deliveries).action(async (options: ListOptions) => {
    await withStore('deliveries', options, io, env, async (store) => {
      if (options.failed) return printFailed(store, options, io);
      const counts = await countDeliveriesByStatus(store.db);
      const open = OPEN_DELIVERY_STATUSES.reduce((sum, status) => sum + counts[status], 0);
      const width = Math.max(...deliveryStatuses.map((status) => status.length));
      for (const status of deliveryStatuses) io.stdout(`${status.padEnd(width)}  ${counts[status]}`);
      io.stdout(`open (received + processing): ${open}; failed: ${counts.failed}${counts.failed > 0 ? ' (shipgate deliveries --failed)' : ''}`);
    });
  });

  const replay = deliveries
    .command('replay')
    .description('Queue failed deliveries again (on the embedded database: stop the app first; it processes them when it starts)')
    .argument('[ids...]', 'delivery ids (X-GitHub-Delivery) to replay')
    .option('--all-failed', 'replay every failed delivery');
  addDatabaseOptions(replay).action(async (ids: string[], _options: ReplayOptions, command: Command) => {
    // `--data-dir` may land on `deliveries` or on `replay`, wherever it is written.
    const options = command.optsWithGlobals<ReplayOptions>();
    if ((ids.length === 0) === !options.allFailed) {
      io.stderr('shipgate deliveries replay: give delivery ids or --all-failed (not both)');
      io.setExitCode(2);
      return;
    }
    await withStore('deliveries replay', options, io, env, async (store) => {
      if (!options.allFailed) {
        const statuses = await deliveryStatusesOf(store.db, ids);
        const problems = ids.flatMap((id) => {
          const status = statuses.get(id);
          if (status === undefined) return [`${id}: no such delivery`];
          return status === 'failed' ? [] : [`${id}: it is ${status}, not failed; only failed deliveries are replayed`];
        });
        if (problems.length > 0) {
          io.stderr(`shipgate deliveries replay: nothing replayed:\n${problems.map((p) => `  ${p}`).join('\n')}\n(shipgate deliveries --failed lists the failed ones)`);
          io.setExitCode(1);
          return;
        }
      }
      const boss = await startQueue(store, { log: pino({ level: 'silent' }) });
      try {
        const replayed = await replayDeliveries(store.db, boss, options.allFailed ? 'all-failed' : ids);
        for (const id of replayed) io.stdout(`queued ${id}`);
        io.stdout(`replayed ${replayed.length} deliver${replayed.length === 1 ? 'y' : 'ies'}`);
      } finally {
        await boss.stop({ graceful: true, timeout: 5_000 });
      }
    });
  });
}

/** `--data-dir` and `--dotenv`, as every database command takes them. */
export function addDatabaseOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', `embedded database directory when DATABASE_URL is unset (default: $SHIPGATE_DATA_DIR or ${DEFAULT_DATA_DIR})`)
    .option('--dotenv <file>', 'read environment variables from this file first', '.env');
}

async function printFailed(store: Store, options: ListOptions, io: CliIo): Promise<void> {
  const rows = await failedDeliveries(store.db, { limit: options.limit });
  if (options.json) {
    io.stdout(
      JSON.stringify(
        rows.map((d) => ({ id: d.id, event: d.event, action: d.action, repository: d.repository, attempts: d.attempts, error: d.error, received_at: d.received_at.toISOString() })),
      ),
    );
    return;
  }
  if (rows.length === 0) {
    io.stdout('no failed deliveries');
    return;
  }
  for (const d of rows) {
    const event = d.action ? `${d.event}.${d.action}` : d.event;
    io.stdout(`${d.id}  ${event}  ${d.repository ?? '-'}  ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}  received ${d.received_at.toISOString()}`);
    io.stdout(`    ${d.error ?? '(no error recorded)'}`);
  }
  io.stdout(`${rows.length} failed; replay with: shipgate deliveries replay ID... (or --all-failed)`);
}

/** Opens the database the environment names (or the embedded one), runs `fn`, closes it; failures exit 1 with the reason. */
export async function withStore(name: string, options: DatabaseOptions, io: CliIo, env: NodeJS.ProcessEnv, fn: (store: Store) => Promise<void>): Promise<void> {
  if (env === process.env && existsSync(options.dotenv)) process.loadEnvFile(options.dotenv);
  const url = env['DATABASE_URL']?.trim() || undefined;
  const dataDir = resolve(options.dataDir ?? (env['SHIPGATE_DATA_DIR'] || DEFAULT_DATA_DIR));
  try {
    if (!url && !existsSync(dataDir)) throw new Error(`no embedded database at ${dataDir}; set DATABASE_URL or --data-dir`);
    const store = await openDatabase(url ? { url } : { dataDir });
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  } catch (error) {
    const target = url ? `PostgreSQL ${describeDatabaseUrl(url)}` : `embedded database ${dataDir}`;
    io.stderr(`shipgate ${name}: ${error instanceof Error ? error.message : String(error)} (${target})`);
    io.setExitCode(1);
  }
}

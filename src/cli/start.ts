import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliIo } from './io.ts';
import { AppConfigError, loadAppConfig } from '../config/app-config.ts';
import { startShipgate } from '../server.ts';

/** `shipgate start`: the real app (Probot server) configured from the environment. */
export function registerStartCommand(program: Command, io: CliIo): void {
  program
    .command('start')
    .description('Run the GitHub App server (reads APP_ID, PRIVATE_KEY[_PATH], WEBHOOK_SECRET, DATABASE_URL, PORT, … from the environment or ./.env)')
    .option('--dotenv <file>', 'read environment variables from this file first (Node itself claims --env-file)', '.env')
    .action(async (opts: { dotenv: string }) => {
      if (existsSync(opts.dotenv)) process.loadEnvFile(opts.dotenv);
      let config;
      try {
        config = loadAppConfig(process.env);
      } catch (err) {
        if (err instanceof AppConfigError) {
          io.stderr(err.message);
          io.stderr('See .env.example for every variable.');
          io.setExitCode(1);
          return;
        }
        throw err;
      }
      const app = await startShipgate(config);
      app.log.info({ url: app.url, database: app.store.kind }, 'shipgate is serving');
      await new Promise<void>((resolve) => {
        const stop = () => {
          app.log.info('stopping');
          void app.stop().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

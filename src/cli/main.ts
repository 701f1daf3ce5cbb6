import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './audit.ts';
import { registerDeliveriesCommand } from './deliveries.ts';
import { registerDemoCommand } from './demo.ts';
import { processIo, type CliIo } from './io.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerPlanCommand } from './plan.ts';
import { registerStartCommand } from './start.ts';
import { registerStatsCommand } from './stats.ts';
import { registerValidateCommand } from './validate.ts';

/** The package's version, for `shipgate --version`. */
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Builds the `shipgate` command with every subcommand registered. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('shipgate')
    .description('Delivery pipelines with quality gates and deployments on GitHub Actions (and Jenkins, GitLab CI or signed webhooks), from one .github/shipgate.yml')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
    })
    .exitOverride();
  registerValidateCommand(program, io);
  registerPlanCommand(program, io);
  registerStartCommand(program, io);
  registerMigrateCommand(program, io);
  registerDemoCommand(program, io);
  registerDeliveriesCommand(program, io);
  registerAuditCommand(program, io);
  registerStatsCommand(program, io);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const trackingIo: CliIo = {
    ...io,
    setExitCode(code) {
      exitCode = code;
      io.setExitCode(code);
    },
  };
  const program = buildProgram(trackingIo);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with code 0; usage errors with 2, like most CLIs.
      return err.exitCode === 0 ? 0 : 2;
    }
    io.stderr(`shipgate: ${(err as Error).message}`);
    return 1;
  }
  return exitCode;
}

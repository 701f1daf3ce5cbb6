/**
 * `shipgate validate [FILE]`: checks a config file the way the app does (schema and
 * the checks beyond it) and prints each problem as `FILE:LINE:COL message`.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliIo } from './io.ts';
import { formatIssue, parseConfigText } from '../repo-config/parse.ts';
import type { ShipgateConfig } from '../repo-config/schema.ts';

/** The file validated when none is given, relative to the working directory. */
export const DEFAULT_VALIDATE_PATH = '.github/shipgate.yml';

const HELP_AFTER = `
Checks the YAML, the schema (unknown keys, types, ids, durations) and what the
schema cannot: needs that name no stage, cycles, gates on jobs that do not
exist, filter-pattern and if: expression syntax, branches with branches-ignore,
undefined environments, more than 25 workflow inputs, more than 64 stages or
256 jobs in a pipeline. Schema errors and these are reported together.

Output: one line per problem, FILE:LINE:COL message, with a suggestion when a
key or name looks misspelt. Warnings are printed with "warning:".

Exit codes: 0 valid, 1 invalid, 2 the file cannot be read (or bad usage).

Examples:
  $ shipgate validate
  $ shipgate validate examples/full.yml
  $ shipgate validate ci/shipgate.yml --json`;

interface ValidateOptions {
  json?: boolean;
}

/** Registers `shipgate validate` on the program. */
export function registerValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('Check a .github/shipgate.yml file and report every problem with its line and column')
    .argument('[file]', 'config file to check', DEFAULT_VALIDATE_PATH)
    .option('--json', 'print the result as JSON: { "valid", "errors": [...], "warnings": [...] }')
    .addHelpText('after', HELP_AFTER)
    .action(async (file: string, options: ValidateOptions) => {
      await runValidate(file, options, io);
    });
}

async function runValidate(file: string, options: ValidateOptions, io: CliIo): Promise<void> {
  let content: Uint8Array;
  try {
    content = await readFile(file);
  } catch (error) {
    const reason = describeReadError(error);
    if (options.json) {
      io.stdout(JSON.stringify({ valid: false, errors: [{ file, message: `cannot read ${file}: ${reason}` }], warnings: [] }, null, 2));
    } else {
      io.stderr(`shipgate validate: cannot read ${file}: ${reason}`);
      if (file === DEFAULT_VALIDATE_PATH) io.stderr('Run it from the repository root, or pass the file: shipgate validate path/to/shipgate.yml');
    }
    io.setExitCode(2);
    return;
  }

  const result = parseConfigText(content, file);
  if (options.json) {
    const errors = result.ok ? [] : result.errors;
    const warnings = result.ok ? result.warnings : [];
    io.stdout(JSON.stringify({ valid: result.ok, errors, warnings }, null, 2));
    io.setExitCode(result.ok ? 0 : 1);
    return;
  }
  if (!result.ok) {
    for (const error of result.errors) io.stdout(formatIssue(error));
    const count = result.errors.length;
    io.stderr(`${file} is invalid: ${count} error${count === 1 ? '' : 's'}`);
    io.setExitCode(1);
    return;
  }
  for (const warning of result.warnings) io.stdout(formatIssue({ ...warning, message: `warning: ${warning.message}` }));
  io.stdout(`${file}: OK (${summarize(result.config)})`);
  io.setExitCode(0);
}

function summarize(config: ShipgateConfig): string {
  const pipelines = Object.values(config.pipelines);
  const stages = pipelines.reduce((sum, pipeline) => sum + Object.keys(pipeline.stages).length, 0);
  const jobs = pipelines.reduce(
    (sum, pipeline) => sum + Object.values(pipeline.stages).reduce((inner, stage) => inner + Object.keys(stage.jobs).length, 0),
    0,
  );
  const environments = Object.keys(config.environments).length;
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  return [plural(pipelines.length, 'pipeline'), plural(stages, 'stage'), plural(jobs, 'job'), plural(environments, 'environment')].join(', ');
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return (error as Error).message;
  }
}

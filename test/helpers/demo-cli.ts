/**
 * `shipgate demo` run in-process, for the tests of every story: the command
 * registered on a commander program as `src/cli/main.ts` does, its output
 * captured, and a way to find the timeline's lines in order.
 */
import { Command, CommanderError } from 'commander';
import { expect } from 'vitest';
import { registerDemoCommand } from '../../src/cli/demo.ts';
import { captureIo, type CliIo } from '../../src/cli/io.ts';

export interface DemoRunOptions {
  /** Stands for Ctrl-C (the default, SIGINT or SIGTERM of this process, is not for tests). */
  interrupt?: AbortSignal;
  /** Sees each printed chunk as it comes (to interrupt at the right moment). */
  onOutput?: (text: string) => void;
}

/**
 * Runs `shipgate demo ARGS` and returns what it printed and its exit code;
 * commander's own refusals (a bad option, `--help`) exit 2 (0 for help), as
 * from the shell.
 */
export async function runDemo(args: string[], options: DemoRunOptions = {}) {
  const io = captureIo();
  const watchedIo: CliIo = {
    ...io,
    stdout(text) {
      io.stdout(text);
      options.onOutput?.(text);
    },
  };
  const program = new Command('shipgate')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  registerDemoCommand(program, watchedIo, options.interrupt ? { interrupt: options.interrupt } : {});
  try {
    await program.parseAsync(['demo', ...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    io.setExitCode(error.exitCode === 0 ? 0 : 2);
  }
  return io;
}

/** Index of the first line after `from` matching `pattern` (fails the test when there is none). */
export function lineAfter(lines: string[], from: number, pattern: RegExp): number {
  const index = lines.findIndex((line, i) => i > from && pattern.test(line));
  expect(index, `no line after ${from} matches ${pattern}`).toBeGreaterThan(from);
  return index;
}

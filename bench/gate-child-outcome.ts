/** What a gate-measuring child process came to, from how it ended (pure). */
import type { GateRun } from './results.ts';

/** How a child ended: exit code or signal, and what it wrote. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Its figures; or V8 gave up at the heap limit; or it failed otherwise (`reason` says how). */
export type GateChildOutcome = { kind: 'measured'; run: GateRun } | { kind: 'out-of-memory' } | { kind: 'failed'; reason: string };

/** V8's last words when a heap limit is reached ("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"). */
const OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit/;

/** Its figures when it exited 0 with one JSON line; out of memory when V8 says so; a failure otherwise. */
export function gateChildOutcome(exit: ChildExit): GateChildOutcome {
  if (exit.code !== 0 && OUT_OF_MEMORY.test(exit.stderr)) return { kind: 'out-of-memory' };
  const ended = exit.signal ? `was killed by ${exit.signal}` : `exited with ${exit.code}`;
  if (exit.code !== 0) return { kind: 'failed', reason: `the child ${ended}${lastLine(exit.stderr)}` };
  try {
    return { kind: 'measured', run: JSON.parse(exit.stdout) as GateRun };
  } catch {
    return { kind: 'failed', reason: `the child ${ended} without a result${lastLine(exit.stderr)}` };
  }
}

function lastLine(text: string): string {
  const line = text.trim().split('\n').at(-1)?.trim();
  return line ? `: ${line}` : '';
}

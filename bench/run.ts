/**
 * `npm run bench`: measures SPEC §11's figures on PGlite and on PostgreSQL
 * (when reachable at `DATABASE_URL` or 127.0.0.1:5432) and prints them next to
 * their targets. Each database is benched in its own child process (so RSS is
 * that pass's alone); the gates (figure 9) need no database and are measured
 * once, first, by `bench/gates.ts` in a child process of their own. Progress
 * goes to stderr, the report to stdout.
 *
 *   node bench/run.ts [--json] [--database pglite|postgres|all] [--parts gates,in-process,process,replicas,analytics]
 *                     [--replica-pushes N] [--validate] [--skip-rate]
 *
 * Exits 0 when every figure was measured, whether or not it meets its target;
 * non-zero only when a pass failed.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_REQUEST_POLICY } from '../src/github/request-policy.ts';
import { formatReport } from './report.ts';
import type { BenchReport, GatesResult, TargetResult } from './results.ts';
import { measureAnalytics } from './analytics.ts';
import { measureAppProcess } from './measure-app-process.ts';
import { mergeTargets } from './merge-targets.ts';
import { measureReplicas } from './measure-replicas.ts';
import { runDatabasePass, type DatabaseKind } from './run-database.ts';

/** The parts of a bench run, in the order they run: `gates` once (no database), the others for each database. */
const PARTS = ['gates', 'in-process', 'process', 'replicas', 'analytics'] as const;
type Part = (typeof PARTS)[number];
type DatabasePart = Exclude<Part, 'gates'>;

function isDatabasePart(part: Part): part is DatabasePart {
  return part !== 'gates';
}

/** Figure 9's entry point: it generates the inputs and measures each case in children of its own (`--expose-gc`). */
const GATES_ENTRY = fileURLToPath(new URL('./gates.ts', import.meta.url));

function partsOf(choice: string): Part[] {
  const parts = choice.split(',').map((p) => p.trim()).filter(Boolean);
  for (const part of parts) {
    if (!(PARTS as readonly string[]).includes(part)) throw new Error(`--parts takes a comma-separated list of ${PARTS.join(', ')}; got ${JSON.stringify(part)}`);
  }
  return PARTS.filter((part) => parts.includes(part));
}


const started = performance.now();

function progress(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${seconds}s] ${message}\n`);
}

function databasesOf(choice: string): DatabaseKind[] {
  if (choice === 'all') return ['pglite', 'postgres'];
  if (choice === 'pglite' || choice === 'postgres') return [choice];
  throw new Error(`--database must be pglite, postgres or all, got ${JSON.stringify(choice)}`);
}

/** Runs this Node on `args` in a child process (its stderr passed through) and reads its result, JSON, from its stdout; `what` names it in the error when there is none. */
function jsonFromChild<T>(args: string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const output = Buffer.concat(chunks).toString('utf8').trim();
      try {
        resolve(JSON.parse(output) as T);
      } catch (error) {
        reject(new Error(`${what} exited with ${code} without a result`, { cause: error }));
      }
    });
  });
}

/** Runs one part on one database in a child process and reads its result from the child's stdout. */
function passInChild(kind: DatabaseKind, part: DatabasePart, flags: string[]): Promise<TargetResult> {
  return jsonFromChild<TargetResult>([fileURLToPath(import.meta.url), '--child', kind, '--part', part, ...flags], `the ${kind} ${part} pass`);
}

/** Figure 9 in a child process; a child that gives no result is a failed part, and the rest of the bench goes on. */
async function gatesInChild(): Promise<GatesResult> {
  const started = performance.now();
  try {
    return await jsonFromChild<GatesResult>([GATES_ENTRY, '--json'], 'the gates part');
  } catch (error) {
    return { cases: [], error: error instanceof Error ? error.message : String(error), notes: [], durationMs: Math.round(performance.now() - started) };
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      database: { type: 'string', default: 'all' },
      validate: { type: 'boolean', default: false },
      'skip-rate': { type: 'boolean', default: false },
      parts: { type: 'string', default: PARTS.join(',') },
      'replica-pushes': { type: 'string', default: '3' },
      child: { type: 'string' },
      part: { type: 'string', default: 'in-process' },
    },
  });
  const passOptions = { validate: values.validate, skipRate: values['skip-rate'] };
  const replicaPushes = Number(values['replica-pushes']);
  if (!Number.isInteger(replicaPushes) || replicaPushes < 1 || replicaPushes > 20) throw new Error(`--replica-pushes must be a whole number from 1 to 20, got ${values['replica-pushes']}`);

  if (values.child !== undefined) {
    const [kind] = databasesOf(values.child);
    const [part] = partsOf(values.part);
    if (!kind || !part || !isDatabasePart(part)) throw new Error('--child needs one database and one --part other than gates');
    const result =
      part === 'process'
        ? await measureAppProcess(kind, progress)
        : part === 'replicas'
          ? await measureReplicas(replicaPushes, progress)
          : part === 'analytics'
            ? await measureAnalytics(kind, progress)
            : await runDatabasePass(kind, passOptions, progress);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // Everything was stopped; should a handle still hold the loop open, do not hang the parent.
    setTimeout(() => {
      process.stderr.write(`${kind}: the pass left open handles; exiting anyway\n`);
      process.exit(result.error ? 1 : 0);
    }, 10_000).unref();
    return result.error ? 1 : 0;
  }

  const flags = [...(values.validate ? ['--validate'] : []), ...(values['skip-rate'] ? ['--skip-rate'] : []), '--replica-pushes', String(replicaPushes)];
  const parts = partsOf(values.parts);
  const databaseParts = parts.filter(isDatabasePart);
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    writeIntervalMs: DEFAULT_REQUEST_POLICY.writeIntervalMs,
    simValidation: values.validate,
    targets: [],
  };
  if (parts.includes('gates')) {
    progress('gates: pass starting');
    const gates = await gatesInChild();
    progress(`gates: pass ${gates.error ? 'failed' : 'done'} in ${(gates.durationMs / 1000).toFixed(1)} s`);
    report.gates = gates;
  }
  for (const kind of databasesOf(values.database)) {
    let target: TargetResult | undefined;
    for (const part of databaseParts) {
      // Replicas share one database between processes: PostgreSQL only (PGlite belongs to one process).
      if (part === 'replicas' && kind !== 'postgres') continue;
      progress(`${kind}: ${part} pass starting`);
      const result = await passInChild(kind, part, flags);
      progress(`${kind}: ${part} pass ${result.skipped ? `skipped (${result.skipped})` : result.error ? 'failed' : 'done'} in ${(result.durationMs / 1000).toFixed(1)} s`);
      target = mergeTargets(target, result);
    }
    if (target) report.targets.push(target);
  }
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${formatReport(report)}\n`);
  return report.targets.some((t) => t.error) || report.gates?.error !== undefined ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);

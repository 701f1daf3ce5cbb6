/**
 * Figure 9 of the bench, the gates of SPEC §11: a 50 MB JUnit file and a SARIF
 * log with 100,000 results are each parsed and a gate evaluated on them;
 * targets ≤ 5 s with ≤ 100 MB extra heap each. `node bench/run.ts` runs this
 * file in a child process of its own (part `gates`) and reads its `--json`
 * output; it also runs on its own:
 *   node bench/gates.ts [--json]
 *
 * This process generates each input and writes it to a temporary file; each
 * case is then measured twice, each time in a fresh child process
 * (`--expose-gc`, this file with `--case`) that reads the file into a Buffer
 * (outside the JS heap, not counted), so the heap the generation left behind
 * is not the case's: once with V8's default heap limit (as the app runs), then
 * with the whole heap capped (`--max-heap-size`) at the heap in use before the
 * case plus 100 MB, the SPEC's bound. The capped run is judged: it must finish,
 * in ≤ 5 s. Parsing is synchronous, so the heap cannot be sampled from a
 * timer; a GC profiler records the heap in use before every GC, when it is
 * fullest, and the peak of those and of the heap at the end, over the heap
 * before, is the case's extra heap (garbage not yet collected included).
 *
 * Progress goes to stderr, the figures to stdout. Exits 0 when every case was
 * measured (running out of memory under the cap is a measured ✗), non-zero
 * when one failed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { evaluateGate } from '../src/gates/evaluate.ts';
import { parseJunit } from '../src/gates/parsers/junit.ts';
import { parseSarif } from '../src/gates/parsers/sarif.ts';
import { gateChildOutcome, type GateChildOutcome } from './gate-child-outcome.ts';
import { junitBytes, sarifBytes } from './gate-inputs.ts';
import { heapCapMb, heapPeaks, type HeapSizes } from './heap-peak.ts';
import { formatGates, TARGETS } from './report.ts';
import type { BoundedGateRun, GateCaseResult, GateRun, GatesResult } from './results.ts';

const MB = 1024 * 1024;

type Format = GateCaseResult['format'];

/** One case: its name, how to make its input, and the parse + evaluate to time (which returns what the gate made of it). */
interface GateCase {
  case: string;
  input: () => Uint8Array;
  run: (input: Uint8Array) => string;
}

const CASES: Record<Format, GateCase> = {
  junit: {
    case: 'JUnit 50 MB',
    input: () => junitBytes(50 * MB),
    run: (bytes) => {
      const parsed = parseJunit(bytes);
      if (!parsed.ok) throw new Error(`the JUnit input did not parse: ${JSON.stringify(parsed.reason)}`);
      const result = evaluateGate({ name: 'tests', type: 'junit' }, parsed.report, null, null);
      return `${parsed.report.tests} tests, ${parsed.report.failures} failed → ${result.result}`;
    },
  },
  sarif: {
    case: 'SARIF 100k results',
    input: () => sarifBytes(100_000),
    run: (bytes) => {
      const parsed = parseSarif(bytes);
      if (!parsed.ok) throw new Error(`the SARIF input did not parse: ${JSON.stringify(parsed.reason)}`);
      const result = evaluateGate({ name: 'scan', type: 'sarif', max: { error: 0 }, 'new-only': true }, parsed.report, { fingerprints: new Set() }, null);
      return `${parsed.report.findings.length} findings → ${result.result}`;
    },
  },
};

function isFormat(value: string): value is Format {
  return Object.hasOwn(CASES, value);
}

function heapNow(): HeapSizes {
  const { used_heap_size: used, total_heap_size: total } = getHeapStatistics();
  return { used, total };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** In the measuring child: one parse + evaluate of `gateCase` after a full GC, under a GC profiler. */
function measureRun(gc: () => void, gateCase: GateCase, input: Uint8Array): GateRun {
  gc();
  const before = heapNow();
  const profiler = new GCProfiler();
  profiler.start();
  const started = performance.now();
  const outcome = gateCase.run(input);
  const ms = performance.now() - started;
  const end = heapNow();
  const profile = profiler.stop();
  gc();
  const after = heapNow();
  const peak = heapPeaks(profile, end);
  return {
    ms: round(ms),
    baselineMb: round(before.used / MB),
    peakExtraHeapMb: round((peak.used - before.used) / MB),
    heapGrowthMb: round((peak.total - before.total) / MB),
    retainedMb: round((after.used - before.used) / MB),
    gcs: profile.statistics.length,
    outcome,
  };
}

/** Runs this file as a measuring child on `inputPath` (heap capped at `capMb` when given) and says what came of it. */
function runInChild(format: Format, inputPath: string, capMb?: number): Promise<GateChildOutcome> {
  const flags = ['--expose-gc', ...(capMb === undefined ? [] : [`--max-heap-size=${capMb}`])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, fileURLToPath(import.meta.url), '--case', format, '--input', inputPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      resolve(gateChildOutcome({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    });
  });
}

/** One case, in this process: its input to a file, then the unbounded and the capped run, each in a child. */
async function measureCase(format: Format, directory: string, progress: (message: string) => void): Promise<GateCaseResult> {
  const gateCase = CASES[format];
  progress(`gates: ${gateCase.case}: generating the input`);
  const inputPath = join(directory, `${format}.bin`);
  const input = gateCase.input();
  const inputMb = round(input.byteLength / MB);
  writeFileSync(inputPath, input);
  progress(`gates: ${gateCase.case}: ${inputMb} MB; parse + evaluate, heap unbounded`);
  const unbounded = await runInChild(format, inputPath);
  if (unbounded.kind !== 'measured') throw new Error(unbounded.kind === 'failed' ? unbounded.reason : 'out of memory with the heap unbounded');
  const capMb = heapCapMb(unbounded.run.baselineMb, TARGETS.gateExtraHeapMb);
  progress(`gates: ${gateCase.case}: ${unbounded.run.ms} ms, peak extra heap ${unbounded.run.peakExtraHeapMb} MB; again with the heap capped at ${capMb} MB`);
  const capped = await runInChild(format, inputPath, capMb);
  if (capped.kind === 'failed') throw new Error(`heap capped at ${capMb} MB: ${capped.reason}`);
  const bounded: BoundedGateRun = capped.kind === 'measured' ? { kind: 'finished', capMb, ...capped.run } : { kind: 'out-of-memory', capMb };
  progress(`gates: ${gateCase.case}: ${bounded.kind === 'finished' ? `${bounded.ms} ms, peak extra heap ${bounded.peakExtraHeapMb} MB` : 'out of memory'} with the heap capped`);
  return { case: gateCase.case, format, inputMb, bounded, unbounded: unbounded.run };
}

/** Every case, one after the other; a case that fails is an error of the result, and the next one still runs. */
async function measureGates(progress: (message: string) => void): Promise<GatesResult> {
  const started = performance.now();
  const directory = mkdtempSync(join(tmpdir(), 'shipgate-bench-gates-'));
  const cases: GateCaseResult[] = [];
  const errors: string[] = [];
  try {
    for (const format of Object.keys(CASES).filter(isFormat)) {
      try {
        cases.push(await measureCase(format, directory, progress));
      } catch (error) {
        errors.push(`${CASES[format].case}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const result: GatesResult = { cases, notes: [], durationMs: Math.round(performance.now() - started) };
  if (errors.length) result.error = errors.join('; ');
  return result;
}

/** The measuring child: one run of one case on the input file; its figures as one JSON line. */
function childMain(format: string, inputPath: string): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the measuring child needs --expose-gc');
  if (!isFormat(format)) throw new Error(`--case must be ${Object.keys(CASES).join(' or ')}, got ${JSON.stringify(format)}`);
  const input = readFileSync(inputPath);
  process.stdout.write(`${JSON.stringify(measureRun(gc, CASES[format], input))}\n`);
  return 0;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, case: { type: 'string' }, input: { type: 'string' } } });
  if (values.case !== undefined || values.input !== undefined) {
    if (values.case === undefined || values.input === undefined) throw new Error('--case and --input go together');
    return childMain(values.case, values.input);
  }
  const startedAt = performance.now();
  const progress = (message: string) => process.stderr.write(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
  const result = await measureGates(progress);
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${formatGates(result)}\n`);
  return result.error ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gates failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);

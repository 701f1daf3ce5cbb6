import { describe, expect, it } from 'vitest';
import { gateChildOutcome } from '../../bench/gate-child-outcome.ts';
import type { GateRun } from '../../bench/results.ts';

const run: GateRun = { ms: 1102, baselineMb: 12.5, peakExtraHeapMb: 12.4, heapGrowthMb: 14.5, retainedMb: 0.7, gcs: 8, outcome: '260000 tests, 2681 failed → fail' };

describe('gateChildOutcome', () => {
  it('reads the figures of a child that exited 0 with one JSON line', () => {
    expect(gateChildOutcome({ code: 0, signal: null, stdout: `${JSON.stringify(run)}\n`, stderr: '' })).toEqual({ kind: 'measured', run });
  });

  it("recognises V8's out-of-memory ending as a measured outcome, not a failure", () => {
    const stderr = '<--- Last few GCs --->\n...\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb8d0a3 node::Abort()\n';
    expect(gateChildOutcome({ code: null, signal: 'SIGABRT', stdout: '', stderr })).toEqual({ kind: 'out-of-memory' });
    expect(gateChildOutcome({ code: 134, signal: null, stdout: '', stderr })).toEqual({ kind: 'out-of-memory' });
  });

  it('fails a child that crashed otherwise, with its last line of stderr', () => {
    expect(gateChildOutcome({ code: 1, signal: null, stdout: '', stderr: 'Error: the SARIF input did not parse\n' })).toEqual({
      kind: 'failed',
      reason: 'the child exited with 1: Error: the SARIF input did not parse',
    });
    expect(gateChildOutcome({ code: null, signal: 'SIGKILL', stdout: '', stderr: '' })).toEqual({ kind: 'failed', reason: 'the child was killed by SIGKILL' });
  });

  it('fails a child that exited 0 without a result', () => {
    expect(gateChildOutcome({ code: 0, signal: null, stdout: 'not json', stderr: '' })).toEqual({ kind: 'failed', reason: 'the child exited with 0 without a result' });
  });
});

import { describe, expect, it } from 'vitest';
import { parseProcStatus, processMemory } from '../../bench/process-memory.ts';

const STATUS = ['Name:\tnode', 'VmPeak:\t 1200000 kB', 'VmHWM:\t  307200 kB', 'VmRSS:\t  204800 kB', 'Threads:\t11', ''].join('\n');

describe('parseProcStatus', () => {
  it('reads the resident size and its high-water mark in MB', () => {
    expect(parseProcStatus(STATUS)).toEqual({ rssMb: 200, peakMb: 300 });
  });

  it('gives NaN for a field that is not there', () => {
    const memory = parseProcStatus('Name:\tkthreadd\n');
    expect(memory.rssMb).toBeNaN();
    expect(memory.peakMb).toBeNaN();
  });

  it.runIf(process.platform === 'linux')('reads this process', async () => {
    const memory = await processMemory(process.pid);
    expect(memory.rssMb).toBeGreaterThan(10);
    expect(memory.peakMb).toBeGreaterThanOrEqual(memory.rssMb);
  });
});

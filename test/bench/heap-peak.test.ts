import type { GCProfilerResult } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { heapCapMb, heapPeaks } from '../../bench/heap-peak.ts';

type Sample = GCProfilerResult['statistics'][number];

/** A GC as the profiler records it: heap in use and reserved before and after, bytes (the other statistics are not read). */
function gcSample(before: { used: number; total: number }, after: { used: number; total: number }): Sample {
  const stats = (sizes: { used: number; total: number }) => ({ usedHeapSize: sizes.used, totalHeapSize: sizes.total }) as Sample['beforeGC']['heapStatistics'];
  return { gcType: 'Scavenge', cost: 1, beforeGC: { heapStatistics: stats(before), heapSpaceStatistics: [] }, afterGC: { heapStatistics: stats(after), heapSpaceStatistics: [] } };
}

describe('heapPeaks', () => {
  it('takes the heap in use just before the fullest GC, not what was left after it', () => {
    const profile = { statistics: [gcSample({ used: 40, total: 60 }, { used: 10, total: 60 }), gcSample({ used: 90, total: 120 }, { used: 30, total: 100 })] };
    expect(heapPeaks(profile, { used: 50, total: 100 })).toEqual({ used: 90, total: 120 });
  });

  it('takes the end when it is above every GC, and the end alone when there was no GC', () => {
    expect(heapPeaks({ statistics: [gcSample({ used: 40, total: 60 }, { used: 10, total: 70 })] }, { used: 55, total: 65 })).toEqual({ used: 55, total: 70 });
    expect(heapPeaks({ statistics: [] }, { used: 5, total: 8 })).toEqual({ used: 5, total: 8 });
  });
});

describe('heapCapMb', () => {
  it('gives the baseline plus the bound, rounded down so the run never gets more', () => {
    expect(heapCapMb(12.5, 100)).toBe(112);
    expect(heapCapMb(12, 100)).toBe(112);
    expect(heapCapMb(12.9, 100)).toBe(112);
  });
});

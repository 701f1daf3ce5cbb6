/** The JS heap's peaks during synchronous work, from a GC profile, and the cap of a bounded run (pure). */
import type { GCProfilerResult } from 'node:v8';

/** Heap sizes, bytes: in use, and reserved by V8 (`total_heap_size`). */
export interface HeapSizes {
  used: number;
  total: number;
}

/**
 * The largest heap in use and reserved, bytes, over the GCs of `profile` (in
 * use just before each, when the heap is fullest; reserved before and after)
 * and `end`, the heap when the work ended. Between two GCs the heap in use
 * only grows, so these samples hold its peak, garbage not yet collected
 * included.
 */
export function heapPeaks(profile: Pick<GCProfilerResult, 'statistics'>, end: HeapSizes): HeapSizes {
  return profile.statistics.reduce(
    (peak, gc) => ({
      used: Math.max(peak.used, gc.beforeGC.heapStatistics.usedHeapSize),
      total: Math.max(peak.total, gc.beforeGC.heapStatistics.totalHeapSize, gc.afterGC.heapStatistics.totalHeapSize),
    }),
    end,
  );
}

/**
 * `--max-heap-size` for a run allowed `extraMb` of heap over `baselineMb`, the
 * heap in use before the work: whole MB, rounded down so the run gets no more
 * than the bound.
 */
export function heapCapMb(baselineMb: number, extraMb: number): number {
  return Math.floor(baselineMb + extraMb);
}

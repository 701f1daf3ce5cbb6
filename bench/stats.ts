/** Summary statistics of the bench's samples (pure). */

/** A distribution of samples, in the samples' unit. */
export interface Summary {
  count: number;
  min: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The `p`-th percentile (0 < p ≤ 100) by the nearest-rank method: the smallest
 * sample such that at least p % of the samples are ≤ it. Always one of the
 * samples (no interpolation), so a p99 of 300 samples is the 297th smallest.
 * NaN for no samples.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** Count, min, p50, p99, max and mean of the samples (NaN fields when there are none). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, min: Number.NaN, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let total = 0;
  for (const sample of samples) {
    min = Math.min(min, sample);
    max = Math.max(max, sample);
    total += sample;
  }
  return { count: samples.length, min, p50: percentile(samples, 50), p99: percentile(samples, 99), max, mean: total / samples.length };
}

/** The median of small integer-ish counts (for per-pipeline request counts). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** The pace of one installation's writes as GitHub saw them (pure). */
export interface WriteRate {
  writes: number;
  /** First to last write, ms. */
  spanMs: number;
  /** (writes − 1) per second over the span: the pace the writes kept, NaN for fewer than 2. */
  perSecond: number;
  /** The shortest gap between two consecutive writes, ms. */
  minGapMs: number;
  /** The most writes that arrived within any one second. */
  maxInOneSecond: number;
}

/** Pace of writes that arrived at `times` (ms, any order). */
export function writeRate(times: readonly number[]): WriteRate {
  const sorted = [...times].sort((a, b) => a - b);
  const first = sorted[0] ?? Number.NaN;
  const last = sorted.at(-1) ?? Number.NaN;
  const spanMs = sorted.length > 1 ? last - first : 0;
  let minGapMs = Number.NaN;
  let maxInOneSecond = 0;
  let from = 0;
  for (let i = 0; i < sorted.length; i++) {
    const at = sorted[i] as number;
    if (i > 0) minGapMs = Number.isNaN(minGapMs) ? at - (sorted[i - 1] as number) : Math.min(minGapMs, at - (sorted[i - 1] as number));
    while (at - (sorted[from] as number) >= 1000) from++;
    maxInOneSecond = Math.max(maxInOneSecond, i - from + 1);
  }
  return { writes: sorted.length, spanMs, perSecond: sorted.length > 1 ? ((sorted.length - 1) * 1000) / spanMs : Number.NaN, minGapMs, maxInOneSecond };
}

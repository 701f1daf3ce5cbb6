import type { TargetResult } from './results.ts';

/** One database's results, put together from its parts (pure). */
export function mergeTargets(into: TargetResult | undefined, from: TargetResult): TargetResult {
  if (!into) return from;
  const { skipped: _ignored, notes, durationMs, error, ...figures } = from;
  const merged: TargetResult = { ...into, ...figures, notes: [...into.notes, ...notes], durationMs: into.durationMs + durationMs };
  if (into.skipped && !from.skipped) delete merged.skipped;
  if (error) merged.error = into.error ? `${into.error}; ${error}` : error;
  return merged;
}

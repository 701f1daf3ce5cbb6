/** Merging per-line coverage of several records of the same file. */
import type { Counts, LineHits } from '../report.ts';

/** Adds `hits` for `line` of `path`, keeping the highest count when the line is seen again (several classes or records of one file). */
export function mergeLineHit(files: Map<string, LineHits>, path: string, line: number, hits: number): void {
  let lines = files.get(path);
  if (lines === undefined) {
    lines = new Map();
    files.set(path, lines);
  }
  const previous = lines.get(line);
  if (previous === undefined || hits > previous) lines.set(line, hits);
}

/** Covered ÷ valid lines summed over every file. */
export function lineTotals(files: ReadonlyMap<string, LineHits>): Counts {
  let covered = 0;
  let valid = 0;
  for (const lines of files.values()) {
    for (const hits of lines.values()) {
      valid += 1;
      if (hits > 0) covered += 1;
    }
  }
  return { covered, valid };
}

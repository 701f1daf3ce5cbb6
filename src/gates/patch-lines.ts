/**
 * The added lines of a pull-request file, from the `patch` the files API gives
 * (hunks only, no `diff --git` header).
 */

/** Line numbers (in the new file) that the patch adds, or null when the text is not a patch of hunks. */
export function addedLines(patch: string): number[] | null {
  const added: number[] = [];
  let next: number | null = null;
  for (const line of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      next = Number(hunk[1]);
      continue;
    }
    if (next === null) {
      if (line.length === 0) continue;
      return null;
    }
    if (line.startsWith('+')) {
      added.push(next);
      next += 1;
    } else if (line.startsWith(' ') || line.length === 0) {
      next += 1;
    }
    // '-' lines are removed; '\ No newline at end of file' is a marker.
  }
  return next === null ? null : added;
}

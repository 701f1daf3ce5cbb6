/**
 * The include/ignore filter pairs of a trigger (`branches` + `branches-ignore`,
 * `tags` + `tags-ignore`, `paths` + `paths-ignore`), each answered with a
 * human-readable reason. Pure; patterns follow `patterns.ts`.
 *
 * An empty list counts as not set, so `branches-ignore: []` ignores nothing and does
 * not conflict with `branches`.
 */
import { decideFilters, matchFilters } from './patterns.ts';

/** Whether a filter lets the event through, and why (a sentence for users). */
export type FilterOutcome = { ok: true; reason: string } | { ok: false; reason: string };

/** A ref name filter: which name, which lists, and where they are in the config. */
export interface NameFilterInput {
  /** What the name is, for messages: `branch`, `base branch`, `tag`. */
  subject: string;
  name: string;
  include?: readonly string[] | undefined;
  ignore?: readonly string[] | undefined;
  /** Config path of the lists, e.g. `on.push.branches` (the ignore key adds `-ignore`). */
  key: string;
}

/** A changed-paths filter. */
export interface PathFilterInput {
  /** Changed paths; `undefined` when not resolved yet. */
  files: readonly string[] | undefined;
  /** The list is known to be only part of the change. */
  incomplete?: boolean | undefined;
  include?: readonly string[] | undefined;
  ignore?: readonly string[] | undefined;
  /** Config path of the lists, e.g. `on.push.paths`. */
  key: string;
  /** What changed the files, for messages: `push`, `pull request`. */
  source: string;
}

const LISTED_PATTERNS = 5;

/** Whether a filter list is set (present and non-empty). */
export function isSet(list: readonly string[] | undefined): list is readonly string[] {
  return list !== undefined && list.length > 0;
}

/**
 * Applies `include` (ordered, `!` negations, last match wins) and then `ignore` to a
 * branch or tag name. With neither set every name matches.
 */
export function filterName(input: NameFilterInput): FilterOutcome {
  const { subject, name, include, ignore, key } = input;
  let reason = `${key} is not set, so every ${subject} matches`;
  if (isSet(include)) {
    const decision = decideFilters(name, include);
    if (!decision.included) {
      return decision.decidedBy !== undefined
        ? { ok: false, reason: `${subject} '${name}' is excluded by ${key} '${decision.decidedBy}'` }
        : { ok: false, reason: `${subject} '${name}' does not match ${key} (${listPatterns(include)})` };
    }
    reason = `${subject} '${name}' matches ${key} '${decision.decidedBy ?? ''}'`;
  }
  if (isSet(ignore)) {
    const decision = decideFilters(name, ignore);
    if (decision.included) {
      return { ok: false, reason: `${subject} '${name}' is ignored by ${key}-ignore '${decision.decidedBy ?? ''}'` };
    }
    if (!isSet(include)) reason = `${subject} '${name}' is not ignored by ${key}-ignore (${listPatterns(ignore)})`;
  }
  return { ok: true, reason };
}

/**
 * Applies path filters the way GitHub does: with `include`, at least one changed
 * path must match; with `ignore`, the event is skipped only when every changed path
 * is ignored. A partial file list never causes a skip.
 */
export function filterPaths(input: PathFilterInput): FilterOutcome | undefined {
  const { files, incomplete, include, ignore, key, source } = input;
  if (!isSet(include) && !isSet(ignore)) return undefined;
  if (files === undefined) {
    const which = isSet(include) ? key : `${key}-ignore`;
    return { ok: false, reason: `${which} cannot be checked: the changed files are unknown (resolve them before matching)` };
  }
  const partial = 'the changed-file list is incomplete (GitHub lists at most 300 files)';
  let reason = '';
  if (isSet(include)) {
    const hit = files.find((file) => matchFilters(file, include));
    if (hit !== undefined) {
      reason = `changed path '${hit}' matches ${key} '${decideFilters(hit, include).decidedBy ?? ''}'`;
    } else if (incomplete) {
      reason = `${partial} and no listed path matches ${key}, so it runs to be safe`;
    } else if (files.length === 0) {
      return { ok: false, reason: `the ${source} changed no files, so nothing matches ${key}` };
    } else {
      return { ok: false, reason: `no changed path matches ${key} (${listPatterns(include)})` };
    }
  }
  if (isSet(ignore)) {
    const kept = files.find((file) => !matchFilters(file, ignore));
    if (kept !== undefined) {
      reason ||= `changed path '${kept}' is not ignored by ${key}-ignore`;
    } else if (incomplete) {
      reason ||= `${partial} and every listed path is ignored by ${key}-ignore, so it runs to be safe`;
    } else if (files.length === 0) {
      reason ||= `the ${source} changed no files, so ${key}-ignore has nothing to ignore`;
    } else {
      return { ok: false, reason: `every changed path is ignored by ${key}-ignore (${listPatterns(ignore)})` };
    }
  }
  return { ok: true, reason };
}

function listPatterns(patterns: readonly string[]): string {
  const shown = patterns.slice(0, LISTED_PATTERNS).map((p) => `'${p}'`).join(', ');
  return patterns.length > LISTED_PATTERNS ? `${shown}, … ${patterns.length - LISTED_PATTERNS} more` : shown;
}

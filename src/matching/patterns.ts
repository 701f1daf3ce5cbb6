/**
 * GitHub Actions filter patterns (`branches`, `tags`, `paths` and their `-ignore`
 * twins), with the semantics of GitHub's "Filter pattern cheat sheet":
 *
 * - `*` matches zero or more characters except `/`; `**` matches zero or more of any
 *   character. `**` followed by `/` at the start of a path segment also matches no
 *   directory at all, so `**\/README.md` matches `README.md` and `docs/**\/*.md`
 *   matches `docs/README.md` (rows of the cheat sheet).
 * - `?` and `+` quantify the *preceding* character (or `[]` class): zero-or-one and
 *   one-or-more. `*.jsx?` matches `page.js` and `page.jsx`.
 * - `[]` matches one character listed or in a range; ranges only span `a-z`, `A-Z`
 *   or `0-9`.
 * - `\` makes the next character literal.
 * - A leading `!` negates (handled by {@link matchFilters}, not by a single pattern).
 *
 * Matching never uses a backtracking `RegExp`: a pattern compiles to a token list
 * that is run as a set of NFA states over the value, so a hostile pattern costs at
 * most O(pattern × value) time and O(pattern) space.
 */

/** Longest pattern accepted, in characters. */
export const MAX_FILTER_PATTERN_LENGTH = 1000;

/** One character position of a pattern: a literal or a `[]` class. */
type CharMatcher =
  | { kind: 'literal'; char: string }
  | { kind: 'class'; singles: Set<string>; ranges: Array<[number, number]> };

/**
 * A compiled step. Every token may only move the NFA forward (to itself or a later
 * token), which is what lets one forward pass compute the epsilon closure.
 */
type Token =
  | { kind: 'one'; matcher: CharMatcher } // exactly one matching character
  | { kind: 'optional'; matcher: CharMatcher } // `x?`
  | { kind: 'repeat'; matcher: CharMatcher } // zero or more; `x+` is `x` then this
  | { kind: 'star' } // `*`
  | { kind: 'globstar' } // `**`
  | { kind: 'fork'; to: number }; // epsilon to the next token or to `to`

/** A parsed pattern element before it is lowered to tokens. */
type Atom =
  | { kind: 'char'; matcher: CharMatcher; quantifier: '' | '?' | '+' }
  | { kind: 'star' }
  | { kind: 'globstar' }
  | { kind: 'directories' }; // `**/` at the start of a segment: `(.*\/)?`

/** A pattern ready to match values. */
export interface CompiledFilterPattern {
  /** The pattern as written (without a leading `!`). */
  readonly source: string;
  /** Whether the whole of `value` matches. */
  matches(value: string): boolean;
}

/** Result of {@link compileFilterPattern}. */
export type CompileFilterPatternResult =
  | { ok: true; pattern: CompiledFilterPattern }
  | { ok: false; error: string };

const RANGE_GROUPS: Array<[string, string]> = [
  ['a', 'z'],
  ['A', 'Z'],
  ['0', '9'],
];

/**
 * Checks the syntax of one filter pattern as written in the config, including an
 * optional leading `!`. Returns `undefined` when it is valid, otherwise a message
 * that says what is wrong and how to fix it.
 */
export function checkFilterPattern(pattern: string): string | undefined {
  if (pattern.length > MAX_FILTER_PATTERN_LENGTH) {
    return `pattern is ${pattern.length} characters long; the limit is ${MAX_FILTER_PATTERN_LENGTH}`;
  }
  if (pattern.length === 0) return 'pattern is empty';
  const body = pattern.startsWith('!') ? pattern.slice(1) : pattern;
  if (body.length === 0) return "pattern '!' negates nothing; write the pattern to exclude after '!'";
  const result = parsePattern(body);
  return result.ok ? undefined : result.error;
}

/**
 * Checks a whole filter list: each pattern's syntax (messages are prefixed with the
 * pattern) and that a list with `!` patterns also has a positive one, as GitHub
 * requires (an exclusion-only list matches nothing; use the `-ignore` key instead).
 */
export function checkFilterList(patterns: readonly string[]): string[] {
  const errors: string[] = [];
  for (const pattern of patterns) {
    const error = checkFilterPattern(pattern);
    if (error !== undefined) errors.push(`'${pattern}': ${error}`);
  }
  if (patterns.length > 0 && patterns.every((p) => p.startsWith('!'))) {
    errors.push(
      'every pattern starts with \'!\', so nothing can match; add a positive pattern (e.g. \'**\') before the exclusions, or use the -ignore key',
    );
  }
  return errors;
}

const compiledCache = new Map<string, CompileFilterPatternResult>();
const COMPILED_CACHE_LIMIT = 2000;

/**
 * Compiles one pattern (no `!` handling: a leading `!` is a literal here). Results
 * are cached, so matching many values against a config's patterns compiles each once.
 */
export function compileFilterPattern(pattern: string): CompileFilterPatternResult {
  const cached = compiledCache.get(pattern);
  if (cached) return cached;
  const result = compileUncached(pattern);
  if (compiledCache.size >= COMPILED_CACHE_LIMIT) compiledCache.clear();
  compiledCache.set(pattern, result);
  return result;
}

/**
 * Whether `value` matches one pattern in full (no `!` handling). Throws an `Error`
 * naming the pattern when it is invalid; validate with {@link checkFilterPattern} first.
 */
export function matchFilterPattern(pattern: string, value: string): boolean {
  const compiled = compileFilterPattern(pattern);
  if (!compiled.ok) throw new Error(`invalid filter pattern '${pattern}': ${compiled.error}`);
  return compiled.pattern.matches(value);
}

/** How an ordered filter list decided about one value. */
export interface FilterDecision {
  /** Whether the value is in the list: the last pattern that matched it is positive. */
  included: boolean;
  /** The last pattern that matched (with its `!` when negative), if any did. */
  decidedBy?: string;
}

/**
 * Runs an ordered filter list against `value`: patterns are checked in order, a
 * leading `!` excludes, and the last pattern that matches decides.
 */
export function decideFilters(value: string, patterns: readonly string[]): FilterDecision {
  for (let index = patterns.length - 1; index >= 0; index--) {
    const pattern = patterns[index] as string;
    const negated = pattern.startsWith('!');
    if (matchFilterPattern(negated ? pattern.slice(1) : pattern, value)) {
      return { included: !negated, decidedBy: pattern };
    }
  }
  return { included: false };
}

/**
 * Whether `value` is matched by an ordered filter list with `!` negations (last
 * match wins): `['*.md', '!README.md', 'README*']` includes `README.md` again.
 */
export function matchFilters(value: string, patterns: readonly string[]): boolean {
  return decideFilters(value, patterns).included;
}

function compileUncached(pattern: string): CompileFilterPatternResult {
  if (pattern.length > MAX_FILTER_PATTERN_LENGTH) {
    return { ok: false, error: `pattern is ${pattern.length} characters long; the limit is ${MAX_FILTER_PATTERN_LENGTH}` };
  }
  if (pattern.length === 0) return { ok: false, error: 'pattern is empty' };
  const parsed = parsePattern(pattern);
  if (!parsed.ok) return parsed;
  const tokens = lower(parsed.atoms);
  return { ok: true, pattern: { source: pattern, matches: (value) => runTokens(tokens, value) } };
}

type ParseResult = { ok: true; atoms: Atom[] } | { ok: false; error: string };

function parsePattern(pattern: string): ParseResult {
  const chars = Array.from(pattern);
  const atoms: Atom[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] as string;
    const position = i + 1;
    if (c === '*') {
      let run = 0;
      while (chars[i + run] === '*') run++;
      const next = chars[i + run];
      const segmentStart = atoms.length === 0 || isSlash(atoms[atoms.length - 1]);
      const following = chars[i + run + 1];
      if (run >= 2 && segmentStart && next === '/' && following !== '?' && following !== '+') {
        atoms.push({ kind: 'directories' });
        i += run + 1;
      } else {
        atoms.push(run >= 2 ? { kind: 'globstar' } : { kind: 'star' });
        i += run;
      }
      continue;
    }
    if (c === '?' || c === '+') {
      const previous = atoms[atoms.length - 1];
      if (!previous) {
        return fail(`'${c}' at position ${position} has nothing before it to repeat; write '\\${c}' to match a literal '${c}'`);
      }
      if (previous.kind !== 'char') {
        return fail(`'${c}' at position ${position} follows a wildcard; '?' and '+' repeat the character before them, so write '\\${c}' for a literal '${c}'`);
      }
      if (previous.quantifier !== '') {
        return fail(`'${c}' at position ${position} follows another '${previous.quantifier}'; write '\\${c}' to match a literal '${c}'`);
      }
      previous.quantifier = c;
      i++;
      continue;
    }
    if (c === '[') {
      const parsed = parseClass(chars, i);
      if (!parsed.ok) return parsed;
      atoms.push({ kind: 'char', matcher: parsed.matcher, quantifier: '' });
      i = parsed.end;
      continue;
    }
    if (c === '\\') {
      const escaped = chars[i + 1];
      if (escaped === undefined) {
        return fail(`'\\' at position ${position} ends the pattern; it must be followed by the character to match literally (write '\\\\' for a backslash)`);
      }
      atoms.push({ kind: 'char', matcher: { kind: 'literal', char: escaped }, quantifier: '' });
      i += 2;
      continue;
    }
    atoms.push({ kind: 'char', matcher: { kind: 'literal', char: c }, quantifier: '' });
    i++;
  }
  return { ok: true, atoms };
}

function isSlash(atom: Atom | undefined): boolean {
  return atom?.kind === 'char' && atom.quantifier === '' && atom.matcher.kind === 'literal' && atom.matcher.char === '/';
}

type ClassResult = { ok: true; matcher: CharMatcher; end: number } | { ok: false; error: string };

function parseClass(chars: string[], start: number): ClassResult {
  const singles = new Set<string>();
  const ranges: Array<[number, number]> = [];
  // Escaped members are never range dashes.
  const members: Array<{ char: string; escaped: boolean }> = [];
  let i = start + 1;
  let closed = false;
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === ']') {
      closed = true;
      break;
    }
    if (c === '\\') {
      const escaped = chars[i + 1];
      if (escaped === undefined) break;
      members.push({ char: escaped, escaped: true });
      i += 2;
      continue;
    }
    members.push({ char: c, escaped: false });
    i++;
  }
  if (!closed) {
    return fail(`'[' at position ${start + 1} is never closed; add ']' or write '\\[' to match a literal '['`);
  }
  if (members.length === 0) {
    return fail(`'[]' at position ${start + 1} is empty; list at least one character, e.g. '[0-9]'`);
  }
  const raw = chars.slice(start, i + 1).join('');
  for (let m = 0; m < members.length; m++) {
    const low = (members[m] as { char: string }).char;
    const dash = members[m + 1];
    const high = members[m + 2]?.char;
    // A '-' between two members is a range; at either end of the class it is literal.
    if (dash?.char === '-' && !dash.escaped && high !== undefined) {
      const group = RANGE_GROUPS.find(([from, to]) => low >= from && low <= to && high >= from && high <= to);
      if (!group) {
        return fail(`range '${low}-${high}' in '${raw}' is not allowed; ranges can only span a-z, A-Z or 0-9`);
      }
      if (low > high) {
        return fail(`range '${low}-${high}' in '${raw}' is reversed; write '${high}-${low}'`);
      }
      ranges.push([low.codePointAt(0) as number, high.codePointAt(0) as number]);
      m += 2;
      continue;
    }
    singles.add(low);
  }
  return { ok: true, matcher: { kind: 'class', singles, ranges }, end: i + 1 };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

/** Lowers atoms to forward-only NFA tokens. */
function lower(atoms: Atom[]): Token[] {
  const tokens: Token[] = [];
  for (const atom of atoms) {
    switch (atom.kind) {
      case 'star':
        tokens.push({ kind: 'star' });
        break;
      case 'globstar':
        tokens.push({ kind: 'globstar' });
        break;
      case 'directories': {
        // (.*/)? : either skip all three tokens, or any characters then a '/'.
        const fork = tokens.length;
        tokens.push({ kind: 'fork', to: fork + 3 });
        tokens.push({ kind: 'globstar' });
        tokens.push({ kind: 'one', matcher: { kind: 'literal', char: '/' } });
        break;
      }
      case 'char':
        if (atom.quantifier === '?') tokens.push({ kind: 'optional', matcher: atom.matcher });
        else if (atom.quantifier === '+') {
          tokens.push({ kind: 'one', matcher: atom.matcher });
          tokens.push({ kind: 'repeat', matcher: atom.matcher });
        } else tokens.push({ kind: 'one', matcher: atom.matcher });
        break;
    }
  }
  return tokens;
}

function matchesChar(matcher: CharMatcher, c: string): boolean {
  if (matcher.kind === 'literal') return matcher.char === c;
  if (matcher.singles.has(c)) return true;
  const code = c.codePointAt(0) as number;
  return matcher.ranges.some(([low, high]) => code >= low && code <= high);
}

/** Adds every state reachable without consuming a character (tokens only jump forward). */
function closeOver(tokens: Token[], states: Uint8Array): void {
  for (let i = 0; i < tokens.length; i++) {
    if (!states[i]) continue;
    const token = tokens[i] as Token;
    switch (token.kind) {
      case 'optional':
      case 'repeat':
      case 'star':
      case 'globstar':
        states[i + 1] = 1;
        break;
      case 'fork':
        states[i + 1] = 1;
        states[token.to] = 1;
        break;
      case 'one':
        break;
    }
  }
}

/** Simulates the token NFA over `value`: O(tokens × characters) time, O(tokens) space. */
function runTokens(tokens: Token[], value: string): boolean {
  let current = new Uint8Array(tokens.length + 1);
  let next = new Uint8Array(tokens.length + 1);
  current[0] = 1;
  closeOver(tokens, current);
  for (const c of value) {
    next.fill(0);
    let alive = false;
    for (let i = 0; i < tokens.length; i++) {
      if (!current[i]) continue;
      const token = tokens[i] as Token;
      switch (token.kind) {
        case 'one':
        case 'optional':
          if (matchesChar(token.matcher, c)) {
            next[i + 1] = 1;
            alive = true;
          }
          break;
        case 'repeat':
          if (matchesChar(token.matcher, c)) {
            next[i] = 1;
            alive = true;
          }
          break;
        case 'star':
          if (c !== '/') {
            next[i] = 1;
            alive = true;
          }
          break;
        case 'globstar':
          next[i] = 1;
          alive = true;
          break;
        case 'fork':
          break;
      }
    }
    if (!alive) return false;
    closeOver(tokens, next);
    [current, next] = [next, current];
  }
  return current[tokens.length] === 1;
}

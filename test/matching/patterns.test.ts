import { describe, expect, it } from 'vitest';
import {
  checkFilterList,
  checkFilterPattern,
  decideFilters,
  matchFilterPattern,
  matchFilters,
  MAX_FILTER_PATTERN_LENGTH,
} from '../../src/matching/patterns.ts';
import { BRANCH_AND_TAG_ROWS, PATH_ROWS, type CheatSheetRow } from './cheat-sheet.ts';

function rowCases(rows: CheatSheetRow[]) {
  return rows.flatMap((row) => [
    ...row.matches.map((value) => ({ patterns: row.patterns, value, expected: true, why: row.description })),
    ...row.doesNotMatch.map((value) => ({ patterns: row.patterns, value, expected: false, why: row.description })),
  ]);
}

describe('cheat sheet: patterns to match branches and tags', () => {
  it.each(rowCases(BRANCH_AND_TAG_ROWS))('$patterns vs $value → $expected ($why)', ({ patterns, value, expected }) => {
    expect(matchFilters(value, patterns)).toBe(expected);
  });

  it('every pattern of the table is valid', () => {
    for (const row of BRANCH_AND_TAG_ROWS) {
      for (const pattern of row.patterns) expect(checkFilterPattern(pattern)).toBeUndefined();
    }
  });
});

describe('cheat sheet: patterns to match file paths', () => {
  it.each(rowCases(PATH_ROWS))('$patterns vs $value → $expected ($why)', ({ patterns, value, expected }) => {
    expect(matchFilters(value, patterns)).toBe(expected);
  });

  it('every pattern of the table is valid', () => {
    for (const row of PATH_ROWS) {
      for (const pattern of row.patterns) expect(checkFilterPattern(pattern)).toBeUndefined();
    }
  });
});

describe('cheat sheet: special characters', () => {
  it.each([
    ['Octo*', 'Octocat', true],
    ['Octo*', 'Octo', true],
    ['Octo*', 'Octo/cat', false],
    ['Octo**', 'Octo/cat', true],
    ['[CB]at', 'Cat', true],
    ['[CB]at', 'Bat', true],
    ['[CB]at', 'Rat', false],
    ['[1-2]00', '100', true],
    ['[1-2]00', '200', true],
    ['[1-2]00', '300', false],
    ['[0-9a-z]', '7', true],
    ['[0-9a-z]', 'q', true],
    ['[0-9a-z]', 'Q', false],
    ['[0-9a-z]', '-', false],
  ] as const)('%s vs %s → %s', (pattern, value, expected) => {
    expect(matchFilterPattern(pattern, value)).toBe(expected);
  });
});

describe('quantifiers apply to the preceding character', () => {
  it.each([
    ['colou?r', 'color', true],
    ['colou?r', 'colour', true],
    ['colou?r', 'colouur', false],
    ['a+b', 'b', false],
    ['a+b', 'ab', true],
    ['a+b', 'aaab', true],
    ['v[0-9]+', 'v', false],
    ['v[0-9]+', 'v2026', true],
    ['v[0-9]+', 'v20x', false],
    ['[ab]?c', 'c', true],
    ['[ab]?c', 'bc', true],
    ['[ab]?c', 'abc', false],
    ['x/?y', 'xy', true],
    ['x/?y', 'x/y', true],
  ] as const)('%s vs %s → %s', (pattern, value, expected) => {
    expect(matchFilterPattern(pattern, value)).toBe(expected);
  });
});

describe('escapes', () => {
  it.each([
    ['release\\*', 'release*', true],
    ['release\\*', 'release-1', false],
    ['c\\+\\+', 'c++', true],
    ['c\\+\\+', 'ccc', false],
    ['what\\?', 'what?', true],
    ['what\\?', 'wha', false],
    ['\\[draft\\]-*', '[draft]-x', true],
    ['\\!important', '!important', true],
    ['a\\\\b', 'a\\b', true],
    ['[\\]x]', ']', true],
    ['[a\\-z]', '-', true],
    ['[a\\-z]', 'm', false],
  ] as const)('%s vs %s → %s', (pattern, value, expected) => {
    expect(matchFilterPattern(pattern, value)).toBe(expected);
  });

  it('an escaped ! at the start is not a negation', () => {
    expect(matchFilters('!important', ['\\!important'])).toBe(true);
  });
});

describe('character classes', () => {
  it('treats - at either end as a literal', () => {
    expect(matchFilterPattern('[-a]', '-')).toBe(true);
    expect(matchFilterPattern('[a-]', '-')).toBe(true);
    expect(matchFilterPattern('[a-]', 'b')).toBe(false);
  });

  it('treats other special characters inside [] as literals', () => {
    expect(matchFilterPattern('[*?]', '*')).toBe(true);
    expect(matchFilterPattern('[*?]', '?')).toBe(true);
    expect(matchFilterPattern('[*?]', 'x')).toBe(false);
  });

  it('matches non-ASCII characters as single characters', () => {
    expect(matchFilterPattern('caf?', 'caf')).toBe(true);
    expect(matchFilterPattern('caf*', 'café')).toBe(true);
    expect(matchFilterPattern('[é]', 'é')).toBe(true);
  });
});

describe('globstar and directories', () => {
  it('lets **/ in the middle match no directory', () => {
    expect(matchFilterPattern('a/**/b', 'a/b')).toBe(true);
    expect(matchFilterPattern('a/**/b', 'a/x/y/b')).toBe(true);
    expect(matchFilterPattern('a/**/b', 'ab')).toBe(false);
  });

  it('does not treat ** inside a segment as optional directories', () => {
    expect(matchFilterPattern('x**/y', 'x/y')).toBe(true);
    expect(matchFilterPattern('x**/y', 'xa/b/y')).toBe(true);
    expect(matchFilterPattern('x**/y', 'xy')).toBe(false);
  });

  it('does not let a leading **/ swallow the last segment', () => {
    expect(matchFilterPattern('**/b', 'xb')).toBe(false);
    expect(matchFilterPattern('**/b', 'x/b')).toBe(true);
  });
});

describe('negation: ordered, last match wins', () => {
  it('a later ! excludes, a later positive re-includes', () => {
    const patterns = ['src/**', '!src/**/*.md', 'src/docs/keep.md'];
    expect(matchFilters('src/app.ts', patterns)).toBe(true);
    expect(matchFilters('src/docs/readme.md', patterns)).toBe(false);
    expect(matchFilters('src/docs/keep.md', patterns)).toBe(true);
    expect(matchFilters('lib/app.ts', patterns)).toBe(false);
  });

  it('a ! before the positive pattern has no effect', () => {
    expect(matchFilters('README.md', ['!README.md', '*.md'])).toBe(true);
  });

  it('reports which pattern decided', () => {
    expect(decideFilters('README.md', ['*.md', '!README.md'])).toEqual({ included: false, decidedBy: '!README.md' });
    expect(decideFilters('a.md', ['*.md', '!README.md'])).toEqual({ included: true, decidedBy: '*.md' });
    expect(decideFilters('a.txt', ['*.md'])).toEqual({ included: false });
  });

  it('an empty list matches nothing', () => {
    expect(matchFilters('main', [])).toBe(false);
  });

  it('! is literal when it is not the first character', () => {
    expect(matchFilters('a!b', ['a!b'])).toBe(true);
  });
});

describe('checkFilterPattern', () => {
  it.each([
    ['main'],
    ['!main'],
    ['release/**'],
    ['v[12].[0-9]+.[0-9]+'],
    ['*.jsx?'],
    ['\\*'],
    ['[-]'],
  ])('accepts %s', (pattern) => {
    expect(checkFilterPattern(pattern)).toBeUndefined();
  });

  it.each([
    ['', 'pattern is empty'],
    ['!', 'negates nothing'],
    ['release/[0-9', "'[' at position 9 is never closed"],
    ['[]', 'is empty'],
    ['?abc', "'?' at position 1 has nothing before it"],
    ['+', "'+' at position 1 has nothing before it"],
    ['!+x', "'+' at position 1 has nothing before it"],
    ['a*?', 'follows a wildcard'],
    ['**+', 'follows a wildcard'],
    ['a??', "follows another '?'"],
    ['a+?', "follows another '+'"],
    ['abc\\', 'ends the pattern'],
    ['[a-Z]', "range 'a-Z' in '[a-Z]' is not allowed"],
    ['[!-/]', 'ranges can only span a-z, A-Z or 0-9'],
    ['[9-0]', 'is reversed'],
    ['x'.repeat(MAX_FILTER_PATTERN_LENGTH + 1), 'the limit is 1000'],
  ])('rejects %j with a clear message', (pattern, message) => {
    expect(checkFilterPattern(pattern)).toContain(message);
  });

  it('accepts a pattern of exactly the maximum length', () => {
    expect(checkFilterPattern('a'.repeat(MAX_FILTER_PATTERN_LENGTH))).toBeUndefined();
  });
});

describe('checkFilterList', () => {
  it('names the bad pattern', () => {
    expect(checkFilterList(['main', 'release/[x'])).toEqual([
      "'release/[x': '[' at position 9 is never closed; add ']' or write '\\[' to match a literal '['",
    ]);
  });

  it('rejects a list of only exclusions', () => {
    expect(checkFilterList(['!main'])[0]).toContain('every pattern starts with');
    expect(checkFilterList(['**', '!main'])).toEqual([]);
    expect(checkFilterList([])).toEqual([]);
  });
});

describe('matchFilterPattern with an invalid pattern', () => {
  it('throws an error naming the pattern', () => {
    expect(() => matchFilterPattern('[oops', 'x')).toThrow("invalid filter pattern '[oops'");
  });
});

describe('hostile patterns finish in linear time (no backtracking)', () => {
  const as = 'a'.repeat(5000);
  it.each([
    { name: "'a*' x50 + 'b'", pattern: 'a*'.repeat(50) + 'b', value: as, expected: false },
    { name: "'a*' x50 + 'a'", pattern: 'a*'.repeat(50) + 'a', value: as, expected: true },
    { name: "'a**' x50 + 'b'", pattern: 'a**'.repeat(50) + 'b', value: as, expected: false },
    { name: "'**a' x50 + 'b'", pattern: '**a'.repeat(50) + 'b', value: as, expected: false },
    { name: "'a?' x300 + 'b'", pattern: 'a?'.repeat(300) + 'b', value: as, expected: false },
    { name: "'a?' x300 + 'a' x300", pattern: 'a?'.repeat(300) + 'a'.repeat(300), value: 'a'.repeat(300), expected: true },
    { name: "'a+' x400 + 'b'", pattern: 'a+'.repeat(400) + 'b', value: as, expected: false },
    { name: "'a+' x400", pattern: 'a+'.repeat(400), value: as, expected: true },
    { name: "'[a-z]+' x100 + '!'", pattern: '[a-z]+'.repeat(100) + '!', value: as, expected: false },
    { name: "'**/' x100 + 'x'", pattern: '**/'.repeat(100) + 'x', value: 'a/'.repeat(2500) + 'y', expected: false },
    { name: "'*' x999 + 'b'", pattern: '*'.repeat(999) + 'b', value: as, expected: false },
  ])('$name', ({ pattern, value, expected }) => {
    expect(pattern.length).toBeLessThanOrEqual(MAX_FILTER_PATTERN_LENGTH);
    expect(matchFilterPattern(pattern, value)).toBe(expected);
  });

  it('handles a hostile list too', () => {
    const patterns = Array.from({ length: 20 }, (_, i) => (i % 2 ? '!' : '') + 'a*'.repeat(40) + 'c');
    expect(matchFilters(as, patterns)).toBe(false);
  });
});

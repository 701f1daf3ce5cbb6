import { describe, expect, it } from 'vitest';
import { parseLcov } from '../../../src/gates/parsers/lcov.ts';
import { reportFixture } from '../fixture.ts';

describe('parseLcov', () => {
  it.each([
    ['jest/lcov.info', { covered: 5, valid: 8 }, { covered: 1, valid: 2 }],
    ['c8/lcov.info', { covered: 16, valid: 22 }, { covered: 4, valid: 5 }],
  ])('reads the real %s', (path, lines, branches) => {
    const parsed = parseLcov(reportFixture(path));
    expect(parsed.ok && parsed.report.lines).toEqual(lines);
    expect(parsed.ok && parsed.report.branches).toEqual(branches);
    expect(parsed.ok && [...parsed.report.files!.keys()]).toEqual(['src/math.js']);
  });

  it('merges a repeated SF by the highest hits, reads LCOV 2 string branch ids and "-", and counts a summary-only record', () => {
    const parsed = parseLcov(reportFixture('edge-cases/lcov-v2-string-branches-repeated-sf.info'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const flags = parsed.report.files!.get('src/flags.c');
    expect(flags && [...flags.entries()].sort((a, b) => a[0] - b[0])).toEqual([[3, 1], [5, 3], [6, 4], [7, 0], [8, 0]]);
    // src/flags.c: 3 of 5 lines; src/summary-only.c: LH 5 of LF 10.
    expect(parsed.report.lines).toEqual({ covered: 8, valid: 15 });
    // Branches 5:0:!enable (max 2), 5:0:enable (3), 7:e0:throw (never ran).
    expect(parsed.report.branches).toEqual({ covered: 2, valid: 3 });
  });

  it('reads CRLF line endings and ignores line 0', () => {
    const parsed = parseLcov('SF:a.ts\r\nDA:0,1\r\nDA:1,1\r\nDA:2,0\r\nend_of_record\r\n');
    expect(parsed.ok && parsed.report.lines).toEqual({ covered: 1, valid: 2 });
  });

  it.each([
    ['DA:1,1\n', /outside an SF record/],
    ['SF:a\nDA:x,1\nend_of_record\n', /line 2: DA:x,1/],
    ['SF:a\nBRDA:1,0\nend_of_record\n', /BRDA/],
    ['hello world\n', /no SF record/],
  ])('refuses %j', (text, error) => {
    const parsed = parseLcov(text);
    expect(parsed).toMatchObject({ ok: false, reason: { code: 'report.invalid', error: expect.stringMatching(error) } });
  });

  it('reads an empty file as nothing covered of nothing', () => {
    expect(parseLcov('')).toMatchObject({ ok: true, report: { lines: { covered: 0, valid: 0 } } });
  });
});

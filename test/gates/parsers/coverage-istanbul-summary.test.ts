import { describe, expect, it } from 'vitest';
import { parseIstanbulSummary } from '../../../src/gates/parsers/coverage-istanbul-summary.ts';
import { reportFixture } from '../fixture.ts';

describe('parseIstanbulSummary', () => {
  it.each([
    ['jest/coverage-summary.json', { covered: 5, valid: 8 }, { covered: 1, valid: 2 }],
    ['c8/coverage-summary.json', { covered: 16, valid: 22 }, { covered: 4, valid: 5 }],
  ])('reads the totals of the real %s', (path, lines, branches) => {
    const parsed = parseIstanbulSummary(reportFixture(path));
    expect(parsed).toEqual({ ok: true, report: { kind: 'coverage', format: 'istanbul', lines, branches, files: null } });
  });

  it('reads 0 of 0 with pct "Unknown" as nothing covered of nothing, and ignores a __proto__ file key', () => {
    const parsed = parseIstanbulSummary(reportFixture('edge-cases/istanbul-unknown-pct.json'));
    expect(parsed.ok && parsed.report.lines).toEqual({ covered: 0, valid: 0 });
    expect(({} as Record<string, unknown>)['lines']).toBeUndefined();
  });

  it('sums the files when total is missing, never averaging their percentages', () => {
    const summary = JSON.stringify({
      'a.ts': { lines: { total: 100, covered: 100, pct: 100 } },
      'b.ts': { lines: { total: 10, covered: 0, pct: 0 } },
    });
    const parsed = parseIstanbulSummary(summary);
    expect(parsed.ok && parsed.report.lines).toEqual({ covered: 100, valid: 110 });
  });

  it.each([
    ['not json', /does not parse/],
    ['[1,2]', /object of metrics/],
    ['{"total": {"lines": {"total": "8"}}}', /lines.total/],
    ['{"total": {"lines": {"total": 2, "covered": 3}}}', /exceeds/],
  ])('refuses %s', (text, error) => {
    const parsed = parseIstanbulSummary(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason.code).toBe('report.invalid');
    expect(!parsed.ok && 'error' in parsed.reason && `does not parse: ${parsed.reason.error}`).toMatch(error);
  });
});

import { describe, expect, it } from 'vitest';
import { parseCobertura } from '../../../src/gates/parsers/cobertura.ts';
import { reportFixture } from '../fixture.ts';

describe('parseCobertura', () => {
  it('reads istanbul (jest) Cobertura with its external DOCTYPE, merging the copies under <methods>', () => {
    const parsed = parseCobertura(reportFixture('jest/cobertura-coverage.xml'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.report.lines).toEqual({ covered: 5, valid: 8 });
    expect(parsed.report.branches).toEqual({ covered: 1, valid: 2 });
    // <source>/tmp/sg-fix</source> + src/math.js does not map into a repository checkout: the absolute path is kept.
    expect([...parsed.report.files!.keys()]).toEqual(['/tmp/sg-fix/src/math.js']);
    expect(parsed.report.files!.get('/tmp/sg-fix/src/math.js')?.get(12)).toBe(0);
  });

  it('reads coverage.py Cobertura (hits 0/1, several classes)', () => {
    const parsed = parseCobertura(reportFixture('coverage.py/coverage.xml'));
    expect(parsed.ok && parsed.report.lines).toEqual({ covered: 21, valid: 27 });
    expect(parsed.ok && [...parsed.report.files!.keys()].sort()).toEqual(['/tmp/sg-fix/py/mathlib.py', '/tmp/sg-fix/py/test_mathlib.py']);
  });

  it('reads c8 Cobertura', () => {
    const parsed = parseCobertura(reportFixture('c8/cobertura-coverage.xml'));
    expect(parsed.ok && parsed.report.lines).toEqual({ covered: 16, valid: 22 });
  });

  it('merges Java inner classes of one file by the highest hits, ignoring the root rates, and strips the runner checkout', () => {
    const parsed = parseCobertura(reportFixture('cobertura-java/cobertura.xml'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.report.lines).toEqual({ covered: 4, valid: 5 });
    expect([...parsed.report.files!.keys()]).toEqual(['src/main/java/com/acme/Cart.java']);
    expect(parsed.report.files!.get('src/main/java/com/acme/Cart.java')?.get(12)).toBe(2);
  });

  it('reads <class> straight under <packages> and absolute filenames', () => {
    const xml = '<coverage><packages><class filename="/github/workspace/lib/a.rb"><lines><line number="1" hits="0"/><line number="2" hits="5"/></lines></class></packages></coverage>';
    const parsed = parseCobertura(xml);
    expect(parsed.ok && [...parsed.report.files!.entries()].map(([path, lines]) => [path, [...lines]])).toEqual([['lib/a.rb', [[1, 0], [2, 5]]]]);
  });

  it.each([
    ['edge-cases/xml-external-entity.xml', 'report.xml-entity-refused'],
    ['edge-cases/xml-internal-subset.xml', 'report.xml-dtd-refused'],
  ])('refuses %s', (path, code) => {
    const parsed = parseCobertura(reportFixture(path));
    expect(!parsed.ok && parsed.reason.code).toBe(code);
  });

  it('refuses a JUnit file, a bad <line> and truncated XML', () => {
    expect(parseCobertura('<testsuites/>')).toMatchObject({ ok: false, reason: { code: 'report.invalid', error: expect.stringMatching(/not <coverage>/) } });
    expect(parseCobertura('<coverage><class filename="a"><line number="x" hits="1"/></class></coverage>')).toMatchObject({ ok: false, reason: { code: 'report.invalid' } });
    expect(parseCobertura('<coverage><packages><class filename="a">')).toMatchObject({ ok: false, reason: { code: 'report.invalid' } });
  });
});

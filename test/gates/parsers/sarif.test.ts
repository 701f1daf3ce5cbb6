import { describe, expect, it } from 'vitest';
import { band, parseSarif, securityScore } from '../../../src/gates/parsers/sarif.ts';
import { reportFixture } from '../fixture.ts';

const parse = (path: string, roots?: string[]) => {
  const parsed = parseSarif(reportFixture(path), roots ? { roots } : {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reason));
  return parsed.report;
};

describe('parseSarif', () => {
  it('reads real ESLint SARIF: file:// absolute paths, suppressed results excluded', () => {
    const report = parse('eslint/eslint.sarif', ['/tmp/sg-fix']);
    expect(report.levels).toEqual({ error: 2, warning: 1, note: 0, none: 0 });
    expect(report.suppressed).toBe(1);
    expect(report.findings.map((f) => [f.ruleId, f.level, f.path, f.line])).toEqual([
      ['no-unused-vars', 'warning', 'src/lint-sample.js', 2],
      ['eqeqeq', 'error', 'src/lint-sample.js', 3],
      ['no-var', 'error', 'src/math.js', 18],
    ]);
  });

  it('keeps an absolute path outside every known root as no path (a finding without an annotation)', () => {
    const report = parse('eslint/eslint.sarif');
    expect(report.findings.every((f) => f.path === null)).toBe(true);
  });

  it('resolves CodeQL rules in tool.extensions, with level and security-severity from the rule', () => {
    const report = parse('codeql/codeql.sarif');
    expect(report.findings.map((f) => [f.ruleId, f.level, f.severity, f.path, f.line, f.fingerprint])).toEqual([
      ['js/sql-injection', 'error', 'high', 'src/db.js', 12, 'js/sql-injection/primaryLocationLineHash:a1b2c3d4e5f60718:1'],
      ['js/unused-local-variable', 'note', null, 'src/db.js', 30, 'js/unused-local-variable/primaryLocationLineHash:0f1e2d3c4b5a6978:1'],
    ]);
    expect(report.severities).toEqual({ critical: 0, high: 1, medium: 0, low: 0 });
  });

  it('reads Semgrep: no level on the result, fingerprints, an inSource suppression', () => {
    const report = parse('semgrep/semgrep.sarif');
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ level: 'warning', severity: 'medium', path: 'src/calc.js', line: 5, fingerprint: expect.stringContaining('matchBasedId/v1:7f3c') });
    expect(report.suppressed).toBe(1);
  });

  it('reads Trivy (ROOTPATH file:///) and Bandit (percent-encoded relative URIs)', () => {
    const trivy = parse('trivy/trivy.sarif');
    expect(trivy.findings.map((f) => [f.ruleId, f.severity, f.path])).toEqual([
      ['CVE-2024-21538', 'high', 'package-lock.json'],
      ['CVE-2023-0001', 'critical', 'library/alpine'],
    ]);
    const bandit = parse('bandit/bandit.sarif');
    expect(bandit.findings.map((f) => [f.ruleId, f.level, f.path, f.line])).toEqual([
      ['B404', 'note', 'py/math lib.py', 2],
      ['B602', 'error', 'py/math lib.py', 21],
    ]);
    expect(bandit.findings[0]?.fingerprint).toBe('B404/py/math lib.py:import subprocess');
  });

  it('treats security-severity "undefined" and 0.0 as none, a non-fail kind as level none, and keeps underReview suppressions', () => {
    const report = parse('edge-cases/sarif-security-severity-undefined.sarif');
    expect(report.findings.map((f) => [f.ruleId, f.level, f.severity, f.path])).toEqual([
      ['snyk:lic:npm:gpl', 'note', null, 'package.json'],
      ['SNYK-JS-LODASH-1', 'warning', 'medium', 'package.json'],
      ['zero', 'none', null, null],
      ['SNYK-JS-LODASH-1', 'warning', 'medium', null],
    ]);
    expect(report.suppressed).toBe(0);
  });

  it.each([
    ['{', /JSON|Expected/],
    ['{"version": "2.0.0", "runs": []}', /only SARIF version 2.1.0/],
    ['{"version": "2.1.0"}', /runs/],
    ['{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal"}]}]}', /runs\[0\]\.results\[0\]: level/],
  ])('refuses %s', (text, error) => {
    expect(parseSarif(text)).toMatchObject({ ok: false, reason: { code: 'report.invalid', error: expect.stringMatching(error) } });
  });
});

describe('security-severity', () => {
  it.each([
    ['9.0', 'critical'],
    ['10', 'critical'],
    ['8.9', 'high'],
    ['7.0', 'high'],
    ['6.9', 'medium'],
    ['4.0', 'medium'],
    ['3.9', 'low'],
    ['0.1', 'low'],
  ])('bands %s as %s', (value, expected) => {
    expect(band(securityScore(value)!)).toBe(expected);
  });

  it.each(['undefined', '0.0', '', '11', 'high', null, undefined])('reads %j as no score', (value) => {
    expect(securityScore(value)).toBeNull();
  });
});

import { strToU8, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../../src/gates/evaluate.ts';
import { parseLcov } from '../../src/gates/parsers/lcov.ts';
import { parseSarif } from '../../src/gates/parsers/sarif.ts';
import { readReport, unreadableReport } from '../../src/gates/read-report.ts';
import { reportFixture } from './fixture.ts';

const zip = (files: Zippable) => zipSync(files, { level: 6, mtime: new Date(Date.UTC(2026, 0, 1)) });
const SOURCE = { artifact: 'reports', runId: 4242, runUrl: 'https://github.com/acme/api/actions/runs/4242' };

describe('readReport', () => {
  it('takes coverage from one per-line format when an artifact holds a summary, LCOV and Cobertura side by side', async () => {
    const lcov = reportFixture('c8/lcov.info');
    const archive = zip({
      'coverage/coverage-summary.json': reportFixture('c8/coverage-summary.json'),
      'coverage/lcov.info': lcov,
      'coverage/cobertura-coverage.xml': reportFixture('c8/cobertura-coverage.xml'),
    });
    const read = await readReport('coverage', SOURCE, archive);
    const alone = parseLcov(lcov);
    if (!read.ok || !alone.ok) throw new Error('expected reports');
    expect(read.files).toEqual(['coverage/cobertura-coverage.xml', 'coverage/coverage-summary.json', 'coverage/lcov.info']);
    expect(read.report).toMatchObject({ kind: 'coverage', format: 'lcov', lines: alone.report.lines });
  });

  it('merges per-line coverage of two LCOV files by the highest hits of each line', async () => {
    const read = await readReport('coverage', SOURCE, zip({
      'a/lcov.info': strToU8('SF:src/a.ts\nDA:1,1\nDA:2,0\nend_of_record\n'),
      'b/lcov.info': strToU8('SF:src/a.ts\nDA:2,3\nDA:3,0\nend_of_record\nSF:src/b.ts\nDA:1,0\nend_of_record\n'),
    }));
    expect(read.ok && read.report.kind === 'coverage' && read.report.lines).toEqual({ covered: 2, valid: 4 });
  });

  it('refuses two coverage summaries, which cannot be added up', async () => {
    const summary = reportFixture('c8/coverage-summary.json');
    const read = await readReport('coverage', SOURCE, zip({ 'a/coverage-summary.json': summary, 'b/coverage-summary.json': summary }));
    expect(read).toMatchObject({ ok: false, artifact: 'reports', file: null, runId: 4242, reason: { code: 'artifact.several-summaries' } });
  });

  it('adds up SARIF logs', async () => {
    const eslint = reportFixture('eslint/eslint.sarif');
    const semgrep = reportFixture('semgrep/semgrep.sarif');
    const read = await readReport('sarif', SOURCE, zip({ 'eslint.sarif': eslint, 'semgrep.sarif': semgrep }));
    const a = parseSarif(eslint);
    const b = parseSarif(semgrep);
    if (!read.ok || read.report.kind !== 'sarif' || !a.ok || !b.ok) throw new Error('expected SARIF');
    expect(read.report.findings).toHaveLength(a.report.findings.length + b.report.findings.length);
    expect(read.report.levels.error).toBe(a.report.levels.error + b.report.levels.error);
    expect(read.report.runs).toBe(a.report.runs + b.report.runs);
  });

  it('names the file of another gate type found instead', async () => {
    const read = await readReport('junit', SOURCE, zip({ 'out/results.sarif': reportFixture('eslint/eslint.sarif') }));
    expect(read).toMatchObject({ ok: false, file: 'out/results.sarif', reason: { code: 'report.wrong-type', expected: 'junit' } });
    expect(!read.ok && read.detail).toBe(
      `artifact 'reports', file 'out/results.sarif', workflow run 4242 (https://github.com/acme/api/actions/runs/4242): the gate expects a junit report; the file is a SARIF log`,
    );
  });

  it('refuses an artifact with no report at all', async () => {
    const read = await readReport('junit', SOURCE, zip({ 'notes.txt': strToU8('hello\n'), 'logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]) }));
    expect(read).toMatchObject({ ok: false, file: null, reason: { code: 'artifact.no-report', entries: 2 } });
  });

  it('names the file that does not parse, and the gate fails closed with that reason', async () => {
    const read = await readReport('junit', SOURCE, zip({ 'ok.xml': reportFixture('jest/junit.xml'), 'broken.xml': reportFixture('edge-cases/junit-truncated.xml') }));
    expect(read).toMatchObject({ ok: false, file: 'broken.xml', reason: { code: 'report.invalid' } });
    if (read.ok) return;
    expect(read.detail).toMatch(/^artifact 'reports', file 'broken\.xml', workflow run 4242 .*: the JUnit report does not parse/);
    expect(evaluateGate({ name: 'tests', type: 'junit' }, unreadableReport(read), null, null)).toMatchObject({ result: 'error', reason: { code: 'report.invalid' } });
  });

  it('refuses XML with an entity declaration, naming the file', async () => {
    const read = await readReport('junit', SOURCE, zip({ 'junit.xml': reportFixture('edge-cases/xml-entity-bomb.xml') }));
    expect(read).toMatchObject({ ok: false, file: 'junit.xml' });
    expect(!read.ok && read.reason.code).toMatch(/^report\.xml-(entity|dtd)-refused$/);
  });

  it('passes the zip reader’s refusals on with the run', async () => {
    const corrupt = await readReport('junit', SOURCE, strToU8('not a zip'));
    expect(corrupt).toMatchObject({ ok: false, file: null, runId: 4242, reason: { code: 'artifact.zip-corrupt' } });
    const unsafe = await readReport('junit', SOURCE, zip({ '../evil.xml': reportFixture('jest/junit.xml') }));
    expect(unsafe).toMatchObject({ ok: false, file: '../evil.xml', reason: { code: 'artifact.entry-name-unsafe' } });
  });
});

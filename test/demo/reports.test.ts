/**
 * The demo's config and the reports its workflow runs upload, read by the real
 * parsers and judged by the real gate evaluation: the push passes every gate,
 * the pull request's first test attempt fails `tests`, its re-run passes.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { detectFormat } from '../../src/gates/detect-format.ts';
import { evaluateGate } from '../../src/gates/evaluate.ts';
import type { GateSpec } from '../../src/gates/gate-spec.ts';
import { parseJunit } from '../../src/gates/parsers/junit.ts';
import { parseLcov } from '../../src/gates/parsers/lcov.ts';
import { parseSarif } from '../../src/gates/parsers/sarif.ts';
import type { Report } from '../../src/gates/report.ts';
import { parseConfigText } from '../../src/repo-config/parse.ts';
import {
  DEMO_FLAKY_TEST,
  junitReport,
  lcovReport,
  lineCoverage,
  mainTestArtifacts,
  pullRequestTestArtifacts,
  scanArtifacts,
  type DemoArtifact,
} from '../../src/demo/reports.ts';
import {
  DEMO_APPROVALS,
  DEMO_APPROVER,
  DEMO_APPROVER_TEAM,
  DEMO_CONFIG,
  DEMO_GATES,
  DEMO_PRODUCTION,
  DEMO_PRODUCTION_URL,
  DEMO_RELEASE_APPROVALS,
  DEMO_RELEASE_MANAGER,
  DEMO_STAGING,
  DEMO_WAIT,
  demoCriticalPathMs,
  demoRepositoryFiles,
} from '../../src/demo/story.ts';

/** The one file of the artifact named `name`. */
function fileOf(artifacts: DemoArtifact[], name: string): string {
  const files = Object.values(artifacts.find((a) => a.name === name)?.files ?? {});
  expect(files, `artifact ${name}`).toHaveLength(1);
  return files[0] ?? '';
}

function parsed<R>(result: { ok: true; report: R } | { ok: false; reason: unknown }): R {
  if (!result.ok) throw new Error(`the report did not parse: ${JSON.stringify(result.reason)}`);
  return result.report;
}

/** The gates of `ci` as the app reads them from DEMO_CONFIG. */
function demoGates(): Map<string, GateSpec> {
  const result = parseConfigText(DEMO_CONFIG, '.github/shipgate.yml');
  if (!result.ok) throw new Error('DEMO_CONFIG is invalid');
  return new Map((result.config.pipelines['ci']?.gates ?? []).map((gate) => [gate.name, gate as GateSpec]));
}

function judge(gate: string, report: Report) {
  const spec = demoGates().get(gate);
  if (!spec) throw new Error(`no gate ${gate}`);
  return evaluateGate(spec, report, null, null);
}

describe('the demo config', () => {
  it('is valid without warnings and declares the three gates on the jobs that upload their artifacts', () => {
    const result = parseConfigText(DEMO_CONFIG, '.github/shipgate.yml');
    expect(result.ok ? result.warnings : result).toEqual([]);
    expect([...demoGates().values()]).toEqual([
      expect.objectContaining({ name: 'coverage', type: 'coverage', job: 'unit', artifact: 'coverage', min: 80 }),
      expect.objectContaining({ name: 'tests', type: 'junit', job: 'unit', artifact: 'junit', 'max-failures': 0 }),
      expect.objectContaining({ name: 'vulnerabilities', type: 'sarif', job: 'sast', artifact: 'sarif', max: { error: 0, warning: 5 } }),
    ]);
    expect([...demoGates().keys()]).toEqual(DEMO_GATES);
  });

  it('deploys staging from its last stage and has a production for /deploy, both for main only, production with two approvals, a wait timer and an expiry', () => {
    const result = parseConfigText(DEMO_CONFIG, '.github/shipgate.yml');
    if (!result.ok) throw new Error('DEMO_CONFIG is invalid');
    expect(result.config.pipelines['ci']?.stages['deploy-staging']?.environment).toBe(DEMO_STAGING);
    expect(result.config.environments[DEMO_STAGING]).toMatchObject({ branches: ['main'], approvals: 0, approvers: [] });
    expect(result.config.environments[DEMO_PRODUCTION]).toMatchObject({
      branches: ['main'],
      workflow: 'deploy.yml',
      url: DEMO_PRODUCTION_URL,
      approvals: DEMO_APPROVALS,
      approvers: [DEMO_APPROVER, `@acme/${DEMO_APPROVER_TEAM}`],
      wait: DEMO_WAIT,
      'approval-timeout': '24h',
    });
    // The release manager deploys: she is no approver, so her deployments need two others.
    expect(result.config.environments[DEMO_PRODUCTION]?.approvers).not.toContain(DEMO_RELEASE_MANAGER);
    expect(DEMO_RELEASE_APPROVALS).toMatchObject({ required: DEMO_APPROVALS, waitMs: 5_000 });
    for (const approvals of [DEMO_RELEASE_APPROVALS.first, DEMO_RELEASE_APPROVALS.merge]) {
      expect(new Set(approvals.map((a) => a.approver)).size).toBe(DEMO_APPROVALS);
    }
    expect(DEMO_RELEASE_APPROVALS.first.map((a) => a.via).sort()).toEqual(['command', 'reaction']);
    expect(Object.keys(result.config.environments)).toEqual([DEMO_STAGING, DEMO_PRODUCTION]);
  });

  it('has a deploy workflow that takes the inputs shipgate dispatches a deployment with (environment, sha, deployment_id)', () => {
    const inputsOf = (path: string) => {
      const workflow = parseYaml(demoRepositoryFiles()[path] ?? '') as { on: { workflow_dispatch: { inputs: Record<string, unknown> } } };
      return Object.keys(workflow.on.workflow_dispatch.inputs);
    };
    expect(inputsOf('.github/workflows/deploy.yml')).toEqual(['shipgate_run', 'sha', 'environment', 'deployment_id']);
    // The other workflows are not deploys: no deployment_id.
    expect(inputsOf('.github/workflows/build.yml')).not.toContain('deployment_id');
  });

  it('has workflows that upload the artifacts the gates read, even after a failed step', () => {
    const files = demoRepositoryFiles();
    const uploads = (path: string) => {
      const workflow = parseYaml(files[path] ?? '') as { jobs: Record<string, { steps: Array<{ uses?: string; if?: string; with?: { name?: string; path?: string } }> }> };
      return Object.values(workflow.jobs).flatMap((job) => job.steps.filter((step) => step.uses === 'actions/upload-artifact@v4').map((step) => ({ ...step.with, if: step.if })));
    };
    expect(uploads('.github/workflows/test.yml')).toEqual([
      { name: 'coverage', path: 'coverage/lcov.info', if: '${{ !cancelled() }}' },
      { name: 'junit', path: 'reports/junit.xml', if: '${{ !cancelled() }}' },
    ]);
    expect(uploads('.github/workflows/scan.yml')).toEqual([{ name: 'sarif', path: 'semgrep.sarif', if: '${{ !cancelled() }}' }]);
    expect(uploads('.github/workflows/build.yml')).toEqual([]);
  });
});

describe("the story's critical path", () => {
  it('divides the workflow runs by the speed but not the approvals, which run on the app clock: the first 👍 poll and two wait timers', () => {
    // GitHub time: push 40 + 90 + 45, pull request 40 + 2 × 90, release 45 + (40 + 90 + 45) + 45 + 45 = 705 s.
    expect(demoCriticalPathMs(15)).toBe(705_000 / 15 + 5_000 + 2 * 5_000);
    expect(demoCriticalPathMs(1)).toBe(705_000 + 15_000);
    // However fast the simulator runs, the approvals part stays.
    expect(demoCriticalPathMs(1e12)).toBeCloseTo(15_000, 3);
  });
});

describe('the reports of the push to main', () => {
  it('has 86% line coverage in LCOV: the coverage gate passes', () => {
    const lcov = fileOf(mainTestArtifacts(), 'coverage');
    expect(detectFormat(lcov)).toBe('lcov');
    const report = parsed(parseLcov(lcov));
    expect(report.lines).toMatchObject({ covered: 86, valid: 100 });
    expect(judge('coverage', report)).toMatchObject({ result: 'pass', measured: '86% (86/100 lines)' });
  });

  it('has 12 tests in JUnit, all passing: the tests gate passes', () => {
    const xml = fileOf(mainTestArtifacts(), 'junit');
    expect(detectFormat(xml)).toBe('junit');
    const report = parsed(parseJunit(xml));
    expect(report).toMatchObject({ tests: 12, passed: 12, failures: 0, errors: 0, failed: [] });
    expect(judge('tests', report)).toMatchObject({ result: 'pass', findings: [] });
  });

  it('has two SARIF warnings with a path and a line, no error: the vulnerabilities gate passes and both become annotations', () => {
    const sarif = fileOf(scanArtifacts(), 'sarif');
    expect(detectFormat(sarif)).toBe('sarif');
    const report = parsed(parseSarif(sarif));
    expect(report.levels).toMatchObject({ error: 0, warning: 2, note: 0 });
    expect(report.findings.map((f) => `${f.path}:${f.line}`)).toEqual(['src/cart.ts:18', 'src/checkout.ts:42']);
    expect(new Set(report.findings.map((f) => f.fingerprint)).size).toBe(2);
    const result = judge('vulnerabilities', report);
    expect(result.result).toBe('pass');
    expect(result.findings.map((f) => [f.path, f.startLine, f.level])).toEqual([
      ['src/cart.ts', 18, 'warning'],
      ['src/checkout.ts', 42, 'warning'],
    ]);
  });
});

describe('the reports of the pull request', () => {
  it('fails one test on attempt 1 (with its file and line, for an annotation) and none on attempt 2', () => {
    const first = parsed(parseJunit(fileOf(pullRequestTestArtifacts(1), 'junit')));
    expect(first).toMatchObject({ tests: 13, failures: 1, passed: 12 });
    expect(first.failed).toEqual([expect.objectContaining({ name: DEMO_FLAKY_TEST.name, file: DEMO_FLAKY_TEST.file, line: DEMO_FLAKY_TEST.line, message: 'Test timed out in 5000ms.' })]);
    const failed = judge('tests', first);
    expect(failed.result).toBe('fail');
    expect(failed.findings).toEqual([expect.objectContaining({ level: 'failure', path: DEMO_FLAKY_TEST.file, startLine: DEMO_FLAKY_TEST.line })]);

    const second = parsed(parseJunit(fileOf(pullRequestTestArtifacts(2), 'junit')));
    expect(second).toMatchObject({ tests: 13, failures: 0, passed: 13 });
    expect(judge('tests', second).result).toBe('pass');
  });

  it('keeps coverage above the minimum on both attempts (86.54%)', () => {
    for (const attempt of [1, 2] as const) {
      const report = parsed(parseLcov(fileOf(pullRequestTestArtifacts(attempt), 'coverage')));
      expect(report.lines).toMatchObject({ covered: 90, valid: 104 });
      expect(judge('coverage', report)).toMatchObject({ result: 'pass', measured: '86.54% (90/104 lines)' });
    }
  });
});

describe('report generators', () => {
  it('counts LCOV lines from the description, and a coverage gate fails below its minimum', () => {
    const sources = [{ path: 'src/a.ts', lines: 10, missed: [3, 4, 5], functions: [{ name: 'a', line: 1 }, { name: 'b', line: 4 }] }];
    expect(lineCoverage(sources)).toEqual({ covered: 7, valid: 10 });
    const lcov = lcovReport(sources);
    expect(lcov).toContain('FNH:1\n');
    expect(lcov).toContain('DA:4,0\n');
    expect(lcov.endsWith('LF:10\nLH:7\nend_of_record\n')).toBe(true);
    expect(judge('coverage', parsed(parseLcov(lcov)))).toMatchObject({ result: 'fail', measured: '70% (7/10 lines)' });
  });

  it('escapes XML in test names and failure messages', () => {
    const xml = junitReport(
      [{ path: 'test/a&b.test.ts', describe: '<tags>', cases: [{ name: 'quotes "x"', line: 3, seconds: 0.5, failure: { message: 'a < b & c', stack: '</failure>' } }] }],
      '2026-12-01T10:00:00',
    );
    const report = parsed(parseJunit(xml));
    expect(report.failed).toEqual([expect.objectContaining({ name: '<tags> > quotes "x"', classname: 'test/a&b.test.ts', file: 'test/a&b.test.ts', line: 3, message: 'a < b & c' })]);
  });
});

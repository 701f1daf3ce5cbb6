/**
 * Evaluates a quality gate (SPEC §5a), purely: the gate's thresholds, the
 * parsed report (or why there is none), the default-branch baseline and the
 * pull request's diff in; a result with its reason code, table cells and
 * findings out. Gates fail closed: no report, an unreadable report or one with
 * nothing in it is `error`, never a pass.
 */
import { parseDuration } from '../repo-config/duration.ts';
import { evaluateCoverage } from './evaluate-coverage.ts';
import type { BenchmarkGateSpec, DurationGateSpec, GateBaseline, GateSpec, JunitGateSpec, PullRequestDiff, SarifGateSpec } from './gate-spec.ts';
import { combineChecks, MAX_FINDINGS, percent, unmeasuredResult, type GateCheck, type GateFinding, type GateResult } from './gate-result.ts';
import { gateReason, type GateReason } from './reasons.ts';
import type { BenchmarkReport, DurationReport, JunitReport, Report, SarifFinding, SarifLevel, SarifReport, SecuritySeverity } from './report.ts';

/** A report that could not be had: the artifact was missing or refused, or the file did not parse. */
export interface UnreadableReport {
  readonly kind: 'unreadable';
  readonly reason: GateReason;
}

const FORMAT_NAMES: Record<Report['kind'], string> = {
  coverage: 'a coverage report',
  junit: 'a JUnit report',
  sarif: 'a SARIF log',
  benchmark: 'benchmark results',
  duration: 'a duration',
};

/** The result of `gate` over `report`, against `baseline` (null: none yet) and `diff` (null: not a pull request). */
export function evaluateGate(gate: GateSpec, report: Report | UnreadableReport, baseline: GateBaseline | null, diff: PullRequestDiff | null): GateResult {
  if (report.kind === 'unreadable') return errorResult(report.reason);
  if (report.kind !== gate.type) return errorResult(gateReason('report.wrong-type', { expected: gate.type, found: FORMAT_NAMES[report.kind] }));
  switch (gate.type) {
    case 'coverage': {
      if (report.kind !== 'coverage') break;
      if (report.lines.valid === 0) return errorResult(gateReason('report.empty', { format: report.format, what: 'coverable lines' }));
      const evaluated = evaluateCoverage(gate, report, baseline, diff);
      return finish(evaluated.checks, evaluated.findings, evaluated.measured, evaluated.threshold, evaluated.baseline);
    }
    case 'junit':
      if (report.kind === 'junit') return evaluateJunit(gate, report);
      break;
    case 'sarif':
      if (report.kind === 'sarif') return evaluateSarif(gate, report, baseline);
      break;
    case 'benchmark':
      if (report.kind === 'benchmark') return evaluateBenchmark(gate, report, baseline);
      break;
    case 'duration':
      if (report.kind === 'duration') return evaluateDuration(gate, report);
      break;
  }
  return errorResult(gateReason('report.wrong-type', { expected: gate.type, found: FORMAT_NAMES[report.kind] }));
}

function evaluateJunit(gate: JunitGateSpec, report: JunitReport): GateResult {
  if (report.tests === 0) return errorResult(gateReason('report.empty', { format: 'JUnit', what: 'tests' }));
  const maxFailures = gate['max-failures'] ?? 0;
  const failing = report.failures + report.errors;
  const checks: GateCheck[] = [{ result: failing <= maxFailures ? 'pass' : 'fail', reason: gateReason('junit.failures', { failures: failing, max: maxFailures, flaky: report.flaky }) }];
  const thresholds = [`≤ ${maxFailures} failed`];
  const minTests = gate['min-tests'];
  if (minTests !== undefined) {
    thresholds.push(`≥ ${minTests} tests`);
    checks.push({ result: report.tests >= minTests ? 'pass' : 'fail', reason: gateReason('junit.min-tests', { tests: report.tests, min: minTests }) });
  }
  const findings: GateFinding[] = report.failed.map((test) => ({
    level: 'failure',
    path: test.file,
    startLine: test.line,
    endLine: test.line,
    title: `${test.kind === 'error' ? 'Error' : 'Failed'}: ${[test.classname, test.name].filter((part) => part.length > 0).join(' › ')}`.slice(0, 255),
    message: test.message.length > 0 ? test.message : `${test.name} ${test.kind === 'error' ? 'errored' : 'failed'}`,
  }));
  for (const test of report.flakyTests) {
    findings.push({ level: 'notice', path: test.file, startLine: null, endLine: null, title: `Flaky: ${test.name}`.slice(0, 255), message: `${test.name} failed, then passed on a rerun.` });
  }
  const measured = `${failing} failed of ${report.tests}${report.skipped > 0 ? `, ${report.skipped} skipped` : ''}${report.flaky > 0 ? `, ${report.flaky} flaky` : ''}`;
  return finish(checks, findings, measured, thresholds.join(', '), null);
}

const LEVELS = ['error', 'warning', 'note'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const ANNOTATION_LEVEL: Record<SarifLevel, GateFinding['level']> = { error: 'failure', warning: 'warning', note: 'notice', none: 'notice' };

function evaluateSarif(gate: SarifGateSpec, report: SarifReport, baseline: GateBaseline | null): GateResult {
  if (report.runs === 0) return errorResult(gateReason('report.empty', { format: 'SARIF', what: 'runs' }));
  const newOnly = gate['new-only'] === true;
  const known = baseline?.fingerprints;
  const counted = newOnly && known !== undefined ? report.findings.filter((finding) => !known.has(finding.fingerprint)) : report.findings;
  const levels: Record<SarifLevel, number> = { error: 0, warning: 0, note: 0, none: 0 };
  const severities: Record<SecuritySeverity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const finding of counted) {
    levels[finding.level] += 1;
    if (finding.severity !== null) severities[finding.severity] += 1;
  }
  const limits = new Map<SarifLevel | SecuritySeverity, number>();
  for (const key of [...LEVELS, ...SEVERITIES]) {
    const limit = gate.max?.[key] ?? (key === 'error' || key === 'warning' || key === 'note' ? undefined : gate['max-severity']?.[key]);
    if (limit !== undefined) limits.set(key, limit);
  }
  if (limits.size === 0) return errorResult(gateReason('gate.no-threshold', { options: 'max.error, max.warning, max.note, max-severity.critical, .high, .medium, .low' }));
  const countOf = (key: SarifLevel | SecuritySeverity) => (key in levels ? levels[key as SarifLevel] : severities[key as SecuritySeverity]);
  const over = [...limits].filter(([key, limit]) => countOf(key) > limit);
  const countsText = (keys: Iterable<SarifLevel | SecuritySeverity>) => [...keys].map((key) => `${key} ${countOf(key)}`).join(', ');
  const allKeys = [...LEVELS, ...SEVERITIES.filter((key) => severities[key] > 0 || limits.has(key))];
  // new-only before any baseline: every finding would count as new, and a default branch with findings could never go green to record one.
  const bootstrap = newOnly && known === undefined;
  const check: GateCheck = bootstrap
    ? { result: 'neutral', reason: gateReason('sarif.no-baseline', { counts: countsText(allKeys) }) }
    : over.length > 0
      ? { result: 'fail', reason: gateReason('sarif.over', { counts: countsText(over.map(([key]) => key)), limits: over.map(([key, limit]) => `${key} ≤ ${limit}`).join(', '), newOnly }) }
      : { result: 'pass', reason: gateReason('sarif.within', { counts: countsText(allKeys), newOnly, baseline: known !== undefined }) };
  const findings = [...counted].sort(bySeverity).map(
    (finding): GateFinding => ({
      level: ANNOTATION_LEVEL[finding.level],
      path: finding.path,
      startLine: finding.line,
      endLine: finding.endLine,
      title: `${finding.tool}: ${finding.ruleId}${finding.severity ? ` (${finding.severity})` : ''}`.slice(0, 255),
      message: finding.message.length > 0 ? finding.message : finding.ruleId,
    }),
  );
  const threshold = [...limits].map(([key, limit]) => `${key} ≤ ${limit}`).join(', ') + (newOnly ? ' (new findings)' : '');
  const baselineText = newOnly ? (known === undefined ? 'none yet' : `${known.size} known findings${baseline?.sha ? ` at ${baseline.sha.slice(0, 7)}` : ''}`) : null;
  return finish([check], findings, countsText(allKeys), threshold, baselineText);
}

const SEVERITY_RANK: Record<SecuritySeverity, number> = { critical: 4, high: 3, medium: 2, low: 1 };
const LEVEL_RANK: Record<SarifLevel, number> = { error: 3, warning: 2, note: 1, none: 0 };

function bySeverity(a: SarifFinding, b: SarifFinding): number {
  return (b.severity ? SEVERITY_RANK[b.severity] : 0) - (a.severity ? SEVERITY_RANK[a.severity] : 0) || LEVEL_RANK[b.level] - LEVEL_RANK[a.level];
}

/** The median of the last five values. */
export function baselineMedian(values: readonly number[]): number | null {
  const last = [...values.slice(-5)].sort((a, b) => a - b);
  if (last.length === 0) return null;
  const middle = Math.floor(last.length / 2);
  return last.length % 2 === 1 ? (last[middle] ?? null) : ((last[middle - 1] ?? 0) + (last[middle] ?? 0)) / 2;
}

function evaluateBenchmark(gate: BenchmarkGateSpec, report: BenchmarkReport, baseline: GateBaseline | null): GateResult {
  if (report.values.size === 0) return errorResult(gateReason('report.empty', { format: 'benchmark JSON', what: 'benchmarks' }));
  const maxRegression = typeof gate['max-regression'] === 'number' ? gate['max-regression'] : Number.parseFloat(gate['max-regression']);
  const higherIsBetter = gate['higher-is-better'] === true;
  const threshold = `regression ≤ ${maxRegression}%${higherIsBetter ? ' (higher is better)' : ''}`;
  const regressed: string[] = [];
  const findings: GateFinding[] = [];
  const measuredParts: string[] = [];
  const baselineParts: string[] = [];
  let compared = 0;
  const unmatched: string[] = [];
  for (const [name, { value, unit }] of report.values) {
    const median = baselineMedian(baseline?.benchmarks?.get(name) ?? []);
    if (median === null || median === 0) {
      unmatched.push(`${name} ${value}${unit ? ` ${unit}` : ''} (no baseline)`);
      continue;
    }
    compared += 1;
    const change = ((higherIsBetter ? median - value : value - median) / Math.abs(median)) * 100;
    measuredParts.push(`${name} ${value}${unit ? ` ${unit}` : ''}`);
    baselineParts.push(`${name} ${percent(median)}`);
    if (change > maxRegression) {
      regressed.push(name);
      findings.push({ level: 'failure', path: null, startLine: null, endLine: null, title: `Benchmark regressed: ${name}`.slice(0, 255), message: `${name}: ${value} against a median of ${percent(median)} (${percent(change)}% worse; at most ${maxRegression}%).` });
    }
  }
  if (compared === 0) return finish([{ result: 'neutral', reason: gateReason('benchmark.no-baseline') }], [], `${report.values.size} benchmarks`, threshold, 'none yet');
  const check: GateCheck = regressed.length > 0 ? { result: 'fail', reason: gateReason('benchmark.regressed', { names: regressed, max: maxRegression }) } : { result: 'pass', reason: gateReason('benchmark.within', { compared, max: maxRegression }) };
  return finish([check], findings, [...measuredParts, ...unmatched].join(', '), threshold, `median of last 5: ${baselineParts.join(', ')}`);
}

function evaluateDuration(gate: DurationGateSpec, report: DurationReport): GateResult {
  const maxMs = typeof gate.max === 'number' ? gate.max : parseDuration(gate.max);
  const threshold = `≤ ${typeof gate.max === 'number' ? `${gate.max} ms` : gate.max}`;
  if (report.ms === null) return { ...errorResult(gateReason('duration.unknown')), threshold };
  const check: GateCheck = { result: report.ms <= maxMs ? 'pass' : 'fail', reason: gateReason('duration.max', { ms: report.ms, maxMs }) };
  return finish([check], [], `${Math.round(report.ms / 1000)}s`, threshold, null);
}

function finish(checks: GateCheck[], findings: GateFinding[], measured: string | null, threshold: string, baseline: string | null): GateResult {
  const combined = combineChecks(checks);
  return { ...combined, measured, threshold, baseline, findings: findings.slice(0, MAX_FINDINGS) };
}

function errorResult(reason: GateReason): GateResult {
  return unmeasuredResult('error', reason);
}

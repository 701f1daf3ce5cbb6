/** Evaluation of a coverage gate: `min`, `max-drop` and `patch-min`. */
import type { CoverageGateSpec, GateBaseline, PullRequestDiff } from './gate-spec.ts';
import { MAX_FINDINGS, percent, type GateCheck, type GateFinding } from './gate-result.ts';
import { addedLines } from './patch-lines.ts';
import { gateReason } from './reasons.ts';
import type { CoverageReport, LineHits } from './report.ts';

/** The checks, findings and table cells of a coverage gate over a non-empty report. */
export function evaluateCoverage(gate: CoverageGateSpec, report: CoverageReport, baseline: GateBaseline | null, diff: PullRequestDiff | null) {
  const measuredPercent = (report.lines.covered / report.lines.valid) * 100;
  const shown = percent(measuredPercent);
  const checks: GateCheck[] = [];
  const findings: GateFinding[] = [];
  const thresholds: string[] = [];
  let measured = `${shown}% (${report.lines.covered}/${report.lines.valid} lines)`;
  if (gate.min !== undefined) {
    thresholds.push(`≥ ${gate.min}%`);
    checks.push({ result: measuredPercent >= gate.min ? 'pass' : 'fail', reason: gateReason('coverage.min', { percent: shown, min: gate.min }) });
  }
  const maxDrop = gate['max-drop'];
  if (maxDrop !== undefined) {
    thresholds.push(`drop ≤ ${maxDrop} points`);
    const base = baseline?.coveragePercent;
    if (base === undefined) checks.push({ result: 'neutral', reason: gateReason('coverage.no-baseline') });
    else {
      checks.push({
        result: base - measuredPercent <= maxDrop + 1e-9 ? 'pass' : 'fail',
        reason: gateReason('coverage.drop', { percent: shown, baseline: percent(base), maxDrop }),
      });
    }
  }
  const patchMin = gate['patch-min'];
  if (patchMin !== undefined) {
    thresholds.push(`patch ≥ ${patchMin}%`);
    const patch = patchCoverage(report, diff);
    if (patch.kind === 'check') checks.push(patch.check);
    else {
      const patchPercent = percent((patch.covered / patch.coverable) * 100);
      checks.push({
        result: (patch.covered / patch.coverable) * 100 >= patchMin ? 'pass' : 'fail',
        reason: gateReason('coverage.patch', { percent: patchPercent, covered: patch.covered, coverable: patch.coverable, min: patchMin }),
      });
      measured += `; patch ${patchPercent}% (${patch.covered}/${patch.coverable})`;
      findings.push(...patch.uncovered.slice(0, MAX_FINDINGS));
    }
  }
  if (checks.length === 0) checks.push({ result: 'error', reason: gateReason('gate.no-threshold', { options: 'min, max-drop, patch-min' }) });
  const baselineText = baseline?.coveragePercent === undefined ? null : `${percent(baseline.coveragePercent)}%${baseline.sha ? ` at ${baseline.sha.slice(0, 7)}` : ''}`;
  return { checks, findings, measured, threshold: thresholds.join(', '), baseline: baselineText };
}

type PatchOutcome = { kind: 'check'; check: GateCheck } | { kind: 'measured'; covered: number; coverable: number; uncovered: GateFinding[] };

/** Covered ÷ coverable over the pull request's added lines; a file without a patch that the report covers makes it unknowable. */
function patchCoverage(report: CoverageReport, diff: PullRequestDiff | null): PatchOutcome {
  if (diff === null) return { kind: 'check', check: { result: 'neutral', reason: gateReason('coverage.patch-not-pull-request') } };
  const files = report.files;
  if (files === null) return { kind: 'check', check: { result: 'error', reason: gateReason('coverage.patch-needs-lines', { format: report.format }) } };
  const unknown: string[] = diff.truncated ? ['(files beyond the 3,000 GitHub lists)'] : [];
  let covered = 0;
  let coverable = 0;
  const uncovered: GateFinding[] = [];
  for (const file of diff.files) {
    if (file.status === 'removed') continue;
    const lines = lookup(files, file.filename);
    const added = file.patch == null ? null : addedLines(file.patch);
    if (added === null) {
      // Without hunks the added lines are unknown; that matters only for a file the report covers (a binary file is never in it).
      if (lines !== undefined) unknown.push(file.filename);
      continue;
    }
    if (lines === undefined) continue;
    let run: { start: number; end: number } | null = null;
    const flush = () => {
      if (run === null) return;
      uncovered.push({
        level: 'warning',
        path: file.filename,
        startLine: run.start,
        endLine: run.end,
        title: 'Added lines not covered',
        message: run.start === run.end ? `Added line ${run.start} is not covered by tests.` : `Added lines ${run.start}–${run.end} are not covered by tests.`,
      });
      run = null;
    };
    for (const line of added) {
      const hits = lines.get(line);
      if (hits === undefined) continue;
      coverable += 1;
      if (hits > 0) {
        covered += 1;
        flush();
      } else if (run !== null && run.end === line - 1) run.end = line;
      else {
        flush();
        run = { start: line, end: line };
      }
    }
    flush();
  }
  if (unknown.length > 0) return { kind: 'check', check: { result: 'error', reason: gateReason('coverage.patch-truncated', { files: unknown }) } };
  if (coverable === 0) return { kind: 'check', check: { result: 'neutral', reason: gateReason('coverage.patch-no-coverable-lines') } };
  return { kind: 'measured', covered, coverable, uncovered };
}

/** The report's lines for a repository path: the same path, else the one path that ends with `/<path>` (absolute runner paths). */
function lookup(files: ReadonlyMap<string, LineHits>, path: string): LineHits | undefined {
  const exact = files.get(path);
  if (exact !== undefined) return exact;
  let found: LineHits | undefined;
  for (const [candidate, lines] of files) {
    if (candidate.endsWith(`/${path}`)) {
      if (found !== undefined) return undefined;
      found = lines;
    }
  }
  return found;
}

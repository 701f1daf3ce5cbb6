/**
 * The reason codes of quality gates (SPEC §5a): why an artifact or a report was
 * refused, and why a gate passed, failed, stayed neutral or could not be
 * evaluated. Kept apart from src/engine/reasons.ts, which will absorb this table;
 * the sentence is rendered from the code and its parameters, never parsed back.
 */

const GATE_REASON_TEXT = {
  // Artifacts (zip archives) that are refused.
  'artifact.too-large': (p: { bytes: number; max: number }) => `the artifact is ${p.bytes} bytes compressed; at most ${p.max} are read`,
  'artifact.zip-corrupt': (p: { error: string }) => `the artifact is not a readable zip archive (${p.error})`,
  'artifact.too-many-entries': (p: { entries: number; max: number }) => `the artifact has ${p.entries} entries; at most ${p.max} are read`,
  'artifact.entry-name-unsafe': (p: { problem: string }) => `an entry name is refused: ${p.problem}`,
  'artifact.entry-encrypted': () => 'an entry is encrypted',
  'artifact.nested-zip': () => 'an entry is itself a zip archive; nested archives are not read',
  'artifact.entry-ratio': (p: { ratio: number; max: number }) => `an entry inflates more than ${p.max}:1 (at least ${p.ratio}:1); it looks like a zip bomb`,
  'artifact.uncompressed-too-large': (p: { max: number }) => `the artifact inflates to more than ${p.max} bytes`,
  'artifact.no-report': (p: { entries: number }) => `none of the artifact's ${p.entries} entries is a report of this gate's type`,
  'artifact.missing': (p: { available: string[] }) =>
    `the workflow run has no artifact of that name${p.available.length > 0 ? ` (it has ${p.available.slice(0, 10).join(', ')}${p.available.length > 10 ? ` and ${p.available.length - 10} more` : ''})` : ' (it uploaded none)'}; check the gate's artifact and the job's upload step`,
  'artifact.expired': (p: { expiredAt: string | null }) =>
    `the artifact has expired${p.expiredAt ? ` (at ${p.expiredAt})` : ''} and can no longer be downloaded; re-run the job to upload it again`,
  'artifact.download-too-large': (p: { max: number; listed: number }) =>
    `the download sent more than ${p.max} bytes although the artifact was listed at ${p.listed}; it was not read further`,
  // Artifacts of jobs on other CI providers (SPEC §13).
  'artifact.not-in-run': (p: { available: string[] }) =>
    `the job's run has no artifact of that name${p.available.length > 0 ? ` (it has ${p.available.slice(0, 10).join(', ')}${p.available.length > 10 ? ` and ${p.available.length - 10} more` : ''})` : ' (there are none)'}; check the gate's artifact and what the job archives or reports`,
  'artifact.over-limit': (p: { max: number }) => `the artifact is larger than the ${p.max} bytes a gate reads; it was not read`,
  'artifact.unreachable': (p: { status: number }) => `the artifact's URL answered HTTP ${p.status}; check the URL the job reported`,
  'artifact.several-summaries': (p: { files: string[] }) =>
    `the artifact holds several coverage summaries without per-line hits (${p.files.slice(0, 5).join(', ')}), which cannot be added up; upload one, or LCOV/Cobertura`,

  // Reports that do not parse.
  'report.unknown-format': () => 'the file is not a report format shipgate reads (istanbul summary, Cobertura, LCOV, JUnit, SARIF, benchmark JSON)',
  'report.wrong-type': (p: { expected: string; found: string }) => `the gate expects a ${p.expected} report; the file is ${p.found}`,
  'report.invalid': (p: { format: string; error: string }) => `the ${p.format} report does not parse: ${p.error}`,
  'report.xml-dtd-refused': () => 'the XML has an internal DTD subset (<!DOCTYPE … [ … ]>); reports never need one, so it is refused',
  'report.xml-entity-refused': () => 'the XML declares an entity (<!ENTITY>); reports never need one, so it is refused',
  'report.xml-too-deep': (p: { max: number }) => `the XML nests deeper than ${p.max} elements`,
  'report.empty': (p: { format: string; what: string }) => `the ${p.format} report has no ${p.what}`,

  // Any gate.
  'gate.no-threshold': (p: { options: string }) => `the gate sets no threshold; give at least one of ${p.options}`,
  'gate.job-not-run': (p: { job: string; conclusion: string }) => `not evaluated: job ${p.job} ended ${p.conclusion} without a workflow run to read`,
  'gate.run-cancelled': () => 'not evaluated: the run was cancelled',
  'gate.github-failed': (p: { message: string; attempts: number }) =>
    `could not be evaluated: GitHub kept failing (${p.message}) after ${p.attempts} tries; re-run the job (or \`/retry\`) to evaluate it again`,
  'gate.config-missing': (p: { gate: string }) => `the run's plan has no gate '${p.gate}'`,

  // Coverage gates.
  'coverage.min': (p: { percent: number; min: number }) => `line coverage ${p.percent}% ${p.percent >= p.min ? 'meets' : 'is below'} the minimum ${p.min}%`,
  'coverage.drop': (p: { percent: number; baseline: number; maxDrop: number }) =>
    `line coverage ${p.percent}% is ${Math.round((p.baseline - p.percent) * 100) / 100} points from the baseline ${p.baseline}% (at most ${p.maxDrop} allowed)`,
  'coverage.no-baseline': () => 'no coverage baseline from the default branch yet; max-drop is not checked',
  'coverage.patch': (p: { percent: number; covered: number; coverable: number; min: number }) =>
    `${p.covered} of ${p.coverable} added coverable lines are covered (${p.percent}%, minimum ${p.min}%)`,
  'coverage.patch-not-pull-request': () => 'patch-min applies to pull requests; this run has no pull-request diff',
  'coverage.patch-no-coverable-lines': () => 'the pull request adds no line the report can cover; patch-min does not apply',
  'coverage.patch-truncated': (p: { files: string[] }) =>
    `GitHub gave no patch for ${p.files.slice(0, 5).join(', ')}${p.files.length > 5 ? ` and ${p.files.length - 5} more` : ''} (too large or truncated), so patch coverage cannot be computed`,
  'coverage.patch-needs-lines': (p: { format: string }) => `patch-min needs per-line hits; a ${p.format} report has only totals (upload LCOV or Cobertura)`,

  // Test-result gates.
  'junit.failures': (p: { failures: number; max: number; flaky: number }) =>
    `${p.failures} test${p.failures === 1 ? '' : 's'} failed (at most ${p.max} allowed)${p.flaky > 0 ? `; ${p.flaky} flaky (counted as passed)` : ''}`,
  'junit.min-tests': (p: { tests: number; min: number }) => `${p.tests} test${p.tests === 1 ? '' : 's'} ran; at least ${p.min} expected`,

  // SARIF gates.
  'sarif.over': (p: { counts: string; limits: string; newOnly: boolean }) => `${p.newOnly ? 'new findings' : 'findings'} ${p.counts} exceed ${p.limits}`,
  'sarif.within': (p: { counts: string; newOnly: boolean; baseline: boolean }) => `${p.newOnly ? 'new findings' : 'findings'}: ${p.counts}`,

  'sarif.no-baseline': (p: { counts: string }) =>
    `findings: ${p.counts}; no baseline from the default branch yet, so new-only cannot tell new findings from known ones (a green default-branch run records them)`,

  // Benchmark gates.
  'benchmark.regressed': (p: { names: string[]; max: number }) => `${p.names.join(', ')} regressed by more than ${p.max}% against the median of the baseline`,
  'benchmark.within': (p: { compared: number; max: number }) => `${p.compared} benchmark${p.compared === 1 ? '' : 's'} within ${p.max}% of the baseline median`,
  'benchmark.no-baseline': () => 'no benchmark baseline from the default branch yet; collecting one',

  // Duration gates.
  'duration.max': (p: { ms: number; maxMs: number }) => `took ${formatMs(p.ms)} (at most ${formatMs(p.maxMs)})`,
  'duration.unknown': () => 'the run has no recorded start and end time',
} as const satisfies Record<string, (params: never) => string>;

function formatMs(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m ${seconds % 60}s` : `${seconds}s`;
}

/** A gate reason code. */
export type GateReasonCode = keyof typeof GATE_REASON_TEXT;

/** Every gate reason code, in one list (for docs, analytics and tests). */
export const GATE_REASON_CODES = Object.keys(GATE_REASON_TEXT) as GateReasonCode[];

type ParamsOf<C extends GateReasonCode> = Parameters<(typeof GATE_REASON_TEXT)[C]>[0];

/** A gate reason: its code and the parameters its sentence needs. */
export type GateReason = { [C in GateReasonCode]: { code: C } & (ParamsOf<C> extends undefined ? object : ParamsOf<C>) }[GateReasonCode];

/** Builds a gate reason, type-checking its parameters against its code. */
export function gateReason<C extends GateReasonCode>(code: C, ...params: ParamsOf<C> extends undefined ? [] : [ParamsOf<C>]): Extract<GateReason, { code: C }> {
  return { code, ...(params[0] ?? {}) } as Extract<GateReason, { code: C }>;
}

/** Whether a stored value is a gate reason this version knows. */
export function isGateReason(value: unknown): value is GateReason {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string' && Object.hasOwn(GATE_REASON_TEXT, (value as { code: string }).code);
}

/** The sentence for a gate reason. */
export function renderGateReason(value: GateReason): string {
  const render = GATE_REASON_TEXT[value.code] as (params: GateReason) => string;
  return render(value);
}

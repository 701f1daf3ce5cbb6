/** The schema of a pipeline's quality gates (SPEC §5a). */
import { z } from 'zod';
import { durationSchema, idSchema, PERCENT_PATTERN } from './schema-primitives.ts';

/** Coverage report formats (auto-detected when `format` is omitted). */
export const COVERAGE_FORMATS = ['istanbul', 'cobertura', 'lcov'] as const;

/** The gate types. */
export const GATE_TYPES = ['coverage', 'junit', 'sarif', 'benchmark', 'duration'] as const;

/** The thresholds of a coverage gate; at least one is required. */
export const COVERAGE_THRESHOLDS = ['min', 'max-drop', 'patch-min'] as const;

/** SARIF result levels a `max` of a sarif gate may limit. */
export const SARIF_LEVEL_KEYS = ['error', 'warning', 'note'] as const;

/** Security-severity bands a `max-severity` of a sarif gate may limit. */
export const SEVERITY_KEYS = ['critical', 'high', 'medium', 'low'] as const;

/** The largest `max-regression` given as a plain number of percent. */
export const MAX_REGRESSION_PERCENT = 1000;

type SeverityKey = (typeof SEVERITY_KEYS)[number];

const gateNameSchema = idSchema('gate').describe('Gate name, used in the check run and by `/override GATE`');
const gateJobSchema = idSchema('job').describe('Id of the job whose workflow run produces the artifact');
const artifactSchema = z
  .string()
  .min(1, { error: 'an artifact name must not be empty' })
  .max(256)
  .describe('Name of the Actions artifact the job uploads');
const countSchema = (description: string) => z.int().min(0).max(1_000_000).optional().describe(description);
// `exactOptional`: an absent key stays absent (no `| undefined`), as the gate specs of src/gates expect.
const percentSchema = (description: string) => z.number().min(0).max(100).exactOptional().describe(description);

/** True when an issue already found is an unknown key of the gate itself (a misspelt threshold, most likely). */
function hasUnknownGateKey(issues: ReadonlyArray<{ code?: string | undefined; path?: readonly PropertyKey[] | undefined }>): boolean {
  return issues.some((issue) => issue.code === 'unrecognized_keys' && (issue.path ?? []).length === 0);
}

const coverageGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('coverage').describe('Line coverage from istanbul coverage-summary.json, Cobertura XML or LCOV'),
    job: gateJobSchema,
    artifact: artifactSchema,
    min: percentSchema('Minimum line coverage in percent (covered lines / coverable lines, summed over files)'),
    'max-drop': z
      .number()
      .min(0)
      .max(100)
      .exactOptional()
      .describe('Most percentage points line coverage may fall below the baseline (the default branch at the merge-base)'),
    'patch-min': percentSchema("Minimum percent of the pull request's added coverable lines that are covered"),
    format: z.enum(COVERAGE_FORMATS).optional().describe('Report format (default: detected from the file)'),
  })
  .superRefine((gate, ctx) => {
    if (COVERAGE_THRESHOLDS.some((key) => gate[key] !== undefined) || hasUnknownGateKey(ctx.issues)) return;
    ctx.addIssue({
      code: 'custom',
      message:
        'give at least one threshold: min (line coverage %), max-drop (points below the baseline) or patch-min (% of the added lines covered)',
    });
  })
  .meta({ anyOf: COVERAGE_THRESHOLDS.map((key) => ({ required: [key] })) })
  .describe('Fails when line coverage is below `min`, fell more than `max-drop` points, or the patch is covered less than `patch-min`');

const junitGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('junit').describe('Test results from JUnit XML'),
    job: gateJobSchema,
    artifact: artifactSchema,
    'max-failures': z.int().min(0).default(0).describe('Failed or errored tests allowed (default 0); flaky tests count as passed'),
    'min-tests': z.int().min(1).max(1_000_000).exactOptional().describe('Fewest tests that must have run (catches tests that vanished)'),
  })
  .describe('Fails when more tests failed than `max-failures` or fewer than `min-tests` ran');

const deprecatedSeverityCount = (band: SeverityKey, range: string) =>
  countSchema(`Deprecated: write max-severity.${band}. Results with security-severity ${range} allowed`).meta({ deprecated: true });

const sarifMaxSchema = z
  .strictObject({
    error: countSchema('Results of level "error" allowed'),
    warning: countSchema('Results of level "warning" allowed'),
    note: countSchema('Results of level "note" allowed'),
    // Accepted for files written for the previous version, where `max` held the bands too.
    critical: deprecatedSeverityCount('critical', '9.0 or more'),
    high: deprecatedSeverityCount('high', '7.0 to 8.9'),
    medium: deprecatedSeverityCount('medium', '4.0 to 6.9'),
    low: deprecatedSeverityCount('low', '0.1 to 3.9'),
  })
  .describe('Results allowed by SARIF level (error, warning, note); a missing key means no limit');

const sarifSeveritySchema = z
  .strictObject({
    critical: countSchema('Results with security-severity 9.0 or more allowed'),
    high: countSchema('Results with security-severity 7.0 to 8.9 allowed'),
    medium: countSchema('Results with security-severity 4.0 to 6.9 allowed'),
    low: countSchema('Results with security-severity 0.1 to 3.9 allowed'),
  })
  .describe("Results allowed by the rule's security-severity band; a missing key means no limit");

const sarifGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('sarif').describe('Findings from SARIF 2.1.0 files'),
    job: gateJobSchema,
    artifact: artifactSchema,
    max: sarifMaxSchema.exactOptional(),
    'max-severity': sarifSeveritySchema.exactOptional(),
    'new-only': z
      .boolean()
      .default(false)
      .describe('Count only findings whose fingerprint is not in the baseline (default false: count all)'),
  })
  .superRefine((gate, ctx) => {
    const levels = Object.values(gate.max ?? {}).filter((value) => value !== undefined);
    const bands = Object.values(gate['max-severity'] ?? {}).filter((value) => value !== undefined);
    for (const band of SEVERITY_KEYS) {
      if (gate.max?.[band] !== undefined && gate['max-severity']?.[band] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['max', band],
          message: `"${band}" is given in both max and max-severity; keep it only in max-severity`,
        });
      }
    }
    if (levels.length > 0 || bands.length > 0 || hasUnknownGateKey(ctx.issues)) return;
    ctx.addIssue({
      code: 'custom',
      // Point at the empty mapping when there is one, else at the gate.
      path: gate.max !== undefined ? ['max'] : gate['max-severity'] !== undefined ? ['max-severity'] : [],
      message:
        'give at least one threshold: max: {error, warning, note} (SARIF levels) and/or max-severity: {critical, high, medium, low} (security-severity)',
    });
  })
  .meta({ anyOf: [{ required: ['max'] }, { required: ['max-severity'] }] })
  .describe('Fails when a SARIF threshold is exceeded');

const benchmarkGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('benchmark').describe('Benchmark results as JSON {name: value} or [{name, value, unit}]'),
    job: gateJobSchema,
    artifact: artifactSchema,
    'max-regression': z
      .union([
        z.string().regex(PERCENT_PATTERN, { error: 'expected a percentage like 10% (or a plain number of percent)' }),
        z.number().min(0).max(MAX_REGRESSION_PERCENT),
      ])
      .describe(
        'Largest regression allowed against the median of the last 5 successful default-branch runs, as 10% or a number of percent (0 to 1000)',
      ),
    'higher-is-better': z.boolean().default(false).describe('Larger values are better (default false: lower is better, as for times)'),
  })
  .describe('Fails when a benchmark regressed by more than `max-regression`');

const durationGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('duration').describe('Wall-clock duration'),
    job: gateJobSchema.optional().describe('Limit this job instead of the whole pipeline'),
    max: durationSchema('Longest duration allowed'),
  })
  .describe('Fails when the pipeline (or `job`) took longer than `max`');

/** A quality gate of a pipeline, by `type`. */
export const gateSchema = z
  .discriminatedUnion('type', [coverageGateSchema, junitGateSchema, sarifGateSchema, benchmarkGateSchema, durationGateSchema])
  .describe(
    'A quality gate, evaluated when the named job has finished, from its workflow run\'s artifacts; fails closed (a missing or unreadable report is an error)',
  );

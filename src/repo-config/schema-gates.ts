/** The schema of a pipeline's quality gates (SPEC §5a). */
import { z } from 'zod';
import { durationSchema, idSchema, PERCENT_PATTERN } from './schema-primitives.ts';

/** Coverage report formats (auto-detected when `format` is omitted). */
export const COVERAGE_FORMATS = ['istanbul', 'cobertura', 'lcov'] as const;

/** The gate types. */
export const GATE_TYPES = ['coverage', 'junit', 'sarif', 'benchmark', 'duration'] as const;

const gateNameSchema = idSchema('gate').describe('Gate name, used in the check run and by `/override GATE`');
const gateJobSchema = idSchema('job').describe('Id of the job whose workflow run produces the artifact');
const artifactSchema = z
  .string()
  .min(1, { error: 'an artifact name must not be empty' })
  .max(256)
  .describe('Name of the Actions artifact the job uploads');
const countSchema = (description: string) => z.int().min(0).max(1_000_000).optional().describe(description);

const coverageGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('coverage').describe('Line coverage from istanbul coverage-summary.json, Cobertura XML or LCOV'),
    job: gateJobSchema,
    artifact: artifactSchema,
    min: z.number().min(0).max(100).describe('Minimum line coverage in percent'),
    format: z.enum(COVERAGE_FORMATS).optional().describe('Report format (default: detected from the file)'),
  })
  .describe('Fails when line coverage is below `min` percent');

const junitGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('junit').describe('Test results from JUnit XML'),
    job: gateJobSchema,
    artifact: artifactSchema,
    'max-failures': z.int().min(0).default(0).describe('Failed or errored tests allowed (default 0)'),
  })
  .describe('Fails when more tests failed than `max-failures`');

const sarifMaxSchema = z
  .strictObject({
    error: countSchema('Results of level "error" allowed'),
    warning: countSchema('Results of level "warning" allowed'),
    note: countSchema('Results of level "note" allowed'),
    critical: countSchema('Results with security-severity 9.0 or more allowed'),
    high: countSchema('Results with security-severity 7.0 to 8.9 allowed'),
    medium: countSchema('Results with security-severity 4.0 to 6.9 allowed'),
    low: countSchema('Results with security-severity 0.1 to 3.9 allowed'),
  })
  .refine((max) => Object.values(max).some((value) => value !== undefined), {
    error: 'give at least one threshold: error, warning, note (SARIF levels) or critical, high, medium, low (security-severity)',
  })
  .meta({ minProperties: 1 })
  .describe('Thresholds by SARIF level and/or by security-severity band; a missing key means no limit');

const sarifGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('sarif').describe('Findings from SARIF files'),
    job: gateJobSchema,
    artifact: artifactSchema,
    max: sarifMaxSchema,
  })
  .describe('Fails when a SARIF threshold is exceeded');

const benchmarkGateSchema = z
  .strictObject({
    name: gateNameSchema,
    type: z.literal('benchmark').describe('Benchmark results as JSON {name: value}, lower is better'),
    job: gateJobSchema,
    artifact: artifactSchema,
    'max-regression': z
      .string()
      .regex(PERCENT_PATTERN, { error: 'expected a percentage like 10%' })
      .describe('Largest slowdown allowed against the last successful run on the default branch, e.g. 10%'),
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
  .describe('A quality gate, evaluated from artifacts after the named job finishes');

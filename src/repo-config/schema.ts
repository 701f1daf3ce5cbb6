/**
 * The schema of `.github/shipgate.yml` (SPEC §3). Every field carries a description:
 * it is what editors show from the generated `schema/shipgate.schema.json`.
 *
 * The parsed shape keeps the YAML keys exactly (`branches-ignore`,
 * `continue-on-error`, …) and has defaults applied. Objects are strict, so a typo
 * is an error rather than a silently ignored key.
 */
import { z } from 'zod';
import { checkDuration, DURATION_PATTERN } from './duration.ts';

/** Pipeline, stage, job and gate ids. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** Environment names: like GitHub environments, case is kept. */
export const ENVIRONMENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Names of `workflow_dispatch` inputs (and of pipeline variables, which are passed as inputs). */
export const INPUT_NAME_PATTERN = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_-]*$/;
/** A workflow file name in `.github/workflows`. */
export const WORKFLOW_FILE_PATTERN = /^[A-Za-z0-9_.-]+\.ya?ml$/;
/** An approver: a user login or a team as `@org/team-slug`. */
export const APPROVER_PATTERN = /^(?:@[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*|[A-Za-z0-9][A-Za-z0-9-]*)$/;
/** A percentage such as `10%` or `2.5%`. */
export const PERCENT_PATTERN = /^[0-9]{1,4}(?:\.[0-9]{1,3})?%$/;

/** Pull request activity types, as GitHub names them in `pull_request` webhooks. */
export const PULL_REQUEST_TYPES = [
  'assigned',
  'unassigned',
  'labeled',
  'unlabeled',
  'opened',
  'edited',
  'closed',
  'reopened',
  'synchronize',
  'converted_to_draft',
  'ready_for_review',
  'locked',
  'unlocked',
  'review_requested',
  'review_request_removed',
  'auto_merge_enabled',
  'auto_merge_disabled',
  'milestoned',
  'demilestoned',
  'enqueued',
  'dequeued',
] as const;

/** The pull request types that start pipelines when `types` is not given. */
export const DEFAULT_PULL_REQUEST_TYPES: Array<(typeof PULL_REQUEST_TYPES)[number]> = ['opened', 'synchronize', 'reopened'];

/** Concurrency modes of a pipeline. */
export const CONCURRENCY_MODES = ['none', 'queue', 'cancel-in-progress'] as const;

/** Events that may be sent to Slack. */
export const SLACK_EVENTS = ['failure', 'recovery', 'deployment', 'approval-requested'] as const;

/** Coverage report formats (auto-detected when `format` is omitted). */
export const COVERAGE_FORMATS = ['istanbul', 'cobertura', 'lcov'] as const;

/** The gate types. */
export const GATE_TYPES = ['coverage', 'junit', 'sarif', 'benchmark', 'duration'] as const;

const ID_RULE = 'ids are lowercase letters, digits, "-" and "_", starting with a letter or digit';

function idSchema(what: string) {
  return z
    .string()
    .max(64, { error: `${what} ids are at most 64 characters` })
    .regex(ID_PATTERN, { error: `${what} ${ID_RULE}` })
    .describe(`${what} id (${ID_PATTERN.source})`);
}

const environmentNameSchema = z
  .string()
  .max(64, { error: 'environment names are at most 64 characters' })
  .regex(ENVIRONMENT_NAME_PATTERN, {
    error: 'environment names are letters, digits, ".", "-" and "_", starting with a letter or digit',
  })
  .describe('Environment name, as defined under `environments`');

const inputNameSchema = z
  .string()
  .max(100, { error: 'input names are at most 100 characters' })
  .regex(INPUT_NAME_PATTERN, {
    error: 'input names are letters, digits, "-" and "_", starting with a letter or "_" (as in workflow_dispatch inputs)',
  })
  .describe('Workflow input name');

/** A duration (`90s`, `20m`, `2h`, `1d`); `allowZero` for waits that may be zero. */
function durationSchema(description: string, options: { allowZero?: boolean } = {}) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const error = checkDuration(value, options);
      if (error !== undefined) ctx.addIssue({ code: 'custom', message: error });
    })
    .meta({ pattern: DURATION_PATTERN.source, description, examples: ['90s', '20m', '2h', '1d'] });
}

function patternList(description: string) {
  return z
    .array(z.string().min(1, { error: 'a filter pattern must not be empty' }).describe('A filter pattern (GitHub Actions syntax)'))
    .describe(description);
}

const inputValueSchema = z
  .union([z.string(), z.number(), z.boolean()])
  .describe('Input value; strings may use ${{ }} expressions over the shipgate and github contexts');

const inputsSchema = (description: string) => z.record(inputNameSchema, inputValueSchema).default({}).describe(description);

// ---------------------------------------------------------------------------
// Triggers

const pushTriggerSchema = z
  .strictObject({
    branches: patternList('Branches whose pushes start the pipeline (filter patterns, `!` to exclude). Not together with `branches-ignore`.').optional(),
    'branches-ignore': patternList('Branches whose pushes never start the pipeline. Not together with `branches`.').optional(),
    paths: patternList('Start only when a changed file matches (filter patterns, `!` to exclude). Not together with `paths-ignore`.').optional(),
    'paths-ignore': patternList('Do not start when every changed file matches these patterns. Not together with `paths`.').optional(),
  })
  .describe('Run on pushes to branches');
type PushTrigger = z.output<typeof pushTriggerSchema>;

const pullRequestTriggerSchema = z
  .strictObject({
    types: z
      .array(z.enum(PULL_REQUEST_TYPES).describe('A pull_request activity type'))
      .default([...DEFAULT_PULL_REQUEST_TYPES])
      .describe('Pull request actions that start the pipeline (default: opened, synchronize, reopened)'),
    branches: patternList('Base branches of the pull request (filter patterns). Not together with `branches-ignore`.').optional(),
    'branches-ignore': patternList('Base branches whose pull requests never start the pipeline. Not together with `branches`.').optional(),
    paths: patternList('Start only when a file changed by the pull request matches. Not together with `paths-ignore`.').optional(),
    'paths-ignore': patternList('Do not start when every changed file matches these patterns. Not together with `paths`.').optional(),
  })
  .describe('Run on pull request activity; the run builds the head sha');
type PullRequestTrigger = z.output<typeof pullRequestTriggerSchema>;

const tagTriggerSchema = z
  .strictObject({
    tags: patternList('Tags whose pushes start the pipeline (filter patterns). Not together with `tags-ignore`.').optional(),
    'tags-ignore': patternList('Tags whose pushes never start the pipeline. Not together with `tags`.').optional(),
  })
  .describe('Run on tag pushes (paths do not apply)');
type TagTrigger = z.output<typeof tagTriggerSchema>;

const triggersSchema = z
  .strictObject({
    // `push:` with no value (as in Actions workflows) means every branch.
    push: pushTriggerSchema
      .nullable()
      .transform((value): PushTrigger => value ?? {})
      .optional()
      .describe('Run on pushes to branches; an empty value means every branch'),
    pull_request: pullRequestTriggerSchema
      .nullable()
      .transform((value): PullRequestTrigger => value ?? { types: [...DEFAULT_PULL_REQUEST_TYPES] })
      .optional()
      .describe('Run on pull request activity; an empty value means the default types on every base branch'),
    tag: tagTriggerSchema
      .nullable()
      .transform((value): TagTrigger => value ?? {})
      .optional()
      .describe('Run on tag pushes; an empty value means every tag'),
    manual: z.boolean().default(false).describe('Whether the pipeline may be started with the `/run PIPELINE` command'),
  })
  .describe('Events that start the pipeline');

// ---------------------------------------------------------------------------
// Stages and jobs

const jobSchema = z
  .strictObject({
    workflow: z
      .string()
      .regex(WORKFLOW_FILE_PATTERN, { error: 'expected a workflow file name in .github/workflows, like build.yml' })
      .describe('Workflow file in .github/workflows; it must have `on: workflow_dispatch`'),
    inputs: inputsSchema('Inputs passed to the workflow_dispatch event; each must be declared by the workflow'),
    timeout: durationSchema('Cancel the workflow run after this long (default: defaults.timeout)').optional(),
    retries: z
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe('Automatic re-runs of failed jobs, with exponential backoff from 30s (default: defaults.retries)'),
    'continue-on-error': z.boolean().default(false).describe('When true, a failure of this job does not fail its stage'),
  })
  .describe('A job: one GitHub Actions workflow run');

const stageSchema = z
  .strictObject({
    needs: z.array(idSchema('stage')).default([]).describe('Stages that must succeed before this one starts'),
    if: z
      .string()
      .min(1, { error: 'an if: condition must not be empty' })
      .optional()
      .describe('Condition (GitHub Actions expression, optionally in ${{ }}) over the shipgate and github contexts'),
    environment: environmentNameSchema
      .optional()
      .describe('Deploy to this environment: creates a GitHub deployment subject to the environment policy'),
    jobs: z
      .record(idSchema('job'), jobSchema)
      .refine((jobs) => Object.keys(jobs).length > 0, { error: 'a stage needs at least one job' })
      .meta({ minProperties: 1 })
      .describe('Jobs of the stage, started in parallel'),
  })
  .describe('A stage: jobs that run in parallel once the stages it needs succeeded');

// ---------------------------------------------------------------------------
// Gates

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

const gateSchema = z
  .discriminatedUnion('type', [coverageGateSchema, junitGateSchema, sarifGateSchema, benchmarkGateSchema, durationGateSchema])
  .describe('A quality gate, evaluated from artifacts after the named job finishes');

// ---------------------------------------------------------------------------
// Pipelines

const pipelineSchema = z
  .strictObject({
    on: triggersSchema,
    concurrency: z
      .enum(CONCURRENCY_MODES)
      .default('none')
      .describe('Runs of this pipeline on the same PR/branch: none (run side by side), queue, or cancel-in-progress'),
    variables: z
      .record(inputNameSchema, z.string().describe('Variable value (quote numbers and booleans)'))
      .default({})
      .describe('Passed as workflow inputs to every job whose workflow declares them'),
    stages: z
      .record(idSchema('stage'), stageSchema)
      .refine((stages) => Object.keys(stages).length > 0, { error: 'a pipeline needs at least one stage' })
      .meta({ minProperties: 1 })
      .describe('Stages, a DAG by `needs`'),
    gates: z.array(gateSchema).default([]).describe('Quality gates; a failed gate fails the pipeline unless overridden'),
  })
  .describe('A pipeline: stages of jobs started by the events in `on`');

// ---------------------------------------------------------------------------
// Environments, commands, notifications

const environmentSchema = z
  .strictObject({
    branches: patternList('Refs that may be deployed here (filter patterns); default: any').optional(),
    after: environmentNameSchema.optional().describe('The sha must have a successful deployment to this environment first'),
    approvals: z
      .int()
      .min(0)
      .max(20)
      .optional()
      .describe('Distinct approvers required (default: 1 when approvers are listed, else 0)'),
    approvers: z
      .array(
        z
          .string()
          .regex(APPROVER_PATTERN, { error: 'expected a user login or a team as @org/team-slug' })
          .describe('A user login or a team as @org/team-slug'),
      )
      .default([])
      .describe('Who may approve: users and teams (@org/team-slug)'),
    'allow-self-approval': z.boolean().default(false).describe('Whether the requester may approve their own deployment'),
    wait: durationSchema('Wait timer after the last approval', { allowZero: true }).optional(),
    'approval-timeout': durationSchema('An approval request expires after this long').optional(),
    workflow: z
      .string()
      .regex(WORKFLOW_FILE_PATTERN, { error: 'expected a workflow file name in .github/workflows, like deploy.yml' })
      .optional()
      .describe('Workflow dispatched for `/deploy` and rollbacks (inputs: environment, sha, deployment_id)'),
    inputs: inputsSchema('Extra inputs for the deploy workflow'),
    'auto-rollback': z.boolean().default(false).describe('Redeploy the last good sha when the deploy job fails'),
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional().describe('URL shown on the deployment'),
  })
  .transform((environment) => ({
    ...environment,
    approvals: environment.approvals ?? (environment.approvers.length > 0 ? 1 : 0),
  }))
  .describe('Deployment policy of one environment');

const commandsSchema = z
  .strictObject({
    prefix: z
      .string()
      .min(1, { error: 'the command prefix must not be empty' })
      .max(32)
      .regex(/^[^\s][^\r\n]*$/, { error: 'the command prefix must start with a non-space character and fit on one line' })
      .default('/')
      .describe("Prefix of comment commands: '/' for /deploy, 'shipgate ' for /shipgate deploy"),
  })
  .describe('Comment commands (read from the default branch only)');

const notificationsSchema = z
  .strictObject({
    slack: z
      .strictObject({
        on: z
          .array(z.enum(SLACK_EVENTS).describe('An event to notify about'))
          .default([...SLACK_EVENTS])
          .describe('Events sent to SLACK_WEBHOOK_URL (default: all)'),
      })
      .optional()
      .describe('Slack notifications (the webhook URL comes from SLACK_WEBHOOK_URL)'),
  })
  .describe('Notifications');

/** The whole `.github/shipgate.yml`. */
export const shipgateConfigSchema = z
  .strictObject({
    version: z.literal(1).default(1).describe('Config format version'),
    _extends: z
      .string()
      .optional()
      .describe('Extend the same file from another repository: `repo`, `owner/repo` or `repo:path.yml` (Probot semantics)'),
    defaults: z
      .strictObject({
        timeout: durationSchema('Default job timeout').default('30m'),
        retries: z.int().min(0).max(10).default(0).describe('Default automatic re-runs of a failed job'),
      })
      .default({ timeout: '30m', retries: 0 })
      .describe('Applied to every job unless the job overrides'),
    pipelines: z.record(idSchema('pipeline'), pipelineSchema).default({}).describe('Pipelines by id'),
    environments: z
      .record(environmentNameSchema, environmentSchema)
      .default({})
      .describe('Deployment environments (read from the default branch only)'),
    commands: commandsSchema.prefault({}),
    notifications: notificationsSchema.optional(),
  })
  .describe('shipgate configuration (.github/shipgate.yml)');

/** A parsed, defaulted config. */
export type ShipgateConfig = z.output<typeof shipgateConfigSchema>;
/** The config as written (before defaults). */
export type ShipgateConfigInput = z.input<typeof shipgateConfigSchema>;
export type Pipeline = ShipgateConfig['pipelines'][string];
export type Triggers = Pipeline['on'];
export type Stage = Pipeline['stages'][string];
export type Job = Stage['jobs'][string];
export type Gate = Pipeline['gates'][number];
export type GateType = Gate['type'];
export type Environment = ShipgateConfig['environments'][string];
export type Commands = ShipgateConfig['commands'];
export type Notifications = NonNullable<ShipgateConfig['notifications']>;

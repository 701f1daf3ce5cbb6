/**
 * The schema of `.github/shipgate.yml` (SPEC §3). Every field carries a description:
 * it is what editors show from the generated `schema/shipgate.schema.json`.
 *
 * The parsed shape keeps the YAML keys exactly (`branches-ignore`,
 * `continue-on-error`, …) and has defaults applied. Objects are strict, so a typo
 * is an error rather than a silently ignored key.
 */
import { z } from 'zod';
import { commandsSchema, notificationsSchema } from './schema-commands.ts';
import { environmentSchema } from './schema-environments.ts';
import { gateSchema } from './schema-gates.ts';
import { durationSchema, environmentNameSchema, idSchema, inputNameSchema } from './schema-primitives.ts';
import { stageSchema } from './schema-stages.ts';
import { triggersSchema } from './schema-triggers.ts';

export {
  APPROVER_PATTERN,
  ENVIRONMENT_NAME_PATTERN,
  ID_PATTERN,
  INPUT_NAME_PATTERN,
  PERCENT_PATTERN,
  WORKFLOW_FILE_PATTERN,
} from './schema-primitives.ts';
export {
  GIT_REF_NAME_PATTERN,
  GITLAB_PROJECT_PATTERN,
  GITLAB_VARIABLE_NAME_PATTERN,
  JENKINS_JOB_PATTERN,
  JENKINS_PARAMETER_NAME_PATTERN,
  SHIPGATE_RUN_VARIABLE,
} from './schema-providers.ts';
export { JOB_KINDS, type JobKind } from './schema-stages.ts';
export { jobTargetOf, type JobProvider, type JobTarget, type JobValues } from './job-target.ts';
export { DEFAULT_PULL_REQUEST_TYPES, PULL_REQUEST_TYPES } from './schema-triggers.ts';
export { COVERAGE_FORMATS, GATE_TYPES } from './schema-gates.ts';
export { SLACK_EVENTS } from './schema-commands.ts';

/** Concurrency modes of a pipeline. */
export const CONCURRENCY_MODES = ['none', 'queue', 'cancel-in-progress'] as const;

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

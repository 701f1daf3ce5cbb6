/** The schema of a pipeline's stages and their jobs. */
import { z } from 'zod';
import { durationSchema, environmentNameSchema, idSchema, inputsSchema, WORKFLOW_FILE_PATTERN } from './schema-primitives.ts';

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

/** A stage of a pipeline, with its jobs. */
export const stageSchema = z
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

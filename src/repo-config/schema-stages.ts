/** The schema of a pipeline's stages and their jobs. */
import { z } from 'zod';
import { durationSchema, environmentNameSchema, idSchema, inputNameSchema, inputValueSchema, WORKFLOW_FILE_PATTERN } from './schema-primitives.ts';
import { gitlabJobSchema, jenkinsJobSchema, webhookJobSchema } from './schema-providers.ts';
import { suggestNearest } from './suggest.ts';

/** What a job runs on: a job has exactly one of these keys (SPEC §13). */
export const JOB_KINDS = ['workflow', 'jenkins', 'gitlab', 'webhook'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** What a job of each other kind takes instead of `inputs`. */
const INSTEAD_OF_INPUTS = {
  jenkins: 'a Jenkins job takes "parameters": jenkins: { job: …, parameters: { NAME: value } }',
  gitlab: 'a GitLab pipeline takes "variables": gitlab: { project: …, variables: { NAME: value } }',
  webhook: 'a webhook job takes "payload": webhook: { url: …, payload: { key: value } }',
} as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const jobSchema = z
  .strictObject({
    workflow: z
      .string()
      .regex(WORKFLOW_FILE_PATTERN, { error: 'expected a workflow file name in .github/workflows, like build.yml' })
      .optional()
      .describe('GitHub Actions: workflow file in .github/workflows; it must have `on: workflow_dispatch`'),
    // No default here: a job of another kind must not have `inputs` at all (the transform below adds `{}`).
    inputs: z
      .record(inputNameSchema, inputValueSchema)
      .optional()
      .describe('Inputs passed to the workflow_dispatch event; each must be declared by the workflow (workflow jobs only)'),
    jenkins: jenkinsJobSchema.optional(),
    gitlab: gitlabJobSchema.optional(),
    webhook: webhookJobSchema.optional(),
    timeout: durationSchema('Cancel the job (workflow run, build, pipeline or webhook job) after this long (default: defaults.timeout)').optional(),
    retries: z
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe('Automatic re-runs of failed jobs, with exponential backoff from 30s (default: defaults.retries)'),
    'continue-on-error': z.boolean().default(false).describe('When true, a failure of this job does not fail its stage'),
  })
  .superRefine(
    (job: unknown, ctx) => {
      // With `when`, this also runs when other keys failed, so it reads the value warily.
      if (!isRecord(job) || job['inputs'] === undefined || job['workflow'] !== undefined) return;
      const kind = (['jenkins', 'gitlab', 'webhook'] as const).find((name) => job[name] !== undefined);
      if (kind === undefined) return; // a job with no kind at all: the jobs check says so
      ctx.addIssue({
        code: 'custom',
        path: ['inputs'],
        params: { target: 'key' },
        message: `"inputs" are for GitHub Actions workflows; ${INSTEAD_OF_INPUTS[kind]}`,
      });
    },
    { when: () => true },
  )
  // Editors get "exactly one kind" and "inputs only with workflow" from the JSON schema.
  .meta({ oneOf: JOB_KINDS.map((kind) => ({ required: [kind] })), dependentRequired: { inputs: ['workflow'] } })
  .transform((job) => ({ ...job, inputs: job.inputs ?? {} }))
  .describe('A job: a GitHub Actions workflow run, a Jenkins build, a GitLab pipeline or a webhook job');

/** True when an unknown key of the job is probably a misspelt kind (`workflw:`), which is reported with a suggestion already. */
function hasMisspeltKind(issues: ReadonlyArray<{ code?: string | undefined; path?: readonly PropertyKey[] | undefined; keys?: unknown }>, jobId: string): boolean {
  return issues.some(
    (issue) =>
      issue.code === 'unrecognized_keys' &&
      issue.path?.length === 1 &&
      issue.path[0] === jobId &&
      Array.isArray(issue.keys) &&
      issue.keys.some((key) => typeof key === 'string' && suggestNearest(key, JOB_KINDS) !== undefined),
  );
}

/** `"a" and "b"`, `"a", "b" and "c"`. */
function quotedList(names: readonly string[]): string {
  const quoted = names.map((name) => `"${name}"`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/**
 * Every job has exactly one of {@link JOB_KINDS}. Checked over the jobs mapping,
 * not inside a job, so the message can name the job.
 */
function checkJobKinds(jobs: unknown, ctx: z.core.$RefinementCtx): void {
  if (!isRecord(jobs)) return;
  for (const [jobId, job] of Object.entries(jobs)) {
    if (!isRecord(job)) continue;
    const kinds = JOB_KINDS.filter((kind) => job[kind] !== undefined);
    if (kinds.length === 1) continue;
    const second = kinds[1];
    if (second !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [jobId, second],
        params: { target: 'key' },
        message: `job "${jobId}" has ${kinds.length === 2 ? 'both ' : ''}${quotedList(kinds)}; a job runs on exactly one of ${JOB_KINDS.join(', ')}`,
      });
    } else if (!hasMisspeltKind(ctx.issues, jobId)) {
      ctx.addIssue({
        code: 'custom',
        path: [jobId],
        params: { target: 'key' },
        message: `job "${jobId}" needs one of ${JOB_KINDS.join(', ')}; for example workflow: build.yml (GitHub Actions), jenkins: { job: folder/name }, gitlab: { project: group/project } or webhook: { url: https://… }`,
      });
    }
  }
}

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
      .superRefine((jobs, ctx) => checkJobKinds(jobs, ctx), { when: () => true })
      .meta({ minProperties: 1 })
      .describe('Jobs of the stage, started in parallel'),
  })
  .describe('A stage: jobs that run in parallel once the stages it needs succeeded');

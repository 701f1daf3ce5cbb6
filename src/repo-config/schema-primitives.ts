/**
 * The building blocks of the config schema: id and name patterns, durations,
 * filter-pattern lists and workflow inputs. See `schema.ts` for the whole file.
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

const ID_RULE = 'ids are lowercase letters, digits, "-" and "_", starting with a letter or digit';

/** A pipeline, stage, job or gate id; `what` names it in errors and the description. */
export function idSchema(what: string) {
  return z
    .string()
    .max(64, { error: `${what} ids are at most 64 characters` })
    .regex(ID_PATTERN, { error: `${what} ${ID_RULE}` })
    .describe(`${what} id (${ID_PATTERN.source})`);
}

/** An environment name, as defined under `environments`. */
export const environmentNameSchema = z
  .string()
  .max(64, { error: 'environment names are at most 64 characters' })
  .regex(ENVIRONMENT_NAME_PATTERN, {
    error: 'environment names are letters, digits, ".", "-" and "_", starting with a letter or digit',
  })
  .describe('Environment name, as defined under `environments`');

/** A workflow_dispatch input name (also used for pipeline variables). */
export const inputNameSchema = z
  .string()
  .max(100, { error: 'input names are at most 100 characters' })
  .regex(INPUT_NAME_PATTERN, {
    error: 'input names are letters, digits, "-" and "_", starting with a letter or "_" (as in workflow_dispatch inputs)',
  })
  .describe('Workflow input name');

/** A duration (`90s`, `20m`, `2h`, `1d`); `allowZero` for waits that may be zero. */
export function durationSchema(description: string, options: { allowZero?: boolean } = {}) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const error = checkDuration(value, options);
      if (error !== undefined) ctx.addIssue({ code: 'custom', message: error });
    })
    .meta({ pattern: DURATION_PATTERN.source, description, examples: ['90s', '20m', '2h', '1d'] });
}

/** A list of filter patterns (GitHub Actions syntax). */
export function patternList(description: string) {
  return z
    .array(z.string().min(1, { error: 'a filter pattern must not be empty' }).describe('A filter pattern (GitHub Actions syntax)'))
    .describe(description);
}

/** A workflow input value. */
export const inputValueSchema = z
  .union([z.string(), z.number(), z.boolean()])
  .describe('Input value; strings may use ${{ }} expressions over the shipgate and github contexts');

/** Workflow inputs by name, empty by default. */
export const inputsSchema = (description: string) => z.record(inputNameSchema, inputValueSchema).default({}).describe(description);

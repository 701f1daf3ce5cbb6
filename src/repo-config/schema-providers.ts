/**
 * The schema of jobs that run on other CI systems (SPEC §13): `jenkins:`, `gitlab:`
 * and `webhook:`. Their values (parameters, variables, payload) are like workflow
 * inputs: strings, numbers or booleans, strings may use `${{ }}` expressions.
 */
import { z } from 'zod';
import { INPUT_NAME_PATTERN, inputValueSchema } from './schema-primitives.ts';

/**
 * Set by shipgate on every Jenkins build and GitLab pipeline it starts: the run's
 * correlation id, by which it finds the build again after a crash. A config that
 * set it would break that, so the name is refused.
 */
export const SHIPGATE_RUN_VARIABLE = 'SHIPGATE_RUN';

/**
 * A Jenkins job path, folders separated by `/` (`platform/build-legacy`): no empty
 * segment (so no leading, trailing or doubled slash), no `.` or `..` segment (the
 * path becomes `/job/a/job/b/…` on the server), no control characters.
 */
export const JENKINS_JOB_PATTERN =
  /^(?!\.\.?(?:\/|$))[^/\u0000-\u001f\u007f-\u009f]+(?:\/(?!\.\.?(?:\/|$))[^/\u0000-\u001f\u007f-\u009f]+)*$/;
/** Jenkins build parameter names. */
export const JENKINS_PARAMETER_NAME_PATTERN = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_.-]*$/;
/** A GitLab project: a numeric id (when quoted) or a path `group/sub/project` as GitLab allows its segments. */
export const GITLAB_PROJECT_PATTERN = /^(?:[1-9][0-9]*|[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+)$/;
/** GitLab CI/CD variable names. */
export const GITLAB_VARIABLE_NAME_PATTERN = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * A branch or tag name as `git check-ref-format` allows it: no spaces, control
 * characters or `~^:?*[\`, no `..`, `@{` or `//`, no segment starting with `.`,
 * not starting with `-` or `/`, not ending with `/`, `.` or `.lock`, not `@`.
 */
export const GIT_REF_NAME_PATTERN =
  /^(?![-/.])(?!@$)(?!.*(?:\.\.|@\{|\/\/|\/\.))(?!.*(?:\.lock|\/|\.)$)[^\u0000-\u0020\u007f~^:?*\[\\]+$/;

/** A parameter or variable name that is not {@link SHIPGATE_RUN_VARIABLE}; `kind` words the message. */
function notReserved<T extends z.ZodType<Record<string, unknown>>>(schema: T, kind: string): T {
  return schema.superRefine(
    (values, ctx) => {
      // With `when`, this also runs when other entries failed, so it reads the value warily.
      if (typeof values !== 'object' || values === null || !Object.hasOwn(values, SHIPGATE_RUN_VARIABLE)) return;
      ctx.addIssue({
        code: 'custom',
        path: [SHIPGATE_RUN_VARIABLE],
        params: { target: 'key' },
        message: `${SHIPGATE_RUN_VARIABLE} is set by shipgate on every ${kind} (the run's correlation id); use another name`,
      });
    },
    { when: () => true },
  );
}

/** Values by name, like workflow inputs, with names matching `names`. */
function valuesSchema(names: z.ZodString, kind: string, description: string) {
  const record = z.record(names.meta({ not: { const: SHIPGATE_RUN_VARIABLE } }), inputValueSchema);
  return notReserved(record, kind).default({}).describe(description);
}

/** `jenkins:` — a build of a Jenkins job on the server of JENKINS_URL. */
export const jenkinsJobSchema = z
  .strictObject({
    job: z
      .string()
      .max(1024, { error: 'a Jenkins job path is at most 1024 characters' })
      .regex(JENKINS_JOB_PATTERN, {
        error:
          'expected a Jenkins job path like platform/build-legacy: folders separated by "/", no empty, "." or ".." segment, no control characters',
      })
      .describe('Jenkins job, with its folders: folder/sub/job (not the /job/…/job/… URL form)'),
    parameters: valuesSchema(
      z
        .string()
        .max(100, { error: 'parameter names are at most 100 characters' })
        .regex(JENKINS_PARAMETER_NAME_PATTERN, {
          error: 'parameter names are letters, digits, "_", "." and "-", starting with a letter or "_"',
        })
        .describe(`Build parameter name (${SHIPGATE_RUN_VARIABLE} is set by shipgate)`),
      'Jenkins build',
      `Build parameters (buildWithParameters); shipgate adds ${SHIPGATE_RUN_VARIABLE}`,
    ),
  })
  .describe('Run a Jenkins job (server from JENKINS_URL, JENKINS_USER, JENKINS_TOKEN)');

/** `gitlab:` — a pipeline of a GitLab project on the server of GITLAB_URL. */
export const gitlabJobSchema = z
  .strictObject({
    project: z
      .union([
        z.int().min(1).describe('Numeric project id'),
        z
          .string()
          .max(1024, { error: 'a GitLab project path is at most 1024 characters' })
          .regex(GITLAB_PROJECT_PATTERN, {
            error:
              'expected a GitLab project id or path like group/subgroup/project: segments of letters, digits, "_", "." and "-", not starting with "-" or "."',
          })
          .describe('Project path with its groups: group/subgroup/project'),
      ])
      .describe('GitLab project: its numeric id or its path group/subgroup/project'),
    ref: z
      .string()
      .max(255, { error: 'a branch or tag name is at most 255 characters' })
      .regex(GIT_REF_NAME_PATTERN, { error: 'expected a branch or tag name, like main or v1.2.0' })
      .exactOptional()
      .describe("Branch or tag the pipeline runs for (default: the run's branch or tag)"),
    variables: valuesSchema(
      z
        .string()
        .max(255, { error: 'variable names are at most 255 characters' })
        .regex(GITLAB_VARIABLE_NAME_PATTERN, {
          error: 'GitLab variable names are letters, digits and "_", starting with a letter or "_"',
        })
        .describe(`CI/CD variable name (${SHIPGATE_RUN_VARIABLE} is set by shipgate)`),
      'GitLab pipeline',
      `Pipeline variables; shipgate adds ${SHIPGATE_RUN_VARIABLE}`,
    ),
  })
  .describe('Run a GitLab pipeline (server from GITLAB_URL, GITLAB_TOKEN)');

/** Why a webhook job's URL is refused; `undefined` when it is accepted. */
export function webhookUrlProblem(text: string): string | undefined {
  const start = /^https?:\/\/([^/?#]*)/.exec(text);
  if (!start) return 'expected an absolute URL starting with https:// or http://, like https://ci.example.com/shipgate';
  if (/[\s\u0000-\u001f\u007f]/.test(text)) return 'a URL must not contain spaces or control characters; percent-encode them';
  const authority = start[1] ?? '';
  if (authority.includes('@')) {
    return 'credentials (user:password@) are not accepted in the URL; shipgate signs every request (Standard Webhooks, SHIPGATE_WEBHOOK_SECRET), so check the signature instead';
  }
  if (authority === '') return 'expected a host after "//"';
  if (text.includes('#')) return 'a URL fragment (#…) is never sent to the server; remove it';
  if (!URL.canParse(text)) return 'not a valid URL';
  return undefined;
}

/** `webhook:` — a signed POST to an external system, which reports back to /api/v1/jobs/{id}/status. */
export const webhookJobSchema = z
  .strictObject({
    url: z
      .string()
      .max(2048, { error: 'a URL is at most 2048 characters' })
      .superRefine((text, ctx) => {
        const problem = webhookUrlProblem(text);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .meta({ format: 'uri', pattern: '^https?://[^/?#@\\s]+(?:[/?][^#\\s]*)?$' })
      .describe('Where to POST the job (https, or http; no user:password@, no #fragment)'),
    payload: z
      .record(
        z
          .string()
          .max(100, { error: 'payload keys are at most 100 characters' })
          .regex(INPUT_NAME_PATTERN, { error: 'payload keys are letters, digits, "-" and "_", starting with a letter or "_"' })
          .describe('Payload key'),
        inputValueSchema,
      )
      .default({})
      .describe('Values merged into the JSON body shipgate sends (job id, sha and callback URL)'),
  })
  .describe('Start the job with a signed webhook (SHIPGATE_WEBHOOK_SECRET); the receiver reports its status back');

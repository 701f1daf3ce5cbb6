/** The schema of `environments` (SPEC §6): deployment policy per environment. */
import { z } from 'zod';
import { APPROVER_PATTERN, durationSchema, environmentNameSchema, inputsSchema, patternList, WORKFLOW_FILE_PATTERN } from './schema-primitives.ts';

/** One environment's deployment policy. */
export const environmentSchema = z
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
    production: z.boolean().optional().describe("Marks its GitHub deployments as production (default: true for an environment named 'production')"),
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional().describe('URL shown on the deployment'),
  })
  .transform((environment) => ({
    ...environment,
    approvals: environment.approvals ?? (environment.approvers.length > 0 ? 1 : 0),
  }))
  .describe('Deployment policy of one environment');

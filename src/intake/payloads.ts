/**
 * Webhook payloads, parsed at the boundary: each event shipgate acts on is
 * checked against the fields it reads (zod), so the engine works on typed
 * values and a malformed payload is recorded and ignored with the reason,
 * never cast and trusted. Objects stay loose: the payload is exposed whole to
 * `${{ github.event.* }}` expressions.
 */
import { z } from 'zod';

const login = z.looseObject({ login: z.string() });
const repository = z.looseObject({
  full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'owner/name'),
  default_branch: z.string().optional(),
});
const installation = z.looseObject({ id: z.number().int() });

export const pushPayloadSchema = z.looseObject({
  ref: z.string(),
  before: z.string().optional(),
  after: z.string(),
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  commits: z
    .array(
      z.looseObject({
        added: z.array(z.string()).optional(),
        removed: z.array(z.string()).optional(),
        modified: z.array(z.string()).optional(),
      }),
    )
    .nullable()
    .optional(),
  size: z.number().optional(),
  distinct_size: z.number().optional(),
  sender: login.nullable().optional(),
  pusher: z.looseObject({ name: z.string().nullable().optional() }).nullable().optional(),
  repository,
  installation: installation.optional(),
});

export const pullRequestPayloadSchema = z.looseObject({
  action: z.string(),
  number: z.number().int(),
  pull_request: z.looseObject({
    number: z.number().int(),
    labels: z.array(z.looseObject({ name: z.string() })).nullable().optional(),
    head: z.looseObject({ ref: z.string(), sha: z.string(), repo: z.looseObject({ full_name: z.string() }).nullable().optional() }),
    base: z.looseObject({ ref: z.string(), sha: z.string().optional(), repo: z.looseObject({ full_name: z.string() }) }),
  }),
  sender: login.nullable().optional(),
  repository,
  installation: installation.optional(),
});

export const workflowRunPayloadSchema = z.looseObject({
  action: z.string(),
  workflow_run: z.looseObject({
    id: z.number().int(),
    run_attempt: z.number().int().optional(),
    status: z.string().nullable(),
    conclusion: z.string().nullable(),
    html_url: z.string(),
    name: z.string().nullable().optional(),
    display_title: z.string().optional(),
    run_started_at: z.string().optional(),
    event: z.string().optional(),
    path: z.string().optional(),
  }),
  repository,
});

export const workflowJobPayloadSchema = z.looseObject({
  action: z.string(),
  workflow_job: z.looseObject({ run_id: z.number().int(), run_attempt: z.number().int().optional(), status: z.string().optional() }),
  repository,
});

export const checkRunPayloadSchema = z.looseObject({
  action: z.string(),
  check_run: z.looseObject({
    id: z.number().int(),
    name: z.string(),
    head_sha: z.string(),
    external_id: z.string().nullable().optional(),
    app: z.looseObject({ id: z.number().int() }).nullable().optional(),
  }),
  requested_action: z.looseObject({ identifier: z.string() }).nullable().optional(),
  sender: z.looseObject({ login: z.string(), type: z.string().optional() }),
  repository,
  installation: installation.optional(),
});

export const issueCommentPayloadSchema = z.looseObject({
  action: z.string(),
  comment: z.looseObject({
    id: z.number().int(),
    body: z.string().nullable().optional(),
    user: z.looseObject({ login: z.string(), type: z.string().optional() }).nullable(),
  }),
  issue: z.looseObject({ number: z.number().int(), pull_request: z.looseObject({}).nullable().optional() }),
  sender: z.looseObject({ login: z.string(), type: z.string().optional() }),
  repository,
  installation: installation.optional(),
});

export type PushPayload = z.infer<typeof pushPayloadSchema>;
export type PullRequestPayload = z.infer<typeof pullRequestPayloadSchema>;
export type WorkflowRunPayload = z.infer<typeof workflowRunPayloadSchema>;
export type WorkflowJobPayload = z.infer<typeof workflowJobPayloadSchema>;
export type CheckRunPayload = z.infer<typeof checkRunPayloadSchema>;
export type IssueCommentPayload = z.infer<typeof issueCommentPayloadSchema>;

/** A parsed payload, or what is wrong with it (first problem, as `path: message`). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Parses `payload` with `schema`, reporting the first problem readably. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown): Parsed<T> {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(payload)';
  return { ok: false, problem: `${where}: ${issue?.message ?? 'invalid'}` };
}

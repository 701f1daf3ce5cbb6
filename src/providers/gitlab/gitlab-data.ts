/**
 * GitLab CI's data, without the network (SPEC §13): how a project is named in
 * a URL, what a pipeline status means for a shipgate job, GitLab's answers and
 * its Pipeline Hook checked with zod at the boundary (a proxy's HTML page or
 * a foreign payload is an error with a reason, never cast and trusted), and
 * the webhook token check. Everything here is pure, so the client and the
 * webhook endpoint share one reading of GitLab.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** A pipeline as shipgate uses it (GitLab's snake_case fields, renamed). */
export interface GitLabPipeline {
  /** Global id (what every `/pipelines/:pipeline_id` route takes). */
  id: number;
  /** Number within the project (what GitLab's UI shows as `#iid`). */
  iid: number;
  projectId: number;
  status: string;
  ref: string;
  sha: string;
  webUrl: string;
  createdAt: string;
  /** Null until a job starts (and always in list answers, which omit it). */
  startedAt: string | null;
  finishedAt: string | null;
}

/** One file of a job's artifacts as GitLab lists them (`archive`, `metadata`, `trace`, reports…). */
export interface GitLabJobArtifact {
  fileType: string;
  size: number | null;
  filename: string;
}

/** A job of a pipeline, as `GET /projects/:id/pipelines/:pipeline_id/jobs` lists it. */
export interface GitLabJob {
  id: number;
  name: string;
  stage: string;
  status: string;
  webUrl: string;
  artifacts: GitLabJobArtifact[];
}

/** What a GitLab pipeline status means for the job that runs it. */
export interface MappedStatus {
  state: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'cancelled';
  /** Why, when the status alone would surprise a reader. */
  detail?: string;
}

/** A parsed answer, or why it could not be read. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The project as one URL path segment: a numeric id as it is, a path
 * (`group/sub/app`) URL-encoded whole (`group%2Fsub%2Fapp`), as GitLab's
 * "namespaced path encoding" wants. Undefined for something that is neither
 * (empty, zero, negative, not an integer), so the caller can say so before
 * sending anything.
 */
export function encodeProject(project: string | number): string | undefined {
  if (typeof project === 'number') return Number.isSafeInteger(project) && project > 0 ? String(project) : undefined;
  const path = project.trim().replace(/^\/+|\/+$/g, '');
  if (path === '' || /\s/.test(path) || path.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined;
  if (/^\d+$/.test(path)) return Number(path) > 0 ? path : undefined;
  return encodeURIComponent(path);
}

/** How messages name a project: `'group/app'` for a path, `42` for an id. */
export function describeProject(project: string | number): string {
  if (typeof project === 'number' || /^\s*\d+\s*$/.test(project)) return String(project).trim();
  return `'${project.trim().replace(/^\/+|\/+$/g, '')}'`;
}

/**
 * GitLab's pipeline statuses, for a shipgate job:
 *
 * | GitLab status                                              | state       | conclusion | why |
 * |------------------------------------------------------------|-------------|------------|-----|
 * | created, waiting_for_resource, preparing, pending, scheduled | queued    |            | no job has started |
 * | running                                                    | in_progress |            | |
 * | manual                                                     | in_progress |            | the pipeline waits for someone to start a manual job; the job's timeout bounds the wait |
 * | canceling                                                  | in_progress |            | jobs are still stopping; only `canceled` is final (GitLab may yet report jobs that finished meanwhile) |
 * | success                                                    | completed   | success    | |
 * | failed                                                     | completed   | failure    | |
 * | canceled                                                   | completed   | cancelled  | |
 * | skipped                                                    | completed   | failure    | fails closed: nothing ran, so nothing was verified |
 * | anything else                                              | completed   | failure    | fails closed, naming the status, rather than waiting forever on a status this version does not know |
 */
export function mapGitLabStatus(status: string): MappedStatus {
  switch (status) {
    case 'created':
    case 'preparing':
    case 'pending':
      return { state: 'queued' };
    case 'waiting_for_resource':
      return { state: 'queued', detail: 'waits for a resource group' };
    case 'scheduled':
      return { state: 'queued', detail: 'waits for a delayed job' };
    case 'running':
      return { state: 'in_progress' };
    case 'manual':
      return { state: 'in_progress', detail: 'waits for a manual job' };
    case 'canceling':
      return { state: 'in_progress', detail: 'GitLab is cancelling the pipeline' };
    case 'success':
      return { state: 'completed', conclusion: 'success' };
    case 'failed':
      return { state: 'completed', conclusion: 'failure' };
    case 'canceled':
      return { state: 'completed', conclusion: 'cancelled' };
    case 'skipped':
      return { state: 'completed', conclusion: 'failure', detail: 'GitLab skipped every job of the pipeline' };
    default:
      return { state: 'completed', conclusion: 'failure', detail: `GitLab reported a pipeline status shipgate does not know: '${status}'` };
  }
}

/**
 * GitLab's error answer in words: `message` as a string (`"404 Project Not
 * Found"`), an array, or an object of arrays (`{"base":["Reference not found"],
 * "ref":["is invalid"]}` → `Reference not found; ref is invalid`), and
 * `error` (with `error_description`, as OAuth scope errors have it). Undefined
 * when the body says nothing readable.
 */
export function renderGitLabError(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const parts: string[] = [];
  const message = renderMessage(record.message);
  if (message) parts.push(message);
  if (typeof record.error === 'string' && record.error) {
    const description = typeof record.error_description === 'string' && record.error_description ? `: ${record.error_description}` : '';
    parts.push(`${record.error}${description}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}

function renderMessage(message: unknown): string | undefined {
  if (typeof message === 'string') return message.trim() || undefined;
  if (Array.isArray(message)) {
    const items = message.map((item) => renderMessage(item)).filter((item): item is string => item !== undefined);
    return items.length ? items.join('; ') : undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const parts: string[] = [];
  for (const [field, value] of Object.entries(message)) {
    const texts = (Array.isArray(value) ? value : [value]).map((item) => renderMessage(item)).filter((item): item is string => item !== undefined);
    // Rails' full messages: `base` errors stand alone, field errors follow the field's name.
    for (const text of texts) parts.push(field === 'base' ? text : `${field} ${text}`);
  }
  return parts.length ? parts.join('; ') : undefined;
}

const timestamp = z.string().min(1);

const pipelineJson = z.looseObject({
  id: z.number().int(),
  iid: z.number().int(),
  project_id: z.number().int(),
  status: z.string().min(1),
  ref: z.string(),
  sha: z.string(),
  web_url: z.string(),
  created_at: timestamp,
  started_at: timestamp.nullish(),
  finished_at: timestamp.nullish(),
});

const jobJson = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  stage: z.string(),
  status: z.string(),
  web_url: z.string(),
  artifacts: z
    .array(z.looseObject({ file_type: z.string(), size: z.number().nullish(), filename: z.string() }))
    .nullish(),
});

const variablesJson = z.array(z.looseObject({ key: z.string(), value: z.string().nullable() }));

function toPipeline(json: z.infer<typeof pipelineJson>): GitLabPipeline {
  return {
    id: json.id,
    iid: json.iid,
    projectId: json.project_id,
    status: json.status,
    ref: json.ref,
    sha: json.sha,
    webUrl: json.web_url,
    createdAt: json.created_at,
    startedAt: json.started_at ?? null,
    finishedAt: json.finished_at ?? null,
  };
}

function toJob(json: z.infer<typeof jobJson>): GitLabJob {
  return {
    id: json.id,
    name: json.name,
    stage: json.stage,
    status: json.status,
    webUrl: json.web_url,
    artifacts: (json.artifacts ?? []).map((artifact) => ({ fileType: artifact.file_type, size: artifact.size ?? null, filename: artifact.filename })),
  };
}

function issue(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'unexpected shape';
  const path = first.path.map(String).join('.');
  return `${path || '(body)'}: ${first.message}`;
}

/** One pipeline (`GET`/`POST` answers). */
export function parsePipeline(body: unknown): Parsed<GitLabPipeline> {
  const parsed = pipelineJson.safeParse(body);
  return parsed.success ? { ok: true, value: toPipeline(parsed.data) } : { ok: false, error: issue(parsed.error) };
}

/** A page of `GET /projects/:id/pipelines` (its items lack `started_at`/`finished_at`: null here). */
export function parsePipelineList(body: unknown): Parsed<GitLabPipeline[]> {
  const parsed = z.array(pipelineJson).safeParse(body);
  return parsed.success ? { ok: true, value: parsed.data.map(toPipeline) } : { ok: false, error: issue(parsed.error) };
}

/** A page of a pipeline's jobs. */
export function parseJobs(body: unknown): Parsed<GitLabJob[]> {
  const parsed = z.array(jobJson).safeParse(body);
  return parsed.success ? { ok: true, value: parsed.data.map(toJob) } : { ok: false, error: issue(parsed.error) };
}

/** `GET /projects/:id/pipelines/:pipeline_id/variables` as key → value (a null value reads as ''). */
export function parseVariables(body: unknown): Parsed<Record<string, string>> {
  const parsed = variablesJson.safeParse(body);
  if (!parsed.success) return { ok: false, error: issue(parsed.error) };
  const variables: Record<string, string> = {};
  for (const variable of parsed.data) variables[variable.key] = variable.value ?? '';
  return { ok: true, value: variables };
}

/** A Pipeline Hook, read for what shipgate needs: which pipeline, its status, its variables (the correlation id). */
export type PipelineHook =
  | { ok: true; projectId: number; projectPath: string; pipelineId: number; status: string; variables: Record<string, string>; webUrl: string | null }
  | { ok: false; error: string };

const pipelineHookJson = z.looseObject({
  object_kind: z.literal('pipeline'),
  object_attributes: z.looseObject({
    id: z.number().int(),
    iid: z.number().int().optional(),
    ref: z.string().nullish(),
    sha: z.string().nullish(),
    status: z.string().min(1),
    source: z.string().nullish(),
    url: z.string().nullish(),
    variables: z.array(z.looseObject({ key: z.string(), value: z.string().nullable() })).nullish(),
  }),
  project: z.looseObject({ id: z.number().int(), path_with_namespace: z.string().min(1), web_url: z.string().nullish() }),
  builds: z.array(z.unknown()).nullish(),
});

/**
 * Reads a Pipeline Hook body (`X-Gitlab-Event: Pipeline Hook`). Another
 * `object_kind` (a Job Hook, a push) or a body without the pipeline's id,
 * status or project is refused with the reason, so the endpoint can answer
 * and log it without acting.
 */
export function parsePipelineHook(body: unknown): PipelineHook {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'the body is not a JSON object' };
  const kind = (body as Record<string, unknown>).object_kind;
  if (kind !== 'pipeline') {
    return { ok: false, error: typeof kind === 'string' ? `not a Pipeline Hook (object_kind '${kind}')` : 'not a GitLab hook (no object_kind)' };
  }
  const parsed = pipelineHookJson.safeParse(body);
  if (!parsed.success) return { ok: false, error: `not a Pipeline Hook shipgate can read: ${issue(parsed.error)}` };
  const { object_attributes: pipeline, project } = parsed.data;
  const variables: Record<string, string> = {};
  for (const variable of pipeline.variables ?? []) variables[variable.key] = variable.value ?? '';
  return {
    ok: true,
    projectId: project.id,
    projectPath: project.path_with_namespace,
    pipelineId: pipeline.id,
    status: pipeline.status,
    variables,
    webUrl: pipeline.url ?? null,
  };
}

/**
 * Whether the `X-Gitlab-Token` a hook carries is the configured secret, in
 * constant time (both sides are hashed first, so neither the content nor the
 * length leaks through timing). False when either is missing or empty: an
 * unset secret never accepts anything.
 */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!expected || !given) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * The REST v4 routes the GitLab simulator serves, with GitLab's answers:
 * who may do what (a Reporter reads but cannot create, cancel, retry or read
 * variables; a Developer reads only the variables of pipelines they
 * triggered), GitLab's error bodies, and its page-number pagination
 * (`x-next-page`, `x-total`, …).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { GitLabFaults } from './gitlab-faults.ts';
import { jobJson, latestJobs, pipelineBasicJson, pipelineJson, type SimGitLabJob, type SimGitLabPipeline, type SimGitLabProject } from './gitlab-model.ts';
import type { GitLabPipelineEngine } from './gitlab-pipelines.ts';

/** What a route answers. */
export interface GitLabAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: { data: Uint8Array | string; contentType: string };
}

/** An error answer, thrown from anywhere in a request. */
export class GitLabSimError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body));
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

const FORBIDDEN = (): GitLabSimError => new GitLabSimError(403, { message: '403 Forbidden' });
const NOT_FOUND = (): GitLabSimError => new GitLabSimError(404, { message: '404 Not found' });

export interface GitLabSimOptions {
  token: string;
  role: 'developer' | 'reporter';
  hookUrl: string | undefined;
  hookToken: string | undefined;
  /** `redirect` (gitlab.com: 302 to object storage) or `direct` (GitLab serves the zip itself). */
  artifacts: 'redirect' | 'direct';
}

export interface GitLabSimContext {
  clock: Clock;
  /** http://127.0.0.1:PORT */
  web: string;
  options: GitLabSimOptions;
  projects: Map<number, SimGitLabProject>;
  engine: GitLabPipelineEngine;
  faults: GitLabFaults;
  /** Signed storage links: token → job and when it was issued. */
  storage: Map<string, { jobId: number; issuedAt: number }>;
  /** Crashes inside the sim (answered 500), for tests to assert there are none. */
  errors: string[];
}

export interface RouteInput {
  ctx: GitLabSimContext;
  project: SimGitLabProject;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The request's URL (for `link` headers). */
  url: URL;
}

export interface GitLabRouteDefinition {
  method: 'GET' | 'POST';
  /** `/projects/:id/pipelines/:pipeline_id` */
  template: string;
  handle(input: RouteInput): GitLabAnswer;
}

const PIPELINE_SOURCES = new Set([
  'push', 'web', 'trigger', 'schedule', 'api', 'external', 'pipeline', 'chat', 'webide', 'merge_request_event',
  'external_pull_request_event', 'parent_pipeline', 'ondemand_dast_scan', 'ondemand_dast_validation',
  'security_orchestration_policy', 'container_registry_push', 'duo_workflow', 'pipeline_execution_policy_schedule', 'unknown',
]);
const ORDER_BY = new Set(['id', 'status', 'ref', 'updated_at', 'user_id']);

function id(params: Record<string, string>, name: string): number {
  const value = params[name] ?? '';
  if (!/^\d+$/.test(value)) throw new GitLabSimError(400, { error: `${name} is invalid` });
  return Number(value);
}

function pipelineOf(input: RouteInput): SimGitLabPipeline {
  const pipeline = input.ctx.engine.pipelines.get(id(input.params, 'pipeline_id'));
  if (!pipeline || pipeline.project !== input.project) throw NOT_FOUND();
  return pipeline;
}

function requireDeveloper(ctx: GitLabSimContext): void {
  if (ctx.options.role !== 'developer') throw FORBIDDEN();
}

function dateParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const at = Date.parse(value);
  if (!Number.isFinite(at)) throw new GitLabSimError(400, { error: `${name} is invalid` });
  return at;
}

/** GitLab's offset pagination: `per_page` (default 20, at most 100), `page`, and its headers. */
export function paginate<T>(all: readonly T[], query: URLSearchParams, url: URL): { items: T[]; headers: Record<string, string> } {
  const number = (name: string, fallback: number): number => {
    const value = query.get(name);
    if (value === null || value === '') return fallback;
    if (!/^-?\d+$/.test(value)) throw new GitLabSimError(400, { error: `${name} is invalid` });
    return Number(value);
  };
  const perPage = Math.min(100, Math.max(1, number('per_page', 20)));
  const page = Math.max(1, number('page', 1));
  const totalPages = Math.max(1, Math.ceil(all.length / perPage));
  const link = (target: number, rel: string): string => {
    const next = new URL(url.href);
    next.searchParams.set('page', String(target));
    next.searchParams.set('per_page', String(perPage));
    return `<${next.href}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(page - 1, 'prev')] : []),
    ...(page < totalPages ? [link(page + 1, 'next')] : []),
    link(1, 'first'),
    link(totalPages, 'last'),
  ];
  return {
    items: all.slice((page - 1) * perPage, page * perPage),
    headers: {
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-total': String(all.length),
      'x-total-pages': String(totalPages),
      'x-next-page': page < totalPages ? String(page + 1) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
      link: links.join(', '),
    },
  };
}

function parseVariables(raw: unknown): Array<{ key: string; value: string; variable_type: 'env_var' | 'file' }> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new GitLabSimError(400, { error: 'variables is invalid' });
  return raw.map((item: unknown, index) => {
    const variable = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof variable.key !== 'string' || variable.key === '') throw new GitLabSimError(400, { error: `variables[${index}][key] is missing` });
    if (typeof variable.value !== 'string') throw new GitLabSimError(400, { error: `variables[${index}][value] is missing` });
    const type = variable.variable_type ?? 'env_var';
    if (type !== 'env_var' && type !== 'file') throw new GitLabSimError(400, { error: `variables[${index}][variable_type] does not have a valid value` });
    return { key: variable.key, value: variable.value, variable_type: type };
  });
}

function comparePipelines(orderBy: string): (a: SimGitLabPipeline, b: SimGitLabPipeline) => number {
  switch (orderBy) {
    case 'status':
      return (a, b) => a.status.localeCompare(b.status) || a.id - b.id;
    case 'ref':
      return (a, b) => a.ref.localeCompare(b.ref) || a.id - b.id;
    case 'updated_at':
      return (a, b) => a.updatedAt - b.updatedAt || a.id - b.id;
    case 'user_id':
      return (a, b) => a.user.id - b.user.id || a.id - b.id;
    default:
      return (a, b) => a.id - b.id;
  }
}

function listPipelines({ ctx, project, query, url }: RouteInput): GitLabAnswer {
  const source = query.get('source');
  if (source !== null && !PIPELINE_SOURCES.has(source)) throw new GitLabSimError(400, { error: 'source does not have a valid value' });
  const orderBy = query.get('order_by') ?? 'id';
  if (!ORDER_BY.has(orderBy)) throw new GitLabSimError(400, { error: 'order_by does not have a valid value' });
  const sort = query.get('sort') ?? 'desc';
  if (sort !== 'asc' && sort !== 'desc') throw new GitLabSimError(400, { error: 'sort does not have a valid value' });
  const [updatedAfter, updatedBefore, createdAfter, createdBefore] = ['updated_after', 'updated_before', 'created_after', 'created_before'].map((name) => dateParam(query, name));
  const ref = query.get('ref');
  const sha = query.get('sha');
  const status = query.get('status');
  const matching = [...ctx.engine.pipelines.values()].filter(
    (pipeline) =>
      pipeline.project === project &&
      (ref === null || pipeline.ref === ref) &&
      (sha === null || pipeline.sha === sha) &&
      (status === null || pipeline.status === status) &&
      (source === null || pipeline.source === source) &&
      (updatedAfter === undefined || pipeline.updatedAt > updatedAfter) &&
      (updatedBefore === undefined || pipeline.updatedAt < updatedBefore) &&
      (createdAfter === undefined || pipeline.createdAt > createdAfter) &&
      (createdBefore === undefined || pipeline.createdAt < createdBefore),
  );
  const compare = comparePipelines(orderBy);
  matching.sort((a, b) => (sort === 'asc' ? compare(a, b) : compare(b, a)));
  const { items, headers } = paginate(matching, query, url);
  return { status: 200, body: items.map(pipelineBasicJson), headers };
}

function listJobs(input: RouteInput): GitLabAnswer {
  const pipeline = pipelineOf(input);
  const scopes = [...input.query.getAll('scope'), ...input.query.getAll('scope[]')];
  const jobs = (input.query.get('include_retried') === 'true' ? pipeline.jobs : latestJobs(pipeline))
    .filter((job) => scopes.length === 0 || scopes.includes(job.status))
    .sort((a, b) => b.id - a.id);
  const { items, headers } = paginate(jobs, input.query, input.url);
  return { status: 200, body: items.map((job) => jobJson(job, pipeline, input.ctx.web)), headers };
}

function jobOf(input: RouteInput): { job: SimGitLabJob; pipeline: SimGitLabPipeline } {
  const found = input.ctx.engine.jobs.get(id(input.params, 'job_id'));
  if (!found || found.pipeline.project !== input.project) throw NOT_FOUND();
  return found;
}

/** Every route the sim serves, matched on the path after `/api/v4`. */
export const GITLAB_ROUTES: readonly GitLabRouteDefinition[] = [
  {
    method: 'GET',
    template: '/projects/:id',
    handle: ({ project }) => ({
      status: 200,
      body: { id: project.id, name: project.path.split('/').pop(), path_with_namespace: project.path, web_url: project.webUrl, default_branch: [...project.refs.keys()][0] ?? null },
    }),
  },
  {
    method: 'POST',
    template: '/projects/:id/pipeline',
    handle: ({ ctx, project, query, body }) => {
      requireDeveloper(ctx);
      const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const ref = typeof fields.ref === 'string' ? fields.ref : query.get('ref');
      if (!ref) throw new GitLabSimError(400, { error: 'ref is missing' });
      const variables = parseVariables(fields.variables);
      if (!project.refs.has(ref)) throw new GitLabSimError(400, { message: { base: ['Reference not found'] } });
      const pipeline = ctx.engine.create(project, { ref, variables, source: 'api', byToken: true });
      return { status: 201, body: pipelineJson(pipeline, ctx.web) };
    },
  },
  { method: 'GET', template: '/projects/:id/pipelines', handle: listPipelines },
  { method: 'GET', template: '/projects/:id/pipelines/:pipeline_id', handle: (input) => ({ status: 200, body: pipelineJson(pipelineOf(input), input.ctx.web) }) },
  {
    method: 'GET',
    template: '/projects/:id/pipelines/:pipeline_id/variables',
    handle: (input) => {
      const pipeline = pipelineOf(input);
      // `read_pipeline_variable`: Maintainers, or the Developer who triggered the pipeline.
      if (input.ctx.options.role !== 'developer' || !pipeline.byToken) throw FORBIDDEN();
      return { status: 200, body: pipeline.variables.map((variable) => ({ variable_type: variable.variable_type, key: variable.key, value: variable.value, raw: false })) };
    },
  },
  { method: 'GET', template: '/projects/:id/pipelines/:pipeline_id/jobs', handle: listJobs },
  {
    method: 'POST',
    template: '/projects/:id/pipelines/:pipeline_id/cancel',
    handle: (input) => {
      const pipeline = pipelineOf(input);
      requireDeveloper(input.ctx);
      input.ctx.engine.cancel(pipeline);
      return { status: 200, body: pipelineJson(pipeline, input.ctx.web) };
    },
  },
  {
    method: 'POST',
    template: '/projects/:id/pipelines/:pipeline_id/retry',
    handle: (input) => {
      const pipeline = pipelineOf(input);
      requireDeveloper(input.ctx);
      input.ctx.engine.retry(pipeline);
      return { status: 201, body: pipelineJson(pipeline, input.ctx.web) };
    },
  },
  {
    method: 'GET',
    template: '/projects/:id/jobs/:job_id',
    handle: (input) => {
      const { job, pipeline } = jobOf(input);
      return { status: 200, body: jobJson(job, pipeline, input.ctx.web) };
    },
  },
  {
    method: 'GET',
    template: '/projects/:id/jobs/:job_id/artifacts',
    handle: (input) => {
      const { job } = jobOf(input);
      const archive = job.archive;
      if (!archive) throw new GitLabSimError(404, { message: '404 Not Found' });
      if (input.ctx.options.artifacts === 'direct') {
        return { status: 200, raw: { data: archive, contentType: 'application/zip' }, headers: { 'content-disposition': 'attachment; filename="artifacts.zip"' } };
      }
      const token = randomBytes(16).toString('hex');
      input.ctx.storage.set(token, { jobId: job.id, issuedAt: input.ctx.clock.now() });
      return { status: 302, headers: { location: `${input.ctx.web}/-/storage/artifacts/${job.id}/${token}/artifacts.zip` } };
    },
  },
];

/** The route and its parameters for a method and the (still encoded) segments after `/api/v4`. */
export function matchRoute(routes: readonly GitLabRouteDefinition[], method: string, segments: readonly string[]): { route: GitLabRouteDefinition; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const parts = route.template.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (const [index, part] of parts.entries()) {
      const segment = segments[index] ?? '';
      if (part.startsWith(':')) {
        try {
          params[part.slice(1)] = decodeURIComponent(segment);
        } catch {
          ok = false;
          break;
        }
      } else if (part !== segment) {
        ok = false;
        break;
      }
    }
    if (ok) return { route, params };
  }
  return undefined;
}

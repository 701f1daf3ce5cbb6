/**
 * The GitLab simulator (SPEC §13): a stateful fake of GitLab's REST v4 on
 * loopback for shipgate's GitLab CI jobs — projects, pipelines progressing on
 * the sim clock as scripted, jobs with real zip artifacts behind a 302 to
 * object storage, cancel and retry with GitLab's semantics, Pipeline Hooks,
 * faults on demand and a request log.
 *
 * ```ts
 * const sim = await startGitLabSimulator({ clock, hookUrl: `${appUrl}/api/v1/providers/gitlab/webhook`, hookToken: 's3cret' });
 * sim.project({ path: 'group/app', jobs: [{ name: 'test', artifacts: { 'junit.xml': '<testsuite/>' } }] });
 * sim.script('group/app', [{ status: 'failed', retry: { status: 'success' } }]);
 * const client = new GitLabClient(sim.settings);
 * clock.advance(11_000);
 * await sim.drainHooks();
 * await sim.close();
 * ```
 *
 * Not simulated: manual, delayed and bridge jobs, `allow_failure`, child
 * pipelines, protected refs, merge request pipelines, Maintainer rights (the
 * token's user is a Developer or a Reporter), and GitLab answering 404 to an
 * anonymous GET of a private project (every request without the token is 401).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { GitLabFaults } from './gitlab-faults.ts';
import { GitLabHookSender, type GitLabHookDelivery } from './gitlab-hooks.ts';
import { createGitLabHandler, type GitLabRequestLogEntry } from './gitlab-http.ts';
import {
  OTHER_USER,
  pipelineHookJson,
  pipelineWebUrl,
  type GitLabJobOptions,
  type GitLabPipelineScript,
  type GitLabPipelineStatus,
  type GitLabProjectOptions,
  type SimGitLabPipeline,
  type SimGitLabProject,
} from './gitlab-model.ts';
import { GitLabPipelineEngine } from './gitlab-pipelines.ts';
import type { GitLabSimContext, GitLabSimOptions } from './gitlab-routes.ts';
import { listen } from './server.ts';

export type { GitLabFaultSettings, GitLabOutage } from './gitlab-faults.ts';
export type { GitLabHookDelivery } from './gitlab-hooks.ts';
export type { GitLabRequestLogEntry } from './gitlab-http.ts';
export type { GitLabJobOptions, GitLabPipelineScript, GitLabPipelineStatus, GitLabProjectOptions } from './gitlab-model.ts';
export type { GitLabSimOptions } from './gitlab-routes.ts';
export { GitLabFaults } from './gitlab-faults.ts';
export { CANCEL_GRACE_MS, DEFAULT_DURATION_MS, DEFAULT_QUEUE_MS } from './gitlab-pipelines.ts';
export { STORAGE_ROUTE } from './gitlab-http.ts';

export interface GitLabSimulatorOptions {
  /** Drives pipelines, timestamps, outages and storage-link expiry. */
  clock: Clock;
  /** The one token GitLab accepts (default: a random `glpat-…`). */
  token?: string;
  /** The token's user's role on every project (default `developer`). */
  role?: 'developer' | 'reporter';
  /** Where Pipeline Hooks go (none are sent without it). */
  hookUrl?: string;
  /** `X-Gitlab-Token` of the hooks. */
  hookToken?: string;
  /** `redirect` (default, as gitlab.com: 302 to object storage) or `direct` (GitLab serves the archive). */
  artifacts?: 'redirect' | 'direct';
}

/** A pipeline as the sim holds it, copied out for a test to read. */
export interface GitLabPipelineView {
  id: number;
  iid: number;
  projectId: number;
  ref: string;
  sha: string;
  source: string;
  status: GitLabPipelineStatus;
  variables: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  webUrl: string;
  retries: number;
  /** Every job, retried tries included (`retried: true`), in creation order. */
  jobs: Array<{ id: number; name: string; stage: string; status: string; retried: boolean; artifactBytes: number | undefined }>;
}

export interface GitLabSimulator {
  /** http://127.0.0.1:PORT (the API is under `/api/v4`). */
  readonly url: string;
  /** What `GitLabClient` takes. */
  readonly settings: { url: string; token: string };
  readonly clock: Clock;
  /** Switches that may change mid-test (`role`, `hookUrl`, `hookToken`, `artifacts`). */
  readonly options: GitLabSimOptions;
  readonly faults: GitLabFaults;
  /** Every request, in arrival order. */
  readonly requests: GitLabRequestLogEntry[];
  /** Every Pipeline Hook, sent or dropped, in the order the changes happened. */
  readonly hooks: GitLabHookDelivery[];
  /** Crashes inside the sim (answered 500); empty when all is well. */
  readonly errors: string[];

  project(options: GitLabProjectOptions): { id: number; path: string; webUrl: string };
  /** Outcomes for the project's next pipelines, in order (after them: success). */
  script(path: string, pipelines: GitLabPipelineScript[]): void;
  /** The project's pipelines, oldest first. */
  pipelines(path: string): GitLabPipelineView[];
  /** Someone cancels the pipeline in GitLab's UI (no HTTP, no faults). */
  cancelFromUi(path: string, id: number): void;
  /**
   * A pipeline someone else started (a push, the UI, another token): it does
   * not take the project's scripts, and its variables are hidden from the
   * token's user (403), as GitLab hides them from a Developer who did not
   * trigger it.
   */
  pipelineByOther(path: string, options: { ref: string; variables?: Record<string, string>; source?: string; script?: GitLabPipelineScript }): GitLabPipelineView;
  /** Requests logged (to one `'METHOD /template'` route, when given). */
  count(route?: string): number;
  /** Resolves when every hook queued so far has been answered. */
  drainHooks(): Promise<void>;
  /** Stops the server, the pipelines' timers and hook sending. */
  close(): Promise<void>;
}

const DEFAULT_JOBS: GitLabJobOptions[] = [
  { name: 'build', stage: 'build' },
  { name: 'test', stage: 'test' },
];

function view(pipeline: SimGitLabPipeline): GitLabPipelineView {
  return {
    id: pipeline.id,
    iid: pipeline.iid,
    projectId: pipeline.project.id,
    ref: pipeline.ref,
    sha: pipeline.sha,
    source: pipeline.source,
    status: pipeline.status,
    variables: Object.fromEntries(pipeline.variables.map(({ key, value }) => [key, value])),
    createdAt: pipeline.createdAt,
    updatedAt: pipeline.updatedAt,
    startedAt: pipeline.startedAt,
    finishedAt: pipeline.finishedAt,
    webUrl: pipelineWebUrl(pipeline),
    retries: pipeline.retries,
    jobs: pipeline.jobs.map((job) => ({ id: job.id, name: job.name, stage: job.stage, status: job.status, retried: job.retried, artifactBytes: job.archive?.length })),
  };
}

/** Checks a script against the project before any pipeline takes it, so a test's typo fails at once. */
function checkScript(project: SimGitLabProject, script: GitLabPipelineScript, index: number): void {
  const names = new Set(project.jobs.map((job) => job.name));
  const where = `script #${index + 1} of ${project.path}`;
  for (const name of script.failJobs ?? []) {
    if (!names.has(name)) throw new Error(`${where}: failJobs names '${name}', which is not a job of the project (${[...names].join(', ')})`);
  }
  if (script.failJobs?.length && script.status !== undefined && script.status !== 'failed') {
    throw new Error(`${where}: failJobs goes with status 'failed' (or no status), not '${script.status}'`);
  }
  for (const [field, value] of [['queueMs', script.queueMs], ['durationMs', script.durationMs], ['retry.durationMs', script.retry?.durationMs]] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new Error(`${where}: ${field} must be a duration in ms, not ${value}`);
  }
}

/** Starts a GitLab simulator on 127.0.0.1 with an OS-chosen port. */
export async function startGitLabSimulator(options: GitLabSimulatorOptions): Promise<GitLabSimulator> {
  const { clock } = options;
  const requests: GitLabRequestLogEntry[] = [];
  const hooks = new GitLabHookSender();
  const faults = new GitLabFaults(() => clock.now());
  let handler: ReturnType<typeof createGitLabHandler> | undefined;
  const server = await listen((req, res) => {
    void handler?.(req, res);
  });
  const web = `http://127.0.0.1:${server.port}`;
  const simOptions: GitLabSimOptions = {
    token: options.token ?? `glpat-${randomBytes(10).toString('hex')}`,
    role: options.role ?? 'developer',
    hookUrl: options.hookUrl,
    hookToken: options.hookToken,
    artifacts: options.artifacts ?? 'redirect',
  };
  const engine = new GitLabPipelineEngine(clock, (pipeline) => {
    hooks.enqueue({
      pipelineId: pipeline.id,
      status: pipeline.status,
      payload: pipelineHookJson(pipeline, web),
      url: simOptions.hookUrl,
      token: simOptions.hookToken,
      at: clock.now(),
      drop: faults.hooksDropped,
      instance: web,
    });
  });
  const ctx: GitLabSimContext = { clock, web, options: simOptions, projects: new Map(), engine, faults, storage: new Map(), errors: [] };
  handler = createGitLabHandler(ctx, requests);
  let nextProjectId = 100;

  const projectOrThrow = (path: string): SimGitLabProject => {
    const wanted = path.toLowerCase();
    const project = [...ctx.projects.values()].find((candidate) => candidate.path.toLowerCase() === wanted);
    if (!project) throw new Error(`the GitLab sim has no project ${path} (sim.project({ path }) first)`);
    return project;
  };
  const pipelineOrThrow = (path: string, id: number): SimGitLabPipeline => {
    const pipeline = engine.pipelines.get(id);
    if (!pipeline || pipeline.project !== projectOrThrow(path)) throw new Error(`project ${path} has no pipeline ${id}`);
    return pipeline;
  };

  return {
    url: web,
    settings: { url: web, token: simOptions.token },
    clock,
    options: simOptions,
    faults,
    requests,
    hooks: hooks.deliveries,
    errors: ctx.errors,

    project(projectOptions) {
      const path = projectOptions.path.replace(/^\/+|\/+$/g, '');
      if (!/^[\w.-]+(\/[\w.-]+)+$/.test(path)) throw new Error(`a GitLab project path is group/…/name, not '${projectOptions.path}'`);
      if ([...ctx.projects.values()].some((project) => project.path.toLowerCase() === path.toLowerCase())) throw new Error(`project ${path} exists already`);
      const id = projectOptions.id ?? nextProjectId;
      if (ctx.projects.has(id)) throw new Error(`project id ${id} is taken`);
      nextProjectId = Math.max(nextProjectId, id + 1);
      const jobs = (projectOptions.jobs?.length ? projectOptions.jobs : DEFAULT_JOBS).map((job) => ({
        name: job.name,
        stage: job.stage ?? 'test',
        artifacts: job.artifacts,
      }));
      const project: SimGitLabProject = {
        id,
        path,
        webUrl: `${web}/${path}`,
        refs: new Map((projectOptions.refs ?? ['main']).map((ref) => [ref, GitLabPipelineEngine.shaOf(path, ref)])),
        jobs,
        stages: [...new Set(jobs.map((job) => job.stage))],
        scripts: [],
        nextIid: 1,
      };
      ctx.projects.set(id, project);
      return { id, path, webUrl: project.webUrl };
    },
    script(path, pipelines) {
      const project = projectOrThrow(path);
      pipelines.forEach((script, index) => checkScript(project, script, project.scripts.length + index));
      project.scripts.push(...pipelines.map((script) => ({ ...script })));
    },
    pipelines(path) {
      const project = projectOrThrow(path);
      return [...engine.pipelines.values()].filter((pipeline) => pipeline.project === project).map(view);
    },
    cancelFromUi(path, id) {
      engine.cancel(pipelineOrThrow(path, id));
    },
    pipelineByOther(path, other) {
      const project = projectOrThrow(path);
      if (!project.refs.has(other.ref)) throw new Error(`project ${path} has no ref ${other.ref}`);
      const variables = Object.entries(other.variables ?? {}).map(([key, value]) => ({ key, value, variable_type: 'env_var' as const }));
      const pipeline = engine.create(project, { ref: other.ref, variables, source: other.source ?? 'push', byToken: false, user: OTHER_USER, script: other.script ?? {} });
      return view(pipeline);
    },
    count(route) {
      return route === undefined ? requests.length : requests.filter((entry) => entry.route === route).length;
    },
    drainHooks: () => hooks.drain(),
    async close() {
      engine.close();
      hooks.close();
      await server.close();
    },
  };
}

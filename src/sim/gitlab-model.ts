/**
 * The GitLab simulator's state (projects, pipelines, jobs) and how GitLab
 * renders it: REST v4 answers and the Pipeline Hook body, with GitLab's field
 * names, ISO timestamps in the API and `2026-01-01 12:00:00 UTC` in hooks.
 */
import type { TimerHandle } from '../clock.ts';

export type GitLabPipelineStatus =
  | 'created'
  | 'waiting_for_resource'
  | 'preparing'
  | 'pending'
  | 'scheduled'
  | 'running'
  | 'manual'
  | 'success'
  | 'failed'
  | 'canceling'
  | 'canceled'
  | 'skipped';

export type GitLabJobStatus = 'created' | 'pending' | 'running' | 'success' | 'failed' | 'canceling' | 'canceled' | 'skipped';

/** Statuses after which a pipeline (or job) changes only by a retry. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['success', 'failed', 'canceled', 'skipped']);

export interface GitLabJobOptions {
  name: string;
  /** Default `test`, GitLab's default stage. Stages run in the order they first appear. */
  stage?: string;
  /** Files of the job's artifacts archive (a real zip), uploaded when the job succeeds. */
  artifacts?: Record<string, string | Uint8Array>;
}

export interface GitLabProjectOptions {
  /** Default: the next free id from 100. */
  id?: number;
  /** `group/sub/app`. */
  path: string;
  /** Branches and tags a pipeline can run on (default `['main']`). */
  refs?: string[];
  /** Default: `build` (stage build) and `test` (stage test). */
  jobs?: GitLabJobOptions[];
}

/** How one pipeline goes, consumed in order by the project's new pipelines. */
export interface GitLabPipelineScript {
  /** Default `failed` when `failJobs` is given, else `success`. `canceled`: the last stage is cancelled as it ends. */
  status?: 'success' | 'failed' | 'canceled' | 'skipped';
  /** Time `pending` before the first job runs (default 1 000 ms). */
  queueMs?: number;
  /** Time `running`, shared equally by the stages (default 10 000 ms). */
  durationMs?: number;
  /** Jobs that fail (default for `failed`: the last job); later stages are skipped. */
  failJobs?: string[];
  /** How a retry of this pipeline ends (default success, `durationMs` as the first run). */
  retry?: { status?: 'success' | 'failed'; durationMs?: number };
}

export interface SimGitLabProject {
  id: number;
  path: string;
  webUrl: string;
  refs: Map<string, string>;
  jobs: Array<{ name: string; stage: string; artifacts: Record<string, string | Uint8Array> | undefined }>;
  stages: string[];
  scripts: GitLabPipelineScript[];
  nextIid: number;
}

export interface SimGitLabJob {
  id: number;
  name: string;
  stage: string;
  stageIndex: number;
  status: GitLabJobStatus;
  createdAt: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Replaced by a newer try (hidden from job lists unless `include_retried`). */
  retried: boolean;
  files: Record<string, string | Uint8Array> | undefined;
  /** The uploaded artifacts archive (after success, when the job has files). */
  archive: Uint8Array | undefined;
}

export interface SimGitLabPipeline {
  id: number;
  iid: number;
  project: SimGitLabProject;
  ref: string;
  sha: string;
  source: string;
  status: GitLabPipelineStatus;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  variables: Array<{ key: string; value: string; variable_type: 'env_var' | 'file' }>;
  /** Started by the token's user (who may then read its variables). */
  byToken: boolean;
  user: SimGitLabUser;
  jobs: SimGitLabJob[];
  script: GitLabPipelineScript;
  retries: number;
  timers: Set<TimerHandle>;
}

export interface SimGitLabUser {
  id: number;
  username: string;
  name: string;
}

export const TOKEN_USER: SimGitLabUser = { id: 7, username: 'shipgate-bot', name: 'shipgate bot' };
export const OTHER_USER: SimGitLabUser = { id: 8, username: 'alice', name: 'Alice' };

/** The latest try of each job, in definition order. */
export function latestJobs(pipeline: SimGitLabPipeline): SimGitLabJob[] {
  return pipeline.jobs.filter((job) => !job.retried);
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
/** Hooks carry `2026-01-01 12:00:00 UTC`, not ISO. */
const hookTime = (ms: number | null): string | null => (ms === null ? null : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
const seconds = (from: number | null, to: number | null): number | null => (from === null || to === null ? null : (to - from) / 1000);

function userJson(user: SimGitLabUser, web: string): Record<string, unknown> {
  return { id: user.id, username: user.username, name: user.name, state: 'active', locked: false, avatar_url: null, web_url: `${web}/${user.username}` };
}

export function pipelineWebUrl(pipeline: SimGitLabPipeline): string {
  return `${pipeline.project.webUrl}/-/pipelines/${pipeline.id}`;
}

/** `Entities::Ci::PipelineBasic`, as lists show it. */
export function pipelineBasicJson(pipeline: SimGitLabPipeline): Record<string, unknown> {
  return {
    id: pipeline.id,
    iid: pipeline.iid,
    project_id: pipeline.project.id,
    sha: pipeline.sha,
    ref: pipeline.ref,
    status: pipeline.status,
    source: pipeline.source,
    created_at: iso(pipeline.createdAt),
    updated_at: iso(pipeline.updatedAt),
    web_url: pipelineWebUrl(pipeline),
    name: null,
  };
}

/** `Entities::Ci::Pipeline`, as single-pipeline answers show it. */
export function pipelineJson(pipeline: SimGitLabPipeline, web: string): Record<string, unknown> {
  const detailed = pipeline.status === 'success' ? 'passed' : pipeline.status;
  return {
    ...pipelineBasicJson(pipeline),
    before_sha: '0000000000000000000000000000000000000000',
    tag: false,
    yaml_errors: null,
    user: userJson(pipeline.user, web),
    started_at: iso(pipeline.startedAt),
    finished_at: iso(pipeline.finishedAt),
    committed_at: null,
    duration: seconds(pipeline.startedAt, pipeline.finishedAt),
    queued_duration: seconds(pipeline.createdAt, pipeline.startedAt),
    coverage: null,
    detailed_status: { icon: `status_${detailed}`, text: detailed, label: detailed, group: detailed, tooltip: detailed, has_details: true, details_path: new URL(pipelineWebUrl(pipeline)).pathname },
  };
}

/** The job's artifact files as GitLab lists them. */
export function jobArtifactsJson(job: SimGitLabJob): Array<Record<string, unknown>> {
  const files: Array<Record<string, unknown>> = [];
  if (job.archive) {
    files.push({ file_type: 'archive', size: job.archive.length, filename: 'artifacts.zip', file_format: 'zip' });
    files.push({ file_type: 'metadata', size: 180, filename: 'metadata.gz', file_format: 'gzip' });
  }
  if (job.finishedAt !== null && job.startedAt !== null) files.push({ file_type: 'trace', size: 1_024, filename: 'job.log', file_format: null });
  return files;
}

/** `Entities::Ci::Job`. */
export function jobJson(job: SimGitLabJob, pipeline: SimGitLabPipeline, web: string): Record<string, unknown> {
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: pipeline.ref,
    tag: false,
    coverage: null,
    allow_failure: false,
    created_at: iso(job.createdAt),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    erased_at: null,
    duration: seconds(job.startedAt, job.finishedAt),
    queued_duration: seconds(job.queuedAt, job.startedAt),
    user: userJson(pipeline.user, web),
    commit: { id: pipeline.sha, short_id: pipeline.sha.slice(0, 8), title: 'Simulated commit' },
    pipeline: { id: pipeline.id, iid: pipeline.iid, project_id: pipeline.project.id, sha: pipeline.sha, ref: pipeline.ref, status: pipeline.status, source: pipeline.source },
    web_url: `${pipeline.project.webUrl}/-/jobs/${job.id}`,
    artifacts: jobArtifactsJson(job),
    artifacts_file: job.archive ? { filename: 'artifacts.zip', size: job.archive.length } : undefined,
    artifacts_expire_at: job.archive && job.finishedAt !== null ? iso(job.finishedAt + 30 * 86_400_000) : null,
    runner: null,
    tag_list: [],
    archived: false,
    retried: job.retried,
  };
}

/** The Pipeline Hook body GitLab posts at each status change. */
export function pipelineHookJson(pipeline: SimGitLabPipeline, web: string): Record<string, unknown> {
  const project = pipeline.project;
  const name = project.path.split('/').pop() ?? project.path;
  return {
    object_kind: 'pipeline',
    object_attributes: {
      id: pipeline.id,
      iid: pipeline.iid,
      name: null,
      ref: pipeline.ref,
      tag: false,
      sha: pipeline.sha,
      before_sha: '0000000000000000000000000000000000000000',
      source: pipeline.source,
      status: pipeline.status,
      detailed_status: pipeline.status === 'success' ? 'passed' : pipeline.status,
      stages: project.stages,
      created_at: hookTime(pipeline.createdAt),
      finished_at: hookTime(pipeline.finishedAt),
      duration: seconds(pipeline.startedAt, pipeline.finishedAt),
      queued_duration: seconds(pipeline.createdAt, pipeline.startedAt),
      variables: pipeline.variables.map(({ key, value }) => ({ key, value })),
      url: pipelineWebUrl(pipeline),
    },
    merge_request: null,
    user: { id: pipeline.user.id, name: pipeline.user.name, username: pipeline.user.username, avatar_url: null, email: '[REDACTED]' },
    project: {
      id: project.id,
      name,
      description: null,
      web_url: project.webUrl,
      avatar_url: null,
      git_ssh_url: `git@${new URL(web).host}:${project.path}.git`,
      git_http_url: `${project.webUrl}.git`,
      namespace: project.path.split('/').slice(0, -1).join('/'),
      visibility_level: 0,
      path_with_namespace: project.path,
      default_branch: [...project.refs.keys()][0] ?? 'main',
      ci_config_path: null,
    },
    commit: { id: pipeline.sha, message: 'Simulated commit', title: 'Simulated commit', timestamp: iso(pipeline.createdAt), url: `${project.webUrl}/-/commit/${pipeline.sha}` },
    builds: latestJobs(pipeline).map((job) => ({
      id: job.id,
      stage: job.stage,
      name: job.name,
      status: job.status,
      created_at: hookTime(job.createdAt),
      started_at: hookTime(job.startedAt),
      finished_at: hookTime(job.finishedAt),
      duration: seconds(job.startedAt, job.finishedAt),
      queued_duration: seconds(job.queuedAt, job.startedAt),
      failure_reason: job.status === 'failed' ? 'script_failure' : null,
      when: 'on_success',
      manual: false,
      allow_failure: false,
      user: { id: pipeline.user.id, name: pipeline.user.name, username: pipeline.user.username },
      runner: null,
      artifacts_file: { filename: job.archive ? 'artifacts.zip' : null, size: job.archive ? job.archive.length : null },
      environment: null,
    })),
  };
}

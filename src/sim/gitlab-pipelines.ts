/**
 * The life of a simulated GitLab pipeline, on the sim clock: `created` →
 * `pending` (at once) → `running` (after `queueMs`) → one stage after another
 * → `success` / `failed` / `canceled` / `skipped`, as the project's script
 * says; cancel (`canceling` while jobs stop, then `canceled`) and retry (the
 * failed and cancelled jobs again, with new job ids, in the same pipeline) as
 * GitLab does them. Every status change is reported to `onStatus` (the hooks).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import {
  FINAL_STATUSES,
  latestJobs,
  TOKEN_USER,
  type GitLabPipelineScript,
  type GitLabPipelineStatus,
  type SimGitLabJob,
  type SimGitLabPipeline,
  type SimGitLabProject,
  type SimGitLabUser,
} from './gitlab-model.ts';
import { buildZip } from './zip.ts';

export const DEFAULT_QUEUE_MS = 1_000;
export const DEFAULT_DURATION_MS = 10_000;
/** How long running jobs take to stop after a cancel (the `canceling` status). */
export const CANCEL_GRACE_MS = 1_000;

/** One run of a pipeline's jobs: the first, or a retry. */
interface Attempt {
  outcome: 'success' | 'failed' | 'canceled' | 'skipped';
  failJobs: ReadonlySet<string>;
  queueMs: number;
  durationMs: number;
}

export interface NewPipeline {
  ref: string;
  variables: Array<{ key: string; value: string; variable_type: 'env_var' | 'file' }>;
  source: string;
  byToken: boolean;
  user?: SimGitLabUser;
  /** Default: the next of the project's scripts (or success). */
  script?: GitLabPipelineScript;
}

/** Pipelines and jobs of every project; reachable in the sim as `ctx.engine`. */
export class GitLabPipelineEngine {
  readonly pipelines = new Map<number, SimGitLabPipeline>();
  readonly jobs = new Map<number, { job: SimGitLabJob; pipeline: SimGitLabPipeline }>();
  readonly #clock: Clock;
  readonly #onStatus: (pipeline: SimGitLabPipeline) => void;
  #nextPipelineId = 5_001;
  #nextJobId = 90_001;

  constructor(clock: Clock, onStatus: (pipeline: SimGitLabPipeline) => void) {
    this.#clock = clock;
    this.#onStatus = onStatus;
  }

  /** The sha a project's ref points at (stable per project and ref). */
  static shaOf(path: string, ref: string): string {
    return createHash('sha1').update(`${path.toLowerCase()}@${ref}`).digest('hex');
  }

  /** Creates a pipeline (`created`), going `pending` at once and on from there. */
  create(project: SimGitLabProject, input: NewPipeline): SimGitLabPipeline {
    const now = this.#clock.now();
    const script = input.script ?? project.scripts.shift() ?? {};
    const pipeline: SimGitLabPipeline = {
      id: this.#nextPipelineId++,
      iid: project.nextIid++,
      project,
      ref: input.ref,
      sha: project.refs.get(input.ref) ?? GitLabPipelineEngine.shaOf(project.path, input.ref),
      source: input.source,
      status: 'created',
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      variables: input.variables,
      byToken: input.byToken,
      user: input.user ?? TOKEN_USER,
      jobs: [],
      script,
      retries: 0,
      timers: new Set(),
    };
    for (const definition of project.jobs) this.#addJob(pipeline, definition.name, definition.stage, definition.artifacts);
    this.pipelines.set(pipeline.id, pipeline);
    const attempt = firstAttempt(pipeline, script);
    this.#after(pipeline, 0, () => {
      this.#queue(pipeline);
      this.#run(pipeline, attempt);
    });
    return pipeline;
  }

  /** `POST …/cancel` (or the UI's Cancel): a no-op on a finished or already cancelling pipeline. */
  cancel(pipeline: SimGitLabPipeline): void {
    if (FINAL_STATUSES.has(pipeline.status) || pipeline.status === 'canceling') return;
    this.#clearTimers(pipeline);
    const now = this.#clock.now();
    const jobs = latestJobs(pipeline);
    for (const job of jobs) {
      if (job.status === 'created' || job.status === 'pending') this.#finishJob(job, 'canceled', now);
    }
    const running = jobs.filter((job) => job.status === 'running');
    if (running.length === 0) {
      this.#setStatus(pipeline, 'canceled');
      return;
    }
    for (const job of running) job.status = 'canceling';
    this.#setStatus(pipeline, 'canceling');
    this.#after(pipeline, CANCEL_GRACE_MS, () => {
      for (const job of running) this.#finishJob(job, 'canceled', this.#clock.now());
      this.#setStatus(pipeline, 'canceled');
    });
  }

  /**
   * `POST …/retry`: the failed and cancelled jobs get a new try (new ids; the
   * old ones are `retried`), later skipped jobs are reset, and the pipeline
   * runs again, ending as the script's `retry` says (later retries succeed).
   * A pipeline with nothing to retry is left as it is.
   */
  retry(pipeline: SimGitLabPipeline): void {
    const failed = latestJobs(pipeline).filter((job) => job.status === 'failed' || job.status === 'canceled');
    if (failed.length === 0 || !FINAL_STATUSES.has(pipeline.status)) return;
    const firstStage = Math.min(...failed.map((job) => job.stageIndex));
    const retried: SimGitLabJob[] = [];
    for (const job of failed) {
      job.retried = true;
      retried.push(this.#addJob(pipeline, job.name, job.stage, job.files));
    }
    for (const job of latestJobs(pipeline)) {
      if (job.status === 'skipped' && job.stageIndex > firstStage) {
        Object.assign(job, { status: 'created', queuedAt: null, startedAt: null, finishedAt: null });
      }
    }
    pipeline.retries += 1;
    pipeline.finishedAt = null;
    const plan = pipeline.retries === 1 ? pipeline.script.retry : undefined;
    const outcome = plan?.status ?? 'success';
    const failedBefore = failed.filter((job) => job.status === 'failed').map((job) => job.name);
    const lastRetried = retried[retried.length - 1]?.name;
    const attempt: Attempt = {
      outcome,
      failJobs: new Set(outcome === 'failed' ? (failedBefore.length ? failedBefore : lastRetried ? [lastRetried] : []) : []),
      queueMs: pipeline.script.queueMs ?? DEFAULT_QUEUE_MS,
      durationMs: plan?.durationMs ?? pipeline.script.durationMs ?? DEFAULT_DURATION_MS,
    };
    this.#queue(pipeline);
    this.#run(pipeline, attempt);
  }

  /** The archive of a job, when it uploaded one. */
  archiveOf(jobId: number): Uint8Array | undefined {
    return this.jobs.get(jobId)?.job.archive;
  }

  /** Stops every pipeline's timers (on `sim.close()`). */
  close(): void {
    for (const pipeline of this.pipelines.values()) this.#clearTimers(pipeline);
  }

  #addJob(pipeline: SimGitLabPipeline, name: string, stage: string, files: Record<string, string | Uint8Array> | undefined): SimGitLabJob {
    const job: SimGitLabJob = {
      id: this.#nextJobId++,
      name,
      stage,
      stageIndex: Math.max(0, pipeline.project.stages.indexOf(stage)),
      status: 'created',
      createdAt: this.#clock.now(),
      queuedAt: null,
      startedAt: null,
      finishedAt: null,
      retried: false,
      files,
      archive: undefined,
    };
    pipeline.jobs.push(job);
    this.jobs.set(job.id, { job, pipeline });
    return job;
  }

  /** `pending`: the first stage that has work waits for a runner. */
  #queue(pipeline: SimGitLabPipeline): void {
    const stages = stagesToRun(pipeline);
    const now = this.#clock.now();
    for (const job of latestJobs(pipeline)) {
      if (job.status === 'created' && job.stageIndex === stages[0]) Object.assign(job, { status: 'pending', queuedAt: now });
    }
    this.#setStatus(pipeline, 'pending');
  }

  #run(pipeline: SimGitLabPipeline, attempt: Attempt): void {
    const stages = stagesToRun(pipeline);
    if (attempt.outcome === 'skipped' || stages.length === 0) {
      this.#after(pipeline, attempt.queueMs, () => {
        const now = this.#clock.now();
        for (const job of latestJobs(pipeline)) if (!FINAL_STATUSES.has(job.status)) this.#finishJob(job, 'skipped', now);
        this.#setStatus(pipeline, 'skipped');
      });
      return;
    }
    const perStage = attempt.durationMs / stages.length;
    this.#after(pipeline, attempt.queueMs, () => this.#runStage(pipeline, attempt, stages, 0, perStage));
  }

  #runStage(pipeline: SimGitLabPipeline, attempt: Attempt, stages: number[], index: number, perStage: number): void {
    const stage = stages[index];
    const now = this.#clock.now();
    const jobs = latestJobs(pipeline).filter((job) => job.stageIndex === stage && (job.status === 'created' || job.status === 'pending'));
    for (const job of jobs) Object.assign(job, { status: 'running', queuedAt: job.queuedAt ?? now, startedAt: now });
    this.#setStatus(pipeline, 'running');
    this.#after(pipeline, perStage, () => {
      const end = this.#clock.now();
      const last = index === stages.length - 1;
      for (const job of jobs) {
        if (attempt.outcome === 'canceled' && last) this.#finishJob(job, 'canceled', end);
        else this.#finishJob(job, attempt.failJobs.has(job.name) ? 'failed' : 'success', end);
      }
      if (jobs.some((job) => job.status === 'failed')) {
        for (const job of latestJobs(pipeline)) if (job.status === 'created' || job.status === 'pending') this.#finishJob(job, 'skipped', end);
        this.#setStatus(pipeline, 'failed');
      } else if (attempt.outcome === 'canceled' && last) {
        this.#setStatus(pipeline, 'canceled');
      } else if (!last) {
        this.#runStage(pipeline, attempt, stages, index + 1, perStage);
      } else {
        this.#setStatus(pipeline, 'success');
      }
    });
  }

  #finishJob(job: SimGitLabJob, status: 'success' | 'failed' | 'canceled' | 'skipped', at: number): void {
    job.status = status;
    job.finishedAt = status === 'skipped' ? null : at;
    // Artifacts are uploaded `on_success` (GitLab's default `artifacts:when`).
    if (status === 'success' && job.files && Object.keys(job.files).length) job.archive = buildZip(job.files, at);
  }

  #setStatus(pipeline: SimGitLabPipeline, status: GitLabPipelineStatus): void {
    if (pipeline.status === status) return;
    const now = this.#clock.now();
    pipeline.status = status;
    pipeline.updatedAt = now;
    if (status === 'running' && pipeline.startedAt === null) pipeline.startedAt = now;
    if (FINAL_STATUSES.has(status)) pipeline.finishedAt = now;
    this.#onStatus(pipeline);
  }

  #after(pipeline: SimGitLabPipeline, ms: number, fn: () => void): void {
    const handle = this.#clock.setTimeout(() => {
      pipeline.timers.delete(handle);
      fn();
    }, ms);
    pipeline.timers.add(handle);
  }

  #clearTimers(pipeline: SimGitLabPipeline): void {
    for (const handle of pipeline.timers) this.#clock.clearTimeout(handle);
    pipeline.timers.clear();
  }
}

/** The stage indexes with jobs still to run, in order. */
function stagesToRun(pipeline: SimGitLabPipeline): number[] {
  const stages = new Set<number>();
  for (const job of latestJobs(pipeline)) if (job.status === 'created' || job.status === 'pending') stages.add(job.stageIndex);
  return [...stages].sort((a, b) => a - b);
}

function firstAttempt(pipeline: SimGitLabPipeline, script: GitLabPipelineScript): Attempt {
  const failJobs = script.failJobs ?? [];
  const outcome = script.status ?? (failJobs.length ? 'failed' : 'success');
  // The last job of the last stage (a stable sort keeps definition order within a stage).
  const lastJob = [...pipeline.jobs].sort((a, b) => a.stageIndex - b.stageIndex).pop()?.name;
  return {
    outcome,
    failJobs: new Set(outcome === 'failed' && failJobs.length === 0 && lastJob ? [lastJob] : failJobs),
    queueMs: script.queueMs ?? DEFAULT_QUEUE_MS,
    durationMs: script.durationMs ?? DEFAULT_DURATION_MS,
  };
}

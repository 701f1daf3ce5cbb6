/**
 * The life of a workflow run, driven by the sim clock: queued → in_progress
 * (+1 s) → completed (+durationMs), as the run's script says, with the
 * `workflow_run`, `workflow_job` and `check_run` webhooks GitHub sends, and
 * cancel / re-run as GitHub does them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TimerHandle } from '../clock.ts';
import { jobShape, latestAttempt, runShape, workflowShape } from './actions-shapes.ts';
import { createCheckRun, createCheckSuite, updateCheckRun } from './checks.ts';
import { emitRepoEvent, type SimContext } from './context.ts';
import { GitHubApiError } from './errors.ts';
import { nodeId } from './identity.ts';
import type { Account, Artifact, Job, Repository, RunAttempt, Workflow, WorkflowRun } from './model.ts';
import type { AttemptScript, JobScript } from './scripts.ts';
import { buildZip } from './zip.ts';
import { workflowAt, workflowName } from './workflows.ts';

const DEFAULT_DURATION_MS = 30_000;
const DEFAULT_START_DELAY_MS = 1_000;
const ARTIFACT_RETENTION_MS = 90 * 24 * 3_600_000;

export interface NewRun {
  repo: Repository;
  workflow: Workflow;
  event: string;
  headBranch: string | null;
  headSha: string;
  displayTitle: string;
  inputs: Record<string, string>;
  actor: Account;
  plan: AttemptScript[];
  /** Waits (status `waiting`) until `release()`, as a job held by a deployment protection rule. */
  waiting?: boolean;
}

const FAILED = new Set(['failure', 'cancelled', 'timed_out', 'startup_failure']);

/** Runs workflow runs; reachable inside the sim as `ctx.actions`. */
export class ActionsEngine {
  readonly #ctx: SimContext;
  readonly #timers = new Set<TimerHandle>();
  readonly #downloads = new Map<string, number>();

  constructor(ctx: SimContext) {
    this.#ctx = ctx;
  }

  /** Creates a run and starts its first attempt. */
  start(input: NewRun): WorkflowRun {
    const { state } = this.#ctx;
    const id = state.ids.next('run');
    input.workflow.runCounter++;
    const run: WorkflowRun = {
      id,
      nodeId: nodeId('WorkflowRun', id),
      repo: input.repo,
      workflow: input.workflow,
      workflowName: workflowName(state, input.repo, input.workflow),
      runNumber: input.workflow.runCounter,
      event: input.event,
      headBranch: input.headBranch,
      headSha: input.headSha,
      displayTitle: input.displayTitle,
      actor: input.actor,
      inputs: input.inputs,
      checkSuite: createCheckSuite(this.#ctx, input.repo, this.#ctx.actionsApp, input.headSha, input.headBranch),
      attempts: [],
      jobs: [],
      artifacts: [],
      createdAt: state.now(),
      plan: input.plan,
      cancelRequested: false,
    };
    state.runs.set(id, run);
    this.#startAttempt(run, input.actor, 'all', input.waiting ?? false);
    return run;
  }

  /** Lets a `waiting` run go on (approved) or fails it (rejected). */
  release(run: WorkflowRun, approved: boolean, actor: Account): void {
    const attempt = latestAttempt(run);
    if (attempt.status !== 'waiting') return;
    if (!approved) {
      this.#finish(run, attempt, actor, 'failure');
      return;
    }
    attempt.status = 'queued';
    this.#proceed(run, attempt, run.jobs.filter((job) => job.runAttempt === attempt.number), actor);
  }

  /** `POST .../cancel`: the run shows `cancelled` after `cancelDelayMs`. */
  cancel(run: WorkflowRun, actor: Account): void {
    const attempt = latestAttempt(run);
    if (attempt.status === 'completed') {
      throw new GitHubApiError(409, 'Cannot cancel a workflow run that is completed.');
    }
    if (run.cancelRequested) return;
    run.cancelRequested = true;
    for (const timer of attempt.timers) this.#clear(timer);
    attempt.timers = [];
    this.#schedule(attempt, this.#ctx.options.cancelDelayMs, () => this.#finish(run, attempt, actor, 'cancelled'));
  }

  /** `rerun-failed-jobs` (failedOnly) or `rerun`: a new attempt of the same run. */
  rerun(run: WorkflowRun, actor: Account, failedOnly: boolean): void {
    const attempt = latestAttempt(run);
    if (attempt.status !== 'completed') throw new GitHubApiError(403, 'This workflow is already running');
    if (failedOnly && !this.#latestJobs(run).some((job) => FAILED.has(job.conclusion ?? ''))) {
      throw new GitHubApiError(403, 'There are no failed jobs to re-run');
    }
    run.cancelRequested = false;
    this.#startAttempt(run, actor, failedOnly ? 'failed' : 'all');
  }

  /** The latest attempt of each job, as `GET .../jobs?filter=latest` lists them. */
  latestJobs(run: WorkflowRun): Job[] {
    return this.#latestJobs(run);
  }

  /** A download URL on the sim for an artifact's zip, like GitHub's signed blob-storage URLs. */
  artifactDownloadUrl(artifactId: number): string {
    const token = randomBytes(16).toString('hex');
    this.#downloads.set(token, artifactId);
    return `${this.#ctx.state.urls.web}/_sim/artifacts/${artifactId}/${token}.zip`;
  }

  /** The zip behind a download URL (built on demand), or undefined for an unknown URL. */
  artifactZip(artifactId: number, token: string): Uint8Array | undefined {
    if (this.#downloads.get(token) !== artifactId) return undefined;
    const artifact = this.#ctx.state.artifacts.get(artifactId);
    return artifact ? buildZip(artifact.files, artifact.createdAt) : undefined;
  }

  /** Cancels every pending timer (on `sim.close()`). */
  close(): void {
    for (const timer of this.#timers) this.#ctx.state.clock.clearTimeout(timer);
    this.#timers.clear();
  }

  #latestJobs(run: WorkflowRun): Job[] {
    const byName = new Map<string, Job>();
    for (const job of run.jobs) {
      const previous = byName.get(job.name);
      if (!previous || previous.runAttempt <= job.runAttempt) byName.set(job.name, job);
    }
    return [...byName.values()].sort((a, b) => a.id - b.id);
  }

  #plan(run: WorkflowRun, attemptNumber: number): AttemptScript {
    const plan = run.plan[Math.min(attemptNumber, run.plan.length) - 1];
    return plan ?? { conclusion: 'success', durationMs: DEFAULT_DURATION_MS };
  }

  #delay(ms: number): number {
    return ms / Math.max(this.#ctx.options.speed, 1e-9);
  }

  #schedule(attempt: RunAttempt, ms: number, fn: () => void): void {
    const handle = this.#ctx.state.clock.setTimeout(() => {
      this.#timers.delete(handle);
      attempt.timers = attempt.timers.filter((t) => t !== handle);
      fn();
    }, this.#delay(ms));
    this.#timers.add(handle);
    attempt.timers.push(handle);
  }

  #clear(handle: TimerHandle): void {
    this.#ctx.state.clock.clearTimeout(handle);
    this.#timers.delete(handle);
  }

  #jobScripts(run: WorkflowRun, plan: AttemptScript): JobScript[] {
    if (plan.jobs?.length) return plan.jobs;
    const definition = workflowAt(this.#ctx.state, run.workflow, run.headSha);
    const names = definition && !(definition instanceof Error) ? definition.jobs.map((job) => job.name) : [];
    return (names.length ? names : ['build']).map((name) => ({ name }));
  }

  #startAttempt(run: WorkflowRun, actor: Account, which: 'all' | 'failed', waiting = false): void {
    const { state } = this.#ctx;
    const now = state.now();
    const number = run.attempts.length + 1;
    const plan = this.#plan(run, number);
    const attempt: RunAttempt = {
      number,
      status: waiting ? 'waiting' : 'queued',
      conclusion: null,
      createdAt: now,
      startedAt: now,
      updatedAt: now,
      triggeringActor: actor,
      timers: [],
    };
    const previous = this.#latestJobs(run);
    run.attempts.push(attempt);

    const scripts = this.#jobScripts(run, plan);
    const rerunNames =
      which === 'failed' ? new Set(previous.filter((job) => FAILED.has(job.conclusion ?? '')).map((job) => job.name)) : undefined;
    const newJobs: Job[] = [];
    for (const script of scripts) {
      if (rerunNames && !rerunNames.has(script.name)) continue;
      newJobs.push(this.#createJob(run, attempt, script, plan));
    }

    this.#emitRun(run, 'requested', actor);
    for (const job of newJobs) {
      job.checkRun = createCheckRun(
        this.#ctx,
        run.repo,
        this.#ctx.actionsApp,
        { name: job.name, head_sha: run.headSha, status: 'queued', details_url: `${state.urls.web}/${run.repo.fullName}/actions/runs/${run.id}/job/${job.id}` },
        actor,
        run.checkSuite,
      );
      this.#emitJob(job, 'queued', actor);
    }

    if (!waiting) this.#proceed(run, attempt, newJobs, actor);
  }

  #proceed(run: WorkflowRun, attempt: RunAttempt, newJobs: Job[], actor: Account): void {
    const plan = this.#plan(run, attempt.number);
    if (plan.hang === 'queued') return;
    this.#schedule(attempt, plan.startDelayMs ?? DEFAULT_START_DELAY_MS, () => {
      this.#toInProgress(run, attempt, newJobs, actor);
      if (plan.hang) return;
      const remaining = Math.max(0, (plan.durationMs ?? DEFAULT_DURATION_MS) - (plan.startDelayMs ?? DEFAULT_START_DELAY_MS));
      this.#schedule(attempt, remaining, () => this.#finish(run, attempt, actor, undefined));
    });
  }

  #createJob(run: WorkflowRun, attempt: RunAttempt, script: JobScript, plan: AttemptScript): Job {
    const { state } = this.#ctx;
    const id = state.ids.next('job');
    const job: Job = {
      id,
      nodeId: nodeId('CheckRun', id),
      run,
      runAttempt: attempt.number,
      name: script.name,
      status: 'queued',
      conclusion: null,
      createdAt: state.now(),
      startedAt: state.now(),
      completedAt: null,
      steps: (script.steps ?? ['Set up job', 'Run', 'Complete job']).map((name, index) => ({
        name,
        number: index + 1,
        status: 'queued',
        conclusion: null,
        startedAt: null,
        completedAt: null,
      })),
      labels: ['ubuntu-latest'],
      checkRun: undefined,
      plannedConclusion: script.conclusion ?? plan.conclusion ?? 'success',
    };
    run.jobs.push(job);
    state.jobs.set(id, job);
    return job;
  }

  #toInProgress(run: WorkflowRun, attempt: RunAttempt, jobs: Job[], actor: Account): void {
    const now = this.#ctx.state.now();
    attempt.status = 'in_progress';
    attempt.updatedAt = now;
    this.#emitRun(run, 'in_progress', actor);
    for (const job of jobs) {
      job.status = 'in_progress';
      job.startedAt = now;
      for (const step of job.steps) {
        step.status = 'in_progress';
        step.startedAt = now;
      }
      if (job.checkRun) updateCheckRun(this.#ctx, job.checkRun, this.#ctx.actionsApp, { status: 'in_progress' }, actor);
      this.#emitJob(job, 'in_progress', actor);
    }
  }

  #finish(run: WorkflowRun, attempt: RunAttempt, actor: Account, forced: 'cancelled' | 'failure' | undefined): void {
    const { state } = this.#ctx;
    const now = state.now();
    const plan = this.#plan(run, attempt.number);
    const jobs = run.jobs.filter((job) => job.runAttempt === attempt.number && job.status !== 'completed');
    for (const job of jobs) {
      const conclusion = forced ?? job.plannedConclusion;
      job.status = 'completed';
      job.conclusion = conclusion;
      job.completedAt = now;
      for (const step of job.steps) {
        step.startedAt ??= now;
        step.status = 'completed';
        step.conclusion = conclusion;
        step.completedAt = now;
      }
      if (job.checkRun) updateCheckRun(this.#ctx, job.checkRun, this.#ctx.actionsApp, { conclusion }, actor);
      this.#emitJob(job, 'completed', actor);
    }
    if (!forced) {
      for (const artifact of plan.artifacts ?? []) {
        const id = state.ids.next('artifact');
        const zip = buildZip(artifact.files, now);
        const record: Artifact = {
          id,
          nodeId: nodeId('Artifact', id),
          run,
          name: artifact.name,
          files: artifact.files,
          sizeInBytes: zip.byteLength,
          createdAt: now,
          expiresAt: now + (artifact.retentionDays === undefined ? ARTIFACT_RETENTION_MS : Math.min(Math.max(artifact.retentionDays, 1), 90) * 86_400_000),
          expired: false,
          digest: `sha256:${createHash('sha256').update(zip).digest('hex')}`,
        };
        run.artifacts.push(record);
        state.artifacts.set(id, record);
      }
    }
    const latest = this.#latestJobs(run);
    const derived = latest.some((job) => job.conclusion === 'failure')
      ? 'failure'
      : latest.some((job) => job.conclusion === 'cancelled')
        ? 'cancelled'
        : 'success';
    attempt.status = 'completed';
    attempt.conclusion = forced ?? plan.conclusion ?? derived;
    attempt.updatedAt = now;
    run.cancelRequested = false;
    this.#emitRun(run, 'completed', actor);
  }

  #emitRun(run: WorkflowRun, action: 'requested' | 'in_progress' | 'completed', sender: Account): void {
    const { state } = this.#ctx;
    emitRepoEvent(
      this.#ctx,
      run.repo,
      'workflow_run',
      {
        action,
        workflow_run: runShape(this.#ctx, run),
        workflow: workflowShape(state, run.repo.fullName, run.workflow, run.workflowName),
      },
      { sender },
    );
  }

  #emitJob(job: Job, action: 'queued' | 'in_progress' | 'completed', sender: Account): void {
    emitRepoEvent(this.#ctx, job.run.repo, 'workflow_job', { action, workflow_job: jobShape(this.#ctx, job) }, { sender });
  }
}


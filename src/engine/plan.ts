/**
 * The engine's decisions, as a pure function: given a pipeline's configuration
 * and the recorded state of one run, what happens next. No database, no GitHub:
 * `advance.ts` applies the decisions and performs their effects.
 */

import { gateReason, type GateReason } from '../gates/reasons.ts';
import { reason, type Reason } from './reasons.ts';

/** What the planner needs of a pipeline's configuration (a subset of the parsed config). */
export interface PlanPipeline {
  stages: Record<
    string,
    {
      needs: string[];
      if?: string | undefined;
      /** The stage deploys to this environment: it starts only once its deployment request is allowed (SPEC §6). */
      environment?: string | undefined;
      jobs: Record<string, { retries?: number | undefined; timeout?: string | undefined; 'continue-on-error': boolean }>;
    }
  >;
}

export type AttemptStatus = 'pending' | 'dispatching' | 'queued' | 'in_progress' | 'completed';
export type StageStatus = 'pending' | 'running' | 'completed' | 'skipped';

export interface AttemptState {
  id: number;
  stage: string;
  job: string;
  attempt: number;
  status: AttemptStatus;
  conclusion: string | null;
  workflowRunId: number | null;
  /** The attempt's CI provider knows a run for it (default: it has a workflow run); a job that never started is not retried and its gates are not judged. */
  started?: boolean;
  completedAt: number | null;
  deadlineAt: number | null;
  nextRetryAt: number | null;
  cancelRequested: boolean;
}

export interface StageState {
  stage: string;
  status: StageStatus;
  conclusion: string | null;
}

/** A gate of the pipeline, as the planner needs it: which job's attempts it judges (none: the whole pipeline). */
export interface PlanGate {
  name: string;
  type: string;
  stage: string | null;
  job: string | null;
}

/** What a gate's evaluation for one attempt of its job came to (`overridden`: a fail or error set aside by `/override`). */
export type GateVerdictState = 'pass' | 'fail' | 'neutral' | 'error' | 'overridden';

/** A recorded gate evaluation: `attempt` is the job's attempt number (0 for a pipeline-level gate). */
export interface GateState {
  name: string;
  attempt: number;
  status: 'pending' | 'completed';
  result: GateVerdictState | null;
}

/** A stage's deployment request as the planner sees it. */
export interface DeploymentState {
  /** `ready`: allowed and its GitHub deployment exists, so the stage's jobs may start. */
  phase: 'pending' | 'ready' | 'ended';
  /** Why it ended without deploying (refused, cancelled), for the stage. */
  reason: Reason | null;
}

export interface RunState {
  status: 'queued' | 'in_progress' | 'completed';
  cancelRequested: boolean;
  stages: StageState[];
  attempts: AttemptState[];
  /** Gate evaluations so far (absent: the pipeline has no gates). */
  gates?: GateState[];
}

export type ConditionResult = { ok: true; value: boolean } | { ok: false; error: string };

export interface PlanInput {
  pipeline: PlanPipeline;
  /** The pipeline's gates (SPEC §5a); a stage ends only once the gates of its jobs are evaluated. */
  gates?: PlanGate[];
  /** The deployment request of each stage with `environment:` that has one, by stage. */
  deployments?: Record<string, DeploymentState>;
  run: RunState;
  now: number;
  defaults: { retries: number; timeoutMs: number };
  /** Evaluates a stage's `if:`; called only for stages whose needs all succeeded. */
  evaluateIf: (stage: string, expression: string) => ConditionResult;
  parseDuration: (value: string) => number;
  /** Base of the exponential retry backoff (SPEC §3: 30 s). */
  retryBaseMs?: number;
}

export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out';

export type Decision =
  | { kind: 'start-stage'; stage: string; jobs: Array<{ job: string; timeoutMs: number }> }
  | { kind: 'skip-stage'; stage: string; reason: Reason }
  | { kind: 'complete-stage'; stage: string; conclusion: RunConclusion }
  | { kind: 'time-out'; attemptId: number; workflowRunId: number | null }
  | { kind: 'schedule-retry'; attemptId: number; at: number }
  | { kind: 'retry'; previousAttemptId: number; stage: string; job: string; attempt: number; workflowRunId: number; timeoutMs: number }
  | { kind: 'cancel-attempts'; attemptIds: number[]; reason: Reason }
  /** Evaluate a gate for the final attempt of its job (attemptId null: a pipeline-level gate, attempt 0). */
  | { kind: 'evaluate-gate'; gate: string; stage: string | null; job: string | null; attemptId: number | null; attempt: number }
  /** Ask for the deployment of a stage with `environment:` whose needs are met (policy decides when it starts). */
  | { kind: 'request-deployment'; stage: string; environment: string }
  /** A stage whose deployment was refused or cancelled before it started: it fails without running. */
  | { kind: 'fail-stage'; stage: string; reason: Reason }
  /** Record a gate as not evaluated (its job was cancelled or never started a workflow run). */
  | { kind: 'skip-gate'; gate: string; stage: string | null; job: string | null; attemptId: number | null; attempt: number; reason: GateReason }
  | { kind: 'complete-run'; conclusion: RunConclusion };

function startedOf(attempt: AttemptState): boolean {
  return attempt.started ?? attempt.workflowRunId !== null;
}

const SUCCESSFUL = new Set(['success', 'neutral', 'skipped']);

/** Whether a workflow-run conclusion counts as the job having succeeded. */
export function isSuccessful(conclusion: string | null): boolean {
  return conclusion !== null && SUCCESSFUL.has(conclusion);
}

/** Stages in an order where every stage comes after its needs (config order among equals). */
export function topologicalStages(pipeline: PlanPipeline): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string, path: Set<string>) => {
    if (seen.has(id) || path.has(id)) return;
    path.add(id);
    for (const need of pipeline.stages[id]?.needs ?? []) if (pipeline.stages[need]) visit(need, path);
    path.delete(id);
    seen.add(id);
    order.push(id);
  };
  for (const id of Object.keys(pipeline.stages)) visit(id, new Set());
  return order;
}

type JobOutcome =
  | { state: 'running' }
  | { state: 'retry-due'; attempt: AttemptState }
  | { state: 'retry-waiting'; attempt: AttemptState }
  | { state: 'retry-unscheduled'; attempt: AttemptState; at: number }
  | { state: 'succeeded' }
  | { state: 'failed'; conclusion: string };

/**
 * Decides the next steps of one run. Applying every returned decision and
 * calling `decide` again with the new state eventually returns `[]`: the
 * decisions are idempotent steps towards the run's end.
 */
export function decide(input: PlanInput): Decision[] {
  const { pipeline, run, now } = input;
  if (run.status === 'completed') return [];
  const decisions: Decision[] = [];
  const stageById = new Map(run.stages.map((s) => [s.stage, { ...s }]));
  const retryBase = input.retryBaseMs ?? 30_000;

  const latestAttempts = new Map<string, AttemptState>();
  for (const attempt of run.attempts) {
    const key = `${attempt.stage}\u0000${attempt.job}`;
    const current = latestAttempts.get(key);
    // Copies: the planner works out the consequences of its own decisions on them, never on the caller's state.
    if (!current || attempt.attempt > current.attempt) latestAttempts.set(key, { ...attempt });
  }
  const gates = input.gates ?? [];
  const gateStates = new Map((run.gates ?? []).map((g) => [`${g.name}\u0000${g.attempt}`, g]));
  const askedGates = new Set<string>();
  /**
   * The gates of a job whose outcome is final: asks for the evaluations not
   * recorded yet and says whether any is still pending or failed.
   */
  const judgeGates = (stage: string | null, job: string | null, attempt: AttemptState | null): { pending: boolean; failed: boolean } => {
    let pending = false;
    let failed = false;
    for (const gate of gates) {
      if (gate.stage !== stage || gate.job !== job) continue;
      const number = attempt?.attempt ?? 0;
      const key = `${gate.name}\u0000${number}`;
      const state = gateStates.get(key);
      if (state === undefined) {
        pending = true;
        if (askedGates.has(key)) continue;
        askedGates.add(key);
        const target = { gate: gate.name, stage, job, attemptId: attempt?.id ?? null, attempt: number };
        const unrun = attempt !== null && (attempt.conclusion === 'cancelled' || (!startedOf(attempt) && gate.type !== 'duration'));
        if (unrun) decisions.push({ kind: 'skip-gate', ...target, reason: gateReason('gate.job-not-run', { job: job ?? '', conclusion: attempt.conclusion ?? 'unknown' }) });
        else if (attempt === null && run.cancelRequested) decisions.push({ kind: 'skip-gate', ...target, reason: gateReason('gate.run-cancelled') });
        else decisions.push({ kind: 'evaluate-gate', ...target });
        continue;
      }
      if (state.status === 'pending') pending = true;
      else if (state.result === 'fail' || state.result === 'error') failed = true;
    }
    return { pending, failed };
  };
  const jobConfig = (stage: string, job: string) => pipeline.stages[stage]?.jobs[job];
  const timeoutOf = (stage: string, job: string) => {
    const timeout = jobConfig(stage, job)?.timeout;
    return timeout ? input.parseDuration(timeout) : input.defaults.timeoutMs;
  };

  // Deadlines first: a timed-out attempt is over whatever else happens.
  for (const attempt of latestAttempts.values()) {
    if (attempt.status !== 'completed' && attempt.deadlineAt !== null && attempt.deadlineAt <= now) {
      decisions.push({ kind: 'time-out', attemptId: attempt.id, workflowRunId: attempt.workflowRunId });
      attempt.status = 'completed';
      attempt.conclusion = 'timed_out';
      attempt.completedAt = now;
    }
  }

  let stopping = run.cancelRequested;
  // `retries` re-runs failed jobs; one cancelled (by shipgate, or by someone in the CI system) is not retried.
  const outcomeOf = (stage: string, job: string): JobOutcome => {
    const attempt = latestAttempts.get(`${stage}\u0000${job}`);
    if (!attempt || attempt.status !== 'completed') return { state: 'running' };
    if (isSuccessful(attempt.conclusion)) return { state: 'succeeded' };
    const retries = jobConfig(stage, job)?.retries ?? input.defaults.retries;
    const retryable =
      !stopping && !attempt.cancelRequested && attempt.conclusion !== 'cancelled' && startedOf(attempt) && attempt.attempt <= retries;
    if (!retryable) return { state: 'failed', conclusion: attempt.conclusion ?? 'failure' };
    if (attempt.nextRetryAt === null) {
      const at = (attempt.completedAt ?? now) + retryBase * 2 ** (attempt.attempt - 1);
      return { state: 'retry-unscheduled', attempt, at };
    }
    return attempt.nextRetryAt <= now ? { state: 'retry-due', attempt } : { state: 'retry-waiting', attempt };
  };

  // A job that failed for good (and may not fail quietly) stops the pipeline.
  for (const stage of run.stages) {
    if (stage.status !== 'running') continue;
    for (const [job, config] of Object.entries(pipeline.stages[stage.stage]?.jobs ?? {})) {
      const outcome = outcomeOf(stage.stage, job);
      if (outcome.state === 'failed' && !config['continue-on-error']) stopping = true;
    }
    if (stage.conclusion !== null && !isSuccessful(stage.conclusion)) stopping = true;
  }
  for (const stage of run.stages) if (stage.status === 'completed' && !isSuccessful(stage.conclusion)) stopping = true;

  if (stopping) {
    const toCancel = [...latestAttempts.values()].filter((a) => a.status !== 'completed' && !a.cancelRequested);
    if (toCancel.length > 0) {
      decisions.push({
        kind: 'cancel-attempts',
        attemptIds: toCancel.map((a) => a.id),
        reason: run.cancelRequested ? reason('cancel.requested', {}) : reason('cancel.other-job-failed'),
      });
      // Cancelled attempts end now; the workflow run's own completion event changes nothing.
      for (const a of toCancel) {
        a.cancelRequested = true;
        a.status = 'completed';
        a.conclusion = 'cancelled';
        a.completedAt = now;
      }
    }
  }

  // Running stages: retries, then completion.
  for (const stage of stageById.values()) {
    if (stage.status !== 'running') continue;
    const jobs = Object.entries(pipeline.stages[stage.stage]?.jobs ?? {});
    let allFinal = true;
    let conclusion: RunConclusion = 'success';
    for (const [job, config] of jobs) {
      const outcome = outcomeOf(stage.stage, job);
      switch (outcome.state) {
        case 'running':
        case 'retry-waiting':
          allFinal = false;
          break;
        case 'retry-unscheduled':
          allFinal = false;
          decisions.push({ kind: 'schedule-retry', attemptId: outcome.attempt.id, at: outcome.at });
          break;
        case 'retry-due':
          allFinal = false;
          decisions.push({
            kind: 'retry',
            previousAttemptId: outcome.attempt.id,
            stage: stage.stage,
            job,
            attempt: outcome.attempt.attempt + 1,
            workflowRunId: outcome.attempt.workflowRunId ?? 0,
            timeoutMs: timeoutOf(stage.stage, job),
          });
          break;
        case 'succeeded':
          break;
        case 'failed':
          if (!config['continue-on-error']) {
            const failed: RunConclusion =
              outcome.conclusion === 'timed_out' ? 'timed_out' : outcome.conclusion === 'cancelled' ? 'cancelled' : 'failure';
            conclusion = worse(conclusion, failed);
          }
          break;
      }
      // A job's gates are judged once its outcome is final (all attempts); a failed gate fails its stage.
      if (outcome.state === 'succeeded' || outcome.state === 'failed') {
        const judged = judgeGates(stage.stage, job, latestAttempts.get(`${stage.stage}\u0000${job}`) ?? null);
        if (judged.pending) allFinal = false;
        else if (judged.failed) conclusion = worse(conclusion, 'failure');
      }
    }
    if (allFinal) {
      decisions.push({ kind: 'complete-stage', stage: stage.stage, conclusion });
      stage.status = 'completed';
      stage.conclusion = conclusion;
      if (conclusion !== 'success') stopping = true;
    }
  }

  // Stages not started yet, in dependency order, so skips cascade in one pass.
  for (const id of topologicalStages(pipeline)) {
    if (stageById.has(id)) continue;
    const config = pipeline.stages[id];
    if (!config) continue;
    const needs = config.needs.map((need) => ({ need, state: stageById.get(need) }));
    const unmet = needs.find(({ state }) => state?.status === 'skipped' || (state?.status === 'completed' && !isSuccessful(state.conclusion)));
    if (unmet) {
      skip(
        id,
        unmet.state?.status === 'skipped'
          ? reason('stage.needs-skipped', { need: unmet.need })
          : reason('stage.needs-failed', { need: unmet.need, conclusion: unmet.state?.conclusion ?? 'unsuccessfully' }),
      );
      continue;
    }
    if (stopping) {
      skip(id, run.cancelRequested ? reason('stage.run-cancelled') : reason('stage.pipeline-stopped'));
      continue;
    }
    if (!needs.every(({ state }) => state?.status === 'completed')) continue;
    if (config.if !== undefined) {
      const result = input.evaluateIf(id, config.if);
      if (!result.ok) {
        skip(id, reason('stage.if-error', { expression: config.if, error: result.error }));
        continue;
      }
      if (!result.value) {
        skip(id, reason('stage.if-false', { expression: config.if }));
        continue;
      }
    }
    if (config.environment !== undefined) {
      const deployment = input.deployments?.[id];
      if (deployment === undefined) {
        decisions.push({ kind: 'request-deployment', stage: id, environment: config.environment });
        continue;
      }
      if (deployment.phase === 'pending') continue;
      if (deployment.phase === 'ended') {
        decisions.push({ kind: 'fail-stage', stage: id, reason: deployment.reason ?? reason('stage.pipeline-stopped') });
        stageById.set(id, { stage: id, status: 'completed', conclusion: 'failure' });
        stopping = true;
        continue;
      }
    }
    const jobs = Object.keys(config.jobs).map((job) => ({ job, timeoutMs: timeoutOf(id, job) }));
    decisions.push({ kind: 'start-stage', stage: id, jobs });
    stageById.set(id, { stage: id, status: 'running', conclusion: null });
  }

  // The run ends when every stage has ended and no job is still going.
  const allStagesDone = Object.keys(pipeline.stages).every((id) => {
    const state = stageById.get(id);
    return state?.status === 'completed' || state?.status === 'skipped';
  });
  const nothingRunning = [...latestAttempts.values()].every((a) => a.status === 'completed');
  const pipelineGates = allStagesDone && nothingRunning ? judgeGates(null, null, null) : { pending: true, failed: false };
  if (allStagesDone && nothingRunning && !pipelineGates.pending) {
    let conclusion: RunConclusion = run.cancelRequested ? 'cancelled' : pipelineGates.failed ? 'failure' : 'success';
    if (!run.cancelRequested) {
      for (const state of stageById.values()) {
        if (state.status === 'completed' && state.conclusion && !isSuccessful(state.conclusion)) {
          conclusion = worse(conclusion, state.conclusion as RunConclusion);
        }
      }
    }
    decisions.push({ kind: 'complete-run', conclusion });
  }
  return decisions;

  function skip(stage: string, why: Reason) {
    decisions.push({ kind: 'skip-stage', stage, reason: why });
    stageById.set(stage, { stage, status: 'skipped', conclusion: null });
  }
}

const SEVERITY: Record<RunConclusion, number> = { success: 0, cancelled: 1, failure: 2, timed_out: 3 };

function worse(a: RunConclusion, b: RunConclusion): RunConclusion {
  return (SEVERITY[b] ?? 2) > (SEVERITY[a] ?? 2) ? b : a;
}

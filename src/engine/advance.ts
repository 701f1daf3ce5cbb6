import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { withTransaction, type DbOrTrx } from '../store/db.ts';
import type { Database, GateOverride, JobAttempt, JsonObject, PipelineRun, StageRun } from '../store/schema/index.ts';
import { isForkApproved } from '../store/repos/fork-approvals.ts';
import { createJobAttempt, latestAttemptPerJob, listJobAttempts, updateJobAttempt } from '../store/repos/job-attempts.ts';
import { findActivePipelineRuns, lockPipelineRun, updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import { createStageRuns, listStageRuns, updateStageRun } from '../store/repos/stage-runs.ts';
import { evaluateCondition } from '../matching/conditions.ts';
import { parseDuration } from '../repo-config/duration.ts';
import { recordAttemptCancel, recordDispatch, recordRunChecks } from '../effects/kinds.ts';
import { providerOf, RETRIES_IN_PLACE } from '../providers/provider.ts';
import { PROVIDER_LABELS } from '../providers/errors.ts';
import { listGateResults } from '../store/repos/gate-results.ts';
import { recordBaselines, recordGateDecision, toGateStates } from './gate-records.ts';
import { overridesFor } from '../store/repos/gate-overrides.ts';
import { abandonStageDeployment, deploymentStates, finishStageDeployment, requestStageDeployment, reviewAfterPipelines, reviewPendingDeployments, startStageDeployment } from '../deploy/lifecycle.ts';
import { lockEnvironment, type ReviewOutcome } from '../deploy/queue.ts';
import { decide, type AttemptState, type Decision, type StageState } from './plan.ts';
import { readRunPlan, type RunPlan } from './run-plan.ts';
import type { EngineDeps, EngineEvent } from './deps.ts';
import { formatDuration } from './check-output.ts';
import { isReason, reason, renderReason, type Reason } from './reasons.ts';
import { releasable, type AdmissionPolicy, type AdmissionRun } from './admission.ts';
import { recordRunNotifications } from '../notify/record.ts';

/** A correlation id: findable in a run name, unique across databases, with 64 random bits. */
export function newCorrelationId(runId: number, stage: string, job: string, attempt: number): string {
  return `sg-${runId}-${stage}-${job}-${attempt}-${randomBytes(8).toString('hex')}`;
}

/** What one transaction of `advanceRun` recorded, for after its commit. */
interface Recorded {
  run: PipelineRun;
  decisions: number;
  events: EngineEvent[];
  wakes: number[];
  completed: boolean;
  /** Other runs a deployment queue change lets move (advanced after the commit), and their wake-ups. */
  others: ReviewOutcome;
}

const ms = (date: Date | null) => (date ? date.getTime() : null);

function toPlanState(stages: StageRun[], attempts: JobAttempt[]): { stages: StageState[]; attempts: AttemptState[] } {
  const stageNames = new Map(stages.map((s) => [s.id, s.stage]));
  return {
    stages: stages.filter((s) => s.status !== 'pending').map((s) => ({ stage: s.stage, status: s.status, conclusion: s.conclusion })),
    attempts: attempts.map((a) => ({
      id: a.id,
      stage: stageNames.get(a.stage_run_id) ?? '',
      job: a.job,
      attempt: a.attempt,
      status: a.status,
      conclusion: a.conclusion,
      workflowRunId: a.workflow_run_id,
      started: a.workflow_run_id !== null || a.external_id !== null || (a.provider === 'webhook' && a.external !== null),
      completedAt: ms(a.completed_at),
      deadlineAt: ms(a.deadline_at),
      nextRetryAt: ms(a.next_retry_at),
      cancelRequested: a.cancel_requested_at !== null,
    })),
  };
}

/**
 * Moves one pipeline run forward: decides (pure) under the run's row lock and
 * records the decisions together with every effect they call for (dispatches,
 * cancels, check-run writes) in one transaction. After the commit it emits the
 * engine events and wakes the effect runner, which performs the effects. Safe
 * to call any number of times from any replica.
 */
export async function advanceRun(deps: EngineDeps, runId: number): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const recorded = await withTransaction(deps.db, (trx) => decideAndRecord(deps, trx, runId));
    if (!recorded) return;
    afterCommit(deps, { runId: recorded.run.id, events: recorded.events, wakes: recorded.wakes });
    for (const wake of recorded.others.wakes) deps.wakeAt?.(wake.runId, wake.at);
    for (const other of new Set(recorded.others.advance)) if (other !== recorded.run.id) await advanceRun(deps, other);
    if (recorded.completed) await releaseQueuedRuns(deps, recorded.run.concurrency_key);
    if (recorded.completed || recorded.decisions === 0) return;
  }
}

/** Engine events, wake-ups and the effect runner: only once the transaction that recorded them committed. */
export function afterCommit(deps: EngineDeps, recorded: { runId: number | null; events: EngineEvent[]; wakes: number[] }): void {
  for (const event of recorded.events) deps.onEvent?.(event);
  if (recorded.runId !== null) for (const at of recorded.wakes) deps.wakeAt?.(recorded.runId, at);
  deps.effects?.kick();
}

async function decideAndRecord(deps: EngineDeps, trx: Transaction<Database>, runId: number): Promise<Recorded | undefined> {
  const run = await lockPipelineRun(trx, runId);
  if (!run || run.status === 'completed') return undefined;
  if (run.advance_due_at !== null) await updatePipelineRun(trx, run.id, { advance_due_at: null }, { now: new Date(deps.clock.now()) });
  const plan = readRunPlan(run.plan);
  // A run waiting for admission (fork PR before /ok-to-test, concurrency queue) moves only when released or cancelled.
  if (run.status === 'queued' && run.waiting_reason !== null && run.cancel_requested_at === null) return undefined;
  const stages = await listStageRuns(trx, runId);
  const attempts = await listJobAttempts(trx, runId);
  const plannedGates = plan.gates ?? [];
  const gateRows = plannedGates.length > 0 ? await listGateResults(trx, runId) : [];
  const overrides = gateRows.length > 0 ? await overridesFor(trx, { owner: run.owner, repo: run.repo, sha: run.sha, pipeline: run.pipeline }) : new Map<string, GateOverride>();
  const environments = [...new Set(Object.values(plan.stages).flatMap((stage) => (stage.environment !== undefined ? [stage.environment] : [])))].sort();
  const deploying = environments.length > 0;
  // Every environment this run may touch, locked up front in name order: two runs never take them in opposite orders.
  for (const environment of environments) await lockEnvironment(trx, { owner: run.owner, repo: run.repo, environment });
  // A request still waiting (a wait timer ran out, a lock went): its environment is decided again first.
  const pendingReviews: ReviewOutcome = deploying ? await reviewPendingDeployments(trx, runId, new Date(deps.clock.now())) : { advance: [], wakes: [] };
  const deployments = deploying ? await deploymentStates(trx, runId) : {};
  const now = deps.clock.now();
  const decisions = decide({
    pipeline: { stages: plan.stages },
    deployments,
    gates: plannedGates.map((gate) => ({ name: gate.name, type: gate.type, stage: gate.stage, job: gate.job ?? null })),
    run: { status: run.status, cancelRequested: run.cancel_requested_at !== null, ...toPlanState(stages, attempts), gates: toGateStates(gateRows, overrides) },
    now,
    defaults: plan.defaults,
    evaluateIf: (_stage, expression) => evaluateCondition(expression, plan.context),
    parseDuration,
    ...(deps.retryBaseMs !== undefined ? { retryBaseMs: deps.retryBaseMs } : {}),
  });
  const recorded: Recorded = { run, decisions: decisions.length, events: [], wakes: [], completed: false, others: { advance: [], wakes: [] } };
  keep(recorded, pendingReviews);
  const loaded = { attempts, stageNames: new Map(stages.map((s) => [s.id, s.stage])) };
  const at = new Date(now);
  for (const decision of decisions) await record(trx, run, plan, loaded, decision, recorded, at);
  // An attempt left `pending` (its dispatch effect settled while it was reset) is asked for again; the performer is idempotent.
  for (const attempt of attempts) {
    if (attempt.status !== 'pending') continue;
    await recordDispatch(trx, { attemptId: attempt.id, runId: run.id, installationId: run.installation_id, now: at, again: true });
  }
  if (decisions.length > 0) await recordRunChecks(trx, run, at);
  return recorded;
}

/**
 * Where a retry runs: an Actions retry re-runs the same workflow run; a GitLab retry reruns the
 * same pipeline (same `external_id`); Jenkins and webhook jobs start a new run for each attempt.
 */
function retryTarget(previous: JobAttempt | undefined, workflowRunId: number): { provider: JobAttempt['provider']; workflow_run_id?: number; external_id?: string | null; external?: JsonObject | null } {
  const provider = previous?.provider ?? 'actions';
  if (provider === 'actions') return { provider, workflow_run_id: workflowRunId };
  if (RETRIES_IN_PLACE[provider]) return { provider, external_id: previous?.external_id ?? null, external: previous?.external ?? null };
  return { provider };
}

async function stageRow(trx: Transaction<Database>, runId: number, stage: string): Promise<StageRun> {
  const rows = await createStageRuns(trx, runId, [stage]);
  const row = rows.find((r) => r.stage === stage);
  if (!row) throw new Error(`stage ${stage} of run ${runId} could not be recorded`);
  return row;
}

function asJson(value: Reason): JsonObject {
  return { ...value };
}

async function record(
  trx: Transaction<Database>,
  run: PipelineRun,
  plan: RunPlan,
  loaded: { attempts: JobAttempt[]; stageNames: Map<number, string> },
  decision: Decision,
  recorded: Recorded,
  now: Date,
): Promise<void> {
  const emit = (event: EngineEvent) => recorded.events.push(event);
  switch (decision.kind) {
    case 'start-stage': {
      const stage = await stageRow(trx, run.id, decision.stage);
      await updateStageRun(trx, stage.id, { status: 'running', started_at: now }, { onlyIf: { status: ['pending'] } });
      if (run.status !== 'in_progress' || run.started_at === null) {
        await updatePipelineRun(trx, run.id, { status: 'in_progress', started_at: run.started_at ?? now }, { now });
      }
      for (const { job } of decision.jobs) {
        const config = plan.stages[decision.stage]?.jobs[job];
        if (!config) continue;
        const { jobAttempt, created } = await createJobAttempt(trx, {
          pipeline_run_id: run.id,
          stage_run_id: stage.id,
          job,
          attempt: 1,
          workflow: config.workflow,
          provider: providerOf(config),
          correlation_id: newCorrelationId(run.id, decision.stage, job, 1),
          now,
        });
        if (created) await recordDispatch(trx, { attemptId: jobAttempt.id, runId: run.id, installationId: run.installation_id, now });
      }
      if (plan.stages[decision.stage]?.environment !== undefined) await startStageDeployment(trx, run, decision.stage, now);
      emit({ kind: 'stage-started', runId: run.id, pipeline: run.pipeline, stage: decision.stage });
      return;
    }
    case 'skip-stage': {
      const stage = await stageRow(trx, run.id, decision.stage);
      await updateStageRun(
        trx,
        stage.id,
        { status: 'skipped', reason: renderReason(decision.reason), skip_reason: asJson(decision.reason), completed_at: now },
        { onlyIf: { status: ['pending'] } },
      );
      if (plan.stages[decision.stage]?.environment !== undefined) keep(recorded, await abandonStageDeployment(trx, run, decision.stage, reason('deploy.stage-not-reached'), now));
      emit({ kind: 'stage-skipped', runId: run.id, pipeline: run.pipeline, stage: decision.stage, reason: renderReason(decision.reason) });
      return;
    }
    case 'complete-stage': {
      const stage = await stageRow(trx, run.id, decision.stage);
      const ended = await updateStageRun(trx, stage.id, { status: 'completed', conclusion: decision.conclusion, completed_at: now }, { onlyIf: { status: ['running'] } });
      if (ended && plan.stages[decision.stage]?.environment !== undefined) {
        const logUrl = loaded.attempts.filter((a) => a.stage_run_id === stage.id && a.html_url !== null).at(-1)?.html_url ?? null;
        const latest = latestAttemptPerJob(loaded.attempts, stage.id);
        const gatesOnly = decision.conclusion === 'failure' && [...latest.values()].every((a) => a.conclusion === 'success');
        keep(recorded, await finishStageDeployment(trx, run, decision.stage, decision.conclusion, logUrl, now, gatesOnly));
      }
      emit({ kind: 'stage-completed', runId: run.id, pipeline: run.pipeline, stage: decision.stage, conclusion: decision.conclusion });
      return;
    }
    case 'time-out': {
      const previous = loaded.attempts.find((a) => a.id === decision.attemptId);
      // The job's configured timeout (its deadline may have been set from a later start than the last claim).
      const configured = previous ? plan.stages[loaded.stageNames.get(previous.stage_run_id) ?? '']?.jobs[previous.job]?.timeout : undefined;
      const limit = previous ? formatDuration(configured ? parseDuration(configured) : plan.defaults.timeoutMs) : 'its timeout';
      const provider = previous?.provider ?? 'actions';
      const lastError = typeof previous?.error_reason?.['message'] === 'string' && previous.error_reason['code'] !== 'job.timed-out' ? previous.error_reason['message'] : undefined;
      const why = provider === 'actions' ? reason('job.timed-out', { limit }) : reason('job.timed-out', { limit, provider: PROVIDER_LABELS[provider], ...(lastError !== undefined ? { lastError } : {}) });
      const attempt = await updateJobAttempt(
        trx,
        decision.attemptId,
        { status: 'completed', conclusion: 'timed_out', completed_at: now, error: renderReason(why), error_reason: asJson(why) },
        { onlyIf: { status: ['pending', 'dispatching', 'queued', 'in_progress'] }, now },
      );
      if (attempt) await recordAttemptCancel(trx, run, attempt, now);
      return;
    }
    case 'schedule-retry': {
      await updateJobAttempt(trx, decision.attemptId, { next_retry_at: new Date(decision.at) }, { now });
      recorded.wakes.push(decision.at);
      const attempt = loaded.attempts.find((a) => a.id === decision.attemptId);
      if (attempt) {
        const stage = loaded.stageNames.get(attempt.stage_run_id) ?? '';
        emit({ kind: 'job-retry-scheduled', runId: run.id, pipeline: run.pipeline, stage, job: attempt.job, at: decision.at });
      }
      return;
    }
    case 'retry': {
      const stage = await stageRow(trx, run.id, decision.stage);
      const previous = loaded.attempts.find((a) => a.id === decision.previousAttemptId);
      const { jobAttempt, created } = await createJobAttempt(trx, {
        pipeline_run_id: run.id,
        stage_run_id: stage.id,
        job: decision.job,
        attempt: decision.attempt,
        workflow: previous?.workflow ?? plan.stages[decision.stage]?.jobs[decision.job]?.workflow ?? '',
        correlation_id: previous?.correlation_id ? `${previous.correlation_id}.r${decision.attempt}` : newCorrelationId(run.id, decision.stage, decision.job, decision.attempt),
        ...retryTarget(previous, decision.workflowRunId),
        now,
      });
      if (created) await recordDispatch(trx, { attemptId: jobAttempt.id, runId: run.id, installationId: run.installation_id, now });
      return;
    }
    case 'cancel-attempts': {
      for (const id of decision.attemptIds) {
        const attempt = await updateJobAttempt(
          trx,
          id,
          {
            status: 'completed',
            conclusion: 'cancelled',
            completed_at: now,
            cancel_requested_at: now,
            error: `cancelled: ${renderReason(decision.reason)}`,
            error_reason: asJson(decision.reason),
          },
          { onlyIf: { status: ['pending', 'dispatching', 'queued', 'in_progress'] }, now },
        );
        if (attempt) await recordAttemptCancel(trx, run, attempt, now);
      }
      return;
    }
    case 'request-deployment': {
      await stageRow(trx, run.id, decision.stage);
      keep(recorded, await requestStageDeployment(trx, run, plan, decision.stage, decision.environment, now));
      return;
    }
    case 'fail-stage': {
      const stage = await stageRow(trx, run.id, decision.stage);
      await updateStageRun(
        trx,
        stage.id,
        { status: 'completed', conclusion: 'failure', reason: renderReason(decision.reason), skip_reason: asJson(decision.reason), completed_at: now },
        { onlyIf: { status: ['pending'] } },
      );
      emit({ kind: 'stage-completed', runId: run.id, pipeline: run.pipeline, stage: decision.stage, conclusion: 'failure' });
      return;
    }
    case 'evaluate-gate':
    case 'skip-gate': {
      // Decided here (a skip, a duration, a gate missing from the plan): told like the ones the effect evaluates.
      const result = await recordGateDecision(trx, run, plan, loaded, decision, now);
      if (result !== null) emit({ kind: 'gate-evaluated', runId: run.id, pipeline: run.pipeline, gate: decision.gate, result });
      return;
    }
    case 'complete-run': {
      const completed = await updatePipelineRun(trx, run.id, { status: 'completed', conclusion: decision.conclusion, completed_at: now }, { onlyIf: { status: ['queued', 'in_progress'] }, now });
      if (completed && decision.conclusion === 'success') await recordBaselines(trx, run, plan, now);
      if (completed) keep(recorded, await reviewAfterPipelines(trx, completed, now));
      if (completed) await recordRunNotifications(trx, completed, now);
      recorded.completed = true;
      emit({ kind: 'run-completed', runId: run.id, pipeline: run.pipeline, conclusion: decision.conclusion });
      return;
    }
  }
}

/** Keeps what a deployment-queue review asks of other runs (this run's own wake-ups go with it). */
function keep(recorded: Recorded, review: ReviewOutcome): void {
  for (const wake of review.wakes) {
    if (wake.runId === recorded.run.id) recorded.wakes.push(wake.at);
    else recorded.others.wakes.push(wake);
  }
  recorded.others.advance.push(...review.advance.filter((id) => id !== recorded.run.id));
}

/**
 * Serialises admission per concurrency key across replicas: every decision
 * about which runs of a key start, wait or are cancelled is made under this
 * transaction-scoped advisory lock, so two events processed at once behave as
 * if processed one after the other.
 */
export async function lockConcurrencyKey(trx: Transaction<Database>, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
}

/** What admission needs to know about each run of a key (fork approval is read from the store). */
export async function admissionView(db: DbOrTrx, runs: PipelineRun[]): Promise<{ runs: AdmissionRun[]; policies: Map<number, AdmissionPolicy> }> {
  const policies = new Map<number, AdmissionPolicy>();
  const view: AdmissionRun[] = [];
  for (const run of runs) {
    const waiting = isReason(run.waiting_reason) ? run.waiting_reason : null;
    view.push({ id: run.id, status: run.status, waiting, cancelRequested: run.cancel_requested_at !== null });
    const plan = readRunPlan(run.plan);
    policies.set(run.id, {
      pipeline: run.pipeline,
      concurrency: plan.concurrency ?? (waiting?.code === 'wait.concurrency-queue' ? 'queue' : 'none'),
      fromFork: run.from_fork,
      sha: run.sha,
      forkApproved: run.from_fork ? await isForkApproved(db, run) : true,
    });
  }
  return { runs: view, policies };
}

/**
 * Starts the waiting runs of a concurrency key that admission now lets go
 * (`concurrency: queue` after a run ended, a fork's sha after `/ok-to-test`).
 * Safe to call at any time, from any replica: reconciliation calls it too, so
 * a release lost to a crash still happens.
 */
export async function releaseQueuedRuns(deps: EngineDeps, concurrencyKey: string): Promise<number[]> {
  const released = await withTransaction(deps.db, async (trx) => {
    await lockConcurrencyKey(trx, concurrencyKey);
    const active = await findActivePipelineRuns(trx, concurrencyKey);
    if (!active.some((r) => r.status === 'queued' && r.waiting_reason !== null)) return [];
    const { runs, policies } = await admissionView(trx, active);
    const ids = releasable(runs, (run) => policies.get(run.id) as AdmissionPolicy);
    const now = new Date(deps.clock.now());
    for (const id of ids) {
      const run = await updatePipelineRun(trx, id, { waiting_for: null, waiting_reason: null, advance_due_at: now }, { onlyIf: { status: ['queued'] }, now });
      if (run) await recordRunChecks(trx, run, now);
    }
    return ids;
  });
  for (const id of released) await advanceRun(deps, id);
  return released;
}

/**
 * What the engine records of quality gates (SPEC §5a) inside its deciding
 * transactions: the planner's view of the evaluations, the pending rows and
 * the effects that evaluate them, verdicts as rows, and the baselines a green
 * default-branch push leaves.
 */
import type { Transaction } from 'kysely';
import { recordGateEvaluation } from '../effects/kinds.ts';
import { asGateData, hasBaselineValues } from '../gates/baseline-data.ts';
import { evaluateGate } from '../gates/evaluate.ts';
import { unmeasuredResult, type GateResult } from '../gates/gate-result.ts';
import { gateReason, renderGateReason } from '../gates/reasons.ts';
import { recordBaseline } from '../store/repos/gate-baselines.ts';
import { completeGate, createPendingGate, latestGateResults, listGateResults } from '../store/repos/gate-results.ts';
import type { Database, GateOverride, GateResultRow, JobAttempt, JsonObject, JsonValue, PipelineRun } from '../store/schema/index.ts';
import type { Decision, GateState } from './plan.ts';
import type { RunPlan } from './run-plan.ts';

/** The gate evaluations as the planner reads them: a fail or error overridden for the commit counts as `overridden`. */
export function toGateStates(rows: readonly GateResultRow[], overrides: ReadonlyMap<string, GateOverride>): GateState[] {
  return rows.map((row) => ({
    name: row.gate,
    attempt: row.attempt,
    status: row.status,
    result: row.result !== null && (row.result === 'fail' || row.result === 'error') && overrides.has(row.gate) ? 'overridden' : row.result,
  }));
}

/**
 * Records a gate decision of the planner: a pending evaluation (once per gate
 * and attempt), completed here when nothing needs GitHub (a skip, a gate
 * missing from the plan, a `duration`), else handed to the `evaluate-gate` effect.
 * Returns the result when it was decided here (null when nothing was decided, or the effect decides).
 */
export async function recordGateDecision(
  trx: Transaction<Database>,
  run: PipelineRun,
  plan: RunPlan,
  loaded: { attempts: readonly JobAttempt[]; stageNames: ReadonlyMap<number, string> },
  decision: Extract<Decision, { kind: 'evaluate-gate' | 'skip-gate' }>,
  now: Date,
): Promise<string | null> {
  const gate = plan.gates?.find((g) => g.name === decision.gate);
  const attempt = decision.attemptId === null ? undefined : loaded.attempts.find((a) => a.id === decision.attemptId);
  const { row, created } = await createPendingGate(trx, {
    pipeline_run_id: run.id,
    gate: decision.gate,
    type: gate?.type ?? 'unknown',
    stage: decision.stage,
    job: decision.job,
    attempt: decision.attempt,
    job_attempt_id: decision.attemptId,
    workflow_run_id: attempt?.workflow_run_id ?? null,
    artifact: gate !== undefined && 'artifact' in gate ? gate.artifact : null,
    run_url: attempt?.html_url ?? null,
    now,
  });
  if (!created || row.status !== 'pending') return null;
  if (decision.kind === 'skip-gate') {
    await completeGate(trx, row.id, verdictRow(unmeasuredResult('neutral', decision.reason), now));
    return 'neutral';
  }
  if (gate === undefined) {
    await completeGate(trx, row.id, verdictRow(unmeasuredResult('error', gateReason('gate.config-missing', { gate: decision.gate })), now));
    return 'error';
  }
  if (gate.type === 'duration') {
    // Wall time needs nothing from GitHub: from shipgate's own records, evaluated here.
    const ms = durationOf(run, loaded.attempts, loaded.stageNames, decision.stage, decision.job, now);
    const verdict = evaluateGate(gate, { kind: 'duration', ms }, null, null);
    await completeGate(trx, row.id, verdictRow(verdict, now));
    return verdict.result;
  }
  await recordGateEvaluation(trx, { gateResultId: row.id, runId: run.id, installationId: run.installation_id, now });
  return null;
}

/** A gate verdict as the `gate_results` row keeps it. */
export function verdictRow(verdict: GateResult, now: Date, extra: { data?: JsonObject; detail?: string; untrusted?: boolean } = {}) {
  return {
    result: verdict.result,
    measured: verdict.measured,
    threshold: verdict.threshold,
    baseline: verdict.baseline,
    reason: { ...verdict.reason } as JsonObject,
    detail: extra.detail ?? renderGateReason(verdict.reason),
    findings: verdict.findings.map((finding) => ({ ...finding }) as JsonValue),
    data: extra.data ?? {},
    untrusted_producer: extra.untrusted ?? false,
    now,
  };
}

/** Wall time of a job over all its attempts (first dispatch to last completion), or of the whole run. */
function durationOf(run: PipelineRun, attempts: readonly JobAttempt[], stageNames: ReadonlyMap<number, string>, stage: string | null, job: string | null, now: Date): number | null {
  if (job === null) return run.started_at ? now.getTime() - run.started_at.getTime() : null;
  const mine = attempts.filter((a) => a.job === job && stageNames.get(a.stage_run_id) === stage);
  const starts = mine.map((a) => (a.dispatched_at ?? a.started_at)?.getTime()).filter((t): t is number => t !== undefined);
  const ends = mine.map((a) => a.completed_at?.getTime()).filter((t): t is number => t !== undefined);
  if (starts.length === 0 || ends.length === 0) return null;
  return Math.max(...ends) - Math.min(...starts);
}

/**
 * A successful push run on the default branch leaves its gates' measurements
 * as baselines (coverage %, benchmark values, SARIF fingerprints), in the
 * transaction that completes it.
 */
export async function recordBaselines(trx: Transaction<Database>, run: PipelineRun, plan: RunPlan, now: Date): Promise<void> {
  if (plan.context.shipgate.event !== 'push' || plan.defaultBranch === undefined || plan.context.shipgate.branch !== plan.defaultBranch) return;
  const latest = latestGateResults(await listGateResults(trx, run.id));
  for (const row of latest.values()) {
    if (row.status !== 'completed' || (row.result !== 'pass' && row.result !== 'neutral')) continue;
    const data = asGateData(row.data);
    if (!hasBaselineValues(data)) continue;
    const { failedTests: _failed, ...values } = data;
    await recordBaseline(trx, {
      owner: run.owner,
      repo: run.repo,
      pipeline: run.pipeline,
      gate: row.gate,
      type: row.type,
      sha: run.sha,
      branch: plan.defaultBranch,
      committedAt: plan.commitDate ? new Date(plan.commitDate) : run.created_at,
      pipelineRunId: run.id,
      data: values as JsonObject,
      now,
    });
  }
}


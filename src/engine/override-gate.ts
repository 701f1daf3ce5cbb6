/**
 * `/override GATE reason…` applied (SPEC §5a): the override is recorded for
 * the run's commit and pipeline, audited, and — as `planGateOverride`
 * decides — the run is reopened so its conclusion, its check run and the
 * roll-up are computed again. A new push is a new commit: the override does
 * not follow it.
 */
import { withTransaction } from '../store/db.ts';
import { appendAudit } from '../store/repos/audit-log.ts';
import { recordGateOverride, overridesFor } from '../store/repos/gate-overrides.ts';
import { latestGateResults, listGateResults } from '../store/repos/gate-results.ts';
import { listJobAttempts } from '../store/repos/job-attempts.ts';
import { lockPipelineRun, updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import { listStageRuns, updateStageRun } from '../store/repos/stage-runs.ts';
import { recordRunChecks } from '../effects/kinds.ts';
import { advanceRun, afterCommit } from './advance.ts';
import type { EngineDeps } from './deps.ts';
import { planGateOverride } from './override-plan.ts';
import { reason, type Reason } from './reasons.ts';
import { readRunPlan } from './run-plan.ts';

export type OverrideOutcome = { kind: 'overridden'; runId: number; gate: string; reopened: boolean } | { kind: 'refused'; reason: Reason };

export async function overrideGate(deps: EngineDeps, args: { runId: number; gate: string; actor: string; reason: string; deliveryId?: string }): Promise<OverrideOutcome> {
  const now = new Date(deps.clock.now());
  const outcome = await withTransaction(deps.db, async (trx): Promise<OverrideOutcome> => {
    const run = await lockPipelineRun(trx, args.runId);
    if (!run) return { kind: 'refused', reason: reason('refuse.run-not-found', { runId: args.runId }) };
    const plan = readRunPlan(run.plan);
    const scope = { owner: run.owner, repo: run.repo, sha: run.sha, pipeline: run.pipeline };
    const overrides = await overridesFor(trx, scope);
    const latest = latestGateResults(await listGateResults(trx, run.id));
    const gates = (plan.gates ?? []).map((gate) => {
      const row = latest.get(gate.name);
      return { name: gate.name, stage: gate.stage, result: row === undefined ? null : row.status === 'pending' ? ('pending' as const) : row.result, overridden: overrides.has(gate.name) };
    });
    const stages = await listStageRuns(trx, run.id);
    const attempts = await listJobAttempts(trx, run.id);
    const decided = planGateOverride(
      { id: run.id, pipeline: run.pipeline, status: run.status, conclusion: run.conclusion, cancelRequested: run.cancel_requested_at !== null },
      stages.map((s) => ({ id: s.id, stage: s.stage, status: s.status, conclusion: s.conclusion, skipCode: codeOf(s.skip_reason) })),
      attempts.map((a) => ({ stageRunId: a.stage_run_id, job: a.job, attempt: a.attempt, conclusion: a.conclusion })),
      gates,
      args.gate,
      (stage, job) => plan.stages[stage]?.jobs[job]?.['continue-on-error'] === true,
    );
    if (decided.kind === 'refuse') return { kind: 'refused', reason: decided.reason };
    await recordGateOverride(trx, { ...scope, gate: args.gate, actor: args.actor, reason: args.reason, now });
    await appendAudit(trx, {
      actor: args.actor,
      action: 'gate.override',
      outcome: 'done',
      owner: run.owner,
      repo: run.repo,
      target: `${run.pipeline}/${args.gate}@${run.sha}`,
      details: { runId: run.id, gate: args.gate, reason: args.reason, reopened: decided.reopen, ...(args.deliveryId ? { deliveryId: args.deliveryId } : {}) },
      at: now,
    });
    if (decided.reopen) {
      for (const id of decided.resetSkippedStages) await updateStageRun(trx, id, { status: 'pending', reason: null, skip_reason: null, completed_at: null });
      for (const id of decided.reopenStages) await updateStageRun(trx, id, { status: 'running', conclusion: null, completed_at: null });
      const reopened = await updatePipelineRun(
        trx,
        run.id,
        { status: 'in_progress', conclusion: null, completed_at: null, check_run_id: null, error: null, error_reason: null, advance_due_at: now },
        { now },
      );
      // A completed check run is never reopened: the run's verdict gets a new one.
      await trx.updateTable('check_runs').set({ pipeline_run_id: null }).where('pipeline_run_id', '=', run.id).execute();
      if (reopened) await recordRunChecks(trx, reopened, now);
    } else {
      const touched = await updatePipelineRun(trx, run.id, { advance_due_at: now }, { now });
      if (touched) await recordRunChecks(trx, touched, now);
    }
    return { kind: 'overridden', runId: run.id, gate: args.gate, reopened: decided.reopen };
  });
  if (outcome.kind === 'overridden') {
    afterCommit(deps, { runId: outcome.runId, events: [], wakes: [] });
    await advanceRun(deps, outcome.runId);
  }
  return outcome;
}

function codeOf(value: unknown): string | null {
  return value !== null && typeof value === 'object' && typeof (value as { code?: unknown }).code === 'string' ? (value as { code: string }).code : null;
}

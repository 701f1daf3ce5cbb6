import type { DbOrTrx } from '../store/db.ts';
import { latestAttemptPerJob, listJobAttempts } from '../store/repos/job-attempts.ts';
import { findForkApproval } from '../store/repos/fork-approvals.ts';
import { listStageRuns } from '../store/repos/stage-runs.ts';
import type { JobAttempt, JsonObject, PipelineRun } from '../store/schema/index.ts';
import type { GateFindingView, GateView, PipelineRunView, StageView } from './check-output.ts';
import { latestGateResults, listGateResults } from '../store/repos/gate-results.ts';
import { overridesFor } from '../store/repos/gate-overrides.ts';
import { listRunDeployments } from '../store/repos/deployments.ts';
import { isGateReason, renderGateReason } from '../gates/reasons.ts';
import type { RunPlan } from './run-plan.ts';
import { topologicalStages } from './plan.ts';
import { isReason, renderReason } from './reasons.ts';
import { PROVIDER_LABELS } from '../providers/errors.ts';
import { readRunPlan } from './run-plan.ts';

/** A stored reason code rendered as its sentence, or the stored text of rows written before codes existed. */
export function reasonText(code: unknown, text: string | null): string | null {
  return isReason(code) ? renderReason(code) : text;
}

/** Whether two JSON values are equal; jsonb does not keep key order, so keys are compared sorted. */
export function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, v]) => [k, canonical(v)]))
        : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The recorded state of a run, as the check-run renderer takes it. */
export async function loadRunView(db: DbOrTrx, run: PipelineRun): Promise<PipelineRunView> {
  const plan = readRunPlan(run.plan);
  const stageRows = await listStageRuns(db, run.id);
  const attempts = await listJobAttempts(db, run.id);
  // A deploying stage that has not started says what its deployment request waits for.
  const waitingToDeploy = new Map<string, string>();
  if (Object.values(plan.stages).some((stage) => stage.environment !== undefined)) {
    for (const deployment of await listRunDeployments(db, run.id)) {
      if (deployment.stage === null || !['requested', 'waiting', 'queued', 'deploying'].includes(deployment.status)) continue;
      const why = isReason(deployment.reason) ? renderReason(deployment.reason) : deployment.status === 'deploying' ? 'creating the GitHub deployment' : 'deciding';
      waitingToDeploy.set(deployment.stage, `deployment #${deployment.id} to ${deployment.environment}: ${why}`);
    }
  }
  const mixed = Object.values(plan.stages).some((stage) => Object.values(stage.jobs).some((job) => job.target !== undefined));
  const stages: StageView[] = topologicalStages({ stages: plan.stages }).map((id) => {
    const row = stageRows.find((s) => s.stage === id);
    const latest = row ? latestAttemptPerJob(attempts, row.id) : new Map<string, JobAttempt>();
    return {
      id,
      status: row?.status ?? 'pending',
      conclusion: row?.conclusion ?? null,
      reason: row && row.status !== 'pending' ? reasonText(row.skip_reason, row.reason) : (waitingToDeploy.get(id) ?? null),
      startedAt: row?.started_at ?? null,
      completedAt: row?.completed_at ?? null,
      jobs: [...latest.values()].map((a) => ({
        job: a.job,
        // Where each job runs is said once a pipeline mixes CI systems.
        ...(mixed ? { provider: PROVIDER_LABELS[a.provider] } : {}),
        attempt: a.attempt,
        // While a stage runs, its jobs read "running": the check run is written
        // when stages change, not on every job event (SPEC §11 write budget).
        status: row?.status === 'running' && a.status !== 'completed' ? 'running' : a.status,
        conclusion: row?.status === 'running' ? null : a.conclusion,
        htmlUrl: a.html_url,
        error: reasonText(a.error_reason, a.error),
        startedAt: a.started_at,
        completedAt: a.completed_at,
      })),
    };
  });
  const approval = run.from_fork ? await findForkApproval(db, { owner: run.owner, repo: run.repo, sha: run.sha }) : undefined;
  const latestAttempt = new Map<string, number>();
  const stageOf = new Map(stageRows.map((row) => [row.id, row.stage]));
  for (const attempt of attempts) {
    const key = `${stageOf.get(attempt.stage_run_id) ?? ''}/${attempt.job}`;
    latestAttempt.set(key, Math.max(latestAttempt.get(key) ?? 0, attempt.attempt));
  }
  const gates = (plan.gates ?? []).length > 0 ? await loadGateViews(db, run, plan, latestAttempt) : undefined;
  return {
    ...(gates ? { gates } : {}),
    ...(approval ? { allowedBy: approval.approved_by } : {}),
    id: run.id,
    pipeline: run.pipeline,
    status: run.status,
    conclusion: run.conclusion,
    error: reasonText(run.error_reason, run.error),
    waitingFor: run.status === 'queued' ? reasonText(run.waiting_reason, run.waiting_for) : null,
    createdAt: run.created_at,
    startedAt: run.started_at,
    completedAt: run.completed_at,
    stages,
  };
}

const FINDING_LEVELS = new Set(['failure', 'warning', 'notice']);

/** Stored findings back as views, keeping only well-formed ones (rows are data, never trusted shapes). */
function findingViews(value: unknown): GateFindingView[] {
  if (!Array.isArray(value)) return [];
  const views: GateFindingView[] = [];
  for (const item of value) {
    if (item === null || typeof item !== 'object') continue;
    const f = item as Record<string, unknown>;
    if (typeof f.level !== 'string' || !FINDING_LEVELS.has(f.level) || typeof f.title !== 'string' || typeof f.message !== 'string') continue;
    const line = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
    views.push({ level: f.level as GateFindingView['level'], path: typeof f.path === 'string' ? f.path : null, startLine: line(f.startLine), endLine: line(f.endLine), title: f.title, message: f.message });
  }
  return views;
}

/**
 * The latest evaluation of each gate of the run, with the commit's overrides,
 * in config order. An evaluation of an earlier attempt than the job's latest
 * (a re-run under way) is shown as pending, without its findings: the check
 * run of a re-run never carries the annotations of the attempt it replaces.
 */
export async function loadGateViews(db: DbOrTrx, run: PipelineRun, plan: RunPlan, latestAttempt: ReadonlyMap<string, number> = new Map()): Promise<GateView[]> {
  const latest = latestGateResults(await listGateResults(db, run.id));
  const overrides = await overridesFor(db, { owner: run.owner, repo: run.repo, sha: run.sha, pipeline: run.pipeline });
  return (plan.gates ?? []).map((gate): GateView => {
    const evaluated = latest.get(gate.name);
    const superseded = evaluated !== undefined && gate.stage !== null && (latestAttempt.get(`${gate.stage}/${gate.job ?? ''}`) ?? 0) > evaluated.attempt;
    const row = superseded ? undefined : evaluated;
    const override = overrides.get(gate.name);
    const failing = row?.result === 'fail' || row?.result === 'error';
    const result = row === undefined ? (run.status === 'completed' ? 'not run' : 'pending') : row.status === 'pending' ? 'pending' : failing && override ? 'overridden' : (row.result ?? 'error');
    return {
      name: gate.name,
      job: gate.job ?? null,
      result,
      measured: row?.measured ?? null,
      threshold: row?.threshold ?? '',
      baseline: row?.baseline ?? null,
      detail: row?.detail ?? (isGateReason(row?.reason) ? renderGateReason(row.reason) : null),
      runUrl: row?.run_url ?? null,
      untrusted: row?.untrusted_producer ?? false,
      override: failing && override ? { actor: override.actor, reason: override.reason } : null,
      findings: row?.status === 'completed' ? findingViews(row.findings) : [],
      evaluatedAt: row?.evaluated_at ?? null,
      rowId: row?.completed_seq ?? null,
    };
  });
}

/**
 * What makes a check-run write worth its request: the run's status and
 * conclusion, which stages have started (or been skipped), and which ended
 * badly. Job events, and a stage ending well with nothing new starting, do not
 * change it: the next start or the verdict carries them (SPEC §11 write budget).
 */
export function significance(view: PipelineRunView): JsonObject {
  return {
    status: view.status,
    conclusion: view.conclusion,
    waiting: view.waitingFor,
    started: view.stages.filter((s) => s.status !== 'pending').map((s) => s.id).join(','),
    bad: view.stages.filter((s) => s.status === 'completed' && s.conclusion !== 'success').map((s) => s.id).join(','),
    error: view.error,
    ...(view.gates ? { gates: view.gates.map((g) => `${g.name}:${g.result}`).join(',') } : {}),
  };
}


/**
 * Performs `evaluate-gate` effects (SPEC §5a): for one recorded pending gate
 * result, downloads the artifact of the job's workflow run, parses the report
 * with the limits of a hostile input, gathers the baseline (at the PR's
 * merge-base) and the PR diff when the gate's options need them, evaluates,
 * and records the verdict; then the run is advanced, so its stage (and the
 * pipeline) follows the gate. Every refusal of the artifact or report is a
 * gate `error` naming artifact, file and run. GitHub failures are retried
 * with backoff; when they persist the gate is recorded as `error` rather
 * than leaving the run waiting forever.
 */
import { z } from 'zod';
import { githubMessage, statusOf, type GitHubClient } from '../github/client.ts';
import { fetchRunArtifact } from '../github/artifacts.ts';
import { mergeBase } from '../github/merge-base.ts';
import { pullRequestDiff } from '../github/pull-request-diff.ts';
import { listWorkflowFiles } from '../github/workflows.ts';
import { evaluateGate } from '../gates/evaluate.ts';
import type { GateBaseline } from '../gates/gate-spec.ts';
import { asGateData, baselineFrom, gateData, withFlakyFromPreviousAttempt } from '../gates/baseline-data.ts';
import { readReport, refusalFromArtifact, unreadableReport, type ArtifactGateType, type ReportRefusal } from '../gates/read-report.ts';
import { gateReason, renderGateReason } from '../gates/reasons.ts';
import type { Report } from '../gates/report.ts';
import { withTransaction } from '../store/db.ts';
import { completeGate, getGateResult, previousGateResult } from '../store/repos/gate-results.ts';
import { baselineAt, latestBaselines } from '../store/repos/gate-baselines.ts';
import { getJobAttempt } from '../store/repos/job-attempts.ts';
import { getPipelineRun, updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import type { Effect, GateResultRow, PipelineRun } from '../store/schema/index.ts';
import { advanceRun } from '../engine/advance.ts';
import { verdictRow } from '../engine/gate-records.ts';
import { unmeasuredResult } from '../gates/gate-result.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { readRunPlan, type PlannedGate, type RunPlan } from '../engine/run-plan.ts';
import type { PerformOutcome, Performer } from './runner.ts';
import { renderReason } from '../engine/reasons.ts';
import { ProviderRefusal } from '../providers/errors.ts';
import { recordRunChecks } from './kinds.ts';

const payloadSchema = z.object({ gateResultId: z.number().int().positive() });

/** Tries of a gate's GitHub reads before the gate is recorded as `error` (the effect runner's backoff in between). */
export const GATE_MAX_TRIES = 8;

/** Baselines kept for the median of benchmarks (SPEC §5a: the last 5). */
const BASELINE_DEPTH = 5;

export function gatePerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = payloadSchema.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed evaluate-gate effect: ${parsed.error.message}` };
    const row = await getGateResult(deps.db, parsed.data.gateResultId);
    if (!row || row.status === 'completed') return { kind: 'done' };
    const run = await getPipelineRun(deps.db, row.pipeline_run_id);
    if (!run) return { kind: 'done' };
    const plan = readRunPlan(run.plan);
    const gate = plan.gates?.find((g) => g.name === row.gate);
    if (effect.installation_id === null) return { kind: 'failed', error: 'evaluate-gate effect without an installation' };
    let verdict: ReturnType<typeof verdictRow>;
    if (gate === undefined || gate.type === 'duration') {
      verdict = verdictRow(unmeasuredResult('error', gateReason('gate.config-missing', { gate: row.gate })), new Date(deps.clock.now()));
    } else {
      try {
        const octokit = await deps.github(effect.installation_id);
        verdict = await evaluateFromGitHub(deps, octokit, run, plan, gate, row);
      } catch (error) {
        const status = error instanceof ProviderRefusal ? (error.status ?? 400) : statusOf(error);
        const transient = status === undefined || status >= 500 || status === 429 || (status === 403 && !(error instanceof ProviderRefusal));
        if (transient && effect.attempts < GATE_MAX_TRIES) throw error;
        const message = `${status !== undefined ? `HTTP ${status}: ` : ''}${githubMessage(error)}`;
        deps.log.warn({ err: error, gate: row.gate, runId: run.id }, 'gate could not be evaluated');
        verdict = verdictRow(unmeasuredResult('error', gateReason('gate.github-failed', { message, attempts: effect.attempts })), new Date(deps.clock.now()));
      }
    }
    const now = new Date(deps.clock.now());
    const completed = await withTransaction(deps.db, async (trx) => {
      // Stamped when it completes, not when reading began.
      const done = await completeGate(trx, row.id, { ...verdict, now });
      if (done) {
        const touched = await updatePipelineRun(trx, run.id, { advance_due_at: now }, { now });
        // The gates table shows the verdict even while the stage still waits for its other gates.
        if (touched) await recordRunChecks(trx, touched, now);
      }
      return done;
    });
    if (completed) {
      deps.onEvent?.({ kind: 'gate-evaluated', runId: run.id, pipeline: run.pipeline, gate: row.gate, result: completed.result ?? 'error' });
      await advanceRun(deps, run.id);
    }
    return { kind: 'done' };
  };
}

async function evaluateFromGitHub(
  deps: EngineDeps,
  octokit: GitHubClient,
  run: PipelineRun,
  plan: RunPlan,
  gate: Exclude<PlannedGate, { type: 'duration' }>,
  row: GateResultRow,
): Promise<ReturnType<typeof verdictRow>> {
  const repo = { owner: run.owner, repo: run.repo };
  const source = { artifact: gate.artifact, runId: row.workflow_run_id ?? 0, ...(row.run_url ? { runUrl: row.run_url } : {}) };
  const now = new Date(deps.clock.now());
  let report: Report | undefined;
  let refusal: ReportRefusal | undefined;
  const attempt = row.job_attempt_id !== null ? await getJobAttempt(deps.db, row.job_attempt_id) : undefined;
  if (attempt !== undefined && attempt.provider !== 'actions') {
    // A job on another provider: its artifacts come from there, as a zip read with the same limits.
    const lookup = deps.providers.get(attempt.provider);
    if (!lookup.ok) throw new Error(renderReason(lookup.reason));
    const download = await lookup.provider.download({ run, attempt }, gate.artifact);
    if (!download.ok) refusal = refusalFromArtifact(download, source);
    else {
      const read = await readReport(gate.type as ArtifactGateType, source, download.zip);
      if (read.ok) report = read.report;
      else refusal = read;
    }
  } else if (row.workflow_run_id === null) {
    const missing = gateReason('artifact.missing', { available: [] });
    refusal = refusalFromArtifact({ ok: false, reason: missing.code, artifact: gate.artifact, entry: null, detail: renderGateReason(missing), gateReason: missing }, source);
  } else {
    const download = await fetchRunArtifact(octokit, repo, row.workflow_run_id, gate.artifact, { now });
    if (!download.ok) refusal = refusalFromArtifact(download, source);
    else {
      const read = await readReport(gate.type as ArtifactGateType, source, download.zip);
      if (read.ok) report = read.report;
      else refusal = read;
    }
  }
  const untrusted = await producerChanged(deps, octokit, run, plan, row).catch((error: unknown) => {
    deps.log.warn({ err: error, runId: run.id }, 'could not compare the producing workflow with the default branch');
    return false;
  });
  if (report === undefined) {
    const failed = unreadableReport(refusal as ReportRefusal);
    const result = evaluateGate(gate, failed, null, null);
    return verdictRow(result, now, { detail: (refusal as ReportRefusal).detail, untrusted });
  }
  if (report.kind === 'junit' && row.attempt > 1) {
    const previous = await previousGateResult(deps.db, row);
    if (previous) report = withFlakyFromPreviousAttempt(report, asGateData(previous.data).failedTests ?? []);
  }
  const baseline = needsBaseline(gate) ? await baselineFor(deps, octokit, run, plan, gate.name) : null;
  const diff = needsDiff(gate) && run.pr_number !== null ? await pullRequestDiff(octokit, repo, run.pr_number) : null;
  const result = evaluateGate(gate, report, baseline, diff);
  return verdictRow(result, now, { data: { ...gateData(report) }, untrusted });
}

function needsBaseline(gate: PlannedGate): boolean {
  return (gate.type === 'coverage' && gate['max-drop'] !== undefined) || (gate.type === 'sarif' && gate['new-only'] === true) || gate.type === 'benchmark';
}

function needsDiff(gate: PlannedGate): boolean {
  return gate.type === 'coverage' && gate['patch-min'] !== undefined;
}

/**
 * The baseline of a gate: for a pull request, the latest stored at or before
 * its merge-base with the base branch; otherwise the latest before this commit.
 */
async function baselineFor(deps: EngineDeps, octokit: GitHubClient, run: PipelineRun, plan: RunPlan, gate: string): Promise<GateBaseline | null> {
  const scope = { owner: run.owner, repo: run.repo, pipeline: run.pipeline, gate };
  const baseRef = typeof plan.context.github.base_ref === 'string' ? plan.context.github.base_ref : '';
  if (run.pr_number !== null && baseRef.length > 0) {
    const base = await mergeBase(octokit, { owner: run.owner, repo: run.repo }, baseRef, run.sha);
    const exact = await baselineAt(deps.db, scope, base.sha);
    const older = await latestBaselines(deps.db, scope, { notAfter: base.committedAt ?? run.created_at, excludeSha: base.sha, limit: BASELINE_DEPTH });
    return baselineFrom(exact ? [exact, ...older.slice(0, BASELINE_DEPTH - 1)] : older);
  }
  const notAfter = plan.commitDate ? new Date(plan.commitDate) : run.created_at;
  return baselineFrom(await latestBaselines(deps.db, scope, { notAfter, excludeSha: run.sha, limit: BASELINE_DEPTH }));
}

/**
 * Whether the workflow that produced the artifact differs at the run's commit
 * from the default branch's (SPEC §5a "produced by a workflow changed in this
 * PR"). Only a pull request's own branch can change it: a fork's workflows
 * run from the base branch.
 */
async function producerChanged(deps: EngineDeps, octokit: GitHubClient, run: PipelineRun, plan: RunPlan, row: GateResultRow): Promise<boolean> {
  if (run.pr_number === null || run.from_fork || plan.defaultBranch === undefined || row.job_attempt_id === null) return false;
  // A sibling gate of the same attempt already compared this workflow: no second pair of listings.
  const sibling = await deps.db
    .selectFrom('gate_results')
    .select('untrusted_producer')
    .where('job_attempt_id', '=', row.job_attempt_id)
    .where('status', '=', 'completed')
    .where('type', '!=', 'duration')
    .limit(1)
    .executeTakeFirst();
  if (sibling) return sibling.untrusted_producer;
  const attempt = await getJobAttempt(deps.db, row.job_attempt_id);
  if (!attempt) return false;
  const [atSha, atDefault] = await Promise.all([deps.workflowListings.get(octokit, run, plan), listWorkflowFiles(octokit, run, plan.defaultBranch)]);
  return atSha.files.get(attempt.workflow) !== atDefault.files.get(attempt.workflow);
}


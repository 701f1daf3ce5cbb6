/**
 * The run page's data: the run, its plan's stages with their stage runs and
 * job attempts, the latest evaluation of each gate (and any `/override` of it
 * for the commit), the stages' deployment requests, and the artifacts of each
 * workflow run, asked of GitHub through the artifact cache (at most
 * {@link MAX_ARTIFACT_RUNS} workflow runs per page).
 */
import type { Kysely } from 'kysely';
import { isReason, renderReason } from '../engine/reasons.ts';
import type { PlannedGate, PlannedJob, RunPlan } from '../engine/run-plan.ts';
import { PROVIDER_LABELS } from '../providers/errors.ts';
import type { ArtifactSummary } from '../github/artifacts.ts';
import { listRunDeployments } from '../store/repos/deployments.ts';
import { overridesFor } from '../store/repos/gate-overrides.ts';
import { latestGateResults, listGateResults } from '../store/repos/gate-results.ts';
import { listJobAttempts } from '../store/repos/job-attempts.ts';
import { getPipelineRun } from '../store/repos/pipeline-runs.ts';
import { listStageRuns } from '../store/repos/stage-runs.ts';
import type { Database, JobAttempt, JobProviderName, PipelineRun } from '../store/schema/index.ts';
import type { ArtifactResult } from './artifact-cache.ts';
import { stageColumns } from './dag-layout.ts';
import { safeHref } from './format.ts';
import type { ArtifactListing, ArtifactView, AttemptView, GateView, JobView, RunPageView, StageView, WorkflowRunArtifacts } from './run-page.ts';

/** Workflow runs whose artifacts one page lists at most. */
export const MAX_ARTIFACT_RUNS = 20;

/** Lists one workflow run's artifacts for a pipeline run (the artifact cache, bound to the run's installation); `state` as `ArtifactCache.get` takes it. */
export type RunArtifacts = (run: Pick<PipelineRun, 'installation_id' | 'owner' | 'repo'>, workflowRunId: number, state: string) => Promise<ArtifactResult>;

/** The plan's stages, read defensively: a plan written by an older shipgate may miss fields. */
/** What a planned job runs, where: the workflow file, or the Jenkins job, GitLab project or webhook host. */
interface PlannedJobView {
  workflow: string;
  provider: JobProviderName;
}

function runsWhat(planned: PlannedJob | undefined): PlannedJobView {
  const target = planned?.target;
  switch (target?.provider) {
    case 'jenkins':
      return { provider: 'jenkins', workflow: target.job };
    case 'gitlab':
      return { provider: 'gitlab', workflow: target.project };
    case 'webhook':
      return { provider: 'webhook', workflow: URL.canParse(target.url) ? new URL(target.url).host : target.url };
    default:
      return { provider: 'actions', workflow: typeof planned?.workflow === 'string' ? planned.workflow : '' };
  }
}

/** How an attempt's link reads, by provider. */
function linkLabel(attempt: JobAttempt): string | undefined {
  if (attempt.provider === 'actions') return undefined;
  if (attempt.provider === 'jenkins') {
    const build = /#(\d+)$/.exec(attempt.external_id ?? '')?.[1];
    return build ? `build #${build}` : 'queued build';
  }
  if (attempt.provider === 'gitlab') return `pipeline ${attempt.external_id?.split(':')[1] ?? ''}`.trim();
  return 'job page';
}

function labelOf(attempt: JobAttempt): { linkLabel?: string } {
  const label = linkLabel(attempt);
  return label === undefined ? {} : { linkLabel: label };
}

function planStages(plan: unknown): Record<string, { needs: string[]; environment: string | null; jobs: Record<string, PlannedJobView> }> {
  const stages = (plan as Partial<RunPlan> | null)?.stages;
  const out: Record<string, { needs: string[]; environment: string | null; jobs: Record<string, PlannedJobView> }> = {};
  if (!stages || typeof stages !== 'object') return out;
  for (const [name, stage] of Object.entries(stages)) {
    const jobs: Record<string, PlannedJobView> = {};
    for (const [job, planned] of Object.entries(stage?.jobs ?? {})) jobs[job] = runsWhat(planned);
    out[name] = { needs: Array.isArray(stage?.needs) ? stage.needs.filter((need): need is string => typeof need === 'string') : [], environment: stage?.environment ?? null, jobs };
  }
  return out;
}

function planGates(plan: unknown): PlannedGate[] {
  const gates = (plan as Partial<RunPlan> | null)?.gates;
  return Array.isArray(gates) ? gates : [];
}

function reasonText(value: unknown): string | null {
  return isReason(value) ? renderReason(value) : null;
}

function attemptView(attempt: JobAttempt): AttemptView {
  return {
    attempt: attempt.attempt,
    status: attempt.status,
    conclusion: attempt.conclusion,
    workflowRunId: attempt.workflow_run_id,
    htmlUrl: attempt.html_url,
    ...labelOf(attempt),
    startedAt: attempt.started_at,
    completedAt: attempt.completed_at,
    error: attempt.error,
  };
}

/** The download of an artifact on GitHub: `<workflow run page>/artifacts/<id>`, when the run's page is known. */
export function artifactDownloadUrl(runHtmlUrl: string | null, artifactId: number): string | null {
  const base = safeHref(runHtmlUrl);
  if (!base) return null;
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/artifacts/${artifactId}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

function artifactViews(artifacts: readonly ArtifactSummary[], runHtmlUrl: string | null): ArtifactView[] {
  return [...artifacts]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : b.id - a.id))
    .map((artifact) => ({
      id: artifact.id,
      name: artifact.name,
      sizeInBytes: artifact.sizeInBytes,
      digest: artifact.digest,
      expired: artifact.expired,
      expiresAt: artifact.expiresAt,
      downloadUrl: artifact.expired ? null : artifactDownloadUrl(runHtmlUrl, artifact.id),
    }));
}

/** The run page's data, or null when there is no such run. `artifacts` null: not listed (no GitHub client). */
export async function loadRunPage(db: Kysely<Database>, id: number, artifacts: RunArtifacts | null, now: Date): Promise<RunPageView | null> {
  const run = await getPipelineRun(db, id);
  if (!run) return null;
  const [stageRuns, attempts, gateRows, overrides, deployments] = await Promise.all([
    listStageRuns(db, id),
    listJobAttempts(db, id),
    listGateResults(db, id),
    overridesFor(db, { owner: run.owner, repo: run.repo, sha: run.sha, pipeline: run.pipeline }),
    listRunDeployments(db, id),
  ]);

  const planned = planStages(run.plan);
  for (const stageRun of stageRuns) planned[stageRun.stage] ??= { needs: [], environment: null, jobs: {} };
  const columns = stageColumns(Object.entries(planned).map(([name, stage]) => ({ name, needs: stage.needs })));
  const names = Object.keys(planned).sort((a, b) => (columns.get(a) ?? 0) - (columns.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const stageRunByName = new Map(stageRuns.map((stageRun) => [stageRun.stage, stageRun]));
  const deploymentByStage = new Map(deployments.filter((d) => d.stage !== null).map((d) => [d.stage as string, d]));

  const stages: StageView[] = names.map((name) => {
    const plan = planned[name] ?? { needs: [], environment: null, jobs: {} };
    const stageRun = stageRunByName.get(name);
    const own = stageRun ? attempts.filter((attempt) => attempt.stage_run_id === stageRun.id) : [];
    const jobNames = [...new Set([...Object.keys(plan.jobs), ...own.map((attempt) => attempt.job)])].sort();
    const jobs: JobView[] = jobNames.map((job) => {
      const mine = own.filter((attempt) => attempt.job === job).sort((a, b) => a.attempt - b.attempt);
      const runs = plan.jobs[job];
      const provider = runs?.provider ?? mine[0]?.provider ?? 'actions';
      return { name: job, workflow: runs?.workflow ?? mine[0]?.workflow ?? '', provider: PROVIDER_LABELS[provider], attempts: mine.map(attemptView) };
    });
    const deployment = deploymentByStage.get(name);
    return {
      name,
      needs: plan.needs,
      environment: plan.environment,
      status: stageRun?.status ?? 'pending',
      conclusion: stageRun?.conclusion ?? null,
      reason: stageRun?.reason ?? reasonText(stageRun?.skip_reason),
      startedAt: stageRun?.started_at ?? null,
      completedAt: stageRun?.completed_at ?? null,
      jobs,
      deployment: deployment ? { id: deployment.id, status: deployment.status } : null,
    };
  });

  const latest = latestGateResults(gateRows);
  const gates: GateView[] = [...latest.values()].map((row) => {
    const override = overrides.get(row.gate);
    return {
      gate: row.gate,
      type: row.type,
      stage: row.stage,
      job: row.job,
      attempt: row.attempt,
      state: row.status === 'completed' ? (row.result ?? 'error') : 'pending',
      measured: row.measured,
      threshold: row.threshold,
      baseline: row.baseline,
      detail: row.detail,
      runUrl: row.run_url,
      override: override ? { actor: override.actor, reason: override.reason } : null,
    };
  });
  for (const gate of planGates(run.plan)) {
    if (latest.has(gate.name)) continue;
    const override = overrides.get(gate.name);
    gates.push({
      gate: gate.name,
      type: gate.type,
      stage: gate.stage,
      job: gate.job ?? null,
      attempt: 0,
      state: 'not evaluated',
      measured: null,
      threshold: '—',
      baseline: null,
      detail: null,
      runUrl: null,
      override: override ? { actor: override.actor, reason: override.reason } : null,
    });
  }
  gates.sort((a, b) => (a.gate < b.gate ? -1 : a.gate > b.gate ? 1 : 0));

  // One entry per workflow run, in the order the jobs were dispatched.
  const stageOf = new Map(stageRuns.map((stageRun) => [stageRun.id, stageRun.stage]));
  const workflowRuns = new Map<number, { workflow: string; jobs: string[]; htmlUrl: string | null; state: string }>();
  for (const attempt of [...attempts].sort((a, b) => a.id - b.id)) {
    if (attempt.workflow_run_id === null) continue;
    const entry = workflowRuns.get(attempt.workflow_run_id) ?? { workflow: attempt.workflow, jobs: [], htmlUrl: null, state: '' };
    const job = `${stageOf.get(attempt.stage_run_id) ?? '?'}/${attempt.job}`;
    if (!entry.jobs.includes(job)) entry.jobs.push(job);
    entry.htmlUrl = attempt.html_url ?? entry.htmlUrl;
    // The newest attempt's number and status: a new attempt or its end asks GitHub again.
    entry.state = `${attempt.run_attempt ?? attempt.attempt}:${attempt.status}`;
    workflowRuns.set(attempt.workflow_run_id, entry);
  }
  const listed = [...workflowRuns.entries()].slice(0, MAX_ARTIFACT_RUNS);
  const listings = await Promise.all(
    listed.map(async ([workflowRunId, entry]): Promise<WorkflowRunArtifacts> => {
      let listing: ArtifactListing;
      if (!artifacts) listing = { ok: false, reason: 'no GitHub client in this process' };
      else {
        const result = await artifacts(run, workflowRunId, entry.state);
        listing = result.ok ? { ok: true, artifacts: artifactViews(result.artifacts, entry.htmlUrl) } : result;
      }
      return { workflowRunId, workflow: entry.workflow, jobs: entry.jobs, htmlUrl: entry.htmlUrl, listing };
    }),
  );

  return {
    run: {
      id: run.id,
      owner: run.owner,
      repo: run.repo,
      pipeline: run.pipeline,
      trigger: run.trigger,
      ref: run.ref,
      sha: run.sha,
      prNumber: run.pr_number,
      actor: run.actor,
      status: run.status,
      conclusion: run.conclusion,
      error: run.error,
      waitingFor: run.waiting_for,
      createdAt: run.created_at,
      startedAt: run.started_at,
      completedAt: run.completed_at,
    },
    stages,
    gates,
    artifacts: listings,
    artifactsNotListed: workflowRuns.size - listed.length,
    now,
  };
}

/**
 * `/runs/:id`: one pipeline run. Its header (pipeline, ref, sha, trigger,
 * state, times, why it failed or waits), the stage graph, each stage's jobs
 * with every attempt linked to its GitHub Actions run, the gates with their
 * results, and the artifacts of each workflow run as GitHub lists them.
 */
import { renderDag, stageAnchor } from './dag-svg.ts';
import { branchName, displayState, externalLink, formatBytes, formatDuration, secondsBetween, shortSha, stateBadge, timeTag } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import type { RunRow } from './runs-page.ts';

/** The run itself: what the runs list shows of it, and why it failed or waits. */
export interface RunView extends RunRow {
  /** Why it failed outside of any job. */
  error: string | null;
  /** Why a queued run has not started. */
  waitingFor: string | null;
}

/** One attempt of a job. */
export interface AttemptView {
  attempt: number;
  status: string;
  conclusion: string | null;
  workflowRunId: number | null;
  /** The provider's page of the attempt's run: a workflow run on GitHub, a Jenkins build, a GitLab pipeline. */
  htmlUrl: string | null;
  /** How the link reads (`run 42`, `build #7`, `pipeline 5001`); default from `workflowRunId`. */
  linkLabel?: string;
  startedAt: Date | null;
  completedAt: Date | null;
  error: string | null;
}

/** A job of a stage, with its attempts oldest first. */
export interface JobView {
  name: string;
  /** What it runs: a workflow file, a Jenkins job, a GitLab project, a webhook's host. */
  workflow: string;
  /** The CI system it runs on, for people (default GitHub Actions). */
  provider?: string;
  attempts: AttemptView[];
}

/** A stage of the plan; `status` is `pending` while it has no stage run yet. */
export interface StageView {
  name: string;
  needs: string[];
  environment: string | null;
  status: string;
  conclusion: string | null;
  /** Why it was skipped or failed without a job. */
  reason: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  jobs: JobView[];
  /** Its deployment request, for a stage with `environment:`. */
  deployment: { id: number; status: string } | null;
}

/** A gate's latest evaluation. */
export interface GateView {
  gate: string;
  type: string;
  stage: string | null;
  job: string | null;
  attempt: number;
  /** `pending`, or the result: `pass`, `fail`, `neutral`, `error`. */
  state: string;
  measured: string | null;
  threshold: string;
  baseline: string | null;
  detail: string | null;
  runUrl: string | null;
  /** A `/override` of this gate for the run's commit. */
  override: { actor: string; reason: string } | null;
}

/** An artifact of a workflow run. */
export interface ArtifactView {
  id: number;
  name: string;
  sizeInBytes: number;
  /** `sha256:…` when GitHub gives it. */
  digest: string | null;
  expired: boolean;
  expiresAt: string | null;
  /** The artifact's download on GitHub (its page sends the zip to a signed-in user), when known. */
  downloadUrl: string | null;
}

/** GitHub's listing of a workflow run's artifacts, or why there is none. */
export type ArtifactListing = { ok: true; artifacts: ArtifactView[] } | { ok: false; reason: string };

/** The artifacts of one workflow run that a job of this pipeline run ran in. */
export interface WorkflowRunArtifacts {
  workflowRunId: number;
  workflow: string;
  /** `stage/job` of the jobs that ran in it. */
  jobs: string[];
  htmlUrl: string | null;
  listing: ArtifactListing;
}

export interface RunPageView {
  run: RunView;
  stages: StageView[];
  gates: GateView[];
  artifacts: WorkflowRunArtifacts[];
  /** Workflow runs whose artifacts were not listed (the page lists at most so many). */
  artifactsNotListed: number;
  now: Date;
}

function renderHeader(run: RunView, now: Date): SafeHtml {
  const state = displayState(run.status, run.conclusion);
  return html`<h1>Run #${run.id} <span class="pipeline">${run.pipeline}</span> ${stateBadge(state)}</h1>
<dl class="facts">
<dt>Repository</dt><dd>${run.owner}/${run.repo}</dd>
<dt>Ref</dt><dd>${branchName(run.ref)}${run.prNumber !== null ? html` (pull request #${run.prNumber})` : ''}</dd>
<dt>Commit</dt><dd><code title="${run.sha}">${shortSha(run.sha)}</code></dd>
<dt>Trigger</dt><dd>${run.trigger}${run.actor ? html` by ${run.actor}` : ''}</dd>
<dt>Created</dt><dd>${timeTag(run.createdAt)}</dd>
<dt>Started</dt><dd>${timeTag(run.startedAt)}</dd>
<dt>Completed</dt><dd>${timeTag(run.completedAt)}</dd>
<dt>Duration</dt><dd>${formatDuration(secondsBetween(run.startedAt, run.completedAt, now))}</dd>
</dl>
${run.error ? html`<p class="notice error">${run.error}</p>` : ''}${run.waitingFor ? html`<p class="notice">Waiting: ${run.waitingFor}</p>` : ''}`;
}

/** The provider and what the job runs there (`GitHub Actions build.yml`, `Jenkins platform/legacy`). */
function runsOn(job: JobView): SafeHtml {
  return html`<td class="runs-on" data-provider="${job.provider ?? 'GitHub Actions'}">${job.provider ?? 'GitHub Actions'} <code>${job.workflow}</code></td>`;
}

function renderAttempt(job: JobView, attempt: AttemptView, now: Date): SafeHtml {
  const state = displayState(attempt.status, attempt.conclusion);
  const link = attempt.htmlUrl ? externalLink(attempt.htmlUrl, attempt.linkLabel ?? (attempt.workflowRunId !== null ? `run ${attempt.workflowRunId}` : 'run')) : html`<span class="none">not dispatched yet</span>`;
  return html`<tr class="job" data-job="${job.name}" data-attempt="${attempt.attempt}" data-state="${state}">
<td>${job.name}</td>${runsOn(job)}<td>${attempt.attempt}</td><td>${stateBadge(state)}</td>
<td>${link}</td><td>${formatDuration(secondsBetween(attempt.startedAt, attempt.completedAt, now))}</td>
<td>${attempt.error ?? ''}</td></tr>`;
}

function renderStage(stage: StageView, now: Date): SafeHtml {
  const state = displayState(stage.status, stage.conclusion);
  // A job without attempts in a stage that is over never ran (skipped, or stopped before it).
  const over = stage.status === 'skipped' || stage.status === 'completed';
  const notRun = over ? 'skipped' : 'pending';
  const rows = stage.jobs.flatMap((job) =>
    job.attempts.length === 0
      ? [html`<tr class="job" data-job="${job.name}" data-attempt="0" data-state="${notRun}"><td>${job.name}</td>${runsOn(job)}<td>—</td><td>${stateBadge(notRun)}</td><td><span class="none">${over ? 'not run' : 'not dispatched yet'}</span></td><td>—</td><td></td></tr>`]
      : job.attempts.map((attempt) => renderAttempt(job, attempt, now)),
  );
  return html`<section class="stage-detail" id="${stageAnchor(stage.name)}" data-stage="${stage.name}">
<h3>${stage.name} ${stateBadge(state)}${stage.environment ? html` <span class="env">→ ${stage.environment}</span>` : ''}</h3>
${stage.needs.length > 0 ? html`<p class="needs">needs ${stage.needs.join(', ')}</p>` : ''}${stage.reason ? html`<p class="reason">${stage.reason}</p>` : ''}${stage.deployment ? html`<p class="deployment">Deployment #${stage.deployment.id}: ${stateBadge(stage.deployment.status)} (<a href="/deployments">deployments</a>)</p>` : ''}
<table class="jobs"><thead><tr><th>Job</th><th>Runs on</th><th>Attempt</th><th>State</th><th>Link</th><th>Duration</th><th>Error</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

function renderGates(gates: readonly GateView[]): SafeHtml {
  if (gates.length === 0) return html`<p class="empty">No gates in this pipeline.</p>`;
  const rows = gates.map((gate) => {
    const state = gate.override && gate.state !== 'pass' ? 'overridden' : gate.state;
    return html`<tr class="gate" data-gate="${gate.gate}" data-state="${state}">
<td>${gate.gate}</td><td>${gate.type}</td><td>${gate.stage && gate.job ? `${gate.stage}/${gate.job}` : 'pipeline'}${gate.attempt > 1 ? ` (attempt ${gate.attempt})` : ''}</td>
<td>${stateBadge(state)}</td><td>${gate.measured ?? '—'}</td><td>${gate.threshold}</td><td>${gate.baseline ?? '—'}</td>
<td>${gate.detail ?? ''}${gate.override ? html`<div class="override">overridden by ${gate.override.actor}: ${gate.override.reason}</div>` : ''}${gate.runUrl ? html` ${externalLink(gate.runUrl, 'workflow run')}` : ''}</td></tr>`;
  });
  return html`<table class="gates"><thead><tr><th>Gate</th><th>Type</th><th>Job</th><th>Result</th><th>Measured</th><th>Threshold</th><th>Baseline</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function renderArtifactRow(artifact: ArtifactView): SafeHtml {
  const download = artifact.expired
    ? html`<span class="none">expired</span>`
    : artifact.downloadUrl
      ? externalLink(artifact.downloadUrl, 'download')
      : html`<span class="none">—</span>`;
  return html`<tr class="artifact" data-artifact="${artifact.name}"><td>${artifact.name}</td><td>${formatBytes(artifact.sizeInBytes)}</td><td>${artifact.digest ? html`<code class="digest">${artifact.digest}</code>` : '—'}</td><td>${artifact.expired ? 'expired' : artifact.expiresAt ? timeTag(new Date(artifact.expiresAt)) : '—'}</td><td>${download}</td></tr>`;
}

function renderArtifacts(runs: readonly WorkflowRunArtifacts[], notListed: number): SafeHtml {
  if (runs.length === 0) return html`<p class="empty">No workflow runs yet.</p>`;
  const sections = runs.map((run) => {
    const body = !run.listing.ok
      ? html`<p class="notice unavailable">artifacts unavailable: ${run.listing.reason}</p>`
      : run.listing.artifacts.length === 0
        ? html`<p class="empty">No artifacts.</p>`
        : html`<table class="artifacts"><thead><tr><th>Name</th><th>Size</th><th>Digest</th><th>Expires</th><th>Download</th></tr></thead><tbody>${run.listing.artifacts.map(renderArtifactRow)}</tbody></table>`;
    return html`<div class="workflow-run" data-workflow-run="${run.workflowRunId}"><h3>${externalLink(run.htmlUrl, `Workflow run ${run.workflowRunId}`)} <code>${run.workflow}</code> <span class="jobs-of">${run.jobs.join(', ')}</span></h3>${body}</div>`;
  });
  return html`${sections}${notListed > 0 ? html`<p class="notice">${notListed} more workflow runs are not listed here.</p>` : ''}`;
}

/** The run page's main content. */
export function renderRunPage(view: RunPageView): SafeHtml {
  const dag = renderDag(view.stages.map((stage) => ({ name: stage.name, needs: stage.needs, state: displayState(stage.status, stage.conclusion) })));
  return html`${renderHeader(view.run, view.now)}
<section class="graph"><h2>Stages</h2><div class="dag-scroll">${dag}</div></section>
<section class="stages"><h2>Jobs</h2>${view.stages.map((stage) => renderStage(stage, view.now))}</section>
<section class="gates-section"><h2>Gates</h2>${renderGates(view.gates)}</section>
<section class="artifacts-section"><h2>Artifacts</h2>${renderArtifacts(view.artifacts, view.artifactsNotListed)}</section>`;
}

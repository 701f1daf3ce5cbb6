/** GitHub's JSON for workflows, workflow runs, jobs and artifacts. */
import type { SimContext } from './context.ts';
import type { Artifact, Job, RunAttempt, Workflow, WorkflowRun } from './model.ts';
import { pullRequestRefShape } from './pulls.ts';
import { minimalRepoShape, simpleCommitShape, userShape, type Json } from './shapes.ts';
import type { SimState } from './state.ts';
import { isoTime } from './time-format.ts';

/** `workflow`. */
export function workflowShape(state: SimState, repoFullName: string, workflow: Workflow, name: string): Json {
  const { urls } = state;
  return {
    id: workflow.id,
    node_id: workflow.nodeId,
    name,
    path: workflow.path,
    state: 'active',
    created_at: isoTime(workflow.createdAt),
    updated_at: isoTime(workflow.updatedAt),
    url: `${urls.api}/repos/${repoFullName}/actions/workflows/${workflow.id}`,
    html_url: `${urls.web}/${repoFullName}/blob/main/${workflow.path}`,
    badge_url: `${urls.web}/${repoFullName}/workflows/${encodeURIComponent(name)}/badge.svg`,
  };
}

/** The latest attempt of a run. */
export function latestAttempt(run: WorkflowRun): RunAttempt {
  const attempt = run.attempts[run.attempts.length - 1];
  if (!attempt) throw new Error(`run ${run.id} has no attempt`);
  return attempt;
}

/** `workflow-run`, as of `attempt` (the latest by default). */
export function runShape(ctx: SimContext, run: WorkflowRun, attempt: RunAttempt = latestAttempt(run)): Json {
  const { state } = ctx;
  const { urls } = state;
  const api = `${urls.api}/repos/${run.repo.fullName}/actions/runs/${run.id}`;
  const commit = state.git.commit(run.headSha);
  const pulls = [...state.issuesOf(run.repo).values()]
    .filter((issue) => issue.pull && issue.state === 'open' && issue.pull.head.sha === run.headSha && issue.pull.head.repo === run.repo)
    .map((issue) => pullRequestRefShape(state, issue));
  return {
    id: run.id,
    name: run.workflowName,
    node_id: run.nodeId,
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.workflow.path,
    display_title: run.displayTitle,
    run_number: run.runNumber,
    event: run.event,
    status: attempt.status,
    conclusion: attempt.conclusion,
    workflow_id: run.workflow.id,
    check_suite_id: run.checkSuite.id,
    check_suite_node_id: run.checkSuite.nodeId,
    url: api,
    html_url: `${urls.web}/${run.repo.fullName}/actions/runs/${run.id}`,
    pull_requests: pulls,
    created_at: isoTime(run.createdAt),
    updated_at: isoTime(attempt.updatedAt),
    actor: userShape(urls, run.actor),
    run_attempt: attempt.number,
    referenced_workflows: [],
    run_started_at: isoTime(attempt.startedAt),
    triggering_actor: userShape(urls, attempt.triggeringActor),
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${urls.api}/repos/${run.repo.fullName}/check-suites/${run.checkSuite.id}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: attempt.number > 1 ? `${api}/attempts/${attempt.number - 1}` : null,
    workflow_url: `${urls.api}/repos/${run.repo.fullName}/actions/workflows/${run.workflow.id}`,
    head_commit: commit ? simpleCommitShape(commit) : null,
    repository: minimalRepoShape(urls, run.repo),
    head_repository: minimalRepoShape(urls, run.repo),
  };
}

/** `job`. */
export function jobShape(ctx: SimContext, job: Job): Json {
  const { urls } = ctx.state;
  const run = job.run;
  const api = `${urls.api}/repos/${run.repo.fullName}/actions`;
  const started = job.status !== 'queued';
  return {
    id: job.id,
    run_id: run.id,
    workflow_name: run.workflowName,
    head_branch: run.headBranch,
    run_url: `${api}/runs/${run.id}`,
    run_attempt: job.runAttempt,
    node_id: job.nodeId,
    head_sha: run.headSha,
    url: `${api}/jobs/${job.id}`,
    html_url: `${urls.web}/${run.repo.fullName}/actions/runs/${run.id}/job/${job.id}`,
    status: job.status,
    conclusion: job.conclusion,
    created_at: isoTime(job.createdAt),
    started_at: isoTime(job.startedAt),
    completed_at: job.completedAt === null ? null : isoTime(job.completedAt),
    name: job.name,
    steps: job.steps.map((step) => ({
      name: step.name,
      status: step.status,
      conclusion: step.conclusion,
      number: step.number,
      started_at: step.startedAt === null ? null : isoTime(step.startedAt),
      completed_at: step.completedAt === null ? null : isoTime(step.completedAt),
    })),
    check_run_url: job.checkRun ? `${urls.api}/repos/${run.repo.fullName}/check-runs/${job.checkRun.id}` : `${api}/jobs/${job.id}`,
    labels: job.labels,
    runner_id: started ? 1 : null,
    runner_name: started ? 'GitHub Actions 1' : null,
    runner_group_id: started ? 2 : null,
    runner_group_name: started ? 'GitHub Actions' : null,
  };
}

/** Whether an artifact has expired: marked so, or past its `expires_at` on the sim's clock. */
export function isArtifactExpired(ctx: SimContext, artifact: Artifact): boolean {
  return artifact.expired || ctx.state.now() >= artifact.expiresAt;
}

/** `artifact`. */
export function artifactShape(ctx: SimContext, artifact: Artifact): Json {
  const { urls } = ctx.state;
  const run = artifact.run;
  const api = `${urls.api}/repos/${run.repo.fullName}/actions/artifacts/${artifact.id}`;
  return {
    id: artifact.id,
    node_id: artifact.nodeId,
    name: artifact.name,
    size_in_bytes: artifact.sizeInBytes,
    url: api,
    archive_download_url: `${api}/zip`,
    expired: isArtifactExpired(ctx, artifact),
    created_at: isoTime(artifact.createdAt),
    expires_at: isoTime(artifact.expiresAt),
    updated_at: isoTime(artifact.createdAt),
    digest: artifact.digest,
    workflow_run: {
      id: run.id,
      repository_id: run.repo.id,
      head_repository_id: run.repo.id,
      head_branch: run.headBranch,
      head_sha: run.headSha,
    },
  };
}


import type { GitHubClient, RepoRef } from './client.ts';
import { statusOf } from './client.ts';
import { PRIORITY } from './request-policy.ts';

/** The fields of a workflow run that shipgate tracks. */
export interface WorkflowRunSummary {
  id: number;
  runAttempt: number;
  status: string | null;
  conclusion: string | null;
  htmlUrl: string;
  name: string | null;
  displayTitle: string | null;
  createdAt: string;
  /** `owner/name` of the run's repository. */
  repository: string;
  event: string | null;
  path: string | null;
}

function summarize(run: {
  id: number;
  run_attempt?: number | undefined;
  status: string | null;
  conclusion: string | null;
  html_url: string;
  name?: string | null | undefined;
  display_title?: string | undefined;
  created_at: string;
  repository: { full_name: string };
  event?: string | undefined;
  path?: string | undefined;
}): WorkflowRunSummary {
  return {
    id: run.id,
    runAttempt: run.run_attempt ?? 1,
    status: run.status,
    conclusion: run.conclusion,
    htmlUrl: run.html_url,
    name: run.name ?? null,
    displayTitle: run.display_title ?? null,
    createdAt: run.created_at,
    repository: run.repository.full_name,
    event: run.event ?? null,
    path: run.path ?? null,
  };
}

/** Whether a run carries shipgate's correlation id in its name (`run-name: ${{ inputs.shipgate_run }}`). */
export function carriesCorrelation(run: { name?: string | null; display_title?: string | null }, correlationId: string): boolean {
  return Boolean(run.display_title?.includes(correlationId) || run.name?.includes(correlationId));
}

/** Current state of one workflow run. */
export async function getWorkflowRun(octokit: GitHubClient, { owner, repo }: RepoRef, runId: number): Promise<WorkflowRunSummary> {
  const { data } = await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: runId });
  return summarize(data);
}

/**
 * Finds the run a dispatch created, by the correlation id in its run name:
 * among this repository's runs of this workflow file triggered by
 * `workflow_dispatch` since `createdAfter` (a minute of clock skew allowed),
 * every page of them (busy workflows have more than 100).
 */
export async function findRunByCorrelation(
  octokit: GitHubClient,
  { owner, repo }: RepoRef,
  args: { workflow: string; correlationId: string; createdAfter: Date; maxPages?: number },
): Promise<WorkflowRunSummary | undefined> {
  const since = new Date(args.createdAfter.getTime() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const maxPages = args.maxPages ?? 10;
  let page = 0;
  for await (const response of octokit.paginate.iterator(octokit.rest.actions.listWorkflowRuns, {
    owner,
    repo,
    workflow_id: args.workflow,
    event: 'workflow_dispatch',
    created: `>=${since}`,
    per_page: 100,
  })) {
    const run = response.data.find((r) => r.event === 'workflow_dispatch' && carriesCorrelation(r, args.correlationId));
    if (run) return summarize(run);
    if (++page >= maxPages) break;
  }
  return undefined;
}

/** Cancels a run; a run that already finished (409) is fine. */
export async function cancelWorkflowRun(octokit: GitHubClient, { owner, repo }: RepoRef, runId: number): Promise<void> {
  try {
    await octokit.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel', {
      owner,
      repo,
      run_id: runId,
      request: { shipgate: { priority: PRIORITY.critical } },
    });
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
  }
}

/** Re-runs the failed jobs of a run: a new attempt of the same run id. */
export async function rerunFailedJobs(octokit: GitHubClient, { owner, repo }: RepoRef, runId: number): Promise<void> {
  await octokit.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs', {
    owner,
    repo,
    run_id: runId,
    request: { shipgate: { priority: PRIORITY.critical } },
  });
}

/**
 * `/status`: the runs, gates, deployments, queues and locks that concern the
 * pull request's head commit, in one reply that a later `/status` updates in
 * place.
 */
import { loadRunView } from '../../engine/check-sync.ts';
import { reason } from '../../engine/reasons.ts';
import { recordStatusReply } from '../../effects/command-feedback.ts';
import type { DbOrTrx } from '../../store/db.ts';
import { listOpenDeployments, listShaDeployments } from '../../store/repos/deployments.ts';
import { findApprovalRequestByDeployment, listApprovals } from '../../store/repos/approvals.ts';
import { listLocks } from '../../store/repos/locks.ts';
import { findPipelineRunsBySha } from '../../store/repos/pipeline-runs.ts';
import type { PipelineRun } from '../../store/schema/index.ts';
import type { CommandContext } from '../context.ts';
import type { CommandResult } from '../registry.ts';
import { renderStatusReport, statusDeployments, statusLock, statusQueue, type StatusDeployment, type StatusEnvironment, type StatusRun } from '../status-report.ts';

/** The latest run of each pipeline on the commit, with its gates, in the order the pipelines first ran. */
async function latestRuns(db: DbOrTrx, commit: { owner: string; repo: string; sha: string }): Promise<StatusRun[]> {
  const runs = await findPipelineRunsBySha(db, commit);
  const byPipeline = new Map<string, PipelineRun[]>();
  for (const run of [...runs].sort((a, b) => a.id - b.id)) byPipeline.set(run.pipeline, [...(byPipeline.get(run.pipeline) ?? []), run]);
  const latest: StatusRun[] = [];
  for (const [, list] of byPipeline) {
    const run = list.at(-1);
    if (run) latest.push({ view: await loadRunView(db, run), trigger: run.trigger, earlier: list.length - 1 });
  }
  return latest;
}

/**
 * The environments the pull request is concerned with — those the commit has
 * a request for, and those locked from this pull request — each with its open
 * queue and its lock, in name order.
 */
async function concernedEnvironments(db: DbOrTrx, repo: { owner: string; repo: string }, pr: number, requested: readonly string[]): Promise<StatusEnvironment[]> {
  const locks = await listLocks(db, repo);
  const names = new Set([...requested, ...locks.filter((lock) => lock.pr_number === pr).map((lock) => lock.environment)]);
  const environments: StatusEnvironment[] = [];
  for (const environment of [...names].sort()) {
    const open = await listOpenDeployments(db, { ...repo, environment });
    environments.push({ environment, queue: statusQueue(open), lock: statusLock(locks.find((lock) => lock.environment === environment)) });
  }
  return environments;
}

/**
 * `/status`: renders, from the recorded state, the latest run of each
 * pipeline on the head commit (read from the API now) with its gates, the
 * commit's deployment requests, and the queues and locks of their
 * environments, and asks for the pull request's status comment to say it:
 * created the first time, updated afterwards.
 */
export async function runStatus(context: CommandContext): Promise<CommandResult> {
  if (!context.issue.isPullRequest) return { kind: 'refused', reason: reason('command.needs-pull-request', { command: `${context.prefix}status` }) };
  const { sha } = await context.pullHead();
  const { db } = context.deps;
  const repo = { owner: context.owner, repo: context.repo };
  const runs = await latestRuns(db, { ...repo, sha });
  const listed = statusDeployments(await listShaDeployments(db, { ...repo, sha }));
  const { earlier } = listed;
  const deployments = await Promise.all(listed.deployments.map(async (d) => ({ ...d, approvals: await approvalsOf(db, d.id) })));
  const environments = await concernedEnvironments(
    db,
    repo,
    context.issue.number,
    deployments.map((d) => d.environment),
  );
  const now = new Date(context.deps.clock.now());
  const body = renderStatusReport({ pr: context.issue.number, sha, runs, deployments, earlierDeployments: earlier, environments, now });
  await recordStatusReply(db, { ...repo, issue: context.issue.number, body, installationId: context.installationId, now });
  return {
    kind: 'done',
    sha,
    message: `the status of ${sha.slice(0, 7)} is in the status comment`,
    details: { runs: runs.map((r) => r.view.id), deployments: deployments.map((d) => d.id), environments: environments.map((e) => e.environment) },
  };
}

/** A request's approvals as the reply lists them, or null when it has no approval request. */
async function approvalsOf(db: CommandContext['deps']['db'], deploymentId: number): Promise<StatusDeployment['approvals']> {
  const request = await findApprovalRequestByDeployment(db, deploymentId);
  if (!request) return null;
  const given = (await listApprovals(db, request.id)).map((a) => ({ approver: a.approver, via: a.via }));
  return { status: request.status, required: request.required, given, expiresAt: request.expires_at };
}

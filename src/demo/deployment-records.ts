/**
 * The demo reads what shipgate recorded about the deployments of the story's
 * repository (`deployments` and their `deployment_events`, the approval
 * requests and their approvals), and what the simulated GitHub holds of
 * them, to judge and to summarise the release.
 */
import type { GitHubSimulator } from '../sim/index.ts';
import type { DbOrTrx } from '../store/db.ts';
import type { GitHubDeploymentRecord, RecordedApprovalRequest, RecordedDeployment } from './outcome.ts';

/** A recorded deployment with what the summary shows beyond the verdict. */
export interface DeploymentRecord extends RecordedDeployment {
  /** What was asked for: a branch, or the sha itself. */
  ref: string;
  requestedBy: string;
}

/** The reason code of a stored reason, if it has one. */
function reasonCode(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Every deployment request of `repo` (`owner/name`), oldest first, with the statuses and reasons of its transitions. */
export async function readDeployments(db: DbOrTrx, repo: string): Promise<DeploymentRecord[]> {
  const [owner = '', name = ''] = repo.split('/');
  const rows = await db
    .selectFrom('deployments')
    .select(['id', 'environment', 'sha', 'ref', 'source', 'status', 'rollback_of', 'github_deployment_id', 'requested_by'])
    .where('owner', '=', owner)
    .where('repo', '=', name)
    .orderBy('id')
    .execute();
  const ids = rows.map((row) => row.id);
  const events =
    ids.length === 0
      ? []
      : await db.selectFrom('deployment_events').select(['deployment_id', 'to_status', 'reason', 'at']).where('deployment_id', 'in', ids).orderBy('id').execute();
  return rows.map((row) => {
    const own = events.filter((event) => event.deployment_id === row.id);
    const path: string[] = [];
    for (const event of own) if (path.at(-1) !== event.to_status) path.push(event.to_status);
    return {
      id: row.id,
      environment: row.environment,
      sha: row.sha,
      ref: row.ref,
      source: row.source,
      status: row.status,
      rollbackOf: row.rollback_of,
      githubDeploymentId: row.github_deployment_id,
      requestedBy: row.requested_by,
      deployingAt: own.find((event) => event.to_status === 'deploying')?.at.getTime() ?? null,
      path,
      reasons: own.flatMap((event) => {
        const code = reasonCode(event.reason);
        return code === undefined ? [] : [code];
      }),
    };
  });
}

/** Every approval request of `repo` (`owner/name`), oldest first, with its approvals in the order they came. */
export async function readApprovalRequests(db: DbOrTrx, repo: string): Promise<RecordedApprovalRequest[]> {
  const [owner = '', name = ''] = repo.split('/');
  const rows = await db
    .selectFrom('approval_requests')
    .select(['id', 'deployment_id', 'environment', 'sha', 'required', 'status', 'approved_at'])
    .where('owner', '=', owner)
    .where('repo', '=', name)
    .orderBy('id')
    .execute();
  const ids = rows.map((row) => row.id);
  const approvals =
    ids.length === 0 ? [] : await db.selectFrom('approvals').select(['approval_request_id', 'approver', 'via', 'sha', 'created_at']).where('approval_request_id', 'in', ids).orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    deploymentId: row.deployment_id,
    environment: row.environment,
    sha: row.sha,
    required: row.required,
    status: row.status,
    approvedAt: row.approved_at?.getTime() ?? null,
    approvals: approvals
      .filter((approval) => approval.approval_request_id === row.id)
      .map((approval) => ({ approver: approval.approver, via: approval.via, sha: approval.sha, at: approval.created_at.getTime() })),
  }));
}

/** The app's GitHub deployments of `repo` on the simulator, oldest first, with the states of their statuses. */
export function readGitHubDeployments(sim: GitHubSimulator, repo: string): GitHubDeploymentRecord[] {
  return sim
    .deployments(repo)
    .filter((deployment) => deployment.app?.id === sim.app.id)
    .sort((a, b) => a.id - b.id)
    .map((deployment) => ({
      id: deployment.id,
      environment: deployment.environment,
      sha: deployment.sha,
      payload: deployment.payload,
      states: deployment.statuses.map((status) => status.state),
      environmentUrl: deployment.statuses.findLast((status) => status.environmentUrl !== '')?.environmentUrl ?? '',
    }));
}

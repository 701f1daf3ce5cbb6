/**
 * The deployments page's data: every (repository, environment) that has a
 * deployment request or a lock, and for each its current deployment, queue,
 * lock and recent history.
 */
import type { Kysely } from 'kysely';
import { isReason, renderReason } from '../engine/reasons.ts';
import { lastSuccessfulDeployment, listEnvironmentDeployments, listOpenDeployments } from '../store/repos/deployments.ts';
import type { Database, Deployment } from '../store/schema/index.ts';
import type { DeploymentRowView, DeploymentsPageView, EnvironmentView } from './deployments-page.ts';

/** Requests of an environment's history shown at most. */
export const HISTORY_LENGTH = 10;
/** Environments shown at most. */
export const MAX_ENVIRONMENTS = 100;

function rowView(deployment: Deployment): DeploymentRowView {
  return {
    id: deployment.id,
    sha: deployment.sha,
    status: deployment.status,
    source: deployment.source,
    requestedBy: deployment.requested_by,
    reason: isReason(deployment.reason) ? renderReason(deployment.reason) : null,
    pipelineRunId: deployment.pipeline_run_id,
    logUrl: deployment.log_url,
    createdAt: deployment.created_at,
    completedAt: deployment.completed_at,
  };
}

/** Reads `owner/repo` (null when absent or not of that form). */
export function parseRepo(value: string | null): { owner: string; repo: string } | null {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value?.trim() ?? '');
  return match?.[1] && match[2] ? { owner: match[1], repo: match[2] } : null;
}

/** The deployments page's data, of one repository when `repo` is given. */
export async function loadDeploymentsPage(db: Kysely<Database>, repo: { owner: string; repo: string } | null, now: Date): Promise<DeploymentsPageView> {
  let envQuery = db.selectFrom('deployments').select(['owner', 'repo', 'environment']).distinct();
  let lockQuery = db.selectFrom('locks').selectAll();
  if (repo) {
    envQuery = envQuery.where('owner', '=', repo.owner).where('repo', '=', repo.repo);
    lockQuery = lockQuery.where('owner', '=', repo.owner).where('repo', '=', repo.repo);
  }
  const [envRows, locks] = await Promise.all([envQuery.execute(), lockQuery.execute()]);
  const keyOf = (row: { owner: string; repo: string; environment: string }) => `${row.owner}/${row.repo}\u0000${row.environment}`;
  const keys = new Map<string, { owner: string; repo: string; environment: string }>();
  for (const row of [...envRows, ...locks]) keys.set(keyOf(row), { owner: row.owner, repo: row.repo, environment: row.environment });
  const lockOf = new Map(locks.map((lock) => [keyOf(lock), lock]));
  const sorted = [...keys.values()]
    .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
    .slice(0, MAX_ENVIRONMENTS);

  const environments: EnvironmentView[] = [];
  for (const key of sorted) {
    const [current, queue, history] = await Promise.all([lastSuccessfulDeployment(db, key), listOpenDeployments(db, key), listEnvironmentDeployments(db, key, HISTORY_LENGTH)]);
    const lock = lockOf.get(keyOf(key));
    environments.push({
      owner: key.owner,
      repo: key.repo,
      environment: key.environment,
      current: current && current.succeeded_at ? { id: current.id, sha: current.sha, succeededAt: current.succeeded_at, requestedBy: current.requested_by } : null,
      latest: history[0] ? rowView(history[0]) : null,
      queue: queue.map(rowView),
      lock: lock ? { holder: lock.holder, reason: lock.reason, since: lock.created_at, prNumber: lock.pr_number } : null,
      history: history.map(rowView),
    });
  }
  return { repo: repo ? `${repo.owner}/${repo.repo}` : undefined, environments, now };
}

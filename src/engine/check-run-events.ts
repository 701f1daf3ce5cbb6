import { githubMessage } from '../github/client.ts';
import { hasRole, repositoryRole } from '../github/permissions.ts';
import { appendAudit } from '../store/repos/audit-log.ts';
import { findCheckRunById } from '../store/repos/check-runs.ts';
import { getPipelineRun } from '../store/repos/pipeline-runs.ts';
import { listPendingApprovalRequests } from '../store/repos/approvals.ts';
import { approverLookups, approveRequest } from '../deploy/approvals.ts';
import type { CheckRunPayload } from '../intake/payloads.ts';
import { CHECK_ACTIONS } from './check-output.ts';
import type { EngineDeps } from './deps.ts';
import { reason, renderReason, type Reason } from './reasons.ts';
import { cancelRun, rerunFailedJobsOfRun, rerunPipeline, type RerunOutcome } from './rerun.ts';

/** What a check-run event asks for, analysed before anything is done (pure). */
export type CheckRunRequest =
  | { kind: 'rerun-all' }
  | { kind: 'rerun-failed' }
  | { kind: 'cancel' }
  /** The Approve button of a `shipgate/deploy/<env>` check run. */
  | { kind: 'approve' }
  | { kind: 'none' };

/** The request a `check_run` event stands for: the buttons (`requested_action`) and GitHub's "Re-run" (`rerequested`). */
export function analyseCheckRunEvent(payload: Pick<CheckRunPayload, 'action' | 'requested_action'>): CheckRunRequest {
  if (payload.action === 'rerequested') return { kind: 'rerun-all' };
  if (payload.action !== 'requested_action') return { kind: 'none' };
  if (payload.requested_action?.identifier === CHECK_ACTIONS.rerunFailed) return { kind: 'rerun-failed' };
  if (payload.requested_action?.identifier === CHECK_ACTIONS.cancel) return { kind: 'cancel' };
  if (payload.requested_action?.identifier === CHECK_ACTIONS.approve) return { kind: 'approve' };
  return { kind: 'none' };
}

/**
 * `check_run` webhooks for shipgate's own check runs. The check run must be
 * this app's (its `app.id`) and one of this repository's runs; the clicking
 * user's permission is read from the API (write needed, like the commands the
 * buttons stand for); every request is audited with its outcome code.
 */
export async function handleCheckRunEvent(deps: EngineDeps, deliveryId: string, payload: CheckRunPayload): Promise<'processed' | 'ignored'> {
  const request = analyseCheckRunEvent(payload);
  if (request.kind === 'none') return 'ignored';
  const [owner = '', repo = ''] = payload.repository.full_name.split('/');
  const actor = payload.sender.login;
  const audit = (outcome: string, details: Record<string, unknown>) =>
    appendAudit(deps.db, {
      actor,
      action: `check_run.${request.kind}`,
      outcome,
      owner,
      repo,
      target: `check_run:${payload.check_run.id}`,
      details: { delivery: deliveryId, sha: payload.check_run.head_sha, ...details },
      at: new Date(deps.clock.now()),
    });
  const refuse = async (why: Reason, extra: Record<string, unknown> = {}) => {
    await audit(why.code, { ...extra, message: renderReason(why) });
    deps.log.info({ actor, request: request.kind, reason: why.code }, 'check-run request refused');
    return 'processed' as const;
  };
  if (payload.check_run.app?.id !== deps.appId) return refuse(reason('refuse.foreign-app', { appId: payload.check_run.app?.id ?? null }));
  if (request.kind === 'approve') return approveByButton(deps, payload, { owner, repo, refuse, audit });

  const known = await findCheckRunById(deps.db, payload.check_run.id);
  const runId = known?.pipeline_run_id ?? (payload.check_run.external_id ? Number(payload.check_run.external_id) : NaN);
  const run = Number.isInteger(runId) ? await getPipelineRun(deps.db, runId) : undefined;
  // Only the runs of the repository the event comes from: an external_id cannot point elsewhere.
  if (!run || run.owner !== owner || run.repo !== repo) return 'ignored';

  if (run.installation_id !== payload.installation?.id && payload.installation?.id !== undefined) return 'ignored';
  const octokit = await deps.github(run.installation_id);
  let role;
  try {
    role = await repositoryRole(octokit, { owner, repo }, actor);
  } catch (err) {
    return refuse(reason('refuse.permission-unknown', { user: actor, message: githubMessage(err) }), { runId: run.id });
  }
  if (!hasRole(role, 'write')) return refuse(reason('refuse.permission', { user: actor, needed: 'write', has: role }), { runId: run.id });

  let outcome: RerunOutcome;
  if (request.kind === 'rerun-all') outcome = await rerunPipeline(deps, run.id, deliveryId, actor);
  else if (request.kind === 'rerun-failed') outcome = await rerunFailedJobsOfRun(deps, run.id);
  else outcome = await cancelRun(deps, run.id);
  if (outcome.kind === 'refused') return refuse(outcome.reason, { runId: run.id });
  await audit('ok', { runId: run.id, resultRunId: outcome.runId, jobs: outcome.jobs });
  deps.log.info({ runId: run.id, request: request.kind, actor }, 'check-run request done');
  return 'processed';
}

/**
 * The Approve button of `shipgate/deploy/<env>`: the pending approval request
 * of that environment on the check run's commit, approved by the clicking user
 * through the same `approveRequest` as `/approve` and 👍 (which audits it).
 */
async function approveByButton(
  deps: EngineDeps,
  payload: CheckRunPayload,
  helpers: { owner: string; repo: string; refuse: (why: Reason) => Promise<'processed'>; audit: (outcome: string, details: Record<string, unknown>) => Promise<unknown> },
): Promise<'processed' | 'ignored'> {
  const name = payload.check_run.name;
  if (!name.startsWith('shipgate/deploy/')) return helpers.refuse(reason('approval.unknown-check'));
  const environment = name.slice('shipgate/deploy/'.length);
  const request = (await listPendingApprovalRequests(deps.db, { owner: helpers.owner, repo: helpers.repo, environment })).filter((r) => r.sha === payload.check_run.head_sha).at(-1);
  if (!request) return helpers.refuse(reason('approval.no-request', { environment, known: [] }));
  const installationId = payload.installation?.id;
  if (installationId === undefined) return 'ignored';
  const octokit = await deps.github(installationId);
  const now = new Date(deps.clock.now());
  const outcome = await approveRequest(
    { deps, lookups: approverLookups(octokit, { owner: helpers.owner, repo: helpers.repo }), octokit, now, target: `check_run:${payload.check_run.id}` },
    request,
    { login: payload.sender.login, type: payload.sender.type },
    'check_run',
  );
  deps.log.info({ actor: payload.sender.login, environment, outcome: outcome.kind === 'refused' ? outcome.reason.code : outcome.kind }, 'approve button handled');
  return 'processed';
}

import { githubMessage } from '../github/client.ts';
import { hasRole, repositoryRole } from '../github/permissions.ts';
import { appendAudit } from '../store/repos/audit-log.ts';
import { findCheckRunById } from '../store/repos/check-runs.ts';
import { getPipelineRun } from '../store/repos/pipeline-runs.ts';
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
  | { kind: 'none' };

/** The request a `check_run` event stands for: the buttons (`requested_action`) and GitHub's "Re-run" (`rerequested`). */
export function analyseCheckRunEvent(payload: Pick<CheckRunPayload, 'action' | 'requested_action'>): CheckRunRequest {
  if (payload.action === 'rerequested') return { kind: 'rerun-all' };
  if (payload.action !== 'requested_action') return { kind: 'none' };
  if (payload.requested_action?.identifier === CHECK_ACTIONS.rerunFailed) return { kind: 'rerun-failed' };
  if (payload.requested_action?.identifier === CHECK_ACTIONS.cancel) return { kind: 'cancel' };
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

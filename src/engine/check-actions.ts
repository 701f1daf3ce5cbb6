import { findCheckRunById } from '../store/repos/check-runs.ts';
import { CHECK_ACTIONS } from './check-output.ts';
import type { EngineDeps } from './deps.ts';
import { cancelRun, rerunFailedJobsOfRun, rerunPipeline } from './rerun.ts';

interface CheckRunPayload {
  action: string;
  check_run: { id: number; name: string; external_id?: string | null; app?: { id?: number } | null };
  requested_action?: { identifier: string } | null;
  sender?: { login?: string };
}

/**
 * `check_run` webhooks for shipgate's own check runs: the "Re-run failed" and
 * "Cancel" buttons (`requested_action`) and "Re-run" in GitHub's UI (`rerequested`).
 */
export async function handleCheckRunEvent(deps: EngineDeps, deliveryId: string, payload: Record<string, unknown>): Promise<'processed' | 'ignored'> {
  const event = payload as unknown as CheckRunPayload;
  if (event.action !== 'requested_action' && event.action !== 'rerequested') return 'ignored';
  const known = await findCheckRunById(deps.db, event.check_run.id);
  const runId = known?.pipeline_run_id ?? (event.check_run.external_id ? Number(event.check_run.external_id) : NaN);
  if (!Number.isInteger(runId)) return 'ignored';
  const actor = event.sender?.login ?? 'unknown';
  let outcome;
  if (event.action === 'rerequested') {
    outcome = await rerunPipeline(deps, runId, deliveryId, actor);
  } else if (event.requested_action?.identifier === CHECK_ACTIONS.rerunFailed) {
    outcome = await rerunFailedJobsOfRun(deps, runId);
  } else if (event.requested_action?.identifier === CHECK_ACTIONS.cancel) {
    outcome = await cancelRun(deps, runId);
  } else {
    return 'ignored';
  }
  deps.log.info({ runId, action: event.action, identifier: event.requested_action?.identifier, actor, outcome }, 'check run action');
  return 'processed';
}

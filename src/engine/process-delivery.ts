import type { Delivery } from '../store/schema/index.ts';
import { handleCheckRunEvent } from './check-actions.ts';
import type { EngineDeps } from './deps.ts';
import { startRunsForEvent } from './start-runs.ts';
import { trackWorkflowJob, trackWorkflowRun } from './track-runs.ts';

/**
 * Acts on one recorded delivery. Returns 'ignored' for events shipgate does not
 * act on (the delivery's status then says so). Throws on failures worth a retry.
 */
export async function processDelivery(deps: EngineDeps, delivery: Delivery): Promise<'processed' | 'ignored'> {
  const payload = delivery.payload as Record<string, unknown>;
  const installationId = delivery.installation_id;
  switch (delivery.event) {
    case 'push':
    case 'pull_request':
      if (installationId === null) return 'ignored';
      return startRunsForEvent(deps, { id: delivery.id, event: delivery.event, installationId, payload });
    case 'workflow_run':
      return trackWorkflowRun(deps, payload);
    case 'workflow_job':
      return trackWorkflowJob(deps, payload);
    case 'check_run':
      return handleCheckRunEvent(deps, delivery.id, payload);
    default:
      return 'ignored';
  }
}

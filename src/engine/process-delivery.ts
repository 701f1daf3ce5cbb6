import type { Delivery } from '../store/schema/index.ts';
import {
  checkRunPayloadSchema,
  issueCommentPayloadSchema,
  parsePayload,
  pullRequestPayloadSchema,
  pushPayloadSchema,
  workflowJobPayloadSchema,
  workflowRunPayloadSchema,
} from '../intake/payloads.ts';
import { handleIssueComment } from '../commands/handle-comment.ts';
import { voidStaleApprovals } from '../deploy/approvals.ts';
import { handleProtectionRule, protectionRulePayloadSchema } from '../deploy/protection-rule.ts';
import { handleCheckRunEvent } from './check-run-events.ts';
import type { EngineDeps } from './deps.ts';
import { startRunsForEvent } from './start-runs.ts';
import { trackWorkflowJob, trackWorkflowRun } from './track-runs.ts';

/**
 * Acts on one recorded delivery: parses its payload at the boundary (a
 * malformed one is ignored with the reason logged, never retried) and hands
 * the typed event to its handler. Returns 'ignored' for events shipgate does
 * not act on. Throws on failures worth a retry.
 */
export async function processDelivery(deps: EngineDeps, delivery: Delivery): Promise<'processed' | 'ignored'> {
  const installationId = delivery.installation_id;
  const malformed = (problem: string) => {
    deps.log.warn({ delivery: delivery.id, event: delivery.event, problem }, 'malformed webhook payload ignored');
    return 'ignored' as const;
  };
  switch (delivery.event) {
    case 'push': {
      if (installationId === null) return 'ignored';
      const parsed = parsePayload(pushPayloadSchema, delivery.payload);
      if (!parsed.ok) return malformed(parsed.problem);
      return startRunsForEvent(deps, { id: delivery.id, installationId, event: 'push', payload: parsed.value });
    }
    case 'pull_request': {
      if (installationId === null) return 'ignored';
      const parsed = parsePayload(pullRequestPayloadSchema, delivery.payload);
      if (!parsed.ok) return malformed(parsed.problem);
      // A new head voids the approvals of the pull request's open requests for its old commit (SPEC §6).
      if (parsed.value.action === 'synchronize') await voidStaleApprovals(deps, parsed.value);
      return startRunsForEvent(deps, { id: delivery.id, installationId, event: 'pull_request', payload: parsed.value });
    }
    case 'workflow_run': {
      const parsed = parsePayload(workflowRunPayloadSchema, delivery.payload);
      return parsed.ok ? trackWorkflowRun(deps, parsed.value) : malformed(parsed.problem);
    }
    case 'workflow_job': {
      const parsed = parsePayload(workflowJobPayloadSchema, delivery.payload);
      return parsed.ok ? trackWorkflowJob(deps, parsed.value) : malformed(parsed.problem);
    }
    case 'check_run': {
      const parsed = parsePayload(checkRunPayloadSchema, delivery.payload);
      return parsed.ok ? handleCheckRunEvent(deps, delivery.id, parsed.value) : malformed(parsed.problem);
    }
    case 'issue_comment': {
      if (installationId === null) return 'ignored';
      const parsed = parsePayload(issueCommentPayloadSchema, delivery.payload);
      return parsed.ok ? handleIssueComment(deps, delivery.id, installationId, parsed.value) : malformed(parsed.problem);
    }
    case 'deployment_protection_rule': {
      const parsed = parsePayload(protectionRulePayloadSchema, delivery.payload);
      return parsed.ok ? handleProtectionRule(deps, delivery.id, parsed.value) : malformed(parsed.problem);
    }
    default:
      return 'ignored';
  }
}

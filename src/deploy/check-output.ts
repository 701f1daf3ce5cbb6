/**
 * What the `shipgate/deploy/<env>` check run says (SPEC §6), as a pure
 * function of a request and what surrounds it: what it waits for (the lock
 * holder, its place in the queue and what is ahead, the wait timer, the
 * sha's pipelines), then the deployment's result with its links.
 */
import type { CheckRunBody } from '../engine/check-output.ts';
import { isReason, renderReason } from '../engine/reasons.ts';
import type { Deployment } from '../store/schema/index.ts';
import { approvalCheckSection, escapeMarkdown } from './approval-comment.ts';
import type { ApprovalView } from './approval-view.ts';

/** A request of the queue, as the check run lists it. */
export interface QueueEntry {
  id: number;
  sha: string;
  requestedBy: string;
  status: string;
}

/** Everything the check run shows. */
export interface DeploymentCheckView {
  deployment: Deployment;
  /** The other open requests of the environment, oldest first. */
  queue: QueueEntry[];
  lock: { holder: string; reason: string | null; since: Date } | null;
  environmentUrl: string | null;
  /** The request's approval request, when its environment needs approvals. */
  approval?: ApprovalView | null;
}

const SOURCE: Record<string, string> = { stage: 'a pipeline stage', command: '`/deploy`', rollback: '`/rollback`', 'auto-rollback': 'an automatic rollback', protection: 'a GitHub Actions job held by the protection rule' };

function reasonText(value: unknown): string | null {
  return isReason(value) ? renderReason(value) : null;
}

/** The body of the `shipgate/deploy/<env>` check run of one request. */
export function deploymentCheckBody(view: DeploymentCheckView, now: Date): CheckRunBody {
  const { deployment: d } = view;
  const name = `shipgate/deploy/${d.environment}`;
  const short = d.sha.slice(0, 7);
  const lines = [
    `| Request | #${d.id} (${SOURCE[d.source] ?? d.source}) by @${d.requested_by} |`,
    '| --- | --- |',
    `| Commit | \`${short}\`${d.ref !== d.sha ? ` (${escapeMarkdown(d.ref)})` : ''} |`,
    `| Environment | ${d.environment}${view.environmentUrl ? ` — ${view.environmentUrl}` : ''} |`,
    ...(d.rollback_of !== null ? [`| Rolls back | deployment #${d.rollback_of} |`] : []),
    ...(d.github_deployment_id !== null ? [`| GitHub deployment | ${d.github_deployment_id} |`] : []),
    ...(d.log_url ? [`| Workflow run | ${d.log_url} |`] : []),
  ];
  const queue = view.queue.filter((q) => q.id !== d.id);
  const queueText =
    queue.length > 0 ? `\n\n### Queue of ${d.environment}\n\n${queue.map((q) => `- #${q.id} \`${q.sha.slice(0, 7)}\` by @${q.requestedBy} — ${q.status}`).join('\n')}` : '';
  // The lock's reason is a user's text: escaped, so it cannot add links, mentions' markup or break the summary.
  const lockText = view.lock ? `\n\n🔒 ${d.environment} is locked by @${view.lock.holder}${view.lock.reason ? ` (“${escapeMarkdown(view.lock.reason)}”)` : ''} since ${view.lock.since.toISOString()}.` : '';
  const why = reasonText(d.reason);
  const approval = view.approval ? approvalCheckSection(view.approval) : null;
  // Once the request takes no approvals any more its Approve button goes: GitHub keeps buttons until an update replaces them.
  const buttons = approval ? { actions: approval.actions } : {};
  const approvalText = approval ? `\n\n${approval.text}` : '';
  const summary = `${why ? `**${why}**\n\n` : ''}${lines.join('\n')}${approvalText}${lockText}${queueText}`;
  switch (d.status) {
    case 'requested':
    case 'waiting':
    case 'queued':
      return {
        name,
        status: 'queued',
        output: { title: truncate(`${d.environment}: ${why ?? 'waiting'}`), summary },
        ...buttons,
      };
    case 'deploying':
      return { name, status: 'in_progress', started_at: (d.started_at ?? now).toISOString(), output: { title: `Deploying ${short} to ${d.environment}`, summary }, ...buttons };
    case 'succeeded':
      return { name, status: 'completed', conclusion: 'success', completed_at: (d.completed_at ?? now).toISOString(), output: { title: `Deployed ${short} to ${d.environment}`, summary }, ...buttons };
    case 'cancelled':
      return { name, status: 'completed', conclusion: 'cancelled', completed_at: (d.completed_at ?? now).toISOString(), output: { title: truncate(`${d.environment}: ${why ?? 'cancelled'}`), summary }, ...buttons };
    default:
      return {
        name,
        status: 'completed',
        conclusion: 'failure',
        completed_at: (d.completed_at ?? now).toISOString(),
        output: { title: truncate(`${d.environment}: ${d.status}${why ? ` — ${why}` : ''}`), summary },
        ...buttons,
      };
  }
}

function truncate(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * `/approvals`: the approval requests still pending, oldest first: which
 * deployment (environment, sha, who asked), who may approve (the configured
 * users and teams, and whether the requester may), how many approvals are in
 * of how many, how long it has waited and when it expires.
 */
import { formatAge, shortSha, timeTag } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** One pending approval request. */
export interface PendingApprovalView {
  id: number;
  deploymentId: number;
  owner: string;
  repo: string;
  environment: string;
  sha: string;
  requestedBy: string;
  /** Users and `@org/slug` teams, as configured. */
  approvers: string[];
  allowSelfApproval: boolean;
  required: number;
  /** The approvals counted so far (for the request's sha), in order. */
  approvals: Array<{ approver: string; via: string; at: Date }>;
  createdAt: Date;
  expiresAt: Date | null;
  /** The pull request (or issue) the request comment is on. */
  issueNumber: number | null;
}

export interface ApprovalsPageView {
  pending: PendingApprovalView[];
  now: Date;
}

function whoMayApprove(request: PendingApprovalView): SafeHtml {
  const names = request.approvers.length > 0 ? html`${request.approvers.join(', ')}` : html`<span class="none">anyone with write access</span>`;
  return html`${names}${request.allowSelfApproval ? '' : html`<div class="hint">not ${request.requestedBy} (who asked)</div>`}`;
}

function renderRequest(request: PendingApprovalView, now: Date): SafeHtml {
  const given = request.approvals.length;
  const approvedBy = request.approvals.map((approval) => approval.approver);
  return html`<tr class="approval" data-approval="${request.id}">
<td>${request.owner}/${request.repo}</td><td>${request.environment}</td><td><code title="${request.sha}">${shortSha(request.sha)}</code></td>
<td>#${request.deploymentId}${request.issueNumber !== null ? html` (#${request.issueNumber})` : ''}</td><td>${request.requestedBy}</td>
<td>${whoMayApprove(request)}</td>
<td class="count"><span class="given">${given}</span>/<span class="required">${request.required}</span>${approvedBy.length > 0 ? html`<div class="hint">${approvedBy.join(', ')}</div>` : ''}</td>
<td>${formatAge(request.createdAt, now)}</td><td>${request.expiresAt ? timeTag(request.expiresAt) : html`<span class="none">never</span>`}</td></tr>`;
}

/** The approvals page's main content. */
export function renderApprovalsPage(view: ApprovalsPageView): SafeHtml {
  const body =
    view.pending.length === 0
      ? html`<p class="empty">No approvals pending.</p>`
      : html`<table class="approvals"><thead><tr><th>Repository</th><th>Environment</th><th>Sha</th><th>Deployment</th><th>Asked by</th><th>Who may approve</th><th>Approvals</th><th>Waiting</th><th>Expires</th></tr></thead><tbody>${view.pending.map((request) => renderRequest(request, view.now))}</tbody></table>`;
  return html`<h1>Pending approvals</h1><p class="hint">Approve with an <code>/approve</code> comment, a thumbs-up reaction on the request comment, or the Approve button of the deployment's check.</p>${body}`;
}

/**
 * `/deployments`: per repository and environment, what runs there now (the
 * last successful deployment's sha), the latest request's status, the queue of
 * open requests oldest first, the lock when one is held, and the history.
 */
import { externalLink, formatAge, shortSha, stateBadge, timeTag } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** One deployment request. */
export interface DeploymentRowView {
  id: number;
  sha: string;
  status: string;
  /** `stage`, `command`, `rollback`, `auto-rollback`, `protection`. */
  source: string;
  requestedBy: string;
  /** Why it waits, was refused or ended, as a sentence. */
  reason: string | null;
  pipelineRunId: number | null;
  logUrl: string | null;
  createdAt: Date;
  completedAt: Date | null;
}

/** One environment of one repository. */
export interface EnvironmentView {
  owner: string;
  repo: string;
  environment: string;
  /** The last successful deployment: what the environment runs. */
  current: { id: number; sha: string; succeededAt: Date; requestedBy: string } | null;
  /** The newest request, whatever its status. */
  latest: DeploymentRowView | null;
  /** Open requests (requested, waiting, queued, deploying), oldest first. */
  queue: DeploymentRowView[];
  lock: { holder: string; reason: string | null; since: Date; prNumber: number | null } | null;
  /** The newest requests, newest first. */
  history: DeploymentRowView[];
}

export interface DeploymentsPageView {
  /** The `owner/repo` filter, when given. */
  repo: string | undefined;
  environments: EnvironmentView[];
  now: Date;
}

function deploymentRow(row: DeploymentRowView, now: Date): SafeHtml {
  return html`<tr data-deployment="${row.id}"><td>#${row.id}</td><td><code title="${row.sha}">${shortSha(row.sha)}</code></td><td>${stateBadge(row.status)}</td><td>${row.source}</td><td>${row.requestedBy}</td><td>${timeTag(row.createdAt)} <span class="age">(${formatAge(row.createdAt, now)} ago)</span></td><td>${row.pipelineRunId !== null ? html`<a href="/runs/${row.pipelineRunId}">#${row.pipelineRunId}</a>` : '—'}</td><td>${row.reason ?? ''}${row.logUrl ? html` ${externalLink(row.logUrl, 'log')}` : ''}</td></tr>`;
}

function deploymentTable(rows: readonly DeploymentRowView[], now: Date, caption: string): SafeHtml {
  return html`<table class="deployments"><caption>${caption}</caption><thead><tr><th>Request</th><th>Sha</th><th>Status</th><th>Source</th><th>By</th><th>Requested</th><th>Run</th><th>Why</th></tr></thead><tbody>${rows.map((row) => deploymentRow(row, now))}</tbody></table>`;
}

function renderEnvironment(env: EnvironmentView, now: Date): SafeHtml {
  const current = env.current
    ? html`<code title="${env.current.sha}">${shortSha(env.current.sha)}</code> since ${timeTag(env.current.succeededAt)} (#${env.current.id} by ${env.current.requestedBy})`
    : html`<span class="none">nothing deployed yet</span>`;
  const lock = env.lock
    ? html`<p class="lock">Locked by ${env.lock.holder} since ${timeTag(env.lock.since)}${env.lock.prNumber !== null ? html` (pull request #${env.lock.prNumber})` : ''}${env.lock.reason ? html`: ${env.lock.reason}` : ''}</p>`
    : html`<p class="lock unlocked">Not locked.</p>`;
  return html`<section class="environment" data-environment="${env.environment}" data-repo="${env.owner}/${env.repo}">
<h2>${env.environment} <span class="repo">${env.owner}/${env.repo}</span> ${env.latest ? stateBadge(env.latest.status) : ''}</h2>
<p class="current">Current: ${current}</p>
${lock}
${env.queue.length > 0 ? deploymentTable(env.queue, now, `Queue (${env.queue.length})`) : html`<p class="empty">Queue empty.</p>`}
${env.history.length > 0 ? deploymentTable(env.history, now, 'History') : ''}
</section>`;
}

/** The deployments page's main content. */
export function renderDeploymentsPage(view: DeploymentsPageView): SafeHtml {
  const filter = html`<form class="filters" method="get" action="/deployments"><label>Repository <input name="repo" value="${view.repo ?? ''}" placeholder="owner/repo"></label> <button type="submit">Filter</button></form>`;
  const body = view.environments.length === 0 ? html`<p class="empty">No deployments yet.</p>` : view.environments.map((env) => renderEnvironment(env, view.now));
  return html`<h1>Deployments</h1>${filter}${body}`;
}

/**
 * `/`: the pipeline runs, newest first, with filters (repository, pipeline,
 * branch, status) in a plain GET form and keyset pagination by run id
 * (`?before=ID` for older, `?after=ID` for newer), so it works without
 * JavaScript and a page never shifts while runs are added.
 */
import { branchName, displayState, formatDuration, queryString, secondsBetween, shortSha, stateBadge, timeTag } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** What the status filter accepts: a run's status while it runs, its conclusion once it ended. */
export const RUN_STATUS_FILTERS = [
  'queued',
  'in_progress',
  'success',
  'failure',
  'cancelled',
  'timed_out',
  'skipped',
  'neutral',
  'action_required',
  'startup_failure',
  'stale',
] as const;
export type RunStatusFilter = (typeof RUN_STATUS_FILTERS)[number];

/** The filters of the list, as given (empty ones absent). */
export interface RunFilters {
  /** `owner/repo`. */
  repo?: string;
  pipeline?: string;
  /** A branch name (`main`) or a full ref. */
  branch?: string;
  status?: RunStatusFilter;
}

/** One row of the list. */
export interface RunRow {
  id: number;
  owner: string;
  repo: string;
  pipeline: string;
  trigger: string;
  ref: string;
  sha: string;
  prNumber: number | null;
  actor: string | null;
  status: string;
  conclusion: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export interface RunsPageView {
  filters: RunFilters;
  rows: RunRow[];
  /** The query string of the newer page, or null on the newest. */
  newer: string | null;
  /** The query string of the older page, or null on the oldest. */
  older: string | null;
  /** Problems with the request (a filter or cursor that was not understood and was left out). */
  notices: string[];
  now: Date;
}

/** The filters as query parameters (for the pagination links). */
export function filterParams(filters: RunFilters): Record<string, string | undefined> {
  return { repo: filters.repo, pipeline: filters.pipeline, branch: filters.branch, status: filters.status };
}

/** The link to the page of runs with `id` before (older) or after (newer) a run. */
export function pageLink(filters: RunFilters, cursor: { before: number } | { after: number }): string {
  return `/${queryString({ ...filterParams(filters), ...cursor })}`;
}

function refCell(row: RunRow): SafeHtml {
  const name = branchName(row.ref);
  return html`<span class="ref">${name}</span>${row.prNumber !== null ? html` <span class="pr">#${row.prNumber}</span>` : ''}`;
}

function renderRow(row: RunRow, now: Date): SafeHtml {
  const state = displayState(row.status, row.conclusion);
  return html`<tr data-run-id="${row.id}">
<td><a href="/runs/${row.id}">#${row.id}</a></td>
<td>${row.owner}/${row.repo}</td>
<td class="pipeline">${row.pipeline}</td>
<td>${refCell(row)}</td>
<td><code>${shortSha(row.sha)}</code></td>
<td>${row.trigger}</td>
<td>${row.actor ?? ''}</td>
<td>${stateBadge(state)}</td>
<td>${timeTag(row.createdAt)}</td>
<td>${formatDuration(secondsBetween(row.startedAt, row.completedAt, now))}</td>
</tr>`;
}

function renderFilters(filters: RunFilters): SafeHtml {
  const options = RUN_STATUS_FILTERS.map((status) => html`<option value="${status}"${filters.status === status ? html` selected` : ''}>${status.replaceAll('_', ' ')}</option>`);
  return html`<form class="filters" method="get" action="/">
<label>Repository <input name="repo" value="${filters.repo ?? ''}" placeholder="owner/repo"></label>
<label>Pipeline <input name="pipeline" value="${filters.pipeline ?? ''}"></label>
<label>Branch <input name="branch" value="${filters.branch ?? ''}"></label>
<label>Status <select name="status"><option value="">any</option>${options}</select></label>
<button type="submit">Filter</button> <a href="/">Clear</a>
</form>`;
}

/** The runs list's main content. */
export function renderRunsPage(view: RunsPageView): SafeHtml {
  const notices = view.notices.map((notice) => html`<p class="notice">${notice}</p>`);
  const table =
    view.rows.length === 0
      ? html`<p class="empty">No runs match these filters.</p>`
      : html`<table class="runs"><thead><tr><th>Run</th><th>Repository</th><th>Pipeline</th><th>Branch</th><th>Sha</th><th>Trigger</th><th>Actor</th><th>State</th><th>Created</th><th>Duration</th></tr></thead><tbody>${view.rows.map((row) => renderRow(row, view.now))}</tbody></table>`;
  const pager = html`<nav class="pager" aria-label="pages">${view.newer ? html`<a rel="prev" href="${view.newer}">← Newer</a>` : html`<span class="disabled">← Newer</span>`} ${view.older ? html`<a rel="next" href="${view.older}">Older →</a>` : html`<span class="disabled">Older →</span>`}</nav>`;
  return html`<h1>Runs</h1>${renderFilters(view.filters)}${notices}${table}${pager}`;
}

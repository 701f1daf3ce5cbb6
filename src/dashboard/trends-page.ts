/**
 * `/trends`: one repository's delivery over a window, per UTC day or ISO week,
 * from `computeTrends` (success rate, p95 pipeline duration, successful
 * production deployments, change failure rate) drawn as SVG charts, with DORA
 * tiles over the whole window from `computeStats`. With no history at all, or
 * nothing in the window, it says so instead of drawing empty frames.
 */
import type { TrendPoint } from '../insight/stats.ts';
import { renderChart, type ChartPoint } from './charts.ts';
import { formatDuration, formatPercent } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** The windows offered, in days. */
export const TREND_WINDOWS = [7, 30, 90, 365] as const;

/** What the page shows: the repository, the window, the bucket and the optional filters. */
export interface TrendsQuery {
  /** `owner/repo`; null when the store has no history to choose from. */
  repo: string | null;
  days: number;
  bucket: 'day' | 'week';
  pipeline?: string;
  branch?: string;
  environment?: string;
}

/** The whole window's figures. */
export interface TrendTiles {
  runs: number;
  successRate: number | null;
  p95DurationSeconds: number | null;
  deploymentsPerDay: number | null;
  leadTimeP50Seconds: number | null;
  changeFailureRate: number | null;
  recoveryP50Seconds: number | null;
  /** The environments the DORA figures cover. */
  environments: string[];
}

export interface TrendsPageView {
  /** Repositories with history, `owner/repo`, sorted. */
  repositories: string[];
  query: TrendsQuery;
  points: TrendPoint[];
  tiles: TrendTiles | null;
  /** Why the figures could not be computed (a bad window, an unknown repository). */
  error: string | null;
}

/** A bucket's x-axis label: `MM-DD` of its start (UTC). */
export function bucketLabel(point: Pick<TrendPoint, 'start'>): string {
  return point.start.slice(5, 10);
}

function series(points: readonly TrendPoint[], value: (point: TrendPoint) => number | null): ChartPoint[] {
  return points.map((point) => ({ label: bucketLabel(point), value: value(point) }));
}

function tile(name: string, value: string, hint?: string): SafeHtml {
  return html`<div class="tile"><div class="tile-name">${name}</div><div class="tile-value">${value}</div>${hint ? html`<div class="hint">${hint}</div>` : ''}</div>`;
}

function renderForm(view: TrendsPageView): SafeHtml {
  const { query } = view;
  const repos = view.repositories.map((repo) => html`<option value="${repo}"${repo === query.repo ? html` selected` : ''}>${repo}</option>`);
  const windows = TREND_WINDOWS.map((days) => html`<option value="${days}"${days === query.days ? html` selected` : ''}>${days} days</option>`);
  return html`<form class="filters" method="get" action="/trends">
<label>Repository <select name="repo">${repos}</select></label>
<label>Window <select name="days">${windows}</select></label>
<label>Per <select name="bucket"><option value="day"${query.bucket === 'day' ? html` selected` : ''}>day</option><option value="week"${query.bucket === 'week' ? html` selected` : ''}>week</option></select></label>
<label>Pipeline <input name="pipeline" value="${query.pipeline ?? ''}"></label>
<label>Branch <input name="branch" value="${query.branch ?? ''}"></label>
<label>Environment <input name="environment" value="${query.environment ?? ''}" placeholder="production tier"></label>
<button type="submit">Show</button>
</form>`;
}

/** The trends page's main content. */
export function renderTrendsPage(view: TrendsPageView): SafeHtml {
  if (view.repositories.length === 0 || view.query.repo === null) {
    return html`<h1>Trends</h1><p class="empty">No history yet: trends appear once pipelines have run.</p>`;
  }
  const head = html`<h1>Trends <span class="repo">${view.query.repo}</span></h1>${renderForm(view)}`;
  if (view.error) return html`${head}<p class="notice error">${view.error}</p>`;
  const points = view.points;
  const nothing = points.every((point) => point.runs === 0 && point.deployments === 0);
  if (nothing) return html`${head}<p class="empty">No finished runs or deployments in the last ${view.query.days} days.</p>`;
  const tiles = view.tiles;
  const tileRow = tiles
    ? html`<div class="tiles">${tile('Runs', String(tiles.runs))}${tile('Success rate', formatPercent(tiles.successRate))}${tile('p95 duration', formatDuration(tiles.p95DurationSeconds))}${tile('Deployments / day', tiles.deploymentsPerDay === null ? '—' : tiles.deploymentsPerDay.toFixed(2), tiles.environments.join(', ') || undefined)}${tile('Lead time (median)', formatDuration(tiles.leadTimeP50Seconds))}${tile('Change failure rate', formatPercent(tiles.changeFailureRate))}${tile('Time to restore (median)', formatDuration(tiles.recoveryP50Seconds))}</div>`
    : '';
  const per = view.query.bucket === 'day' ? 'per day' : 'per week';
  const charts = [
    renderChart({ title: `Success rate ${per}`, kind: 'line', unit: 'percent', points: series(points, (p) => p.successRate) }),
    renderChart({ title: `p95 pipeline duration ${per}`, kind: 'line', unit: 'seconds', points: series(points, (p) => p.p95DurationSeconds) }),
    renderChart({ title: `Production deployments ${per}`, kind: 'bar', unit: 'count', points: series(points, (p) => p.deployments) }),
    renderChart({ title: `Change failure rate ${per}`, kind: 'line', unit: 'percent', points: series(points, (p) => p.changeFailureRate) }),
  ];
  return html`${head}${tileRow}<div class="charts">${charts}</div>`;
}

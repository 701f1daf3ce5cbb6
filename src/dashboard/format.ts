/**
 * Small formatting rules every dashboard page shares: a state's tone (its
 * colour class) beside its text label, durations, ages, UTC times, short shas,
 * branch names, and links that may only point at http(s) pages.
 */
import { html, type SafeHtml } from './html.ts';

/** How a state is coloured; the state's own word is always shown beside it. */
export type Tone = 'ok' | 'failed' | 'running' | 'waiting' | 'muted';

const TONES: Record<string, Tone> = {
  success: 'ok',
  succeeded: 'ok',
  pass: 'ok',
  approved: 'ok',
  failure: 'failed',
  failed: 'failed',
  fail: 'failed',
  error: 'failed',
  timed_out: 'failed',
  startup_failure: 'failed',
  refused: 'failed',
  rejected: 'failed',
  expired: 'failed',
  'rolled-back': 'failed',
  in_progress: 'running',
  running: 'running',
  dispatching: 'running',
  deploying: 'running',
  queued: 'waiting',
  pending: 'waiting',
  waiting: 'waiting',
  requested: 'waiting',
  action_required: 'waiting',
};

/** The tone of a run, stage, job, gate or deployment state; unknown states (cancelled, skipped, neutral, stale) are muted. */
export function toneOf(state: string): Tone {
  return TONES[state] ?? 'muted';
}

/** Whether a state counts as failed (the DAG marks such a stage). */
export function isFailedState(state: string): boolean {
  return toneOf(state) === 'failed';
}

/** A state as a coloured label: `<span class="state tone-failed">failure</span>`. */
export function stateBadge(state: string): SafeHtml {
  return html`<span class="state tone-${toneOf(state)}" data-state="${state}">${state.replaceAll('_', ' ')}</span>`;
}

/** The display state of a run, stage or job: its conclusion once completed, otherwise its status. */
export function displayState(status: string, conclusion: string | null): string {
  return status === 'completed' && conclusion ? conclusion : status;
}

/** Seconds as `42s`, `3m 05s`, `1h 02m`, `2d 3h`; `—` when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes}m ${String(s % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** Seconds between two times (to `now` while `end` is unset); null without a start. */
export function secondsBetween(start: Date | null, end: Date | null, now: Date): number | null {
  if (!start) return null;
  return Math.max(0, ((end ?? now).getTime() - start.getTime()) / 1000);
}

/** A time as `2026-01-31 14:05 UTC`. */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A `<time>` element: the UTC minute as text, the full instant as `datetime`. */
export function timeTag(at: Date | null): SafeHtml {
  if (!at) return html`<span class="none">—</span>`;
  return html`<time datetime="${at.toISOString()}">${formatUtc(at)}</time>`;
}

/** How long ago `at` was, seen at `now`: `40s`, `12m`, `3h 05m`, `2d 4h`. */
export function formatAge(at: Date, now: Date): string {
  return formatDuration(Math.max(0, (now.getTime() - at.getTime()) / 1000));
}

/** The first 7 characters of a commit sha. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** `main` for `refs/heads/main`, `v1` for `refs/tags/v1`; any other ref as it is. */
export function branchName(ref: string): string {
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/tags/')) return ref.slice('refs/tags/'.length);
  return ref;
}

/** The URL when it is an absolute http(s) URL, else null: links never carry `javascript:` or `data:`. */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : null;
  } catch {
    return null;
  }
}

/** A link to an outside page (GitHub) when the URL is http(s); the text alone otherwise. */
export function externalLink(url: string | null | undefined, text: string | SafeHtml): SafeHtml {
  const href = safeHref(url);
  return href ? html`<a href="${href}" rel="noopener noreferrer">${text}</a>` : html`${text}`;
}

/** A ratio (0..1) as a percentage with one decimal, `—` when null. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(1)}%`;
}

/** Bytes as `512 B`, `1.5 KiB`, `3.2 MiB`, `1.1 GiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A query string (with its `?`) of the non-empty entries, or `''`. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * Line and bar charts drawn on the server as SVG: a y axis from 0 with
 * round ticks (percentages always to 100%), a label under every few buckets,
 * points that carry their value in a `<title>`, gaps where a bucket has no
 * value, and a note instead of an empty frame when no bucket has one. Each
 * chart is followed by its numbers as a table, for readers without the picture.
 */
import { formatDuration, formatPercent } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** One bucket: its label on the x axis and its value (null: nothing measured). */
export interface ChartPoint {
  label: string;
  value: number | null;
}

/** How the values read: a ratio shown as a percentage, seconds, or a count. */
export type ChartUnit = 'percent' | 'seconds' | 'count';

export interface ChartSpec {
  /** Also the chart's accessible name. */
  title: string;
  kind: 'line' | 'bar';
  unit: ChartUnit;
  points: readonly ChartPoint[];
}

/** Chart size and margins, in SVG units. */
export const CHART_SIZE = { width: 640, height: 220, left: 64, right: 16, top: 16, bottom: 44 } as const;
/** Labels on the x axis at most (every n-th bucket is labelled). */
export const MAX_X_LABELS = 8;
const Y_TICKS = 4;

/** The value as the chart's axis and tooltips write it. */
export function formatValue(value: number, unit: ChartUnit): string {
  if (unit === 'percent') return formatPercent(value);
  if (unit === 'seconds') return formatDuration(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value` (1 for 0 or less). */
export function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** The top of the y axis: 1 (100%) for percentages, a multiple of the tick count for counts, otherwise a round number at or above the largest value. */
export function axisMax(points: readonly ChartPoint[], unit: ChartUnit): number {
  if (unit === 'percent') return 1;
  const values = points.map((point) => point.value).filter((value): value is number => value !== null && Number.isFinite(value));
  const largest = Math.max(0, ...values);
  // Counts: the next multiple of the tick count, so every tick is a whole number.
  return unit === 'count' ? Math.max(Y_TICKS, Math.ceil(largest / Y_TICKS) * Y_TICKS) : niceCeiling(largest);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A chart as SVG (and its table), or its empty state when no bucket has a value. */
export function renderChart(spec: ChartSpec): SafeHtml {
  const { width, height, left, right, top, bottom } = CHART_SIZE;
  const measured = spec.points.filter((point) => point.value !== null);
  if (measured.length === 0) {
    return html`<figure class="chart empty-chart" data-chart="${spec.title}"><figcaption>${spec.title}</figcaption><p class="empty">No data in this window.</p></figure>`;
  }
  const max = axisMax(spec.points, spec.unit);
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const n = spec.points.length;
  const slot = plotWidth / Math.max(1, n);
  const xOf = (i: number) => round(left + slot * (i + 0.5));
  const yOf = (value: number) => round(top + plotHeight - (Math.min(value, max) / max) * plotHeight);

  const ticks = Array.from({ length: Y_TICKS + 1 }, (_, i) => (max * i) / Y_TICKS);
  const grid = ticks.map(
    (tick) => html`<line class="grid" x1="${left}" x2="${width - right}" y1="${yOf(tick)}" y2="${yOf(tick)}"/><text class="tick y" x="${left - 6}" y="${yOf(tick) + 4}">${formatValue(tick, spec.unit)}</text>`,
  );
  const every = Math.max(1, Math.ceil(n / MAX_X_LABELS));
  const xLabels = spec.points.map((point, i) => (i % every === 0 ? html`<text class="tick x" x="${xOf(i)}" y="${height - bottom + 16}">${point.label}</text>` : ''));
  const axes = html`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}"/><line class="axis" x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}"/>`;

  let marks: SafeHtml;
  if (spec.kind === 'bar') {
    const barWidth = round(Math.max(1, slot * 0.7));
    marks = html`${spec.points.map((point, i) =>
      point.value === null
        ? ''
        : html`<rect class="bar" x="${round(xOf(i) - barWidth / 2)}" y="${yOf(point.value)}" width="${barWidth}" height="${round(top + plotHeight - yOf(point.value))}"><title>${point.label}: ${formatValue(point.value, spec.unit)}</title></rect>`,
    )}`;
  } else {
    // One path with a gap (a new `M`) after every bucket without a value.
    let d = '';
    let pen = false;
    spec.points.forEach((point, i) => {
      if (point.value === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${xOf(i)},${yOf(point.value)} `;
      pen = true;
    });
    const dots = spec.points.map((point, i) =>
      point.value === null ? '' : html`<circle class="dot" cx="${xOf(i)}" cy="${yOf(point.value)}" r="3"><title>${point.label}: ${formatValue(point.value, spec.unit)}</title></circle>`,
    );
    marks = html`<path class="line" d="${d.trim()}"/>${dots}`;
  }
  const rows = spec.points.map((point) => html`<tr><td>${point.label}</td><td>${point.value === null ? '—' : formatValue(point.value, spec.unit)}</td></tr>`);
  return html`<figure class="chart" data-chart="${spec.title}"><figcaption>${spec.title}</figcaption><svg role="img" aria-label="${spec.title}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${spec.title}</title>${grid}${axes}${marks}${xLabels}</svg><details><summary>Numbers</summary><table><thead><tr><th>Bucket</th><th>${spec.title}</th></tr></thead><tbody>${rows}</tbody></table></details></figure>`;
}

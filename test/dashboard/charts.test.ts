import { describe, expect, it } from 'vitest';
import { axisMax, CHART_SIZE, MAX_X_LABELS, niceCeiling, renderChart } from '../../src/dashboard/charts.ts';
import { branchName, formatAge, formatBytes, formatDuration, formatPercent, queryString, safeHref, toneOf } from '../../src/dashboard/format.ts';

const points = (values: Array<number | null>) => values.map((value, i) => ({ label: `01-${String(i + 1).padStart(2, '0')}`, value }));

describe('charts', () => {
  it('draws a line with a point per measured bucket and a gap where one is missing', () => {
    const out = renderChart({ title: 'Success rate', kind: 'line', unit: 'percent', points: points([0.5, null, 1, 0.75]) }).toString();
    expect(out.match(/<circle class="dot"/g)).toHaveLength(3);
    const d = /<path class="line" d="([^"]+)"/.exec(out)?.[1] ?? '';
    // Two pieces: a lone point, then a segment after the gap.
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(1);
    expect(out).toContain('<title>01-03: 100.0%</title>');
  });

  it('scales percentages from 0 to 100% with labelled ticks', () => {
    const out = renderChart({ title: 'Success rate', kind: 'line', unit: 'percent', points: points([1]) }).toString();
    for (const tick of ['0.0%', '25.0%', '50.0%', '75.0%', '100.0%']) expect(out).toContain(`>${tick}</text>`);
    // 100% sits on the top of the plot.
    expect(out).toContain(`cy="${CHART_SIZE.top}"`);
  });

  it('draws bars from the axis, with duration and count ticks', () => {
    const bars = renderChart({ title: 'Deploys', kind: 'bar', unit: 'count', points: points([0, 3, 1]) }).toString();
    expect(bars.match(/<rect class="bar"/g)).toHaveLength(3);
    expect(bars).toContain('<title>01-02: 3</title>');
    const durations = renderChart({ title: 'p95', kind: 'line', unit: 'seconds', points: points([90, 400]) }).toString();
    expect(durations).toContain('>8m 20s</text>'); // axis top: 500 s
  });

  it('labels at most a few buckets on the x axis', () => {
    const out = renderChart({ title: 'Many', kind: 'bar', unit: 'count', points: points(Array.from({ length: 30 }, () => 1)) }).toString();
    expect(out.match(/class="tick x"/g)?.length).toBeLessThanOrEqual(MAX_X_LABELS);
  });

  it('shows an empty state instead of an empty frame', () => {
    const out = renderChart({ title: 'Nothing', kind: 'line', unit: 'percent', points: points([null, null]) }).toString();
    expect(out).toContain('No data in this window.');
    expect(out).not.toContain('<svg');
  });

  it('escapes the title and labels', () => {
    const out = renderChart({ title: '<b>x</b>', kind: 'bar', unit: 'count', points: [{ label: '<i>', value: 1 }] }).toString();
    expect(out).not.toMatch(/<b>|<i>/);
    expect(out).toContain('aria-label="&lt;b&gt;x&lt;/b&gt;"');
  });

  it('rounds axis tops to 1, 2, 2.5 or 5 × 10^k', () => {
    expect([0, 0.3, 7, 12, 240, 999].map(niceCeiling)).toEqual([1, 0.5, 10, 20, 250, 1000]);
    expect(axisMax(points([0.2]), 'percent')).toBe(1);
    expect(axisMax(points([3]), 'count')).toBe(4);
  });
});

describe('formatting', () => {
  it('formats durations, ages, sizes and percentages', () => {
    expect([null, -1, 5, 65, 3_725, 200_000].map((s) => formatDuration(s))).toEqual(['—', '—', '5s', '1m 05s', '1h 02m', '2d 7h']);
    expect(formatAge(new Date(0), new Date(90_000))).toBe('1m 30s');
    expect([0, 1023, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.5 KiB', '5.0 GiB']);
    expect([null, 0, 0.5, 1].map((r) => formatPercent(r))).toEqual(['—', '0.0%', '50.0%', '100.0%']);
  });

  it('links only http(s) URLs', () => {
    expect(safeHref('https://github.com/a/b')).toBe('https://github.com/a/b');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,x')).toBeNull();
    expect(safeHref('/relative')).toBeNull();
    expect(safeHref(null)).toBeNull();
  });

  it('names branches and tags, and gives a tone to every state', () => {
    expect(['refs/heads/feature/x', 'refs/tags/v1', 'refs/pull/3/head'].map(branchName)).toEqual(['feature/x', 'v1', 'refs/pull/3/head']);
    expect(['success', 'failure', 'timed_out', 'in_progress', 'queued', 'cancelled', 'skipped', 'rolled-back'].map(toneOf)).toEqual(['ok', 'failed', 'failed', 'running', 'waiting', 'muted', 'muted', 'failed']);
  });

  it('builds query strings of the non-empty parameters', () => {
    expect(queryString({ a: 'x y', b: undefined, c: '', d: 3 })).toBe('?a=x+y&d=3');
    expect(queryString({ a: undefined })).toBe('');
  });
});

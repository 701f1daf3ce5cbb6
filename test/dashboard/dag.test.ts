import { describe, expect, it } from 'vitest';
import { DAG_SIZES, layoutDag, stageColumns } from '../../src/dashboard/dag-layout.ts';
import { MAX_LABEL_CHARS, renderDag, stageAnchor } from '../../src/dashboard/dag-svg.ts';

const PIPELINE = [
  { name: 'deploy-staging', needs: ['test', 'scan'] },
  { name: 'build', needs: [] },
  { name: 'test', needs: ['build'] },
  { name: 'scan', needs: ['build'] },
];

describe('stage graph layout', () => {
  it('puts a stage one column right of the furthest stage it needs', () => {
    const columns = stageColumns(PIPELINE);
    expect(Object.fromEntries(columns)).toEqual({ build: 0, test: 1, scan: 1, 'deploy-staging': 2 });
  });

  it('uses the longest path, not the nearest need', () => {
    const columns = stageColumns([
      { name: 'a', needs: [] },
      { name: 'b', needs: ['a'] },
      { name: 'c', needs: ['b'] },
      { name: 'd', needs: ['a', 'c'] },
    ]);
    expect(columns.get('d')).toBe(3);
  });

  it('places every stage once, ordered by name within a column, with deterministic coordinates', () => {
    const layout = layoutDag(PIPELINE);
    expect(layout.nodes.map((n) => [n.name, n.column, n.row])).toEqual([
      ['build', 0, 0],
      ['scan', 1, 0],
      ['test', 1, 1],
      ['deploy-staging', 2, 0],
    ]);
    const { nodeWidth, nodeHeight, columnGap, rowGap, padding } = DAG_SIZES;
    const test = layout.nodes.find((n) => n.name === 'test');
    expect(test).toMatchObject({ x: padding + nodeWidth + columnGap, y: padding + nodeHeight + rowGap });
    expect(layout.width).toBe(2 * padding + 3 * nodeWidth + 2 * columnGap);
    expect(layout.height).toBe(2 * padding + 2 * nodeHeight + rowGap);
    expect(layoutDag([...PIPELINE].reverse())).toEqual(layout);
  });

  it('draws one edge per need, from the needed stage to the stage that needs it', () => {
    const layout = layoutDag(PIPELINE);
    expect(layout.edges.map((e) => `${e.from}→${e.to}`).sort()).toEqual(['build→scan', 'build→test', 'scan→deploy-staging', 'test→deploy-staging']);
  });

  it('routes an edge that skips a column along the lane between rows, not through the stage between', () => {
    const layout = layoutDag([
      { name: 'a', needs: [] },
      { name: 'b', needs: ['a'] },
      { name: 'c', needs: ['a', 'b'] },
    ]);
    const skip = layout.edges.find((e) => e.from === 'a' && e.to === 'c');
    const b = layout.nodes.find((n) => n.name === 'b');
    if (!skip || !b) throw new Error('missing edge or node');
    expect(skip.path).toMatch(/^M[\d.]+,[\d.]+ H[\d.]+ V[\d.]+ H[\d.]+ V[\d.]+ H[\d.]+$/);
    const lane = Number(/ V([\d.]+) H/.exec(skip.path)?.[1]);
    // The horizontal run is above row 0's boxes (in the padding), so it passes over b.
    expect(lane).toBeLessThan(b.y);
    const next = layout.edges.find((e) => e.from === 'a' && e.to === 'b');
    expect(next?.path).toMatch(/^M[\d.]+,[\d.]+ C/);
  });

  it('ignores needs that are not stages, self-needs, and survives a cycle', () => {
    const layout = layoutDag([
      { name: 'x', needs: ['missing', 'x'] },
      { name: 'p', needs: ['q'] },
      { name: 'q', needs: ['p'] },
    ]);
    expect(layout.nodes.map((n) => n.name).sort()).toEqual(['p', 'q', 'x']);
    expect(layout.edges.every((e) => e.from !== e.to)).toBe(true);
    expect(layout.nodes.find((n) => n.name === 'x')?.column).toBe(0);
  });

  it('lays out nothing for no stages, and one node for a stage named twice', () => {
    expect(layoutDag([])).toMatchObject({ nodes: [], edges: [], columns: 0 });
    expect(layoutDag([{ name: 'a', needs: [] }, { name: 'a', needs: [] }]).nodes).toHaveLength(1);
  });
});

describe('stage graph SVG', () => {
  const states = { build: 'success', test: 'failure', scan: 'in_progress', 'deploy-staging': 'skipped' } as Record<string, string>;
  const svg = String(renderDag(PIPELINE.map((stage) => ({ ...stage, state: states[stage.name] ?? 'pending' }))));

  it('draws one g.stage per stage with its state as text and a data attribute', () => {
    expect(svg.match(/<g class="stage /g)).toHaveLength(4);
    expect(svg).toContain('aria-label="stage graph"');
    expect(svg).toMatch(/data-stage="scan" data-state="in_progress"/);
    expect(svg).toContain('>in progress</text>');
  });

  it('marks the failed stage, and only it, with the class and a ✕ label', () => {
    expect(svg.match(/ failed"/g)).toHaveLength(1);
    expect(svg).toMatch(/<g class="stage tone-failed failed" data-stage="test" data-state="failure">/);
    expect(svg).toContain('>✕ failure</text>');
  });

  it('links each stage box to its section on the page', () => {
    expect(svg).toContain(`href="#${stageAnchor('deploy-staging')}"`);
    expect(stageAnchor('a b/<c>')).toBe('stage-a%20b%2F%3Cc%3E');
  });

  it('escapes a hostile stage name in the label, the title and the attributes', () => {
    const hostile = renderDag([{ name: '<img src=x onerror=alert(1)>', needs: [], state: 'failure' }]).toString();
    expect(hostile).not.toContain('<img');
    expect(hostile).toContain('data-stage="&lt;img src=x onerror=alert(1)&gt;"');
    expect(hostile).toContain('<title>&lt;img src=x onerror=alert(1)&gt;: failure</title>');
  });

  it('cuts a long name in the box but keeps it whole in the title', () => {
    const name = 'a-really-long-stage-name-that-does-not-fit';
    const out = renderDag([{ name, needs: [], state: 'success' }]).toString();
    expect(out).toContain(`>${name.slice(0, MAX_LABEL_CHARS - 1)}…</text>`);
    expect(out).toContain(`<title>${name}: success</title>`);
  });

  it('says so instead of drawing an empty graph', () => {
    expect(renderDag([]).toString()).toBe('<p class="empty">This run has no stages.</p>');
  });
});

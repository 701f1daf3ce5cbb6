/**
 * The stage graph's layout, as a pure function of the stages and their
 * `needs`: longest-path layering (a stage's column is one more than the
 * furthest of its needs; stages without needs are in the first column), rows
 * ordered by name within a column, so the same plan always gives the same
 * coordinates. Edges between neighbouring columns are one curve; an edge that
 * skips columns runs along the free lane above its target's row, so it never
 * crosses a stage between (the GitLab graph's known fault).
 */

/** A stage as the layout takes it. */
export interface DagStage {
  name: string;
  /** Stages it waits for; names that are not stages of the graph are ignored. */
  needs: readonly string[];
}

/** A stage placed on the grid, with its box in SVG units. */
export interface DagNode {
  name: string;
  column: number;
  row: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One `needs` edge: from the needed stage to the stage that needs it, as an SVG path. */
export interface DagEdge {
  from: string;
  to: string;
  path: string;
}

export interface DagLayout {
  nodes: DagNode[];
  edges: DagEdge[];
  width: number;
  height: number;
  columns: number;
}

/** Box and spacing sizes, in SVG units. */
export const DAG_SIZES = { nodeWidth: 168, nodeHeight: 48, columnGap: 56, rowGap: 28, padding: 16 } as const;

/**
 * Each stage's column: 0 without needs, else 1 + the largest column of its
 * needs. A cycle (the config checks forbid them) is cut where it is found, so
 * the layout still terminates and places every stage once.
 */
export function stageColumns(stages: readonly DagStage[]): Map<string, number> {
  const byName = new Map(stages.map((stage) => [stage.name, stage]));
  const columns = new Map<string, number>();
  const visiting = new Set<string>();
  const columnOf = (name: string): number => {
    const known = columns.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return -1;
    visiting.add(name);
    let column = 0;
    for (const need of byName.get(name)?.needs ?? []) {
      if (!byName.has(need) || need === name) continue;
      column = Math.max(column, columnOf(need) + 1);
    }
    visiting.delete(name);
    columns.set(name, column);
    return column;
  };
  for (const stage of stages) columnOf(stage.name);
  return columns;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lays out the graph: one node per stage (duplicates by name are placed once), one edge per known need (by names), whatever the stages' order. */
export function layoutDag(stages: readonly DagStage[]): DagLayout {
  const { nodeWidth, nodeHeight, columnGap, rowGap, padding } = DAG_SIZES;
  const unique = [...new Map(stages.map((stage) => [stage.name, stage])).values()];
  const columns = stageColumns(unique);
  const byColumn = new Map<number, string[]>();
  for (const stage of unique) {
    const column = columns.get(stage.name) ?? 0;
    byColumn.set(column, [...(byColumn.get(column) ?? []), stage.name]);
  }
  const nodes: DagNode[] = [];
  const nodeOf = new Map<string, DagNode>();
  const columnCount = byColumn.size === 0 ? 0 : Math.max(...byColumn.keys()) + 1;
  let rows = 0;
  for (let column = 0; column < columnCount; column++) {
    const names = (byColumn.get(column) ?? []).sort(compareNames);
    rows = Math.max(rows, names.length);
    names.forEach((name, row) => {
      const node = { name, column, row, x: padding + column * (nodeWidth + columnGap), y: padding + row * (nodeHeight + rowGap), width: nodeWidth, height: nodeHeight };
      nodes.push(node);
      nodeOf.set(name, node);
    });
  }
  const edges: DagEdge[] = [];
  for (const stage of unique) {
    const to = nodeOf.get(stage.name);
    if (!to) continue;
    for (const need of [...new Set(stage.needs)].sort(compareNames)) {
      const from = nodeOf.get(need);
      if (!from || from === to || from.column >= to.column) continue;
      edges.push({ from: need, to: stage.name, path: edgePath(from, to) });
    }
  }
  edges.sort((a, b) => compareNames(a.from, b.from) || compareNames(a.to, b.to));
  return {
    nodes,
    edges,
    columns: columnCount,
    width: columnCount === 0 ? 2 * padding : 2 * padding + columnCount * nodeWidth + (columnCount - 1) * columnGap,
    height: rows === 0 ? 2 * padding : 2 * padding + rows * nodeHeight + (rows - 1) * rowGap,
  };
}

/** The path of one edge (see the module comment for the routing). */
function edgePath(from: DagNode, to: DagNode): string {
  const { columnGap, rowGap } = DAG_SIZES;
  const x1 = from.x + from.width;
  const y1 = from.y + from.height / 2;
  const x2 = to.x;
  const y2 = to.y + to.height / 2;
  if (to.column === from.column + 1) {
    const mid = (x1 + x2) / 2;
    return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
  }
  const leave = x1 + columnGap / 2;
  const arrive = x2 - columnGap / 2;
  const lane = to.y - rowGap / 2;
  return `M${x1},${y1} H${leave} V${lane} H${arrive} V${y2} H${x2}`;
}

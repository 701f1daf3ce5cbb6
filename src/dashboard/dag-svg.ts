/**
 * The stage graph of a run as inline SVG: one `g.stage` per stage (its box
 * coloured by state and the state written under its name, so colour is never
 * the only signal), a failed stage marked `failed` with a ✕, and the `needs`
 * edges behind the boxes. Each box links to the stage's jobs on the page.
 */
import { layoutDag, type DagStage } from './dag-layout.ts';
import { isFailedState, toneOf } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** A stage as the graph shows it. */
export interface DagStageView extends DagStage {
  state: string;
}

/** The characters of a stage name that fit in its box; longer names are cut with `…` (the full name is in the box's title). */
export const MAX_LABEL_CHARS = 20;

function label(name: string): string {
  const chars = [...name];
  return chars.length <= MAX_LABEL_CHARS ? name : `${chars.slice(0, MAX_LABEL_CHARS - 1).join('')}…`;
}

/** The in-page anchor of a stage's section. */
export function stageAnchor(name: string): string {
  return `stage-${encodeURIComponent(name)}`;
}

/** The SVG of the stage graph; an empty plan gives a short note instead. */
export function renderDag(stages: readonly DagStageView[]): SafeHtml {
  if (stages.length === 0) return html`<p class="empty">This run has no stages.</p>`;
  const layout = layoutDag(stages);
  const stateOf = new Map(stages.map((stage) => [stage.name, stage.state]));
  const edges = layout.edges.map((edge) => html`<path class="edge" d="${edge.path}" data-from="${edge.from}" data-to="${edge.to}" marker-end="url(#arrow)"/>`);
  const nodes = layout.nodes.map((node) => {
    const state = stateOf.get(node.name) ?? 'pending';
    const failed = isFailedState(state);
    const cx = node.x + node.width / 2;
    return html`<g class="stage tone-${toneOf(state)}${failed ? ' failed' : ''}" data-stage="${node.name}" data-state="${state}"><a href="#${stageAnchor(node.name)}"><title>${node.name}: ${state}</title><rect x="${node.x}" y="${node.y}" width="${node.width}" height="${node.height}" rx="6"/><text class="name" x="${cx}" y="${node.y + 20}">${label(node.name)}</text><text class="label" x="${cx}" y="${node.y + 38}">${failed ? '✕ ' : ''}${state.replaceAll('_', ' ')}</text></a></g>`;
  });
  return html`<svg class="dag" role="group" aria-label="stage graph" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" xmlns="http://www.w3.org/2000/svg"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>${edges}${nodes}</svg>`;
}

/**
 * Which pipelines an event starts, and which of their stages would run (SPEC §4).
 * Pure: the same decision feeds the engine and `shipgate plan`.
 */
import { buildExpressionContext, evaluateCondition, type ExpressionContext } from './conditions.ts';
import type { ShipgateEvent } from './event.ts';
import { matchTriggers, type PipelineTriggers } from './triggers.ts';
import type { ShipgateConfig } from '../repo-config/schema.ts';

/** A stage as far as planning needs it. */
export interface PlannableStage {
  needs?: string[] | undefined;
  if?: string | undefined;
  jobs: Record<string, unknown>;
}

/** A pipeline as far as matching needs it. */
export interface MatchablePipeline {
  on: PipelineTriggers;
  stages: Record<string, PlannableStage>;
}

/**
 * The part of a parsed {@link ShipgateConfig} that matching reads. Every
 * `ShipgateConfig` is one (checked below); tests may pass smaller objects.
 */
export interface MatchableConfig {
  pipelines: Record<string, MatchablePipeline>;
}

type Assert<T extends true> = T;
/** Fails to compile if the schema's output stops fitting what matching reads. */
export type ShipgateConfigIsMatchable = Assert<ShipgateConfig extends MatchableConfig ? true : false>;

/** One stage of a matched pipeline: its jobs, and why it would not run (or `false`). */
export type StagePlan = { id: string; jobs: string[]; skipped: false | string };

/** A pipeline the event starts, why, and its stages in run order. */
export type MatchedPipeline = { id: string; reasons: string[]; stages: StagePlan[] };

/** The decision for one event over a whole config. */
export type MatchResult = {
  pipelines: MatchedPipeline[];
  skipped: Array<{ id: string; reason: string }>;
};

/**
 * Matches an event against every pipeline of a config, in config order. Pipelines
 * whose triggers do not apply are listed in `skipped` with the reason. A path filter
 * on an event whose changed files are unknown is a skip reason (the caller must
 * resolve them first, see `changed-files.ts`), never a silent match or miss.
 */
export function matchEvent(event: ShipgateEvent, config: MatchableConfig): MatchResult {
  const result: MatchResult = { pipelines: [], skipped: [] };
  for (const [id, pipeline] of Object.entries(config.pipelines)) {
    let outcome;
    try {
      outcome = matchTriggers(event, pipeline.on);
    } catch (error) {
      // Only an invalid filter pattern throws; the validator normally rejects it first.
      result.skipped.push({ id, reason: `cannot match the triggers: ${(error as Error).message}` });
      continue;
    }
    if (!outcome.ok) {
      result.skipped.push({ id, reason: outcome.reason });
      continue;
    }
    const context = buildExpressionContext(event, id);
    result.pipelines.push({ id, reasons: outcome.reasons, stages: planStages(pipeline.stages, context) });
  }
  return result;
}

/**
 * Orders stages by `needs` (declaration order among stages that are ready together)
 * and decides which would be skipped: by an unknown or cyclic `needs`, by a need
 * that is skipped, or by an `if:` that is false or cannot be evaluated.
 */
export function planStages(stages: Record<string, PlannableStage>, context: ExpressionContext): StagePlan[] {
  const plans = new Map<string, StagePlan>();
  const { order, cyclic } = orderStages(stages);
  for (const id of order) {
    const stage = stages[id] as PlannableStage;
    const skipped = cyclic.has(id)
      ? `its needs form a cycle (${[...cyclic].join(', ')})`
      : skipReason(stage, stages, plans, context);
    plans.set(id, { id, jobs: Object.keys(stage.jobs), skipped });
  }
  return [...plans.values()];
}

function skipReason(
  stage: PlannableStage,
  stages: Record<string, PlannableStage>,
  planned: Map<string, StagePlan>,
  context: ExpressionContext,
): false | string {
  for (const need of stage.needs ?? []) {
    if (!Object.hasOwn(stages, need)) return `needs '${need}', which is not a stage of this pipeline`;
    const needPlan = planned.get(need);
    if (needPlan?.skipped !== false) return `needs '${need}', which is skipped`;
  }
  if (stage.if === undefined) return false;
  const condition = evaluateCondition(stage.if, context);
  if (!condition.ok) return `if: ${stage.if} could not be evaluated: ${condition.error}`;
  return condition.value ? false : `if: ${stage.if} was false`;
}

/**
 * Kahn's algorithm, picking the earliest declared ready stage. Stages that can never
 * be placed (in or behind a cycle) go last, in declaration order, as `cyclic`.
 */
function orderStages(stages: Record<string, PlannableStage>): { order: string[]; cyclic: Set<string> } {
  const ids = Object.keys(stages);
  const placed = new Set<string>();
  const order: string[] = [];
  let progress = true;
  while (progress) {
    progress = false;
    for (const id of ids) {
      if (placed.has(id)) continue;
      const needs = (stages[id]?.needs ?? []).filter((need) => Object.hasOwn(stages, need));
      if (needs.every((need) => placed.has(need))) {
        placed.add(id);
        order.push(id);
        progress = true;
        break;
      }
    }
  }
  const cyclic = new Set(ids.filter((id) => !placed.has(id)));
  return { order: [...order, ...cyclic], cyclic };
}

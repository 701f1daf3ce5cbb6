/**
 * Which pipelines an event starts, and which of their stages would run (SPEC §4).
 * Pure: the trigger match feeds the engine and `shipgate plan`; the stage order
 * is the engine's own (`topologicalStages`) and skips are worded by the engine's
 * reason codes, so `shipgate plan` and the check run say the same thing.
 */
import { topologicalStages, type PlanPipeline } from '../engine/plan.ts';
import { reason, renderReason, type Reason } from '../engine/reasons.ts';
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

/**
 * One stage of a matched pipeline: its jobs, and why it would not run (`false`
 * when it would), as the sentence and as the reason it is rendered from.
 */
export type StagePlan = { id: string; jobs: string[]; skipped: false | string; reason?: Reason };

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
 * The stages in the engine's order (every stage after its needs, declaration
 * order otherwise) and which would be skipped if every job succeeded, with the
 * engine's reasons: a need that is skipped, an `if:` that is false or cannot be
 * evaluated, and for configs the validator would refuse, a need that is not a
 * stage or a cycle in `needs`.
 */
export function planStages(stages: Record<string, PlannableStage>, context: ExpressionContext): StagePlan[] {
  const pipeline: PlanPipeline = {
    stages: Object.fromEntries(Object.entries(stages).map(([id, stage]) => [id, { needs: stage.needs ?? [], jobs: {} }])),
  };
  const cycles = stagesOnCycles(pipeline);
  const plans = new Map<string, StagePlan>();
  for (const id of topologicalStages(pipeline)) {
    const stage = stages[id] as PlannableStage;
    const why = skipReason(id, stage, stages, plans, cycles, context);
    const jobs = Object.keys(stage.jobs);
    plans.set(id, why === undefined ? { id, jobs, skipped: false } : { id, jobs, skipped: renderReason(why), reason: why });
  }
  return [...plans.values()];
}

function skipReason(
  id: string,
  stage: PlannableStage,
  stages: Record<string, PlannableStage>,
  planned: Map<string, StagePlan>,
  cycles: Map<string, string[]>,
  context: ExpressionContext,
): Reason | undefined {
  const cycle = cycles.get(id);
  if (cycle) return reason('stage.needs-cycle', { stages: cycle });
  for (const need of stage.needs ?? []) {
    if (!Object.hasOwn(stages, need)) return reason('stage.needs-unknown', { need });
    if (planned.get(need)?.skipped !== false) return reason('stage.needs-skipped', { need });
  }
  if (stage.if === undefined) return undefined;
  const condition = evaluateCondition(stage.if, context);
  if (!condition.ok) return reason('stage.if-error', { expression: stage.if, error: condition.error });
  return condition.value ? undefined : reason('stage.if-false', { expression: stage.if });
}

/** For each stage on a cycle of `needs`: the stages of its cycle, in the engine's order. */
function stagesOnCycles(pipeline: PlanPipeline): Map<string, string[]> {
  const needsOf = (id: string) => (pipeline.stages[id]?.needs ?? []).filter((need) => Object.hasOwn(pipeline.stages, need));
  const reachable = (from: string): Set<string> => {
    const seen = new Set<string>();
    const todo = [...needsOf(from)];
    for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      todo.push(...needsOf(next));
    }
    return seen;
  };
  const order = topologicalStages(pipeline);
  const reach = new Map(order.map((id) => [id, reachable(id)]));
  const cycles = new Map<string, string[]>();
  for (const id of order) {
    if (!reach.get(id)?.has(id)) continue;
    cycles.set(id, order.filter((other) => reach.get(id)?.has(other) && reach.get(other)?.has(id)));
  }
  return cycles;
}

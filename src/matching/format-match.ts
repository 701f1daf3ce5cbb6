/**
 * Renders a {@link MatchResult} for people (`shipgate plan`) and as the documented
 * JSON shape. Pure.
 */
import type { ReasonCode } from '../engine/reasons.ts';
import type { ShipgateEvent } from './event.ts';
import type { MatchResult } from './match-event.ts';

/** The JSON printed by `shipgate plan --json` (SPEC §4, plus each pipeline's reasons). */
export interface MatchResultJson {
  pipelines: Array<{
    id: string;
    /** `code` is the reason code of a skip (`stage.if-false`, …), beside its sentence in `skipped`. */
    stages: Array<{ id: string; jobs: string[]; skipped: false | string; code?: ReasonCode }>;
    reasons: string[];
  }>;
  skipped: Array<{ id: string; reason: string }>;
}

/** The result in the documented key order: `id`, `stages`, then `reasons`. */
export function matchResultToJson(result: MatchResult): MatchResultJson {
  return {
    pipelines: result.pipelines.map((pipeline) => ({
      id: pipeline.id,
      stages: pipeline.stages.map((stage) => ({
        id: stage.id,
        jobs: [...stage.jobs],
        skipped: stage.skipped,
        ...(stage.skipped !== false && stage.reason ? { code: stage.reason.code } : {}),
      })),
      reasons: [...pipeline.reasons],
    })),
    skipped: result.skipped.map(({ id, reason }) => ({ id, reason })),
  };
}

/** One sentence naming the event: "a push to branch 'main' (changed: a.ts)". */
export function describeEvent(event: ShipgateEvent): string {
  const changed =
    event.changedFiles === undefined
      ? ' (changed files not given)'
      : event.changedFiles.length === 0
        ? ' (no changed files)'
        : ` (changed: ${event.changedFiles.join(', ')})`;
  switch (event.kind) {
    case 'push':
      return `a push to branch '${event.branch ?? event.ref}'${changed}`;
    case 'tag':
      return `a push of tag '${event.tag ?? event.ref}'`;
    case 'pull_request':
      return `pull request action '${event.action ?? ''}' from '${event.branch ?? event.ref}' into '${event.baseBranch ?? ''}'${changed}`;
    case 'manual':
      return `a manual start on branch '${event.branch ?? event.ref}'`;
  }
}

/** A readable report: each pipeline that would run with its reasons and stages, then the others and why not. */
export function formatMatchResult(event: ShipgateEvent, result: MatchResult, configFile: string): string {
  const lines: string[] = [`Plan for ${describeEvent(event)}, with ${configFile}`, ''];
  for (const pipeline of result.pipelines) {
    lines.push(`✓ ${pipeline.id} would run`);
    pipeline.reasons.forEach((reason, index) => lines.push(`    ${index === 0 ? 'because' : 'and'} ${reason}`));
    const width = Math.max(0, ...pipeline.stages.map((stage) => stage.id.length));
    for (const stage of pipeline.stages) {
      const jobs = stage.jobs.join(', ') || '(no jobs)';
      const name = `stage ${stage.id.padEnd(width)}`;
      lines.push(stage.skipped === false ? `    ${name}  runs: ${jobs}` : `    ${name}  skipped: ${stage.skipped} (jobs: ${jobs})`);
    }
    lines.push('');
  }
  for (const skipped of result.skipped) lines.push(`✗ ${skipped.id} would not run: ${skipped.reason}`);
  if (result.skipped.length > 0) lines.push('');
  const total = result.pipelines.length + result.skipped.length;
  lines.push(`${result.pipelines.length} of ${total} pipeline${total === 1 ? '' : 's'} would run.`);
  if (event.changedFiles === undefined && result.skipped.some((s) => s.reason.includes('the changed files are unknown'))) {
    lines.push('Hint: pass --changed a,b,c to check path filters.');
  }
  return lines.join('\n');
}

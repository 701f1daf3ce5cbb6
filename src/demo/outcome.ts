/**
 * Did the story end as scripted? A pure verdict over what was observed, with
 * one plain sentence per thing that went differently.
 */
import { DEMO_DISPATCH_WAVES } from './story.ts';

/** What the demo observed by the end of the story. */
export interface DemoObservations {
  /** The pipeline's run conclusion (`run-completed`), if it completed. */
  pipelineConclusion: string | undefined;
  /** Stage → conclusion (`stage-completed`) or `skipped: reason`. */
  stages: Record<string, string>;
  /** The stages the config declares, in order. */
  expectedStages: readonly string[];
  /** The latest state of the app's check runs by name (`completed/success`, `in_progress/`). */
  checkRuns: Record<string, { status: string; conclusion: string | null }>;
  /** The pipeline's check run name, e.g. `shipgate/ci`. */
  pipelineCheck: string;
  /** Accepted dispatches (HTTP < 300), workflow file names in order. */
  dispatchedWorkflows: readonly string[];
  /** Requests the simulator refused as GitHub would (route, body), as text. */
  violations: readonly string[];
  /** Set when the story did not end in time. */
  unfinished?: string;
  /** The user stopped the story before its end (nothing else is judged then). */
  interrupted?: boolean;
}

/** The verdict: `ok`, or what went wrong. */
export type DemoOutcome = { ok: true } | { ok: false; problems: string[] };

/** Checks the observations against the script: every stage green, both check runs green, dispatches in waves. */
export function judgeDemo(seen: DemoObservations): DemoOutcome {
  if (seen.interrupted) return { ok: false, problems: ['interrupted before the story ended'] };
  const problems: string[] = [];
  if (seen.unfinished) problems.push(seen.unfinished);
  if (seen.pipelineConclusion === undefined) problems.push('the pipeline run did not complete');
  else if (seen.pipelineConclusion !== 'success') problems.push(`the pipeline run concluded ${seen.pipelineConclusion}, expected success`);
  for (const stage of seen.expectedStages) {
    const conclusion = seen.stages[stage];
    if (conclusion === undefined) problems.push(`stage ${stage} did not complete`);
    else if (conclusion !== 'success') problems.push(`stage ${stage} ended ${conclusion}, expected success`);
  }
  for (const name of [seen.pipelineCheck, 'shipgate']) {
    const check = seen.checkRuns[name];
    if (!check) problems.push(`the app did not write the check run ${name}`);
    else if (check.status !== 'completed') problems.push(`check run ${name} is still ${check.status}`);
    else if (check.conclusion !== 'success') problems.push(`check run ${name} concluded ${check.conclusion ?? 'nothing'}, expected success`);
  }
  const waves = dispatchWaves(seen.dispatchedWorkflows);
  const expected = DEMO_DISPATCH_WAVES.map((wave) => [...wave].sort());
  if (JSON.stringify(waves) !== JSON.stringify(expected)) {
    problems.push(`dispatches were ${formatWaves(waves)}, expected ${formatWaves(expected)}`);
  }
  if (seen.violations.length) problems.push(`the simulator refused ${seen.violations.length} request(s) as GitHub would: ${seen.violations.join('; ')}`);
  return problems.length ? { ok: false, problems } : { ok: true };
}

/**
 * Groups dispatched workflows into the story's waves by position: the first
 * wave's size, then the next one's… so `build, scan, test, deploy` reads
 * `[build] [scan test] [deploy]` and any order inside a wave is accepted.
 */
function dispatchWaves(workflows: readonly string[]): string[][] {
  const waves: string[][] = [];
  let index = 0;
  for (const wave of DEMO_DISPATCH_WAVES) {
    if (index >= workflows.length) break;
    waves.push(workflows.slice(index, index + wave.length).sort());
    index += wave.length;
  }
  if (index < workflows.length) waves.push(workflows.slice(index).sort());
  return waves;
}

function formatWaves(waves: readonly (readonly string[])[]): string {
  return waves.length ? waves.map((wave) => wave.join(' + ')).join(', then ') : 'none';
}

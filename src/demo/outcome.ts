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

/** What the demo observed in its pull-request part: `ci` fails on the PR, `/retry` re-runs the failed job, green. */
export interface PullRequestObservations {
  /** The PR run's conclusion before `/retry`, and its stages then. */
  before: { pipelineConclusion: string | undefined; stages: Record<string, string> };
  /** The PR run's conclusion and check runs at the end. */
  after: { pipelineConclusion: string | undefined; checkRuns: Record<string, { status: string; conclusion: string | null }> };
  /** The app's reactions to the `/retry` comment, in order. */
  reactions: readonly string[];
  /** Accepted "re-run failed jobs" requests. */
  rerunFailedJobs: number;
  /** The workflows dispatched for the pull request (before and after `/retry`). */
  dispatchedWorkflows: readonly string[];
  /** Set when a step did not happen in time. */
  unfinished?: string;
}

/** The problems of the pull-request part (none when it went as scripted). */
export function judgePullRequestAct(seen: PullRequestObservations, pipelineCheck: string): string[] {
  const problems: string[] = [];
  if (seen.unfinished) problems.push(seen.unfinished);
  if (seen.before.pipelineConclusion !== 'failure') problems.push(`the pull request's run concluded ${seen.before.pipelineConclusion ?? 'nothing'} before /retry, expected failure`);
  if (seen.before.stages['test'] !== 'failure') problems.push(`the pull request's stage test ended ${seen.before.stages['test'] ?? 'nothing'} before /retry, expected failure`);
  if (seen.rerunFailedJobs !== 1) problems.push(`/retry asked GitHub to re-run failed jobs ${seen.rerunFailedJobs} times, expected once`);
  if ([...seen.dispatchedWorkflows].sort().join(',') !== 'build.yml,scan.yml,test.yml') {
    problems.push(`the pull request dispatched ${seen.dispatchedWorkflows.join(', ') || 'nothing'}, expected build.yml, test.yml and scan.yml once each`);
  }
  if (seen.after.pipelineConclusion !== 'success') problems.push(`the pull request's run concluded ${seen.after.pipelineConclusion ?? 'nothing'} after /retry, expected success`);
  for (const name of [pipelineCheck, 'shipgate']) {
    const check = seen.after.checkRuns[name];
    if (check?.status !== 'completed' || check.conclusion !== 'success') problems.push(`the pull request's check run ${name} is ${check ? `${check.status}/${check.conclusion ?? ''}` : 'missing'}, expected completed/success`);
  }
  if (seen.reactions.join(',') !== 'eyes,rocket') problems.push(`the app reacted ${seen.reactions.join(', ') || 'nothing'} to /retry, expected eyes then rocket`);
  return problems;
}

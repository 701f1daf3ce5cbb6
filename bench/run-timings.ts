/**
 * How long each simulated workflow run of DAG pipeline `i` takes (pure). Every
 * timer the sim sets for a run is then unique to its pipeline and workflow,
 * so the bench can release exactly the runs it means to (see `GatedClock`).
 */

/** The DAG fixture's workflows, by stage: build → test + scan → deploy. */
export const DAG_WORKFLOWS = ['build.yml', 'test.yml', 'scan.yml', 'deploy.yml'] as const;
/** One of the DAG's workflow files. */
export type DagWorkflow = (typeof DAG_WORKFLOWS)[number];

/** Builds last an hour, so nothing but the bench ends them; the others some minutes. */
const BASE_DURATION_MS: Record<DagWorkflow, number> = {
  'build.yml': 3_600_000,
  'test.yml': 200_000,
  'scan.yml': 300_000,
  'deploy.yml': 400_000,
};

/** Pipelines numbered 1..this have distinct timers. */
export const MAX_PIPELINES = 99;

function checked(i: number): number {
  if (!Number.isInteger(i) || i < 1 || i > MAX_PIPELINES) throw new RangeError(`pipeline index must be 1..${MAX_PIPELINES}, got ${i}`);
  return i;
}

/** From a run's creation to `in_progress`, for every run of pipeline `i`. */
export function startDelayMs(i: number): number {
  return 1_000 + checked(i);
}

/** From a run's creation to its end. */
export function runDurationMs(workflow: DagWorkflow, i: number): number {
  return BASE_DURATION_MS[workflow] + 10 * checked(i);
}

/** The delay of the timer that ends the run (set when the run goes `in_progress`). */
export function completionDelayMs(workflow: DagWorkflow, i: number): number {
  return runDurationMs(workflow, i) - startDelayMs(i);
}

/** Every timer delay the runs of pipeline `i` use, except the build's completion (the bench releases that one alone). */
export function followUpDelaysMs(i: number): Set<number> {
  return new Set([startDelayMs(i), ...DAG_WORKFLOWS.filter((w) => w !== 'build.yml').map((w) => completionDelayMs(w, i))]);
}

/** Every timer delay the runs of pipeline `i` use. */
export function allDelaysMs(i: number): Set<number> {
  return new Set([...followUpDelaysMs(i), completionDelayMs('build.yml', i)]);
}

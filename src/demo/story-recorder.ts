/**
 * Follows the story: turns engine events and simulator changes into timeline
 * entries as they arrive, and keeps what is needed to tell when the story is
 * over and how it went.
 */
import type { Clock } from '../clock.ts';
import type { EngineEvent } from '../engine/deps.ts';
import type { GitHubSimulator } from '../sim/index.ts';
import type { DemoObservations } from './outcome.ts';
import { describeEngineEvent, type TimelineEntry, type WorkflowRunFacts } from './timeline.ts';
import type { SimulatorChange } from './watch-simulator.ts';

/** What the recorder saw, for the verdict. */
export type RecordedStory = Pick<DemoObservations, 'pipelineConclusion' | 'stages' | 'checkRuns'>;

/** The story as it unfolds; feed it events, read whether it is over. */
export interface StoryRecorder {
  /** The simulator time the timeline counts from (set by `start`). */
  readonly startedAt: number;
  /** Starts the timeline's clock and the recording; events before it are ignored (start-up work). */
  start(): void;
  /** Stops recording (later events are ignored). */
  stop(): void;
  /** Starts a new part of the story: what `isOver` and `recorded` look at is cleared; the timeline goes on. */
  beginAct(): void;
  /** Adds an entry of the demo's own (the push). */
  note(kind: string, text: string, data: Record<string, unknown>): void;
  onEngineEvent(event: EngineEvent): void;
  onSimulatorChange(change: SimulatorChange): void;
  /** The roll-up check run is written, and every check run and pipeline run has completed. */
  isOver(): boolean;
  recorded(): RecordedStory;
}

export interface StoryRecorderOptions {
  sim: GitHubSimulator;
  clock: Clock;
  /** Receives each entry as it happens. */
  onEntry(entry: TimelineEntry): void;
  /** Called after each recorded event (to check `isOver`). */
  onProgress?: () => void;
}

/** Creates a recorder; nothing is recorded until `start()`. */
export function createStoryRecorder(options: StoryRecorderOptions): StoryRecorder {
  const { sim, clock } = options;
  let startedAt = clock.now();
  let recording = false;
  const runs = new Map<number, string | undefined>();
  const stages: Record<string, string> = {};
  const checkRuns: DemoObservations['checkRuns'] = {};
  const runOfJob = new Map<string, number>();

  const note = (kind: string, text: string, data: Record<string, unknown>) => {
    if (!recording) return;
    options.onEntry({ elapsedMs: Math.max(0, clock.now() - startedAt), kind, text, data });
  };
  const workflowRunOf = (event: EngineEvent): WorkflowRunFacts | undefined => {
    if (event.kind === 'job-dispatched') return event.workflowRunId === null ? undefined : workflowRunFacts(sim, event.workflowRunId);
    if (event.kind !== 'job-completed') return undefined;
    const id = runOfJob.get(jobKey(event));
    return id === undefined ? undefined : workflowRunFacts(sim, id);
  };

  return {
    get startedAt() {
      return startedAt;
    },
    start() {
      startedAt = clock.now();
      recording = true;
    },
    stop() {
      recording = false;
    },
    beginAct() {
      runs.clear();
      runOfJob.clear();
      for (const key of Object.keys(stages)) delete stages[key];
      for (const key of Object.keys(checkRuns)) delete checkRuns[key];
    },
    note,
    onEngineEvent(event) {
      if (!recording) return;
      if (event.kind === 'run-created') runs.set(event.runId, undefined);
      if (event.kind === 'run-completed') runs.set(event.runId, event.conclusion);
      if (event.kind === 'stage-completed') stages[event.stage] = event.conclusion;
      if (event.kind === 'stage-skipped') stages[event.stage] = `skipped: ${event.reason}`;
      if (event.kind === 'job-dispatched' && event.workflowRunId !== null) runOfJob.set(jobKey(event), event.workflowRunId);
      const workflowRun = workflowRunOf(event);
      const line = describeEngineEvent(event, workflowRun);
      if (line) note(line.kind, line.text, { event, ...(workflowRun ? { workflowRun } : {}) });
      options.onProgress?.();
    },
    onSimulatorChange(change) {
      if (!recording) return;
      if (change.kind === 'delivery') {
        const answer = change.status === undefined ? `failed: ${change.error ?? 'no answer'}` : `answered HTTP ${change.status} in ${change.durationMs} ms`;
        note('webhook', `${change.event} delivered to the app, ${answer}`, { change });
      } else {
        checkRuns[change.name] = { status: change.status, conclusion: change.conclusion };
        const state = change.status === 'completed' ? `completed: ${change.conclusion ?? 'none'}` : change.status;
        note('check', `${change.name} ${state}${change.title ? ` — ${change.title}` : ''}`, { change });
      }
      options.onProgress?.();
    },
    isOver() {
      const rollup = checkRuns['shipgate'];
      const checksDone = Object.values(checkRuns).every((check) => check.status === 'completed');
      const runsDone = [...runs.values()].every((conclusion) => conclusion !== undefined);
      return rollup?.status === 'completed' && checksDone && runsDone;
    },
    recorded() {
      return { pipelineConclusion: [...runs.values()][0], stages: { ...stages }, checkRuns: { ...checkRuns } };
    },
  };
}

/** A workflow run on the simulator as the timeline shows it: file, REST URL, ref, inputs, duration. */
function workflowRunFacts(sim: GitHubSimulator, workflowRunId: number): WorkflowRunFacts | undefined {
  const run = sim.workflowRun(workflowRunId);
  if (!run) return undefined;
  const latest = run.attempts.at(-1);
  return {
    id: run.id,
    workflow: run.workflow.path.split('/').pop() ?? run.workflow.path,
    url: `${sim.baseUrl}/repos/${run.repo.fullName}/actions/runs/${run.id}`,
    ref: run.headBranch ?? run.headSha.slice(0, 7),
    inputs: run.inputs,
    durationMs: latest?.status === 'completed' ? latest.updatedAt - latest.createdAt : undefined,
  };
}

/** Identifies a job attempt across engine events. */
function jobKey(job: { runId: number; stage: string; job: string; attempt: number }): string {
  return `${job.runId}/${job.stage}/${job.job}/${job.attempt}`;
}

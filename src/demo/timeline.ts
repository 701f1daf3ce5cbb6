/**
 * The demo's timeline: what happened, when (since the push), in words for a
 * terminal and as data for `--json`. Describing an event is pure; the caller
 * decides where lines go.
 */
import type { EngineEvent } from '../engine/deps.ts';

/** One line of the timeline. */
export interface TimelineEntry {
  /** Milliseconds since the story started (the push). */
  elapsedMs: number;
  /** A short label: push, webhook, run, stage, dispatch, job, gate, check, … */
  kind: string;
  /** The line a person reads. */
  text: string;
  /** The same, machine-readable (`--json`). */
  data: Record<string, unknown>;
}

/** What the timeline needs to know about the workflow run behind a job. */
export interface WorkflowRunFacts {
  id: number;
  /** The workflow file, e.g. `build.yml`. */
  workflow: string;
  /** The run's REST URL (served by the simulator). */
  url: string;
  ref: string;
  /** The inputs the run received. */
  inputs: Record<string, string>;
  /** How long its latest attempt took, once completed. */
  durationMs: number | undefined;
}

/** Inputs shipgate adds to every dispatch; the timeline shows the configured ones. */
const SHIPGATE_INPUTS = new Set(['shipgate_run', 'sha']);

/**
 * Describes an engine event as a timeline line (label and text), or undefined
 * when the event is not worth a line. `run` is the workflow run behind a job
 * event, when known.
 */
export function describeEngineEvent(event: EngineEvent, run?: WorkflowRunFacts): { kind: string; text: string } | undefined {
  switch (event.kind) {
    case 'run-created':
      return { kind: 'run', text: `pipeline ${event.pipeline} run #${event.runId} created for ${event.repo}@${event.sha.slice(0, 7)} (${event.trigger})` };
    case 'stage-started':
      return { kind: 'stage', text: `${event.stage} started` };
    case 'stage-skipped':
      return { kind: 'stage', text: `${event.stage} skipped: ${event.reason}` };
    case 'stage-completed':
      return { kind: 'stage', text: `${event.stage} done: ${event.conclusion}` };
    case 'job-dispatched': {
      const job = `${event.stage}/${event.job}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
      if (!run) return { kind: 'dispatch', text: `${job} dispatched${event.workflowRunId === null ? ' (GitHub did not return the run id)' : ` as run ${event.workflowRunId}`}` };
      const inputs = Object.entries(run.inputs)
        .filter(([name]) => !SHIPGATE_INPUTS.has(name))
        .map(([name, value]) => `${name}=${value}`);
      const details = [`ref ${run.ref}`, ...inputs].join(', ');
      return { kind: 'dispatch', text: `${job} → ${run.workflow} (${details}) → ${run.url}` };
    }
    case 'job-failed-to-start':
      return { kind: 'job', text: `${event.stage}/${event.job} could not start: ${event.error}` };
    case 'job-completed': {
      const took = run?.durationMs === undefined ? '' : ` (run ${run.id} took ${formatElapsed(run.durationMs)})`;
      return { kind: 'job', text: `${event.stage}/${event.job} finished: ${event.conclusion}${took}` };
    }
    case 'job-retry-scheduled':
      return { kind: 'job', text: `${event.stage}/${event.job} will be retried` };
    case 'gate-evaluated':
      return { kind: 'gate', text: `${event.gate}: ${event.result}` };
    case 'run-completed':
      return { kind: 'run', text: `pipeline ${event.pipeline} run #${event.runId} completed: ${event.conclusion}` };
    case 'config-invalid':
      return { kind: 'config', text: `.github/shipgate.yml of ${event.repo}@${event.sha.slice(0, 7)} is invalid (${event.errors} error${event.errors === 1 ? '' : 's'})` };
    case 'no-pipeline':
      return { kind: 'run', text: `no pipeline applies to ${event.repo}@${event.sha.slice(0, 7)}` };
  }
}

/** `12.3s` (one decimal under a minute, then `1m05s`). */
export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** The terminal line of an entry: `  +12.3s  dispatch  text`. */
export function formatTimelineLine(entry: TimelineEntry): string {
  return `${`+${formatElapsed(entry.elapsedMs)}`.padStart(8)}  ${entry.kind.padEnd(8)}  ${entry.text}`;
}

/** The `--json` line of an entry. */
export function timelineJson(entry: TimelineEntry): string {
  return JSON.stringify({ type: 'timeline', elapsedMs: Math.round(entry.elapsedMs), kind: entry.kind, text: entry.text, data: entry.data });
}

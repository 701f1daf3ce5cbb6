/**
 * How workflow runs end. A test or the demo scripts a workflow with a
 * sequence of attempts (attempt 1 fails, the re-run succeeds); unscripted
 * workflows succeed after 30 s.
 */

export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out' | 'neutral' | 'skipped' | 'action_required';

export interface ArtifactScript {
  name: string;
  /** path inside the zip → content. */
  files: Record<string, string | Uint8Array>;
  /** Days until the artifact expires (upload-artifact's `retention-days`, 1–90; default 90). */
  retentionDays?: number;
}

export interface JobScript {
  name: string;
  /** Defaults to the attempt's conclusion. */
  conclusion?: RunConclusion;
  /** Step names (default: Set up job, Run, Complete job). */
  steps?: string[];
}

export interface AttemptScript {
  /** Default 'success'. */
  conclusion?: RunConclusion;
  /** From creation to completion, in sim time (default 30 s). */
  durationMs?: number;
  /** From creation to in_progress (default 1 s). */
  startDelayMs?: number;
  /** Never finishes: true stays in_progress, 'queued' never starts (for timeout tests). */
  hang?: boolean | 'queued';
  /** Jobs of the run (default: the workflow file's jobs, each with the attempt's conclusion). */
  jobs?: JobScript[];
  /** Artifacts uploaded by this attempt. */
  artifacts?: ArtifactScript[];
}

export interface WorkflowScript {
  /** `owner/name`. */
  repo: string;
  /** File name (`build.yml`) or path (`.github/workflows/build.yml`). */
  workflow: string;
  attempts: AttemptScript[];
  /** Only runs whose ref and/or inputs match (inputs: every listed key equal). */
  when?: { ref?: string; inputs?: Record<string, string> };
  /** Applies to this many runs, then falls away (default: every run). */
  times?: number;
}

export interface RunDescription {
  repo: string;
  workflowPath: string;
  ref: string;
  inputs: Record<string, string>;
}

interface Entry {
  script: WorkflowScript;
  remaining: number;
}

/** The scripts, reachable as `sim.scripts`. */
export class ScriptRegistry {
  #entries: Entry[] = [];
  #default: AttemptScript = { conclusion: 'success', durationMs: 30_000 };

  /** Scripts a workflow; a later script for the same workflow takes precedence. */
  workflow(script: WorkflowScript): void {
    if (!script.attempts.length) throw new Error('a workflow script needs at least one attempt');
    this.#entries.push({ script, remaining: script.times ?? Number.POSITIVE_INFINITY });
  }

  /** What unscripted runs do. */
  setDefault(attempt: AttemptScript): void {
    this.#default = { ...attempt };
  }

  /** Forgets every script and restores the default. */
  clear(): void {
    this.#entries = [];
    this.#default = { conclusion: 'success', durationMs: 30_000 };
  }

  /** Picks the attempts for a new run (consuming one use of a `times` script). */
  resolve(run: RunDescription): AttemptScript[] {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i];
      if (!entry || entry.remaining <= 0 || !matches(entry.script, run)) continue;
      entry.remaining--;
      return entry.script.attempts;
    }
    return [this.#default];
  }
}

function matches(script: WorkflowScript, run: RunDescription): boolean {
  if (script.repo.toLowerCase() !== run.repo.toLowerCase()) return false;
  const file = run.workflowPath.split('/').pop();
  if (script.workflow !== run.workflowPath && script.workflow !== file) return false;
  const ref = script.when?.ref;
  if (ref !== undefined && ref !== run.ref && `refs/heads/${ref}` !== run.ref && `refs/tags/${ref}` !== run.ref) return false;
  for (const [name, value] of Object.entries(script.when?.inputs ?? {})) {
    if (run.inputs[name] !== value) return false;
  }
  return true;
}

/**
 * The one interface the engine drives a job attempt through, whatever CI
 * system runs it (SPEC §13): GitHub Actions, Jenkins, GitLab CI or a signed
 * webhook. The engine owns the attempt's life (claim, deadline, retries,
 * gates, check runs); a provider only talks to its CI system:
 *
 * - `start` sends the attempt once, carrying its correlation id;
 * - `find` looks for a run carrying that id when a start's answer was lost;
 * - `retry` reruns the previous attempt's run in place (providers whose
 *   `RETRIES_IN_PLACE`; the others start a new run for a retry);
 * - `status`, `cancel`, `artifacts` and `download` act on a started run.
 *
 * A refusal that another try will not change comes back as `refused` with its
 * reason (or is thrown as `ProviderRefusal`); anything whose outcome is
 * unknown is thrown (`ProviderUnavailable`, or a GitHub 5xx), and the engine
 * tries again, finding before it sends again.
 */
import type { ArtifactRefusal } from '../gates/read-artifact-zip.ts';
import type { Reason } from '../engine/reasons.ts';
import type { PlannedJob, RunPlan } from '../engine/run-plan.ts';
import type { Conclusion, JobAttempt, JobProviderName, JsonObject, PipelineRun } from '../store/schema/index.ts';

/** A job attempt as a provider sees it: the attempt, its run, and the job it runs. */
export interface AttemptContext {
  run: PipelineRun;
  plan: RunPlan;
  stage: string;
  attempt: JobAttempt;
  job: PlannedJob;
}

/** What the engine records of a run a provider started (or found). */
export interface StartedRun {
  /** The provider's id of the run (`queue:7`, `build:12`, a pipeline id); null for Actions and webhook jobs. */
  externalId: string | null;
  /** What the provider needs to find the run again. */
  external?: JsonObject;
  /** The run's page for people (a build, a pipeline, a workflow run). */
  url: string | null;
  /** Actions only: the workflow run and its attempt number. */
  workflowRunId?: number | null;
  runAttempt?: number | null;
}

export type StartOutcome =
  | { kind: 'started'; run: StartedRun }
  | { kind: 'refused'; reason: Reason }
  /** Nothing was sent (a read before the send failed): the engine may simply try again later. */
  | { kind: 'not-sent'; error: unknown };

/** Called by `start` just before it sends, with what it sends (kept on the attempt, so a look after a crash shows it). */
export type BeforeSend = (sent: JsonObject) => Promise<void>;

export type FindOutcome =
  | { kind: 'found'; run: StartedRun }
  /** No run carries the id: sending again cannot make a second one. */
  | { kind: 'absent' }
  /** The run cannot be looked for (the attempt fails rather than risk a second run). */
  | { kind: 'refused'; reason: Reason };

/** What a provider says about a started run. */
export interface RunStatus {
  state: 'queued' | 'in_progress' | 'completed';
  /** Set when `completed`. */
  conclusion?: Conclusion;
  /** How the provider's own word was read (`Jenkins result UNSTABLE`), for the check run. */
  detail?: string | null;
  url?: string | null;
  startedAt?: Date | null;
  /** The run has a new id now (a Jenkins queue item became a build). */
  moved?: { externalId: string; external?: JsonObject };
  /** Actions only: the run attempt the status is of (an older one changes nothing). */
  runAttempt?: number;
}

/** An artifact of a started run, as a gate names it. */
export interface ProviderArtifact {
  name: string;
  sizeInBytes: number | null;
}

/** A downloaded artifact as a zip (a provider serving single files wraps them), or why a gate cannot use it. */
export type ArtifactFetch = { ok: true; zip: Uint8Array } | ArtifactRefusal;

/** A job attempt with what a provider needs to act on its run (no config). */
export interface AttemptRecord {
  run: Pick<PipelineRun, 'id' | 'owner' | 'repo' | 'installation_id' | 'sha'>;
  attempt: Pick<JobAttempt, 'id' | 'provider' | 'external_id' | 'external' | 'workflow_run_id' | 'run_attempt' | 'html_url' | 'correlation_id' | 'workflow'>;
}

export interface JobProvider {
  readonly name: JobProviderName;
  /** The provider's own webhooks report every change (GitLab with a pipeline hook secret set): polling is only the backstop, once a minute. */
  readonly reportsChanges?: boolean;
  start(context: AttemptContext, values: Record<string, string | number | boolean>, beforeSend?: BeforeSend): Promise<StartOutcome>;
  find(context: AttemptContext): Promise<FindOutcome>;
  /** Only providers in `RETRIES_IN_PLACE`. */
  retry?(context: AttemptContext): Promise<StartOutcome>;
  status(record: AttemptRecord): Promise<RunStatus>;
  cancel(record: AttemptRecord): Promise<void>;
  artifacts(record: AttemptRecord): Promise<ProviderArtifact[]>;
  /** The artifact a gate names, as a zip within the limits of §5a; a missing or oversized one is a refusal. */
  download(record: AttemptRecord, name: string): Promise<ArtifactFetch>;
}

/** Which providers' retries rerun the previous attempt's run (the engine records a retry before any provider is asked). */
export const RETRIES_IN_PLACE: Record<JobProviderName, boolean> = { actions: true, gitlab: true, jenkins: false, webhook: false };

/** Which provider a planned job runs on. */
export function providerOf(job: Pick<PlannedJob, 'target'> | undefined): JobProviderName {
  return job?.target?.provider ?? 'actions';
}

/**
 * Follows the story: turns engine events, simulator changes and what
 * shipgate records about deployments and their approvals into timeline
 * entries as they arrive, and keeps what is needed to tell when a part of
 * the story is over and how it went.
 */
import type { Clock } from '../clock.ts';
import type { EngineEvent } from '../engine/deps.ts';
import type { GitHubSimulator } from '../sim/index.ts';
import type { DemoObservations } from './outcome.ts';
import { finalDeploymentStatuses } from '../store/repos/deployments.ts';
import type { DeploymentSource, DeploymentStatus, JobProviderName } from '../store/schema/index.ts';
import {
  describeApproval,
  describeApprovalRequest,
  describeDeploymentTransition,
  describeEngineEvent,
  describeGitHubDeployment,
  describeLockChange,
  describeProviderChange,
  describeReply,
  describeWaitTimerEnd,
  type ExternalRunFacts,
  type TimelineEntry,
  type WorkflowRunFacts,
} from './timeline.ts';
import type { AttemptRef } from './external-runs.ts';
import type { ProviderChange } from './watch-providers.ts';
import type { ApprovalRequestState, ApprovalSeen, DeploymentRecordChange } from './watch-deployments.ts';
import type { SimulatorChange } from './watch-simulator.ts';

/** What the recorder saw, for the verdict. */
export type RecordedStory = Pick<DemoObservations, 'pipelineConclusion' | 'stages' | 'checkRuns'>;

/** A pipeline run the story saw created, with its conclusion once it completed. */
export interface SeenRun {
  runId: number;
  pipeline: string;
  sha: string;
  conclusion: string | undefined;
}

/** A deployment request as its latest recorded transition left it. */
export interface SeenDeployment {
  id: number;
  environment: string;
  sha: string;
  source: DeploymentSource;
  status: DeploymentStatus;
  rollbackOf: number | null;
  /** The statuses it went through, in order (`requested`, `waiting`, …), repeats left out. */
  path: DeploymentStatus[];
  /** The reason codes of its transitions, in order. */
  reasons: string[];
}

/** A GitHub deployment of the app, with the states of the statuses posted on it. */
export interface SeenGitHubDeployment {
  id: number;
  environment: string;
  sha: string;
  states: string[];
}

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
  onDeploymentChange(change: DeploymentRecordChange): void;
  /** What a Jenkins or GitLab simulator saw (builds, pipelines, their hooks). */
  onProviderChange(change: ProviderChange): void;
  /** The roll-up check run is written, and every check run and pipeline run has completed. */
  isOver(): boolean;
  /**
   * Nothing is left moving: every pipeline run seen has completed, every
   * check run seen is completed, every deployment request seen has ended,
   * every GitHub deployment seen has a final status, and (unless `outbox` is
   * false) shipgate's outbox has no effect left to perform.
   */
  isSettled(options?: { outbox?: boolean }): boolean;
  recorded(): RecordedStory;
  /** Every pipeline run seen since `start`, in order of creation. */
  runs(): SeenRun[];
  /** Every deployment request seen since `start`, by id. */
  deployments(): SeenDeployment[];
  /** Every GitHub deployment of the app seen since `start`, by id. */
  githubDeployments(): SeenGitHubDeployment[];
  /** The environments locked now, with their holders. */
  locks(): Record<string, string>;
  /** Every lock seen taken, in order. */
  locksTaken(): Array<{ environment: string; holder: string }>;
  /** Every approval request seen since `start`, as last seen, by id. */
  approvalRequests(): ApprovalRequestState[];
  /** Every approval seen counted since `start`, in order. */
  approvals(): ApprovalSeen[];
  /** How many replies of the app were seen on issue or pull request `number`. */
  replies(number: number): number;
}

/** GitHub deployment states after which nothing more is posted for the deployment (an `inactive` one was done before). */
const FINAL_GITHUB_STATES: ReadonlySet<string> = new Set(['success', 'failure', 'error', 'inactive']);

export interface StoryRecorderOptions {
  sim: GitHubSimulator;
  clock: Clock;
  /** Receives each entry as it happens. */
  onEntry(entry: TimelineEntry): void;
  /** Called after each recorded event (to check `isOver`). */
  onProgress?: () => void;
  /** The Jenkins build or GitLab pipeline of a job attempt on another provider, when the story has their simulators. */
  externalRunOf?: (ref: AttemptRef & { provider: JobProviderName }) => ExternalRunFacts | undefined;
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
  /** The provider each job attempt dispatched to another CI system went to. */
  const providerOfJob = new Map<string, JobProviderName>();
  const allRuns = new Map<number, SeenRun>();
  const checkStates = new Map<number, string>();
  const deployments = new Map<number, SeenDeployment>();
  const githubDeployments = new Map<number, SeenGitHubDeployment>();
  const locks = new Map<string, string>();
  const locksTaken: Array<{ environment: string; holder: string }> = [];
  const approvalRequests = new Map<number, ApprovalRequestState>();
  const approvals: ApprovalSeen[] = [];
  let pendingEffects = 0;
  const replies = new Map<number, number>();

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
  const externalRunOf = (event: EngineEvent): ExternalRunFacts | undefined => {
    if (event.kind !== 'job-dispatched' && event.kind !== 'job-completed') return undefined;
    const provider = providerOfJob.get(jobKey(event));
    return provider === undefined ? undefined : options.externalRunOf?.({ runId: event.runId, stage: event.stage, job: event.job, attempt: event.attempt, provider });
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
      providerOfJob.clear();
      for (const key of Object.keys(stages)) delete stages[key];
      for (const key of Object.keys(checkRuns)) delete checkRuns[key];
    },
    note,
    onEngineEvent(event) {
      if (!recording) return;
      if (event.kind === 'run-created') {
        runs.set(event.runId, undefined);
        allRuns.set(event.runId, { runId: event.runId, pipeline: event.pipeline, sha: event.sha, conclusion: undefined });
      }
      if (event.kind === 'run-completed') {
        runs.set(event.runId, event.conclusion);
        const seen = allRuns.get(event.runId);
        if (seen) seen.conclusion = event.conclusion;
      }
      if (event.kind === 'stage-completed') stages[event.stage] = event.conclusion;
      if (event.kind === 'stage-skipped') stages[event.stage] = `skipped: ${event.reason}`;
      if (event.kind === 'job-dispatched' && event.workflowRunId !== null) runOfJob.set(jobKey(event), event.workflowRunId);
      if (event.kind === 'job-dispatched' && event.provider !== undefined && event.provider !== 'actions') providerOfJob.set(jobKey(event), event.provider);
      const workflowRun = workflowRunOf(event);
      const externalRun = externalRunOf(event);
      const line = describeEngineEvent(event, workflowRun, externalRun);
      if (line) note(line.kind, line.text, { event, ...(workflowRun ? { workflowRun } : {}), ...(externalRun ? { externalRun } : {}) });
      options.onProgress?.();
    },
    onSimulatorChange(change) {
      if (!recording) return;
      switch (change.kind) {
        case 'delivery': {
          const answer = change.status === undefined ? `failed: ${change.error ?? 'no answer'}` : `answered HTTP ${change.status} in ${change.durationMs} ms`;
          note('webhook', `${change.event} delivered to the app, ${answer}`, { change });
          break;
        }
        case 'check-run': {
          checkRuns[change.name] = { status: change.status, conclusion: change.conclusion };
          checkStates.set(change.checkRunId, change.status);
          const state = change.status === 'completed' ? `completed: ${change.conclusion ?? 'none'}` : change.status;
          note('check', `${change.name} ${state}${change.title ? ` — ${change.title}` : ''}`, { change });
          break;
        }
        case 'deployment':
        case 'deployment-status': {
          if (change.kind === 'deployment') githubDeployments.set(change.deploymentId, { id: change.deploymentId, environment: change.environment, sha: change.sha, states: [] });
          else githubDeployments.get(change.deploymentId)?.states.push(change.state);
          const line = describeGitHubDeployment(change);
          note(line.kind, line.text, { change });
          break;
        }
        case 'reply':
          replies.set(change.issue, (replies.get(change.issue) ?? 0) + 1);
          for (const line of describeReply(change.issue, change.body)) note(line.kind, line.text, { change });
          break;
      }
      options.onProgress?.();
    },
    onDeploymentChange(change) {
      if (!recording) return;
      if (change.kind === 'transition') {
        const t = change.transition;
        const seen = deployments.get(t.deploymentId) ?? { id: t.deploymentId, environment: t.environment, sha: t.sha, source: t.source, status: t.to, rollbackOf: t.rollbackOf, path: [], reasons: [] };
        // A request that waited for its wait timer after the approvals deploys now: the timer's end goes first.
        if (t.to === 'deploying' && seen.reasons.at(-1) === 'deploy.approval-wait-timer') {
          const request = [...approvalRequests.values()].find((r) => r.deploymentId === t.deploymentId);
          const ended = request && describeWaitTimerEnd(request, t.at, startedAt);
          if (ended) note(ended.kind, ended.text, { transition: t, approvalRequest: request });
        }
        seen.status = t.to;
        if (seen.path.at(-1) !== t.to) seen.path.push(t.to);
        if (t.reason) seen.reasons.push(t.reason.code);
        deployments.set(t.deploymentId, seen);
        const line = describeDeploymentTransition(t);
        note(line.kind, line.text, { transition: t });
      } else if (change.kind === 'approval-request') {
        const line = describeApprovalRequest(change.request, approvalRequests.get(change.request.requestId), startedAt);
        approvalRequests.set(change.request.requestId, change.request);
        if (line) note(line.kind, line.text, { approvalRequest: change.request });
      } else if (change.kind === 'approval') {
        approvals.push(change.approval);
        const line = describeApproval(change.approval);
        note(line.kind, line.text, { approval: change.approval });
      } else if (change.kind === 'outbox') {
        pendingEffects = change.pending;
      } else {
        if (change.kind === 'locked') {
          locks.set(change.environment, change.holder);
          locksTaken.push({ environment: change.environment, holder: change.holder });
        } else locks.delete(change.environment);
        const line = describeLockChange(change);
        note(line.kind, line.text, { change });
      }
      options.onProgress?.();
    },
    onProviderChange(change) {
      if (!recording) return;
      const line = describeProviderChange(change);
      note(line.kind, line.text, { change });
      options.onProgress?.();
    },
    isOver() {
      const rollup = checkRuns['shipgate'];
      const checksDone = Object.values(checkRuns).every((check) => check.status === 'completed');
      const runsDone = [...runs.values()].every((conclusion) => conclusion !== undefined);
      return rollup?.status === 'completed' && checksDone && runsDone;
    },
    isSettled(settleOptions = {}) {
      const runsDone = [...allRuns.values()].every((run) => run.conclusion !== undefined);
      const checksDone = [...checkStates.values()].every((status) => status === 'completed');
      const requestsDone = [...deployments.values()].every((d) => (finalDeploymentStatuses as readonly string[]).includes(d.status));
      const githubDone = [...githubDeployments.values()].every((d) => FINAL_GITHUB_STATES.has(d.states.at(-1) ?? ''));
      return runsDone && checksDone && requestsDone && githubDone && (settleOptions.outbox === false || pendingEffects === 0);
    },
    recorded() {
      return { pipelineConclusion: [...runs.values()][0], stages: { ...stages }, checkRuns: { ...checkRuns } };
    },
    runs() {
      return [...allRuns.values()].map((run) => ({ ...run }));
    },
    deployments() {
      return [...deployments.values()].sort((a, b) => a.id - b.id).map((d) => ({ ...d, path: [...d.path], reasons: [...d.reasons] }));
    },
    githubDeployments() {
      return [...githubDeployments.values()].sort((a, b) => a.id - b.id).map((d) => ({ ...d, states: [...d.states] }));
    },
    locks() {
      return Object.fromEntries(locks);
    },
    locksTaken() {
      return locksTaken.map((lock) => ({ ...lock }));
    },
    approvalRequests() {
      return [...approvalRequests.values()].sort((a, b) => a.requestId - b.requestId).map((r) => ({ ...r, approvers: [...r.approvers] }));
    },
    approvals() {
      return approvals.map((a) => ({ ...a }));
    },
    replies(number) {
      return replies.get(number) ?? 0;
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

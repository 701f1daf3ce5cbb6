/**
 * The demo's timeline: what happened, when (since the push), in words for a
 * terminal and as data for `--json`. Describing an event is pure; the caller
 * decides where lines go.
 */
import type { EngineEvent } from '../engine/deps.ts';
import { renderReason } from '../engine/reasons.ts';
import { PROVIDER_LABELS } from '../providers/errors.ts';
import type { ApprovalChannel, JobProviderName } from '../store/schema/index.ts';
import type { ApprovalRequestState, ApprovalSeen, DeploymentRecordChange, DeploymentTransition } from './watch-deployments.ts';
import type { SimulatorChange } from './watch-simulator.ts';
import type { ProviderChange } from './watch-providers.ts';

/** One line of the timeline. */
export interface TimelineEntry {
  /** Milliseconds since the story started (the push). */
  elapsedMs: number;
  /** A short label: push, webhook, run, stage, dispatch, job, gate, check, deploy, approval, github, lock, reply, jenkins, gitlab, … */
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

/** What the timeline needs to know about the Jenkins build or GitLab pipeline behind a job attempt. */
export interface ExternalRunFacts {
  provider: 'jenkins' | 'gitlab';
  /** The Jenkins job or the GitLab project. */
  target: string;
  /** What it is there: `build #1`, `queue item 4` (before the build left the queue), `pipeline 7`. */
  run: string;
  /** Its page: the build, the queue item, the pipeline. */
  url: string;
  /** The GitLab ref it runs on (Jenkins builds have none). */
  ref: string | undefined;
  /** The parameters or variables the config set (shipgate's own `SHIPGATE_*` left out). */
  values: Record<string, string>;
  /** The provider's own word for how it ended (`UNSTABLE`, `success`), once it did. */
  result: string | undefined;
  /** How long it ran, once it ended. */
  durationMs: number | undefined;
}

/** Inputs shipgate adds to every dispatch; the timeline shows the configured ones. */
const SHIPGATE_INPUTS = new Set(['shipgate_run', 'sha']);

/** Whether a pipeline is the run shipgate starts for `/deploy` or a rollback (`deploy/<env>`: no configured pipeline id has a slash). */
function isDeployRun(pipeline: string): boolean {
  return pipeline.startsWith('deploy/');
}

/** A stage as the timeline names it: its name, or for a `deploy/<env>` run (one stage, one job) the run's pipeline. */
function stageLabel(event: { pipeline: string; stage: string }): string {
  return isDeployRun(event.pipeline) ? event.pipeline : event.stage;
}

/** A job as the timeline names it: `stage/job`, or for a `deploy/<env>` run the run's pipeline. */
function jobLabel(event: { pipeline: string; stage: string; job: string }): string {
  return isDeployRun(event.pipeline) ? event.pipeline : `${event.stage}/${event.job}`;
}

/** A value as a line shows it: a full commit sha shortened, like everywhere else on the timeline. */
function shownValue(value: string): string {
  return /^[0-9a-f]{40}$/.test(value) ? value.slice(0, 7) : value;
}

/**
 * A job sent to another CI system: where (the provider, its job or project,
 * the ref and values sent), what it became there and its page, e.g.
 * `verify/legacy → Jenkins platform/legacy-tests (SUITE=regression) → queue item 1 → http://…/queue/item/1/`.
 * `url` is what shipgate recorded at the start (Jenkins answers with a queue item, not a build yet).
 */
function describeExternalDispatch(job: string, provider: Exclude<JobProviderName, 'actions'>, url: string | null, external: ExternalRunFacts | undefined): string {
  const label = PROVIDER_LABELS[provider];
  if (!external) return `${job} → ${label}${url ? ` → ${url}` : ''}`;
  const details = [...(external.ref === undefined ? [] : [`ref ${external.ref}`]), ...Object.entries(external.values).map(([name, value]) => `${name}=${shownValue(value)}`)];
  return `${job} → ${label} ${external.target}${details.length ? ` (${details.join(', ')})` : ''} → ${external.run} → ${url ?? external.url}`;
}

/** How a job's build or pipeline ended there, for its `finished` line: `Jenkins build #1: UNSTABLE after 3.0s`. */
function externalOutcome(external: ExternalRunFacts): string {
  const took = external.durationMs === undefined ? '' : ` after ${formatElapsed(external.durationMs)}`;
  return `${PROVIDER_LABELS[external.provider]} ${external.run}${external.result === undefined ? '' : `: ${external.result}`}${took}`;
}

/**
 * Describes an engine event as a timeline line (label and text), or undefined
 * when the event is not worth a line. `run` is the workflow run behind a job
 * event, when known; `external` the Jenkins build or GitLab pipeline behind a
 * job of another provider.
 */
export function describeEngineEvent(event: EngineEvent, run?: WorkflowRunFacts, external?: ExternalRunFacts): { kind: string; text: string } | undefined {
  switch (event.kind) {
    case 'run-created':
      return { kind: 'run', text: `pipeline ${event.pipeline} run #${event.runId} created for ${event.repo}@${event.sha.slice(0, 7)} (${event.trigger})` };
    case 'stage-started':
      return { kind: 'stage', text: `${stageLabel(event)} started` };
    case 'stage-skipped':
      return { kind: 'stage', text: `${stageLabel(event)} skipped: ${event.reason}` };
    case 'stage-completed':
      return { kind: 'stage', text: `${stageLabel(event)} done: ${event.conclusion}` };
    case 'job-dispatched': {
      const job = `${jobLabel(event)}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
      if (event.provider !== undefined && event.provider !== 'actions') return { kind: 'dispatch', text: describeExternalDispatch(job, event.provider, event.url ?? null, external) };
      if (!run) return { kind: 'dispatch', text: `${job} dispatched${event.workflowRunId === null ? ' (GitHub did not return the run id)' : ` as run ${event.workflowRunId}`}` };
      const inputs = Object.entries(run.inputs)
        .filter(([name]) => !SHIPGATE_INPUTS.has(name))
        .map(([name, value]) => `${name}=${value}`);
      const details = [`ref ${run.ref}`, ...inputs].join(', ');
      return { kind: 'dispatch', text: `${job} → ${run.workflow} (${details}) → ${run.url}` };
    }
    case 'job-failed-to-start':
      return { kind: 'job', text: `${jobLabel(event)} could not start: ${event.error}` };
    case 'job-completed': {
      if (external) return { kind: 'job', text: `${jobLabel(event)} finished: ${event.conclusion} (${externalOutcome(external)})` };
      const took = run?.durationMs === undefined ? '' : ` (run ${run.id} took ${formatElapsed(run.durationMs)})`;
      return { kind: 'job', text: `${jobLabel(event)} finished: ${event.conclusion}${took}` };
    }
    case 'job-retry-scheduled':
      return { kind: 'job', text: `${jobLabel(event)} will be retried` };
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

/** How a request came about, as the line that records it says. */
function origin(transition: DeploymentTransition): string {
  switch (transition.source) {
    case 'stage':
      return `by stage ${transition.stage ?? '?'} of the pipeline (@${transition.requestedBy}'s commit)`;
    case 'command':
      return `by @${transition.requestedBy} with /deploy`;
    case 'rollback':
      return `by @${transition.requestedBy} with /rollback${transition.rollbackOf === null ? '' : `, rolling back #${transition.rollbackOf}`}`;
    case 'auto-rollback':
      return `automatically${transition.rollbackOf === null ? '' : `, rolling back the failed #${transition.rollbackOf}`}`;
    case 'protection':
      return `by a GitHub Actions job of @${transition.requestedBy} that shipgate's protection rule holds`;
  }
}

/**
 * Describes one recorded transition of a deployment request: a new request
 * says what it deploys and who asked; a wait or a queue place says why; the
 * rest say where the request went (with the reason when there is one), and
 * who moved it when that was neither shipgate nor the requester.
 */
export function describeDeploymentTransition(transition: DeploymentTransition): { kind: string; text: string } {
  const { environment, deploymentId, to } = transition;
  const short = transition.sha.slice(0, 7);
  const head = `${environment} #${deploymentId}`;
  const why = transition.reason ? renderReason(transition.reason) : undefined;
  // Who moved it, when that was someone else than shipgate or the requester (a `/cancel`, an `/unlock`) and the reason does not say.
  const named = transition.actor === 'shipgate' || transition.actor === transition.requestedBy || (why?.includes(`@${transition.actor}`) ?? false);
  const by = named ? '' : ` (by @${transition.actor})`;
  if (to === 'requested') {
    const ref = transition.ref === transition.sha ? '' : ` (${transition.ref})`;
    return { kind: 'deploy', text: `${head} requested: ${short}${ref} ${origin(transition)}` };
  }
  const still = transition.from === to ? 'still ' : '';
  switch (to) {
    case 'deploying':
      return { kind: 'deploy', text: `${head} deploying ${short}${by}` };
    case 'succeeded':
      return { kind: 'deploy', text: `${head} succeeded: ${short} is deployed${by}` };
    default:
      return { kind: 'deploy', text: `${head} ${still}${to}${why ? `: ${why}` : ''}${by}` };
  }
}

/** Describes a lock taken or released. */
export function describeLockChange(change: Extract<DeploymentRecordChange, { kind: 'locked' | 'unlocked' }>): { kind: string; text: string } {
  if (change.kind === 'unlocked') return { kind: 'lock', text: `${change.environment} unlocked (it was locked by @${change.holder})` };
  return { kind: 'lock', text: `${change.environment} locked by @${change.holder}${change.reason ? ` (“${change.reason}”)` : ''}` };
}

/** How an approval came in, as the timeline says it. */
const APPROVAL_CHANNELS: Record<ApprovalChannel, string> = { command: 'a /approve comment', reaction: 'a 👍 reaction', check_run: "the check run's Approve button" };

/** A wait as the config writes it when it is whole (`10s`, `2m`), else as an elapsed time. */
function formatWait(ms: number): string {
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return formatElapsed(ms);
}

/** A moment of the story as the timeline's own column shows it: `+12.3s` since it started. */
function storyTime(at: number, startedAt: number): string {
  return `+${formatElapsed(Math.max(0, at - startedAt))}`;
}

/**
 * Describes a change of an approval request: opened (how many approvals it
 * needs, who may give them, and that the requester may not unless
 * self-approval is allowed), approved (with the wait timer that starts then,
 * in story time from `startedAt`), or ended otherwise. A change that only
 * wrote its comment says nothing here (the comment shows as the app's
 * reply); neither does a request seen again unchanged.
 */
export function describeApprovalRequest(request: ApprovalRequestState, previous: ApprovalRequestState | undefined, startedAt: number): { kind: string; text: string } | undefined {
  const head = `${request.environment} #${request.deploymentId}`;
  const needs = `${request.required} approval${request.required === 1 ? '' : 's'}`;
  if (previous === undefined && request.status === 'pending') {
    const who = request.approvers.map((approver) => (approver.startsWith('@') ? approver : `@${approver}`)).join(', ') || 'nobody is listed';
    const self = request.allowSelfApproval ? ' (self-approval allowed)' : ` — not @${request.requestedBy}, who requested it`;
    return { kind: 'approval', text: `${head} needs ${needs}: request #${request.requestId} opened, 0 of ${request.required}; who may approve: ${who}${self}` };
  }
  if (previous !== undefined && previous.status === request.status) return undefined;
  if (request.status === 'approved') {
    const timer =
      request.waitMs !== null && request.approvedAt !== null
        ? `; its ${formatWait(request.waitMs)} wait timer runs until ${storyTime(request.approvedAt + request.waitMs, startedAt)}`
        : '; no wait timer';
    return { kind: 'approval', text: `${head} approved: request #${request.requestId} has its ${needs}${timer}` };
  }
  return { kind: 'approval', text: `${head}: approval request #${request.requestId} ${request.status}` };
}

/** Describes one approval counted: by whom, through which channel, how many of how many. */
export function describeApproval(approval: ApprovalSeen): { kind: string; text: string } {
  return {
    kind: 'approval',
    text: `${approval.environment} #${approval.deploymentId} approved by @${approval.approver} with ${APPROVAL_CHANNELS[approval.via]}: ${approval.given} of ${approval.required}`,
  };
}

/**
 * Describes the end of a request's wait timer, when the request waiting on
 * it starts deploying (`at`): when the last approval came and when the timer
 * ran out, in story time from `startedAt`. Undefined when the request has no
 * timer to tell of.
 */
export function describeWaitTimerEnd(request: ApprovalRequestState, at: number, startedAt: number): { kind: string; text: string } | undefined {
  if (request.approvedAt === null || request.waitMs === null) return undefined;
  const over = request.approvedAt + request.waitMs;
  const started = at - over >= 100 ? `, deploying from ${storyTime(at, startedAt)}` : '';
  return {
    kind: 'approval',
    text: `${request.environment} #${request.deploymentId}: its ${formatWait(request.waitMs)} wait timer after the last approval (${storyTime(request.approvedAt, startedAt)}) ran out at ${storyTime(over, startedAt)}${started}`,
  };
}

/** The payload fields shipgate puts on a GitHub deployment (SPEC §6), as far as the timeline shows them. */
function payloadFacts(payload: unknown): string[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const fields = payload as Record<string, unknown>;
  const facts: string[] = [];
  if (typeof fields['shipgate_request_id'] === 'number') facts.push(`shipgate_request_id ${fields['shipgate_request_id']}`);
  if (typeof fields['rollback_of'] === 'number') facts.push(`rollback_of ${fields['rollback_of']}`);
  return facts;
}

/**
 * Describes what the simulated GitHub holds of the app's deployments: a
 * deployment created (environment, commit, shipgate's payload) and each
 * status posted on it (with the environment URL once it succeeded).
 */
export function describeGitHubDeployment(change: Extract<SimulatorChange, { kind: 'deployment' | 'deployment-status' }>): { kind: string; text: string } {
  if (change.kind === 'deployment') {
    const facts = [`ref ${change.sha.slice(0, 7)}`, ...(change.production ? ['production_environment'] : []), ...payloadFacts(change.payload)];
    return { kind: 'github', text: `deployment ${change.deploymentId} created for ${change.environment} (${facts.join(', ')})` };
  }
  const description = change.description ? ` — ${change.description}` : '';
  const url = change.state === 'success' && change.environmentUrl ? ` → ${change.environmentUrl}` : '';
  return { kind: 'github', text: `deployment ${change.deploymentId} (${change.environment}) ${change.state}${description}${url}` };
}

/** How a hook's delivery went, as the GitHub webhook lines say it: `answered HTTP 200`, `failed: …`. */
function hookAnswer(status: number | undefined, error: string | undefined): string {
  return status === undefined ? `failed: ${error ?? 'no answer'}` : `answered HTTP ${status}`;
}

/**
 * Describes what a provider simulator saw: a Jenkins build leaving the queue
 * (its page) or finishing (its result, how long, what it archived), a GitLab
 * pipeline's new status, and each Notification plugin post or Pipeline Hook
 * and the app's answer to it.
 */
export function describeProviderChange(change: ProviderChange): { kind: string; text: string } {
  switch (change.kind) {
    case 'jenkins-build': {
      const head = `${change.job} #${change.number}`;
      if (change.building) return { kind: 'jenkins', text: `${head} started${change.attempt === undefined ? '' : ` (attempt ${change.attempt})`} → ${change.url}` };
      const archived = change.artifacts.length ? `, archived ${change.artifacts.join(', ')}` : '';
      return { kind: 'jenkins', text: `${head} finished: ${change.result ?? 'no result'} after ${formatElapsed(change.durationMs)}${archived}` };
    }
    case 'jenkins-notification':
      return { kind: 'webhook', text: `Jenkins notification ${change.phase} of ${change.job} #${change.number} delivered to the app, ${hookAnswer(change.status, change.error)}` };
    case 'gitlab-pipeline': {
      const took = change.durationMs === undefined ? '' : ` after ${formatElapsed(change.durationMs)}`;
      return { kind: 'gitlab', text: `${change.project} pipeline ${change.pipelineId} ${change.status}${took}` };
    }
    case 'gitlab-hook': {
      const what = `GitLab pipeline hook (${change.status}) of ${change.project ?? 'project ?'} pipeline ${change.pipelineId}`;
      if (change.dropped) return { kind: 'webhook', text: `${what} not sent` };
      return { kind: 'webhook', text: `${what} delivered to the app, ${hookAnswer(change.response, change.error)}` };
    }
  }
}

/** The hidden marker that opens every approval request comment's id (`<!-- shipgate:approval:12 -->`). */
const APPROVAL_MARKER_START = '<!-- shipgate:approval:';

/**
 * The lines of one of the app's reply comments: one per command it answers
 * (`- \`/deploy production\`: …` in the comment), the heading of an approval
 * request comment (marked so, without its Markdown), or the comment's first
 * line when it has neither.
 */
export function describeReply(issue: number, body: string): Array<{ kind: string; text: string }> {
  if (body.includes(APPROVAL_MARKER_START)) {
    const heading = (body.split('\n')[0] ?? '').replace(/^#+\s*/, '').replace(/[`*]/g, '');
    return [{ kind: 'reply', text: `on #${issue}: approval request comment: ${heading}` }];
  }
  const items = body.split('\n').filter((line) => line.startsWith('- ')).map((line) => line.slice(2));
  const lines = items.length > 0 ? items : [body.split('\n')[0] ?? ''];
  return lines.map((line) => ({ kind: 'reply', text: `on #${issue}: ${line}` }));
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

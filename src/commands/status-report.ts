/**
 * The `/status` reply (SPEC §7), as a pure function of what is recorded about
 * a pull request's head commit: each pipeline's latest run with its stages,
 * its gates, the jobs that failed (with links to their workflow runs) and, for
 * a run that waits, why; then the commit's deployment requests, and the queue
 * and lock of each environment they (or a lock taken from the pull request)
 * concern.
 */
import { formatDuration, type GateViewResult, type PipelineRunView } from '../engine/check-output.ts';
import { isReason, renderReason } from '../engine/reasons.ts';
import { formatUtcMinute } from '../deploy/policy.ts';
import type { Deployment, Lock } from '../store/schema/index.ts';

/** One pipeline's latest run on the commit, with how it started and how many runs came before it. */
export interface StatusRun {
  view: PipelineRunView;
  trigger: string;
  /** Earlier runs of the same pipeline on the commit. */
  earlier: number;
}

/** A deployment request of the commit, as the reply lists it. */
export interface StatusDeployment {
  id: number;
  environment: string;
  status: string;
  /** The sentence of the request's reason code (why it waits, was refused, or ended so), if it has one. */
  reason: string | null;
  source: string;
  requestedBy: string;
  /** The GitHub deployment's id; null until policy let the request go and GitHub created it. */
  githubDeploymentId: number | null;
  /** The deploying workflow run. */
  logUrl: string | null;
  /** The request this one rolls back. */
  rollbackOf: number | null;
  /** Its approval request, when its environment needs approvals: how many of how many, by whom and how. */
  approvals?: { status: string; required: number; given: Array<{ approver: string; via: string }>; expiresAt: Date | null } | null | undefined;
}

/** An open request of an environment's queue, in queue order (position 1 deploys, or goes next). */
export interface StatusQueueEntry {
  id: number;
  position: number;
  sha: string;
  requestedBy: string;
  status: string;
}

/** An environment the pull request is concerned with: its open queue and its lock. */
export interface StatusEnvironment {
  environment: string;
  queue: StatusQueueEntry[];
  lock: { holder: string; reason: string | null; since: Date } | null;
}

/** Everything the reply shows. */
export interface StatusReportInput {
  pr: number;
  sha: string;
  runs: readonly StatusRun[];
  /** The commit's deployment requests: the latest per environment first, see {@link statusDeployments}. */
  deployments?: readonly StatusDeployment[];
  /** Earlier requests of the commit left out of `deployments`, by environment. */
  earlierDeployments?: Readonly<Record<string, number>>;
  environments?: readonly StatusEnvironment[];
  now: Date;
}

/** Queue entries listed per environment; the rest are counted. */
export const MAX_QUEUE_ENTRIES = 20;

const ICON: Record<string, string> = { success: '✅', failure: '❌', timed_out: '⏱️', cancelled: '🚫', skipped: '⏭️', neutral: '➖' };

const GATE_ICON: Record<GateViewResult, string> = { pass: '✅', fail: '❌', error: '⚠️', neutral: '➖', overridden: '🟡', pending: '⏳', 'not run': '⏭️' };

const DEPLOYMENT_ICON: Record<string, string> = {
  requested: '⏳',
  waiting: '⏳',
  queued: '⏳',
  deploying: '🔄',
  succeeded: '✅',
  failed: '❌',
  cancelled: '🚫',
  refused: '⛔',
  'rolled-back': '↩️',
  rejected: '⛔',
  expired: '⌛',
};

const SOURCE: Record<string, string> = { stage: 'a pipeline stage', command: '`/deploy`', rollback: '`/rollback`', 'auto-rollback': 'an automatic rollback' };

function runState(view: PipelineRunView): string {
  if (view.status === 'completed') return `${ICON[view.conclusion ?? ''] ?? ''} ${view.conclusion ?? 'completed'}`.trim();
  return view.status === 'queued' ? '⏳ waiting' : '🔄 running';
}

function stageState(stage: PipelineRunView['stages'][number]): string {
  if (stage.status === 'completed') return `${ICON[stage.conclusion ?? ''] ?? ''} ${stage.conclusion ?? 'completed'}`.trim();
  return stage.status === 'running' ? '🔄 running' : stage.status === 'skipped' ? '⏭️ skipped' : '⏳ pending';
}

function took(view: PipelineRunView, now: Date): string {
  const start = view.startedAt ?? view.createdAt;
  return formatDuration((view.completedAt ?? now).getTime() - start.getTime());
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** `gates: coverage ✅ pass, tests ❌ fail`, or null for a pipeline without gates. */
export function gatesLine(view: PipelineRunView): string | null {
  const gates = view.gates ?? [];
  if (gates.length === 0) return null;
  return `gates: ${gates.map((gate) => `${gate.name} ${GATE_ICON[gate.result]} ${gate.result}${gate.override ? ` by @${gate.override.actor}` : ''}`).join(', ')}`;
}

/** The request as one row of the reply's data: its reason code rendered to its sentence (rows written by other versions may hold none). */
export function toStatusDeployment(row: Deployment): StatusDeployment {
  return {
    id: row.id,
    environment: row.environment,
    status: row.status,
    reason: isReason(row.reason) ? renderReason(row.reason) : null,
    source: row.source,
    requestedBy: row.requested_by,
    githubDeploymentId: row.github_deployment_id,
    logUrl: row.log_url,
    rollbackOf: row.rollback_of,
  };
}

/**
 * The commit's requests as the reply lists them: the newest of each
 * environment, environments in name order, with the count of older ones left
 * out per environment.
 */
export function statusDeployments(rows: readonly Deployment[]): { deployments: StatusDeployment[]; earlier: Record<string, number> } {
  const newest = new Map<string, Deployment>();
  const earlier: Record<string, number> = {};
  for (const row of rows) {
    const kept = newest.get(row.environment);
    if (kept === undefined || row.id > kept.id) {
      if (kept !== undefined) earlier[row.environment] = (earlier[row.environment] ?? 0) + 1;
      newest.set(row.environment, row);
    } else {
      earlier[row.environment] = (earlier[row.environment] ?? 0) + 1;
    }
  }
  const deployments = [...newest.values()].sort((a, b) => (a.environment < b.environment ? -1 : a.environment > b.environment ? 1 : 0)).map(toStatusDeployment);
  return { deployments, earlier };
}

/**
 * An environment's open requests in queue order: the one deploying first
 * (it holds the slot), then the others oldest first — so a position is the
 * number the policy's `deploy.queued` sentence gives.
 */
export function statusQueue(open: readonly Deployment[]): StatusQueueEntry[] {
  const deploying = open.filter((d) => d.status === 'deploying');
  const others = open.filter((d) => d.status !== 'deploying').sort((a, b) => a.id - b.id);
  return [...deploying, ...others].map((d, index) => ({ id: d.id, position: index + 1, sha: d.sha, requestedBy: d.requested_by, status: d.status }));
}

/** An environment's lock as the reply shows it. */
export function statusLock(lock: Lock | undefined): StatusEnvironment['lock'] {
  return lock ? { holder: lock.holder, reason: lock.reason, since: lock.created_at } : null;
}

function pipelineSection({ view, trigger, earlier }: StatusRun, now: Date): string {
  const lines = [`**${view.pipeline}** — run #${view.id} (${trigger}${earlier > 0 ? `, ${earlier} earlier run${earlier > 1 ? 's' : ''}` : ''}): ${runState(view)} in ${took(view, now)}`];
  if (view.status === 'queued' && view.waitingFor) lines.push(`- waiting: ${oneLine(view.waitingFor)}`);
  if (view.allowedBy) lines.push(`- allowed by @${view.allowedBy} with \`/ok-to-test\``);
  const stages = view.stages.map((stage) => `${stage.id} ${stageState(stage)}`).join(' · ');
  if (stages) lines.push(`- stages: ${stages}`);
  const gates = gatesLine(view);
  if (gates) lines.push(`- ${gates}`);
  for (const stage of view.stages) {
    for (const job of stage.jobs) {
      // A running stage's jobs carry no conclusion yet (the check-run view); only a known bad one is listed.
      const failed = job.status === 'completed' && job.conclusion !== null && !['success', 'cancelled', 'skipped'].includes(job.conclusion);
      if (!failed && job.error === null) continue;
      const name = job.htmlUrl ? `[${stage.id}/${job.job}](${job.htmlUrl})` : `${stage.id}/${job.job}`;
      const attempt = job.attempt > 1 ? `, attempt ${job.attempt}` : '';
      lines.push(`- failed: ${name} (${job.conclusion ?? job.status}${attempt})${job.error ? `: ${oneLine(job.error)}` : ''}`);
    }
  }
  if (view.error) lines.push(`- problem: ${oneLine(view.error)}`);
  return lines.join('\n');
}

function deploymentLine(d: StatusDeployment, earlier: number): string {
  const status = `${DEPLOYMENT_ICON[d.status] ?? ''} ${d.status}`.trim();
  const why = d.reason ? `: ${oneLine(d.reason)}` : '';
  const github = d.githubDeploymentId !== null ? `GitHub deployment ${d.githubDeploymentId}` : 'no GitHub deployment yet';
  const parts = [
    `- **${d.environment}** — request #${d.id} (${SOURCE[d.source] ?? d.source} by @${d.requestedBy}${d.rollbackOf !== null ? `, rolls back #${d.rollbackOf}` : ''}): ${status}${why}`,
    github,
    ...(d.logUrl ? [`[workflow run](${d.logUrl})`] : []),
    ...(earlier > 0 ? [`${earlier} earlier request${earlier > 1 ? 's' : ''}`] : []),
  ];
  return [parts.join(' · '), ...(d.approvals ? [`  - ${approvalsLine(d.approvals)}`] : [])].join('\n');
}

const VIA: Record<string, string> = { command: 'comment', reaction: '👍', check_run: 'button' };

/** `approvals 1 of 2 (pending, expires …): @carol by comment`. */
export function approvalsLine(a: NonNullable<StatusDeployment['approvals']>): string {
  const state = a.status === 'pending' && a.expiresAt ? `pending, expires ${formatUtcMinute(a.expiresAt.getTime())}` : a.status;
  const who = a.given.length > 0 ? `: ${a.given.map((g) => `@${g.approver} by ${VIA[g.via] ?? g.via}`).join(', ')}` : '';
  return `approvals ${a.given.length} of ${a.required} (${state})${who}`;
}

function environmentSection(env: StatusEnvironment, sha: string): string {
  const lines = [`**${env.environment}**`];
  if (env.lock) {
    lines.push(`- 🔒 locked by @${env.lock.holder}${env.lock.reason ? ` (“${oneLine(env.lock.reason)}”)` : ''} since ${formatUtcMinute(env.lock.since.getTime())}`);
  }
  if (env.queue.length === 0) {
    lines.push('- queue: empty');
  } else {
    lines.push('- queue:');
    for (const entry of env.queue.slice(0, MAX_QUEUE_ENTRIES)) {
      const mine = entry.sha === sha ? ' ← this commit' : '';
      lines.push(`  ${entry.position}. #${entry.id} \`${entry.sha.slice(0, 7)}\` by @${entry.requestedBy} — ${entry.status}${mine}`);
    }
    const more = env.queue.length - MAX_QUEUE_ENTRIES;
    if (more > 0) lines.push(`  … and ${more} more`);
  }
  return lines.join('\n');
}

/** The markdown of the `/status` reply (without its hidden marker). */
export function renderStatusReport(args: StatusReportInput): string {
  const { sha, now } = args;
  const short = sha.slice(0, 7);
  const head = `### shipgate status of #${args.pr} at \`${short}\``;
  const asOf = `_As of ${now.toISOString()}; comment \`/status\` again to update this comment._`;
  const sections: string[] = [];
  if (args.runs.length === 0) sections.push(`No pipeline has run on \`${short}\` (the pull request's head commit).`);
  else sections.push(...args.runs.map((run) => pipelineSection(run, now)));
  const deployments = args.deployments ?? [];
  if (deployments.length > 0) {
    const earlier = args.earlierDeployments ?? {};
    sections.push([`#### Deployments of \`${short}\``, '', ...deployments.map((d) => deploymentLine(d, earlier[d.environment] ?? 0))].join('\n'));
  }
  const environments = args.environments ?? [];
  if (environments.length > 0) {
    sections.push(['#### Queues and locks', '', environments.map((env) => environmentSection(env, sha)).join('\n\n')].join('\n'));
  }
  return [head, '', ...sections.flatMap((section) => [section, '']), asOf].join('\n');
}

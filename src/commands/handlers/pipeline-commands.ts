/** `/retry` (`/retest`), `/cancel` and `/ok-to-test`: the pipeline commands, on the pull request's head commit. */
import { releaseQueuedRuns } from '../../engine/advance.ts';
import { reason } from '../../engine/reasons.ts';
import { cancelRun, rerunFailedJobsOfRun } from '../../engine/rerun.ts';
import { approveFork } from '../../store/repos/fork-approvals.ts';
import { listJobAttempts } from '../../store/repos/job-attempts.ts';
import { findPipelineRunsBySha } from '../../store/repos/pipeline-runs.ts';
import type { PipelineRun } from '../../store/schema/index.ts';
import type { CommandContext } from '../context.ts';
import type { CommandResult } from '../registry.ts';

/** The latest run of each pipeline on a commit, by pipeline name. */
function latestByPipeline(runs: readonly PipelineRun[]): Map<string, PipelineRun> {
  const latest = new Map<string, PipelineRun>();
  for (const run of runs) if ((latest.get(run.pipeline)?.id ?? -1) < run.id) latest.set(run.pipeline, run);
  return latest;
}

/** The pull request's current head sha and the runs recorded for it. */
async function headRuns(context: CommandContext): Promise<{ sha: string; runs: PipelineRun[] }> {
  const head = await context.pullHead();
  return { sha: head.sha, runs: await findPipelineRunsBySha(context.deps.db, { owner: context.owner, repo: context.repo, sha: head.sha }) };
}

function needsPullRequest(context: CommandContext, name: string): CommandResult | undefined {
  return context.issue.isPullRequest ? undefined : { kind: 'refused', reason: reason('command.needs-pull-request', { command: `${context.prefix}${name}` }) };
}

/**
 * `/retry [PIPELINE] [JOB…]`: the failed jobs of the latest run of each
 * pipeline (or of PIPELINE) on the head commit, again — from the recorded
 * history, through the same re-run as the check run's button. The first
 * argument is a pipeline when one of that name ran; the others are jobs
 * (`job` or `stage/job`).
 */
export async function runRetry(context: CommandContext): Promise<CommandResult> {
  const refused = needsPullRequest(context, 'retry');
  if (refused) return refused;
  const found = await headRuns(context);
  const { sha } = found;
  const latest = latestByPipeline(found.runs);
  if (latest.size === 0) return { kind: 'refused', reason: reason('command.no-runs', { sha }), sha };
  let [first, ...jobs] = context.args;
  let candidates = [...latest.values()];
  if (first !== undefined && latest.has(first)) candidates = candidates.filter((run) => run.pipeline === first);
  else if (first !== undefined) jobs = [...context.args];
  if (jobs.length > 0) {
    const known = new Set<string>();
    for (const run of candidates) for (const attempt of await listJobAttempts(context.deps.db, run.id)) known.add(attempt.job);
    const unknown = jobs.filter((job) => !known.has(job) && !known.has(job.split('/').at(-1) ?? job));
    if (unknown.length > 0 && unknown[0] === first && jobs.length === context.args.length) {
      return { kind: 'refused', reason: reason('command.pipeline-unknown', { pipeline: first ?? '', known: [...latest.keys()] }), sha };
    }
    if (unknown.length > 0) {
      return { kind: 'refused', reason: reason('command.bad-arguments', { problem: `no job ${unknown.map((j) => `'${j}'`).join(', ')} ran on ${sha.slice(0, 7)}`, usage: `${context.prefix}retry [PIPELINE] [JOB…]` }), sha };
    }
  }
  const rerunning: string[] = [];
  const refusals = [];
  for (const run of candidates) {
    const outcome = await rerunFailedJobsOfRun(context.deps, run.id, jobs.length > 0 ? { onlyJobs: jobs } : {});
    if (outcome.kind === 'rerunning') rerunning.push(`${outcome.jobs.join(', ') || 'the failed jobs'} of ${run.pipeline} (run #${run.id})`);
    else refusals.push(outcome.reason);
  }
  if (rerunning.length > 0) return { kind: 'done', sha, message: `re-running ${rerunning.join('; ')}`, details: { rerunning } };
  // Nothing re-ran: a refusal other than "nothing failed" (a run still going, a fork not allowed) says more.
  const telling = refusals.find((r) => r.code !== 'refuse.nothing-failed' && r.code !== 'refuse.run-already-ended');
  return { kind: 'refused', reason: telling ?? reason('command.nothing-failed', { sha }), sha };
}

/** `/cancel [PIPELINE]`: every run of the head commit that is still going (of PIPELINE), cancelled with its workflow runs. */
export async function runCancel(context: CommandContext): Promise<CommandResult> {
  const refused = needsPullRequest(context, 'cancel');
  if (refused) return refused;
  const found = await headRuns(context);
  const { sha } = found;
  const pipeline = context.args[0];
  const latest = latestByPipeline(found.runs);
  if (pipeline !== undefined && !latest.has(pipeline)) return { kind: 'refused', reason: reason('command.pipeline-unknown', { pipeline, known: [...latest.keys()] }), sha };
  const going = found.runs.filter((run) => run.status !== 'completed' && run.cancel_requested_at === null && (pipeline === undefined || run.pipeline === pipeline));
  const cancelled: number[] = [];
  for (const run of going) if ((await cancelRun(context.deps, run.id)).kind === 'rerunning') cancelled.push(run.id);
  if (cancelled.length === 0) return { kind: 'refused', reason: reason('command.nothing-running', { sha }), sha };
  return { kind: 'done', sha, message: `cancelling ${cancelled.map((id) => `run #${id}`).join(', ')}`, details: { cancelled } };
}

/**
 * `/ok-to-test`: allows the fork pull request's current head commit (read
 * from the API now, not from the comment's time) and starts its waiting runs.
 * The approval binds to that sha: a later push waits again.
 */
export async function runOkToTest(context: CommandContext): Promise<CommandResult> {
  const refused = needsPullRequest(context, 'ok-to-test');
  if (refused) return refused;
  const head = await context.pullHead();
  if (!head.fromFork) return { kind: 'refused', reason: reason('command.not-a-fork', { number: context.issue.number }), sha: head.sha };
  const now = new Date(context.deps.clock.now());
  const approval = await approveFork(context.deps.db, { owner: context.owner, repo: context.repo, sha: head.sha, prNumber: context.issue.number, approvedBy: context.actor, now });
  const runs = await findPipelineRunsBySha(context.deps.db, { owner: context.owner, repo: context.repo, sha: head.sha });
  const keys = new Set(runs.filter((run) => run.status === 'queued' && run.waiting_reason !== null).map((run) => run.concurrency_key));
  const released: number[] = [];
  for (const key of keys) released.push(...(await releaseQueuedRuns(context.deps, key)));
  const started = released.length === 0 ? 'no run was waiting' : `started ${released.map((id) => `run #${id}`).join(', ')}`;
  return { kind: 'done', sha: head.sha, message: `${head.sha.slice(0, 7)} may run (allowed by @${approval.approved_by}); ${started}`, details: { approvedBy: approval.approved_by, released } };
}

/** `/status`: the runs of the pull request's head commit, in one reply that a later `/status` updates in place. */
import { loadRunView } from '../../engine/check-sync.ts';
import { reason } from '../../engine/reasons.ts';
import { recordStatusReply } from '../../effects/command-feedback.ts';
import { findPipelineRunsBySha } from '../../store/repos/pipeline-runs.ts';
import type { PipelineRun } from '../../store/schema/index.ts';
import type { CommandContext } from '../context.ts';
import type { CommandResult } from '../registry.ts';
import { renderStatusReport, type StatusRun } from '../status-report.ts';

/**
 * `/status`: renders the latest run of each pipeline on the head commit (read
 * from the API now) from the recorded state, and asks for the pull request's
 * status comment to say it: created the first time, updated afterwards.
 */
export async function runStatus(context: CommandContext): Promise<CommandResult> {
  if (!context.issue.isPullRequest) return { kind: 'refused', reason: reason('command.needs-pull-request', { command: `${context.prefix}status` }) };
  const { sha } = await context.pullHead();
  const { db } = context.deps;
  const runs = await findPipelineRunsBySha(db, { owner: context.owner, repo: context.repo, sha });
  const byPipeline = new Map<string, PipelineRun[]>();
  for (const run of [...runs].sort((a, b) => a.id - b.id)) byPipeline.set(run.pipeline, [...(byPipeline.get(run.pipeline) ?? []), run]);
  const latest: StatusRun[] = [];
  for (const [, list] of byPipeline) {
    const run = list.at(-1);
    if (run) latest.push({ view: await loadRunView(db, run), trigger: run.trigger, earlier: list.length - 1 });
  }
  const now = new Date(context.deps.clock.now());
  const body = renderStatusReport({ pr: context.issue.number, sha, runs: latest, now });
  await recordStatusReply(db, { owner: context.owner, repo: context.repo, issue: context.issue.number, body, installationId: context.installationId, now });
  return { kind: 'done', sha, message: `the status of ${sha.slice(0, 7)} is in the status comment`, details: { runs: latest.map((r) => r.view.id) } };
}

/** `/run PIPELINE`: starts a pipeline that has `on.manual: true`, on the pull request's head (or the default branch's). */
import { startManualRun, type ManualRunTarget } from '../../engine/start-manual-run.ts';
import type { CommandContext } from '../context.ts';
import type { CommandResult } from '../registry.ts';

/** Where `/run` starts: the pull request's head commit, or the default branch's head for an issue comment. */
async function runTarget(context: CommandContext): Promise<ManualRunTarget> {
  const base = { owner: context.owner, repo: context.repo, defaultBranch: context.defaultBranch };
  if (context.issue.isPullRequest) {
    const head = await context.pullHead();
    return { ...base, sha: head.sha, branch: head.ref, pr: context.issue.number, fromFork: head.fromFork };
  }
  const { data } = await context.octokit.rest.repos.getBranch({ owner: context.owner, repo: context.repo, branch: context.defaultBranch });
  return { ...base, sha: data.commit.sha, branch: context.defaultBranch, fromFork: false };
}

/** `/run PIPELINE`: one manual run (trigger `manual`), from the config at that commit; refused for a pipeline without `on.manual: true`. */
export async function runManual(context: CommandContext): Promise<CommandResult> {
  const pipeline = context.args[0] ?? '';
  const target = await runTarget(context);
  const outcome = await startManualRun(context.deps, context.octokit, {
    delivery: { id: context.deliveryId, installationId: context.installationId },
    target,
    pipeline,
    actor: context.actor,
    payload: context.payload,
  });
  if (outcome.kind === 'refused') return { kind: 'refused', reason: outcome.reason, sha: outcome.sha };
  return { kind: 'done', sha: outcome.sha, message: `started ${pipeline} on ${outcome.sha.slice(0, 7)} (run #${outcome.runId})`, details: { runId: outcome.runId, pipeline } };
}

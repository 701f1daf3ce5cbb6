/**
 * `/override GATE reason…` (SPEC §5a, §7): sets a failed gate aside for the
 * pull request's head commit, with a reason for the audit log. Allowed to a
 * repository admin, or to an approver of an environment that a stage of the
 * pipeline deploys (environments come from the default branch, never from the
 * pull request). `GATE` may be written `PIPELINE/GATE` when several pipelines
 * have a gate of that name.
 */
import { githubMessage } from '../../github/client.ts';
import { hasRole } from '../../github/permissions.ts';
import { overrideGate } from '../../engine/override-gate.ts';
import { reason } from '../../engine/reasons.ts';
import { readRunPlan } from '../../engine/run-plan.ts';
import { loadRepoConfig } from '../../repo-config/load-from-repo.ts';
import { findPipelineRunsBySha } from '../../store/repos/pipeline-runs.ts';
import type { PipelineRun } from '../../store/schema/index.ts';
import { isApprover } from '../approvers.ts';
import { roleLookupFor, teamLookupFor } from '../authorize.ts';
import type { CommandContext } from '../context.ts';
import type { CommandResult } from '../registry.ts';

export const OVERRIDE_USAGE = 'override GATE reason…';

export async function runOverride(context: CommandContext): Promise<CommandResult> {
  if (!context.issue.isPullRequest) return { kind: 'refused', reason: reason('command.needs-pull-request', { command: `${context.prefix}override` }) };
  const [target = '', ...words] = context.args;
  const why = words.join(' ').trim();
  if (why.length === 0) return { kind: 'refused', reason: reason('command.override-needs-reason', { usage: `${context.prefix}${OVERRIDE_USAGE}` }) };
  const head = await context.pullHead();
  const runs = await findPipelineRunsBySha(context.deps.db, { owner: context.owner, repo: context.repo, sha: head.sha });
  if (runs.length === 0) return { kind: 'refused', reason: reason('command.no-runs', { sha: head.sha }), sha: head.sha };
  const latest = new Map<string, PipelineRun>();
  for (const run of runs) if ((latest.get(run.pipeline)?.id ?? -1) < run.id) latest.set(run.pipeline, run);

  const slash = target.indexOf('/');
  const named = slash > 0 ? { pipeline: target.slice(0, slash), gate: target.slice(slash + 1) } : { pipeline: null, gate: target };
  const withGate = [...latest.values()].filter((run) => (named.pipeline === null || run.pipeline === named.pipeline) && (readRunPlan(run.plan).gates ?? []).some((g) => g.name === named.gate));
  if (named.pipeline !== null && !latest.has(named.pipeline)) {
    return { kind: 'refused', reason: reason('command.pipeline-unknown', { pipeline: named.pipeline, known: [...latest.keys()] }), sha: head.sha };
  }
  if (withGate.length > 1) return { kind: 'refused', reason: reason('command.override-ambiguous', { gate: named.gate, pipelines: withGate.map((r) => r.pipeline) }), sha: head.sha };
  const run = withGate[0];
  if (run === undefined) {
    const pipeline = named.pipeline ?? [...latest.keys()][0] ?? '';
    const known = [...latest.values()].flatMap((r) => (readRunPlan(r.plan).gates ?? []).map((g) => (latest.size > 1 ? `${r.pipeline}/${g.name}` : g.name)));
    return { kind: 'refused', reason: reason('command.override-unknown-gate', { gate: named.gate, pipeline, known }), sha: head.sha };
  }

  let allowed: boolean;
  let environments: string[] = [];
  try {
    const decided = await mayOverride(context, run.pipeline);
    allowed = decided.allowed;
    environments = decided.environments;
  } catch (error) {
    return { kind: 'refused', reason: reason('refuse.permission-unknown', { user: context.actor, message: githubMessage(error) }), sha: head.sha };
  }
  if (!allowed) return { kind: 'refused', reason: reason('command.override-not-allowed', { user: context.actor, environments }), sha: head.sha };

  const outcome = await overrideGate(context.deps, { runId: run.id, gate: named.gate, actor: context.actor, reason: why, deliveryId: context.deliveryId });
  if (outcome.kind === 'refused') return { kind: 'refused', reason: outcome.reason, sha: head.sha };
  return {
    kind: 'done',
    reply: true,
    sha: head.sha,
    message: `gate ${named.gate} of ${run.pipeline} is overridden for ${head.sha.slice(0, 7)} (reason: ${why})${outcome.reopened ? '; the pipeline’s verdict is being computed again' : ''}`,
    details: { runId: run.id, gate: named.gate, reopened: outcome.reopened },
  };
}

/**
 * An admin, or an approver of an environment that a stage of the pipeline
 * deploys — the pipeline and the environments as the default branch's config
 * has them, so a pull request cannot grant itself override rights by adding a
 * stage.
 */
async function mayOverride(context: CommandContext, pipeline: string): Promise<{ allowed: boolean; environments: string[] }> {
  const role = await roleLookupFor(context.octokit, { owner: context.owner, repo: context.repo })(context.actor);
  const loaded = await loadRepoConfig(context.octokit, { owner: context.owner, repo: context.repo, ref: context.defaultBranch });
  const config = loaded.ok === true ? loaded.config : undefined;
  const environments = [...new Set(Object.values(config?.pipelines[pipeline]?.stages ?? {}).flatMap((stage) => (stage.environment ? [stage.environment] : [])))];
  if (hasRole(role, 'admin')) return { allowed: true, environments };
  const teams = teamLookupFor(context.octokit);
  for (const name of environments) {
    const environment = config?.environments[name];
    if (environment && (await isApprover(context.actor, environment.approvers, teams))) return { allowed: true, environments };
  }
  return { allowed: false, environments };
}

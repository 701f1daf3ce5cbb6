/**
 * `/run PIPELINE`: one run of a pipeline that allows manual starts
 * (`on.manual: true`), on a given commit, with trigger `manual`. The
 * pipelines come from the config at that commit, like any run (SPEC §3); the
 * run is created and admitted by the same code as a push's or a pull
 * request's (`createRun`).
 */
import type { GitHubClient } from '../github/client.ts';
import type { ShipgateEvent } from '../matching/event.ts';
import { matchEvent } from '../matching/match-event.ts';
import { loadRepoConfig } from '../repo-config/load-from-repo.ts';
import { findPipelineRunsBySha } from '../store/repos/pipeline-runs.ts';
import type { EngineDeps } from './deps.ts';
import { reason, type Reason } from './reasons.ts';
import { createRun, trustedConfig } from './start-runs.ts';

/** Where a manual run starts: the pull request's head, or the default branch's head for an issue comment. */
export interface ManualRunTarget {
  owner: string;
  repo: string;
  sha: string;
  branch: string;
  defaultBranch: string;
  /** The pull request the command was given on. */
  pr?: number;
  /** The head comes from a fork: the run waits for `/ok-to-test` like the PR's own runs. */
  fromFork: boolean;
}

/** What `/run` did: the run it started (or found, for a delivery processed again), or why not. */
export type ManualRunOutcome = { kind: 'started'; runId: number; sha: string } | { kind: 'refused'; reason: Reason; sha: string };

/** The pipelines of a config that may be started by hand, in file order. */
export function manualPipelines(config: { pipelines: Record<string, { on: { manual?: boolean | undefined } }> }): string[] {
  return Object.entries(config.pipelines)
    .filter(([, pipeline]) => pipeline.on.manual === true)
    .map(([id]) => id);
}

/**
 * Starts `pipeline` by hand on `target.sha` for the delivery of the command
 * comment (`payload` is that comment's webhook payload, `github.event` to
 * `if:` expressions). Refused when the config at the sha is missing or
 * invalid, or the pipeline is not there or lacks `on.manual: true` (with the
 * list of those that have it).
 */
export async function startManualRun(
  deps: EngineDeps,
  octokit: GitHubClient,
  args: { delivery: { id: string; installationId: number }; target: ManualRunTarget; pipeline: string; actor: string; payload: Record<string, unknown> },
): Promise<ManualRunOutcome> {
  const { target, pipeline } = args;
  const { owner, repo, sha } = target;
  const loaded = await loadRepoConfig(octokit, { owner, repo, ref: sha });
  if (loaded.ok !== true) return { kind: 'refused', reason: reason('command.run-no-config', { sha, invalid: loaded.ok === false }), sha };
  const manual = manualPipelines(loaded.config);
  if (!manual.includes(pipeline)) return { kind: 'refused', reason: reason('command.run-not-manual', { pipeline, manual, exists: loaded.config.pipelines[pipeline] !== undefined }), sha };
  const event: ShipgateEvent = {
    kind: 'manual',
    ref: `refs/heads/${target.branch}`,
    sha,
    branch: target.branch,
    baseBranch: target.defaultBranch,
    actor: args.actor,
    labels: [],
    repository: `${owner}/${repo}`,
    payload: args.payload,
    ...(target.pr !== undefined ? { pr: target.pr } : {}),
    ...(target.fromFork ? { fork: true } : {}),
  };
  const config = await trustedConfig(octokit, target.defaultBranch, { owner, repo }, event, loaded.config);
  const matched = matchEvent(event, config).pipelines.find((p) => p.id === pipeline);
  const reasons = matched?.reasons ?? ['on.manual is true, so it may be started by hand'];
  await createRun(deps, args.delivery, event, config, pipeline, reasons);
  const runs = await findPipelineRunsBySha(deps.db, { owner, repo, sha });
  const run = runs.filter((r) => r.pipeline === pipeline && r.delivery_id === args.delivery.id).at(-1);
  if (!run) throw new Error(`the manual run of ${pipeline} on ${sha} was not recorded`);
  return { kind: 'started', runId: run.id, sha };
}

import type { GitHubClient } from '../github/client.ts';
import { changedFilesForPullRequest, changedFilesForPush } from '../github/changed-files.ts';
import { buildExpressionContext } from '../matching/conditions.ts';
import { eventFromPullRequest, eventFromPush, withChangedFiles, type PullRequestPayload, type PushPayload, type ShipgateEvent } from '../matching/event.ts';
import { matchEvent } from '../matching/match-event.ts';
import { parseDuration } from '../repo-config/duration.ts';
import { loadRepoConfig, mergeTrusted } from '../repo-config/load-from-repo.ts';
import { formatIssue, type ConfigIssue } from '../repo-config/parse.ts';
import type { ShipgateConfig } from '../repo-config/schema.ts';
import { withTransaction } from '../store/db.ts';
import { createPipelineRun, findActivePipelineRuns, updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import type { JsonObject, PipelineRun } from '../store/schema/index.ts';
import { advanceRun } from './advance.ts';
import { syncRollupCheck, writeNamedCheck } from './check-sync.ts';
import type { EngineDeps } from './deps.ts';
import type { RunPlan } from './run-plan.ts';

export const CONFIG_PATH = '.github/shipgate.yml';

/** The delivery fields the engine reads. */
export interface DeliveryInput {
  id: string;
  event: string;
  installationId: number;
  payload: Record<string, unknown>;
}

/**
 * A push, tag push or pull request: load the config at the event's sha, match
 * it, create one run per matching pipeline (once per delivery), and start them.
 * A config error becomes a failed `shipgate/config` check with the errors at
 * their lines, never a silent nothing.
 */
export async function startRunsForEvent(deps: EngineDeps, delivery: DeliveryInput): Promise<'processed' | 'ignored'> {
  const shapeProblem = payloadProblem(delivery.event, delivery.payload);
  if (shapeProblem) {
    deps.log.warn({ delivery: delivery.id, problem: shapeProblem }, 'malformed webhook payload ignored');
    return 'ignored';
  }
  let event: ShipgateEvent;
  if (delivery.event === 'push') {
    event = eventFromPush(delivery.payload as unknown as PushPayload);
    if (event.deleted) return 'ignored';
  } else if (delivery.event === 'pull_request') {
    event = eventFromPullRequest(delivery.payload as unknown as PullRequestPayload);
  } else {
    return 'ignored';
  }
  const [owner = '', repo = ''] = event.repository.split('/');
  const target = { owner, repo, sha: event.sha };
  const octokit = await deps.github(delivery.installationId);

  const loaded = await loadRepoConfig(octokit, { owner, repo, ref: event.sha });
  if (loaded.ok === 'missing') return 'ignored';
  if (!loaded.ok) {
    await reportConfigErrors(deps, octokit, target, loaded.errors);
    return 'processed';
  }
  const config = await trustedConfig(octokit, delivery.payload, { owner, repo }, event, loaded.config);

  if (needsChangedFiles(config, event)) event = await resolveChangedFiles(octokit, { owner, repo }, event, delivery.payload);
  if (event.kind === 'pull_request' && event.changedFiles?.includes(CONFIG_PATH)) {
    await writeNamedCheck(deps, octokit, target, {
      name: 'shipgate/config',
      status: 'completed',
      conclusion: 'success',
      completed_at: new Date(deps.clock.now()).toISOString(),
      output: { title: 'shipgate.yml is valid', summary: `This pull request changes \`${CONFIG_PATH}\`; it validates. Pipelines and gates of this PR run from the changed file.` },
    });
  }

  const match = matchEvent(event, config);
  if (match.pipelines.length === 0) {
    deps.onEvent?.({ kind: 'no-pipeline', repo: event.repository, sha: event.sha });
    await syncRollupCheck(deps, octokit, target);
    return 'processed';
  }

  const created: PipelineRun[] = [];
  for (const matched of match.pipelines) {
    const pipeline = config.pipelines[matched.id];
    if (!pipeline) continue;
    const run = await createRun(deps, delivery, event, config, matched.id, matched.reasons);
    if (run) created.push(run);
  }
  for (const run of created) await advanceRun(deps, run.id);
  return 'processed';
}

/** What is wrong with a push or pull_request payload that shipgate cannot act on, if anything. */
export function payloadProblem(event: string, payload: Record<string, unknown>): string | undefined {
  const repository = payload.repository as { full_name?: unknown } | undefined;
  if (typeof repository?.full_name !== 'string' || !repository.full_name.includes('/')) return 'repository.full_name is missing';
  if (event === 'push') {
    if (typeof payload.ref !== 'string') return 'ref is missing';
    if (typeof payload.after !== 'string') return 'after is missing';
    return undefined;
  }
  const pr = payload.pull_request as { number?: unknown; head?: { ref?: unknown; sha?: unknown }; base?: { ref?: unknown; repo?: unknown } } | undefined;
  if (typeof payload.action !== 'string') return 'action is missing';
  if (typeof pr?.number !== 'number') return 'pull_request.number is missing';
  if (typeof pr.head?.sha !== 'string' || typeof pr.head.ref !== 'string') return 'pull_request.head is incomplete';
  if (typeof pr.base?.ref !== 'string' || typeof pr.base.repo !== 'object' || pr.base.repo === null) return 'pull_request.base is incomplete';
  return undefined;
}

function concurrencyKey(event: ShipgateEvent, pipeline: string): string {
  const scope = event.pr !== undefined ? `pr:${event.pr}` : event.tag !== undefined ? `tag:${event.tag}` : `branch:${event.branch ?? event.ref}`;
  return `${event.repository}:${pipeline}:${scope}`;
}

function runPlan(config: ShipgateConfig, pipelineId: string, event: ShipgateEvent, reasons: string[]): RunPlan {
  const pipeline = config.pipelines[pipelineId];
  if (!pipeline) throw new Error(`pipeline ${pipelineId} is not in the config`);
  const stages: RunPlan['stages'] = {};
  for (const [id, stage] of Object.entries(pipeline.stages)) {
    stages[id] = {
      needs: [...stage.needs],
      ...(stage.if !== undefined ? { if: stage.if } : {}),
      ...(stage.environment !== undefined ? { environment: stage.environment } : {}),
      jobs: Object.fromEntries(
        Object.entries(stage.jobs).map(([jobId, job]) => [
          jobId,
          {
            workflow: job.workflow,
            inputs: { ...job.inputs },
            ...(job.timeout !== undefined ? { timeout: job.timeout } : {}),
            ...(job.retries !== undefined ? { retries: job.retries } : {}),
            'continue-on-error': job['continue-on-error'],
          },
        ]),
      ),
    };
  }
  return {
    stages,
    variables: { ...pipeline.variables },
    defaults: { timeoutMs: parseDuration(config.defaults.timeout), retries: config.defaults.retries },
    context: buildExpressionContext(event, pipelineId),
    dispatchRef: event.tag ?? event.branch ?? event.ref,
    reasons,
  };
}

async function createRun(
  deps: EngineDeps,
  delivery: DeliveryInput,
  event: ShipgateEvent,
  config: ShipgateConfig,
  pipelineId: string,
  reasons: string[],
): Promise<PipelineRun | undefined> {
  const pipeline = config.pipelines[pipelineId];
  if (!pipeline) return undefined;
  const key = concurrencyKey(event, pipelineId);
  const now = new Date(deps.clock.now());
  const toCancel: number[] = [];
  const run = await withTransaction(deps.db, async (trx) => {
    const { pipelineRun, created } = await createPipelineRun(trx, {
      installation_id: delivery.installationId,
      owner: event.repository.split('/')[0] ?? '',
      repo: event.repository.split('/')[1] ?? '',
      pipeline: pipelineId,
      delivery_id: delivery.id,
      trigger: event.kind,
      ref: event.ref,
      sha: event.sha,
      pr_number: event.pr ?? null,
      actor: event.actor,
      concurrency_key: key,
      plan: runPlan(config, pipelineId, event, reasons) as unknown as JsonObject,
      now,
    });
    if (!created) return undefined;
    if (event.fork) {
      return updatePipelineRun(
        trx,
        pipelineRun.id,
        { waiting_for: 'ok-to-test: this pull request comes from a fork; a user with write access must comment `/ok-to-test` before shipgate dispatches anything.' },
        { now },
      );
    }
    const older = (await findActivePipelineRuns(trx, key)).filter((r) => r.id < pipelineRun.id);
    if (pipeline.concurrency === 'cancel-in-progress') {
      for (const run of older) {
        await updatePipelineRun(trx, run.id, { cancel_requested_at: now }, { now });
        toCancel.push(run.id);
      }
    } else if (pipeline.concurrency === 'queue' && older.length > 0) {
      return updatePipelineRun(trx, pipelineRun.id, { waiting_for: `queue: waiting for run #${older[older.length - 1]?.id} of ${pipelineId} on the same ${event.pr !== undefined ? 'pull request' : 'ref'} to finish` }, { now });
    }
    return pipelineRun;
  });
  if (!run) return undefined;
  deps.onEvent?.({ kind: 'run-created', runId: run.id, pipeline: pipelineId, repo: event.repository, sha: event.sha, trigger: event.kind });
  for (const id of toCancel) await advanceRun(deps, id);
  return run;
}

/**
 * Whether the event's changed files must be fetched: for a push when a
 * pipeline filters pushes on paths; for a pull request always (path filters,
 * and the `shipgate/config` check of a PR that edits the config).
 */
function needsChangedFiles(config: ShipgateConfig, event: ShipgateEvent): boolean {
  if (event.kind === 'tag' || event.changedFiles !== undefined) return false;
  if (event.kind === 'pull_request') return true;
  return Object.values(config.pipelines).some((p) => p.on.push !== undefined && (p.on.push.paths !== undefined || p.on.push['paths-ignore'] !== undefined));
}

async function resolveChangedFiles(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  event: ShipgateEvent,
  payload: Record<string, unknown>,
): Promise<ShipgateEvent> {
  if (event.kind === 'pull_request' && event.pr !== undefined) {
    return withChangedFiles(event, await changedFilesForPullRequest(octokit, { ...repo, pull_number: event.pr }));
  }
  const push = payload as unknown as PushPayload;
  return withChangedFiles(
    event,
    await changedFilesForPush(octokit, { ...repo, before: push.before ?? '', after: push.after, payload: push as Parameters<typeof changedFilesForPush>[1]['payload'] }),
  );
}

/**
 * SPEC §3 trust rule: pipelines and gates come from the event's sha;
 * `environments` and `commands` from the default branch only.
 */
async function trustedConfig(
  octokit: GitHubClient,
  payload: Record<string, unknown>,
  repo: { owner: string; repo: string },
  event: ShipgateEvent,
  atSha: ShipgateConfig,
): Promise<ShipgateConfig> {
  const defaultBranch = (payload.repository as { default_branch?: string } | undefined)?.default_branch;
  const onDefaultBranch = event.kind === 'push' && defaultBranch !== undefined && event.branch === defaultBranch;
  if (onDefaultBranch) return atSha;
  const usesTrusted = Object.keys(atSha.environments).length > 0 || Object.values(atSha.pipelines).some((p) => Object.values(p.stages).some((s) => s.environment !== undefined));
  if (!usesTrusted) return mergeTrusted(atSha, undefined);
  const fromDefault = defaultBranch ? await loadRepoConfig(octokit, { ...repo, ref: defaultBranch }) : { ok: 'missing' as const };
  return mergeTrusted(atSha, fromDefault.ok === true ? fromDefault.config : undefined);
}

async function reportConfigErrors(
  deps: EngineDeps,
  octokit: GitHubClient,
  target: { owner: string; repo: string; sha: string },
  errors: ConfigIssue[],
): Promise<void> {
  const now = new Date(deps.clock.now());
  const lines = errors.map((e) => `- \`${formatIssue(e)}\``);
  await writeNamedCheck(
    deps,
    octokit,
    target,
    {
      name: 'shipgate/config',
      status: 'completed',
      conclusion: 'failure',
      completed_at: now.toISOString(),
      output: {
        title: `shipgate.yml has ${errors.length} error${errors.length === 1 ? '' : 's'}`,
        summary: `No pipeline runs until \`${CONFIG_PATH}\` is fixed. Check it locally with \`npx shipgate validate\`.\n\n${lines.join('\n')}`,
      },
    },
    errors.map((e) => ({
      path: e.file,
      start_line: Math.max(1, e.line),
      end_line: Math.max(1, e.line),
      annotation_level: 'failure' as const,
      title: 'shipgate.yml',
      message: e.hint ? `${e.message} (${e.hint})` : e.message,
    })),
  );
  deps.onEvent?.({ kind: 'config-invalid', repo: `${target.owner}/${target.repo}`, sha: target.sha, errors: errors.length });
  await syncRollupCheck(deps, octokit, target, `${CONFIG_PATH} has ${errors.length} error${errors.length === 1 ? '' : 's'}`);
}

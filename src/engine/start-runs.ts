import type { GitHubClient } from '../github/client.ts';
import { changedFilesForPullRequest, changedFilesForPush } from '../github/changed-files.ts';
import { buildExpressionContext } from '../matching/conditions.ts';
import { eventFromPullRequest, eventFromPush, withChangedFiles, type ShipgateEvent } from '../matching/event.ts';
import { matchEvent } from '../matching/match-event.ts';
import { plannedJobOf } from './run-plan.ts';
import { parseDuration } from '../repo-config/duration.ts';
import { CONFIG_PATH, loadRepoConfig, mergeTrusted } from '../repo-config/load-from-repo.ts';
import { formatIssue, type ConfigIssue } from '../repo-config/parse.ts';
import type { ShipgateConfig } from '../repo-config/schema.ts';
import { withTransaction } from '../store/db.ts';
import { createPipelineRun, findActivePipelineRuns, updatePipelineRun } from '../store/repos/pipeline-runs.ts';
import type { PipelineRun } from '../store/schema/index.ts';
import { recordCheckSync, recordRunChecks, type CommitTarget } from '../effects/kinds.ts';
import type { PullRequestPayload, PushPayload } from '../intake/payloads.ts';
import type { CheckAnnotation } from '../github/checks.ts';
import type { CheckRunBody } from './check-output.ts';
import { admissionView, advanceRun, afterCommit, lockConcurrencyKey } from './advance.ts';
import { admit } from './admission.ts';
import { CRASH_POINTS, crashPoint } from './crash-points.ts';
import type { EngineDeps, EngineEvent } from './deps.ts';
import { reason, renderReason } from './reasons.ts';
import type { PlannedGate, RunPlan } from './run-plan.ts';
import { gateChanges } from '../gates/gate-changes.ts';
import { toJsonObject } from '../store/json.ts';
import { snapshotEnvironment, type EnvironmentSnapshot } from '../deploy/environment-policy.ts';
import { plannedNotifications } from '../notify/targets.ts';

export { CONFIG_PATH };

/** A push or pull request delivery, its payload parsed at intake. */
export type RunEventDelivery =
  | { id: string; installationId: number; event: 'push'; payload: PushPayload }
  | { id: string; installationId: number; event: 'pull_request'; payload: PullRequestPayload };

/**
 * A push, tag push or pull request: load the config at the event's sha, match
 * it, create one run per matching pipeline (once per delivery), and start them.
 * A config error becomes a failed `shipgate/config` check with the errors at
 * their lines, never a silent nothing.
 */
export async function startRunsForEvent(deps: EngineDeps, delivery: RunEventDelivery): Promise<'processed' | 'ignored'> {
  let event: ShipgateEvent;
  if (delivery.event === 'push') {
    event = eventFromPush(delivery.payload);
    if (event.deleted) return 'ignored';
  } else {
    event = eventFromPullRequest(delivery.payload);
  }
  const [owner = '', repo = ''] = event.repository.split('/');
  const target = { owner, repo, sha: event.sha };
  const octokit = await deps.github(delivery.installationId);

  const loaded = await loadRepoConfig(octokit, { owner, repo, ref: event.sha });
  if (loaded.ok === 'missing') return 'ignored';
  if (!loaded.ok) {
    await reportConfigErrors(deps, delivery.installationId, target, loaded.errors);
    return 'processed';
  }
  const config = await trustedConfig(octokit, delivery.payload.repository.default_branch, { owner, repo }, event, loaded.config);

  if (needsChangedFiles(config, event)) event = await resolveChangedFiles(octokit, { owner, repo }, event, delivery);
  if (event.kind === 'pull_request' && event.changedFiles?.includes(CONFIG_PATH)) {
    const changes = await gateChangesAgainstDefault(octokit, { owner, repo }, delivery.payload.repository.default_branch, loaded.config);
    const note = changes.length > 0 ? `\n\n### This pull request changes gates\n\n${changes.map((c) => `- ${c}`).join('\n')}\n\nThe gates of this PR's runs are the changed ones.` : '';
    await recordFixedCheck(deps, delivery.installationId, target, {
      name: 'shipgate/config',
      status: 'completed',
      conclusion: 'success',
      completed_at: new Date(deps.clock.now()).toISOString(),
      output: {
        title: changes.length > 0 ? `shipgate.yml is valid; it changes ${changes.length} gate setting${changes.length === 1 ? '' : 's'}` : 'shipgate.yml is valid',
        summary: `This pull request changes \`${CONFIG_PATH}\`; it validates. Pipelines and gates of this PR run from the changed file.${note}`,
      },
    });
  }

  const match = matchEvent(event, config);
  if (match.pipelines.length === 0) {
    // The roll-up renders from the runs on the sha: "none applies" only while there are none.
    await withTransaction(deps.db, (trx) =>
      recordCheckSync(trx, { target, name: 'shipgate', what: { source: 'rollup' }, installationId: delivery.installationId, now: new Date(deps.clock.now()) }),
    );
    afterCommit(deps, { runId: null, events: [{ kind: 'no-pipeline', repo: event.repository, sha: event.sha }], wakes: [] });
    return 'processed';
  }

  for (const matched of match.pipelines) {
    if (!config.pipelines[matched.id]) continue;
    await createRun(deps, delivery, event, config, matched.id, matched.reasons);
  }
  return 'processed';
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
          plannedJobOf(job),
        ]),
      ),
    };
  }
  return {
    stages,
    variables: { ...pipeline.variables },
    defaults: { timeoutMs: parseDuration(config.defaults.timeout), retries: config.defaults.retries },
    context: buildExpressionContext(event, pipelineId),
    // A fork's workflows run from the base branch (trusted workflow files, the fork's sha as an input):
    // the fork's branch name may also name a branch of the base repository.
    dispatchRef: event.fork && event.baseBranch ? event.baseBranch : (event.tag ?? event.branch ?? event.ref),
    reasons,
    concurrency: pipeline.concurrency,
    gates: plannedGates(pipeline),
    ...payloadFacts(event.payload),
    environments: plannedEnvironments(config, pipeline),
    ...plannedNotifications(config.notifications),
  };
}

/** The policies of the environments the pipeline's stages deploy to (from the trusted config: the default branch's). */
function plannedEnvironments(config: ShipgateConfig, pipeline: ShipgateConfig['pipelines'][string]): Record<string, EnvironmentSnapshot> {
  const environments: Record<string, EnvironmentSnapshot> = {};
  for (const stage of Object.values(pipeline.stages)) {
    const name = stage.environment;
    const environment = name === undefined ? undefined : config.environments[name];
    if (name !== undefined && environment !== undefined) environments[name] = snapshotEnvironment(name, environment, config.commands.prefix, config.notifications);
  }
  return environments;
}

/** Each gate with the stage of the job it names (a `duration` gate without `job` is the pipeline's). */
function plannedGates(pipeline: ShipgateConfig['pipelines'][string]): PlannedGate[] {
  const stageOf = new Map<string, string>();
  for (const [stageId, stage] of Object.entries(pipeline.stages)) for (const jobId of Object.keys(stage.jobs)) stageOf.set(jobId, stageId);
  return pipeline.gates.map((gate) => ({ ...gate, stage: gate.job === undefined ? null : (stageOf.get(gate.job) ?? null) }));
}

/** The default branch and the head commit's date, from the webhook payload when it has them. */
function payloadFacts(payload: unknown): { defaultBranch?: string; commitDate?: string } {
  const record = (value: unknown): Record<string, unknown> | undefined => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined);
  const root = record(payload);
  const defaultBranch = record(root?.repository)?.default_branch;
  const timestamp = record(root?.head_commit)?.timestamp;
  return {
    ...(typeof defaultBranch === 'string' ? { defaultBranch } : {}),
    ...(typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp)) ? { commitDate: timestamp } : {}),
  };
}

/**
 * Creates the run of one matched pipeline (once per delivery) and admits it,
 * under the concurrency key's lock: it starts, waits (fork before
 * `/ok-to-test`, `concurrency: queue`), or starts by cancelling the older runs
 * it supersedes. Its check runs are recorded in the same transaction.
 * `delivery` is the webhook delivery that asked for it (a push, a pull
 * request, or the comment of a `/run`): one run per delivery and pipeline.
 */
export async function createRun(
  deps: EngineDeps,
  delivery: { id: string; installationId: number },
  event: ShipgateEvent,
  config: ShipgateConfig,
  pipelineId: string,
  reasons: string[],
): Promise<void> {
  const key = concurrencyKey(event, pipelineId);
  const now = new Date(deps.clock.now());
  const events: EngineEvent[] = [];
  const admitted = await withTransaction(deps.db, async (trx) => {
    await lockConcurrencyKey(trx, key);
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
      plan: toJsonObject(runPlan(config, pipelineId, event, reasons)),
      from_fork: event.fork === true,
      now,
    });
    // A redelivery or a retry of this delivery: the run exists; reconciliation advances it if it stalled.
    if (!created) return { run: pipelineRun, cancel: [] as number[], created: false };
    events.push({ kind: 'run-created', runId: pipelineRun.id, pipeline: pipelineId, repo: event.repository, sha: event.sha, trigger: event.kind });
    return admitRun(deps, trx, pipelineRun, now);
  });
  afterCommit(deps, { runId: admitted.run.id, events, wakes: [] });
  crashPoint(CRASH_POINTS.afterRunRecorded);
  for (const id of admitted.cancel) await advanceRun(deps, id);
  await advanceRun(deps, admitted.run.id);
}

/** Admission of a newly created run, inside its creating transaction (the key is locked). */
export async function admitRun(
  _deps: EngineDeps,
  trx: Parameters<Parameters<typeof withTransaction>[1]>[0],
  run: PipelineRun,
  now: Date,
): Promise<{ run: PipelineRun; cancel: number[]; created: boolean }> {
  const active = await findActivePipelineRuns(trx, run.concurrency_key);
  const { runs, policies } = await admissionView(trx, active);
  const self = runs.find((r) => r.id === run.id) ?? { id: run.id, status: run.status, waiting: null, cancelRequested: false };
  const policy = policies.get(run.id);
  const admission = policy ? admit(self, runs.filter((r) => r.id !== run.id), policy) : { kind: 'start' as const };
  const cancel: number[] = [];
  let current = run;
  if (admission.kind === 'wait') {
    current =
      (await updatePipelineRun(trx, run.id, { waiting_for: renderReason(admission.reason), waiting_reason: { ...admission.reason } }, { now })) ?? run;
  } else if (admission.kind === 'cancel-others') {
    for (const id of admission.runIds) {
      await updatePipelineRun(trx, id, { cancel_requested_at: now, advance_due_at: now }, { onlyIf: { status: ['queued', 'in_progress'] }, now });
      cancel.push(id);
    }
  }
  // A waiting run's check says why it waits; a starting run's checks come with its first dispatches.
  if (admission.kind === 'wait') await recordRunChecks(trx, current, now);
  return { run: current, cancel, created: true };
}

/** The gate changes of the PR's config against the default branch's (every gate counts as added when the default branch has no valid config). */
async function gateChangesAgainstDefault(octokit: GitHubClient, repo: { owner: string; repo: string }, defaultBranch: string | undefined, atSha: ShipgateConfig): Promise<string[]> {
  if (defaultBranch === undefined) return [];
  const base = await loadRepoConfig(octokit, { ...repo, ref: defaultBranch });
  const gatesOf = (config: ShipgateConfig) => Object.fromEntries(Object.entries(config.pipelines).map(([id, pipeline]) => [id, pipeline.gates]));
  return gateChanges(base.ok === true ? gatesOf(base.config) : {}, gatesOf(atSha));
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
  delivery: RunEventDelivery,
): Promise<ShipgateEvent> {
  if (event.kind === 'pull_request' && event.pr !== undefined) {
    return withChangedFiles(event, await changedFilesForPullRequest(octokit, { ...repo, pull_number: event.pr }));
  }
  if (delivery.event !== 'push') return event;
  const push = delivery.payload;
  return withChangedFiles(event, await changedFilesForPush(octokit, { ...repo, before: push.before ?? '', after: push.after, payload: push }));
}

/**
 * SPEC §3 trust rule: pipelines and gates come from the event's sha;
 * `environments` and `commands` from the default branch only.
 */
export async function trustedConfig(
  octokit: GitHubClient,
  defaultBranch: string | undefined,
  repo: { owner: string; repo: string },
  event: ShipgateEvent,
  atSha: ShipgateConfig,
): Promise<ShipgateConfig> {
  const onDefaultBranch = event.kind === 'push' && defaultBranch !== undefined && event.branch === defaultBranch;
  if (onDefaultBranch) return atSha;
  const usesTrusted = Object.keys(atSha.environments).length > 0 || atSha.notifications !== undefined || Object.values(atSha.pipelines).some((p) => Object.values(p.stages).some((s) => s.environment !== undefined));
  if (!usesTrusted) return mergeTrusted(atSha, undefined);
  const fromDefault = defaultBranch ? await loadRepoConfig(octokit, { ...repo, ref: defaultBranch }) : { ok: 'missing' as const };
  return mergeTrusted(atSha, fromDefault.ok === true ? fromDefault.config : undefined);
}

async function reportConfigErrors(deps: EngineDeps, installationId: number, target: CommitTarget, errors: ConfigIssue[]): Promise<void> {
  const now = new Date(deps.clock.now());
  const lines = errors.map((e) => `- \`${formatIssue(e)}\``);
  const invalid = renderReason(reason('config.invalid', { errors: errors.length }));
  const annotations: CheckAnnotation[] = errors.map((e) => ({
    path: e.file,
    start_line: Math.max(1, e.line),
    end_line: Math.max(1, e.line),
    annotation_level: 'failure' as const,
    title: 'shipgate.yml',
    message: e.hint ? `${e.message} (${e.hint})` : e.message,
  }));
  const body: CheckRunBody = {
    name: 'shipgate/config',
    status: 'completed',
    conclusion: 'failure',
    completed_at: now.toISOString(),
    output: {
      title: invalid,
      summary: `No pipeline runs until \`${CONFIG_PATH}\` is fixed. Check it locally with \`npx shipgate validate\`.\n\n${lines.join('\n')}`,
    },
  };
  await withTransaction(deps.db, async (trx) => {
    await recordCheckSync(trx, { target, name: 'shipgate/config', what: { source: 'fixed', body: toJsonObject(body), annotations: annotations.map(toJsonObject) }, installationId, now });
    await recordCheckSync(trx, { target, name: 'shipgate', what: { source: 'rollup', configError: invalid }, installationId, now });
  });
  afterCommit(deps, { runId: null, events: [{ kind: 'config-invalid', repo: `${target.owner}/${target.repo}`, sha: target.sha, errors: errors.length }], wakes: [] });
}

/** A check-run body fixed at decision time (`shipgate/config`), recorded as an effect. */
async function recordFixedCheck(deps: EngineDeps, installationId: number, target: CommitTarget, body: CheckRunBody): Promise<void> {
  const now = new Date(deps.clock.now());
  await withTransaction(deps.db, (trx) => recordCheckSync(trx, { target, name: body.name, what: { source: 'fixed', body: toJsonObject(body) }, installationId, now }));
  deps.effects?.kick();
}

/** A plain JSON copy of a value made of JSON-safe fields. */

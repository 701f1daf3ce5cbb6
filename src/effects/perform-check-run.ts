import { z } from 'zod';
import type { Effect, JsonObject, PipelineRun } from '../store/schema/index.ts';
import type { GitHubClient } from '../github/client.ts';
import { ANNOTATIONS_PER_REQUEST, createCheckRun, findCheckRunByExternalId, updateCheckRun, type CheckAnnotation } from '../github/checks.ts';
import { getCheckRun, upsertCheckRun } from '../store/repos/check-runs.ts';
import { hasUnfinishedEffects } from '../store/repos/effects.ts';
import { findPipelineRunsBySha } from '../store/repos/pipeline-runs.ts';
import { gateAnnotations, pipelineCheckBody, rollupCheckBody, type CheckRunBody } from '../engine/check-output.ts';
import { loadRunView, sameJson, significance } from '../engine/check-sync.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { withTransaction } from '../store/db.ts';
import { listOpenDeployments, listShaDeployments } from '../store/repos/deployments.ts';
import { getLock } from '../store/repos/locks.ts';
import { deploymentCheckBody } from '../deploy/check-output.ts';
import { approvalViewOf } from '../deploy/approval-requests.ts';
import { findApprovalRequestByDeployment, listApprovals } from '../store/repos/approvals.ts';
import { readSnapshot } from '../deploy/environment-policy.ts';
import { checkEffectKey, EFFECT_KINDS, recordCheckSync } from './kinds.ts';
import type { PerformOutcome, Performer } from './runner.ts';

const annotationSchema = z.object({
  path: z.string(),
  start_line: z.number(),
  end_line: z.number(),
  start_column: z.number().optional(),
  end_column: z.number().optional(),
  annotation_level: z.enum(['notice', 'warning', 'failure']),
  title: z.string().optional(),
  message: z.string(),
});

const checkRunBodySchema = z.object({
  name: z.string(),
  status: z.enum(['queued', 'in_progress', 'completed']),
  conclusion: z.enum(['success', 'failure', 'neutral', 'cancelled', 'timed_out', 'action_required', 'skipped']).optional(),
  started_at: z.string().optional(),
  completed_at: z.string().optional(),
  details_url: z.string().optional(),
  external_id: z.string().optional(),
  output: z.object({ title: z.string(), summary: z.string(), text: z.string().optional() }),
  actions: z.array(z.object({ label: z.string(), description: z.string(), identifier: z.string() })).optional(),
});

/** The payload of a check-run effect (see `recordCheckSync`), parsed: rows are data, never trusted shapes. */
const checkPayloadSchema = z.intersection(
  z.object({ owner: z.string(), repo: z.string(), sha: z.string(), name: z.string() }),
  z.discriminatedUnion('source', [
    z.object({ source: z.literal('pipeline'), pipeline: z.string() }),
    z.object({ source: z.literal('rollup'), configError: z.string().optional() }),
    z.object({ source: z.literal('deployment'), environment: z.string() }),
    z.object({ source: z.literal('fixed'), body: checkRunBodySchema, annotations: z.array(annotationSchema).optional() }),
  ]),
);
type CheckPayload = z.infer<typeof checkPayloadSchema>;

interface Rendered {
  body: CheckRunBody;
  /** What must differ from the last write for a new write to be worth its request. */
  key: JsonObject;
  externalId: string;
  runId: number | null;
  annotations: CheckAnnotation[];
}

/**
 * Brings one check run up to date with the recorded state: renders it now,
 * and writes only when that differs from what GitHub last accepted (recorded
 * after GitHub answered, so a failed write is simply tried again). A create
 * that may have reached GitHub before a crash or a 5xx is looked up by its
 * `external_id` before a second create. The roll-up waits for the commit's
 * other shipgate checks, so it never precedes a pipeline's own verdict.
 */
export function checkRunPerformer(deps: EngineDeps): Performer {
  return async (effect: Effect): Promise<PerformOutcome> => {
    const parsed = checkPayloadSchema.safeParse(effect.payload);
    if (!parsed.success) return { kind: 'failed', error: `malformed check-run effect: ${parsed.error.message}` };
    const payload = parsed.data;
    const target = { owner: payload.owner, repo: payload.repo, sha: payload.sha };
    const now = new Date(deps.clock.now());
    const rendered = await render(deps, payload, now);
    if (!rendered) return { kind: 'done' };
    if (payload.source === 'rollup' && rendered.body.status === 'completed') {
      const prefix = `${checkEffectKey(target, 'shipgate')}/`;
      if (await hasUnfinishedEffects(deps.db, EFFECT_KINDS.checkRun, prefix)) {
        // Re-armed by the pipeline check when it is written; the delay is only a backstop.
        return { kind: 'retry', error: 'waiting for the pipeline checks of this commit to be written', afterMs: 5_000 };
      }
    }
    const checkKey = { owner: target.owner, repo: target.repo, head_sha: target.sha, name: payload.name };
    const row = await getCheckRun(deps.db, checkKey);
    const written = row?.last_written as { key?: { status?: unknown } } | undefined;
    // A completed check run is never moved back to in progress (GitHub keeps its conclusion): a new one is created.
    const reopens = written?.key?.status === 'completed' && rendered.body.status !== 'completed';
    const sameRequest = payload.source !== 'deployment' || (written as { key?: { request?: unknown } } | undefined)?.key?.request === rendered.key.request;
    const sameCheck = row !== undefined && !reopens && sameRequest && (payload.source !== 'pipeline' || row.pipeline_run_id === rendered.runId);
    const alreadySent = sameCheck ? row.annotations_sent : 0;
    const unsent = rendered.annotations.slice(alreadySent);
    if (sameCheck && sameJson((row.last_written as { key?: unknown }).key, rendered.key) && unsent.length === 0) return { kind: 'done' };
    if (effect.installation_id === null) return { kind: 'failed', error: 'check-run effect without an installation' };
    const octokit = await deps.github(effect.installation_id);
    const installationId = effect.installation_id;
    let checkRunId: number;
    let sent: number;
    // GitHub appends annotations, at most 50 per request: the first batch rides on the write, the rest follow, each counted once answered.
    const first = unsent.slice(0, ANNOTATIONS_PER_REQUEST);
    if (sameCheck) {
      checkRunId = row.check_run_id;
      await updateCheckRun(octokit, target, checkRunId, rendered.body, first);
      sent = alreadySent + first.length;
    } else {
      const created = await createOnce(octokit, target, rendered, first, effect.attempts > 1);
      checkRunId = created.id;
      // A create found by its external_id reached GitHub with its first batch.
      sent = first.length;
    }
    const record = (count: number, withRollup: boolean) =>
      withTransaction(deps.db, async (trx) => {
        await upsertCheckRun(trx, { ...checkKey, check_run_id: checkRunId, pipeline_run_id: rendered.runId, last_written: { key: rendered.key }, annotations_sent: count, now });
        // The roll-up follows every other shipgate check of the commit.
        if (withRollup && payload.source !== 'rollup') {
          await recordCheckSync(trx, { target, name: 'shipgate', what: { source: 'rollup' }, installationId, now, keepPayload: true });
        }
      });
    await record(sent, true);
    while (sent < rendered.annotations.length) {
      const batch = rendered.annotations.slice(sent, sent + ANNOTATIONS_PER_REQUEST);
      await updateCheckRun(octokit, target, checkRunId, rendered.body, batch);
      sent += batch.length;
      await record(sent, false);
    }
    return { kind: 'done' };
  };
}

async function createOnce(
  octokit: GitHubClient,
  target: { owner: string; repo: string; sha: string },
  rendered: Rendered,
  annotations: CheckAnnotation[],
  mayExist: boolean,
): Promise<{ id: number }> {
  if (mayExist) {
    const found = await findCheckRunByExternalId(octokit, target, rendered.body.name, rendered.externalId);
    if (found !== undefined) {
      await updateCheckRun(octokit, target, found, rendered.body);
      return { id: found };
    }
  }
  return { id: await createCheckRun(octokit, target, target.sha, rendered.body, { externalId: rendered.externalId, annotations }) };
}

async function render(deps: EngineDeps, payload: CheckPayload, now: Date): Promise<Rendered | undefined> {
  const target = { owner: payload.owner, repo: payload.repo, sha: payload.sha };
  if (payload.source === 'pipeline') {
    const runs = await findPipelineRunsBySha(deps.db, target);
    const run = latestOf(runs.filter((r) => r.pipeline === payload.pipeline));
    if (!run) return undefined;
    const view = await loadRunView(deps.db, run);
    return { body: pipelineCheckBody(view, now), key: significance(view), externalId: String(run.id), runId: run.id, annotations: gateAnnotations(view.gates ?? []) };
  }
  if (payload.source === 'rollup') {
    // `/deploy` and rollback runs are deployments, not pipelines that applied to the commit.
    const runs = (await findPipelineRunsBySha(deps.db, target)).filter((run) => run.trigger !== 'deploy');
    const latest = new Map<string, PipelineRun>();
    for (const run of runs) latest.set(run.pipeline, run);
    const entries = [...latest.values()].map((r) => ({ pipeline: r.pipeline, status: r.status, conclusion: r.conclusion }));
    const body = rollupCheckBody(entries, now, payload.configError);
    // One roll-up check run per generation of runs on the commit: a later run (a PR after a push, a re-run) gets a new one.
    const newest = runs.reduce((max, run) => Math.max(max, run.id), 0);
    return { body, key: namedKey(body), externalId: `shipgate:rollup:${newest}`, runId: null, annotations: [] };
  }
  if (payload.source === 'deployment') {
    const deployment = (await listShaDeployments(deps.db, target)).find((d) => d.environment === payload.environment);
    if (!deployment) return undefined;
    const key = { owner: target.owner, repo: target.repo, environment: payload.environment };
    const queue = (await listOpenDeployments(deps.db, key)).map((d) => ({ id: d.id, sha: d.sha, requestedBy: d.requested_by, status: d.status }));
    const lock = await getLock(deps.db, key);
    const snapshot = readSnapshot(deployment.policy, deployment.environment);
    const approvalRequest = await findApprovalRequestByDeployment(deps.db, deployment.id);
    const approval = approvalRequest ? approvalViewOf(approvalRequest, deployment, await listApprovals(deps.db, approvalRequest.id)) : null;
    const body = deploymentCheckBody({ deployment, queue, lock: lock ? { holder: lock.holder, reason: lock.reason, since: lock.created_at } : null, environmentUrl: snapshot.url ?? null, approval }, now);
    return { body, key: { ...namedKey(body), request: deployment.id }, externalId: `shipgate:deploy:${deployment.id}`, runId: null, annotations: [] };
  }
  const body = definedOnly(payload.body) as CheckRunBody;
  const annotations = (payload.annotations ?? []).map((a) => definedOnly(a) as CheckAnnotation);
  return { body, key: namedKey(body), externalId: `shipgate:${payload.name}`, runId: null, annotations };
}

/** The object without its `undefined` fields (zod's optional output), as exact optional types want. */
function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function namedKey(body: CheckRunBody): JsonObject {
  return { status: body.status, conclusion: body.conclusion ?? null, title: body.output.title, summary: body.output.summary };
}

function latestOf(runs: PipelineRun[]): PipelineRun | undefined {
  return runs.reduce<PipelineRun | undefined>((latest, run) => (!latest || run.id > latest.id ? run : latest), undefined);
}

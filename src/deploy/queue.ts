/**
 * The one-at-a-time queue of each environment (SPEC §6). Every decision about
 * which request of an environment deploys, waits or is refused is made here,
 * under a transaction-scoped advisory lock on the environment, so requests
 * processed at the same moment on several replicas behave as if processed one
 * after the other. The policy itself is the pure `decideDeployment`.
 */
import { sql, type Transaction } from 'kysely';
import { recordApprovalComment, recordCheckSync, recordCreateDeployment } from '../effects/kinds.ts';
import { lastSuccessfulDeployment, listOpenDeployments, transitionDeployment, type EnvironmentKey } from '../store/repos/deployments.ts';
import { getLock } from '../store/repos/locks.ts';
import type { Database, Deployment, DeploymentStatus, JsonObject } from '../store/schema/index.ts';
import { sameJson } from '../engine/check-sync.ts';
import { isReason, reason } from '../engine/reasons.ts';
import { decideDeployment, type ApprovalFacts, type DeployDecision, type DeployFacts } from './policy.ts';
import { readSnapshot } from './environment-policy.ts';
import { approvalFacts, openApprovalRequest, settleApprovalRequest } from './approval-requests.ts';
import { answerProtectionRequest } from './protection-rule.ts';

/** What a review changed, for after its commit: runs to advance, and when to look again. */
export interface ReviewOutcome {
  /** Pipeline runs whose deploying stage can now move (started, or failed by a refusal). */
  advance: number[];
  /** Times at which a waiting request may become deployable (wait timers), by run. */
  wakes: Array<{ runId: number; at: number }>;
}

/** The check run of a request's environment on its commit. */
export function deploymentCheckName(environment: string): string {
  return `shipgate/deploy/${environment}`;
}

export async function lockEnvironment(trx: Transaction<Database>, key: EnvironmentKey): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`deploy:${key.owner}/${key.repo}:${key.environment}`}, 0))`.execute(trx);
}

/** The check run of a request (and its approval request's comment, if it has one) brought up to date (in the caller's transaction). */
export async function recordDeploymentCheck(trx: Transaction<Database>, deployment: Deployment, now: Date): Promise<void> {
  const approval = await trx.selectFrom('approval_requests').select(['id', 'status']).where('deployment_id', '=', deployment.id).executeTakeFirst();
  if (approval) {
    // A request that ended while its approvals were still being collected (cancelled, superseded, refused) takes none any more.
    const ended = !['requested', 'waiting', 'queued', 'deploying'].includes(deployment.status);
    if (ended && approval.status === 'pending') await settleApprovalRequest(trx, approval.id, { status: 'cancelled', reason: isReason(deployment.reason) ? deployment.reason : null, by: 'shipgate', now });
    await recordApprovalComment(trx, { approvalRequestId: approval.id, installationId: deployment.installation_id, now });
  }
  // A held Actions job whose request ended without being let through is told so (a push voided it, `/cancel`, a refusal): it never waits on.
  if (deployment.source === 'protection' && ['refused', 'cancelled', 'rejected', 'expired'].includes(deployment.status)) {
    await answerProtectionRequest(trx, deployment, { kind: 'refuse', reason: isReason(deployment.reason) ? deployment.reason : reason('deploy.cancelled', { by: 'shipgate' }) }, now);
  }
  await recordCheckSync(trx, {
    target: { owner: deployment.owner, repo: deployment.repo, sha: deployment.sha },
    name: deploymentCheckName(deployment.environment),
    what: { source: 'deployment', environment: deployment.environment },
    installationId: deployment.installation_id ?? 0,
    now,
  });
}

/** The sha's pipelines as the policy sees them: the latest run of each, deploy runs left out. */
async function pipelineFacts(trx: Transaction<Database>, deployment: Deployment): Promise<DeployFacts['pipelines']> {
  const runs = await trx
    .selectFrom('pipeline_runs')
    .select(['id', 'pipeline', 'status', 'conclusion', 'trigger'])
    .where('owner', '=', deployment.owner)
    .where('repo', '=', deployment.repo)
    .where('sha', '=', deployment.sha)
    .where('trigger', '!=', 'deploy')
    .orderBy('id')
    .execute();
  const latest = new Map<string, (typeof runs)[number]>();
  for (const run of runs) latest.set(run.pipeline, run);
  const running: string[] = [];
  const failed: string[] = [];
  for (const run of latest.values()) {
    if (run.status !== 'completed') running.push(run.pipeline);
    else if (run.conclusion !== 'success') failed.push(run.pipeline);
  }
  return { running, failed };
}

function statusFor(decision: Exclude<DeployDecision, { kind: 'allow' }>): DeploymentStatus {
  if (decision.kind === 'refuse') return decision.reason.code === 'deploy.approval-rejected' ? 'rejected' : decision.reason.code === 'deploy.approval-expired' ? 'expired' : 'refused';
  return decision.reason.code === 'deploy.queued' ? 'queued' : 'waiting';
}

/**
 * Decides every open request of an environment again, oldest first: the one
 * deploying keeps the slot; the first that policy allows takes it (its GitHub
 * deployment is asked for); the others wait (queued behind it, or for their
 * own reason) or are refused. Only changes are written (a transition, the
 * request's check run).
 */
export async function reviewEnvironment(trx: Transaction<Database>, key: EnvironmentKey, now: Date, actor = 'shipgate'): Promise<ReviewOutcome> {
  await lockEnvironment(trx, key);
  const outcome: ReviewOutcome = { advance: [], wakes: [] };
  const open = await listOpenDeployments(trx, key);
  const lock = await getLock(trx, key);
  let deploying = open.find((d) => d.status === 'deploying')?.id ?? null;
  const ahead: number[] = [];
  for (const request of open) {
    if (request.status === 'deploying') continue;
    const policy = readSnapshot(request.policy, request.environment);
    const isRollback = request.source === 'rollback' || request.source === 'auto-rollback';
    const approvalRequest = policy.approvals > 0 && !isRollback ? await approvalFacts(trx, request.id) : null;
    const approvals: ApprovalFacts | null = approvalRequest?.facts ?? null;
    const facts: DeployFacts = {
      phase: request.status === 'requested' ? 'request' : 'queue',
      branches: Array.isArray(request.ref_branches) ? request.ref_branches : [],
      afterSucceeded:
        policy.after === undefined || isRollback ? true : (await lastSuccessfulDeployment(trx, { owner: key.owner, repo: key.repo, environment: policy.after, sha: request.sha })) !== undefined,
      pipelines: request.source === 'command' ? await pipelineFacts(trx, request) : { running: [], failed: [] },
      lock: lock ? { holder: lock.holder, reason: lock.reason, since: lock.created_at.getTime() } : null,
      approvals,
      queue: { deploying, ahead: [...ahead] },
      now: now.getTime(),
    };
    const decision = decideDeployment(
      {
        id: request.id,
        environment: request.environment,
        sha: request.sha,
        ref: request.ref,
        refKind: request.ref === request.sha ? 'sha' : 'branch',
        source: request.source,
        requestedBy: request.requested_by,
        requestedAt: request.created_at.getTime(),
      },
      policy,
      facts,
    );
    // The approval request follows the decision: opened when the policy first asks for approvals, approved once enough arrived, expired when its time ran out.
    if (approvalRequest === null && decision.kind === 'wait' && decision.reason.code === 'deploy.approvals-needed') await openApprovalRequest(trx, request, policy, now);
    else if (approvalRequest !== null && approvalRequest.facts.status === 'pending') {
      if (decision.kind === 'refuse' && decision.reason.code === 'deploy.approval-expired') await settleApprovalRequest(trx, approvalRequest.id, { status: 'expired', reason: decision.reason, by: 'shipgate', now });
      else if (approvalRequest.facts.given >= policy.approvals && decision.kind !== 'refuse') await settleApprovalRequest(trx, approvalRequest.id, { status: 'approved', reason: null, by: null, now });
    }
    if (decision.kind === 'allow') {
      const moved = await transitionDeployment(trx, request.id, 'deploying', { reason: null, actor, now, from: ['requested', 'waiting', 'queued'] });
      if (!moved) continue;
      deploying = moved.id;
      // A native Actions job held by the protection rule has its GitHub deployment already: it is let through.
      if (moved.source === 'protection') await answerProtectionRequest(trx, moved, decision, now);
      else await recordCreateDeployment(trx, { deploymentId: moved.id, runId: moved.pipeline_run_id, installationId: moved.installation_id, now });
      await recordDeploymentCheck(trx, moved, now);
      continue;
    }
    const status = statusFor(decision);
    const reasonJson = { ...decision.reason } as JsonObject;
    if (request.status !== status || !sameJson(request.reason, reasonJson)) {
      const moved = await transitionDeployment(trx, request.id, status, { reason: reasonJson, actor, now, from: ['requested', 'waiting', 'queued'] });
      if (moved) await recordDeploymentCheck(trx, moved, now);
      if (moved && moved.source === 'protection') await answerProtectionRequest(trx, moved, decision, now);
    }
    if (decision.kind === 'refuse') {
      if (request.pipeline_run_id !== null) outcome.advance.push(request.pipeline_run_id);
      continue;
    }
    // A request held by someone else's lock keeps no place in the queue: the holder's own requests go past it.
    if (decision.reason.code !== 'deploy.locked') ahead.push(request.id);
    if (decision.kind === 'wait' && decision.until !== undefined && request.pipeline_run_id !== null) outcome.wakes.push({ runId: request.pipeline_run_id, at: decision.until });
  }
  return outcome;
}

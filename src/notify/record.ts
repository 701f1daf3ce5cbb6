/**
 * Records notifications in the transaction of the decision that causes them
 * (SPEC §12): one `notify` effect per event and target, keyed
 * `notify:<event id>:<target>`, so an event is recorded once however often
 * its decision is retried, and the effect runner sends it, durably. Targets
 * come from the trusted config as the run plan or the environment snapshot
 * kept it: an event is told only to what was configured when it happened —
 * nothing is back-filled when notifications are first enabled.
 */
import type { DbOrTrx } from '../store/db.ts';
import { recordEffect } from '../store/repos/effects.ts';
import { EFFECT_KINDS } from '../effects/kinds.ts';
import { toJsonObject } from '../store/json.ts';
import type { ApprovalRequest, Deployment, PipelineRun } from '../store/schema/index.ts';
import { approvalEvent, deploymentEvent, failureEvent, recoveryEvent, type DeploymentNotifyEvent, type NotifyEvent } from './events.ts';
import { swapRunOutcome } from './store.ts';
import { readTargets, targetKey, targetsFor, type NotificationTargets } from './targets.ts';

/** After every GitHub-bound effect due at the same time: a notification never holds back a dispatch. */
export const NOTIFY_PRIORITY = 7;

/** The effect key of one event for one target: stable, so each retry sends the same `webhook-id`. */
export function notifyEffectKey(eventId: string, target: Parameters<typeof targetKey>[0]): string {
  return `notify:${eventId}:${targetKey(target)}`;
}

/**
 * Records `event` for every target that asks for it, in the caller's
 * transaction; returns how many effects were new (a decision recorded again
 * records none).
 */
export async function recordNotifications(trx: DbOrTrx, event: NotifyEvent, targets: NotificationTargets | undefined, now: Date): Promise<number> {
  let recorded = 0;
  const runId = 'runId' in event ? event.runId : null;
  for (const target of targetsFor(targets, event.name)) {
    const inserted = await recordEffect(trx, {
      kind: EFFECT_KINDS.notify,
      key: notifyEffectKey(event.id, target),
      pipelineRunId: runId,
      priority: NOTIFY_PRIORITY,
      payload: toJsonObject({ event, target }),
      now,
    });
    if (inserted) recorded++;
  }
  return recorded;
}

/** The conclusions that count as a failure (a cancelled run is not one, nor a recovery's predecessor). */
const FAILED = new Set(['failure', 'timed_out']);

/**
 * A run completed (called once, by the transaction that completed it): its
 * pipeline's outcome on its ref moves on, and `failure` or `recovery` is
 * recorded for the run plan's targets. Deploy runs (`/deploy`, rollbacks) are
 * told by their deployment's event instead; cancelled runs tell nothing.
 */
export async function recordRunNotifications(trx: DbOrTrx, run: PipelineRun, now: Date): Promise<void> {
  const conclusion = run.conclusion ?? '';
  if (run.trigger === 'deploy' || (conclusion !== 'success' && !FAILED.has(conclusion))) return;
  // A pull request's runs are their own line (a fork's `main` is not this repository's `main`).
  const key = { owner: run.owner, repo: run.repo, pipeline: run.pipeline, ref: run.pr_number !== null ? `pr:${run.pr_number}` : run.ref };
  const previous = await swapRunOutcome(trx, key, { conclusion, runId: run.id, at: run.completed_at ?? now });
  const targets = readTargets((run.plan as { notifications?: unknown }).notifications);
  if (!targets) return;
  if (FAILED.has(conclusion)) await recordNotifications(trx, failureEvent(run, now), targets, now);
  else if (previous && FAILED.has(previous.conclusion)) await recordNotifications(trx, recoveryEvent(run, previous, now), targets, now);
}

const ENDED: ReadonlySet<string> = new Set<DeploymentNotifyEvent['status']>(['succeeded', 'failed', 'rolled-back']);

/** The targets and `url` a deployment's stored policy snapshot keeps. */
function fromPolicy(deployment: Deployment): { targets: NotificationTargets | undefined; url: string | null } {
  const policy = deployment.policy as { notifications?: unknown; url?: unknown };
  return { targets: readTargets(policy.notifications), url: typeof policy.url === 'string' ? policy.url : null };
}

/**
 * A deployment request ended (called by the transaction that ended it, after
 * any automatic rollback it started): `deployment` is recorded when it is now
 * succeeded, failed or rolled back; a cancelled or refused request tells nothing.
 */
export async function recordDeploymentNotification(trx: DbOrTrx, deploymentId: number, now: Date): Promise<void> {
  const deployment = await trx.selectFrom('deployments').selectAll().where('id', '=', deploymentId).executeTakeFirst();
  if (!deployment || !ENDED.has(deployment.status)) return;
  const { targets, url } = fromPolicy(deployment);
  await recordNotifications(trx, deploymentEvent(deployment, deployment.status as DeploymentNotifyEvent['status'], url, now), targets, now);
}

/** An approval request was opened (called by the transaction that created it). */
export async function recordApprovalNotification(trx: DbOrTrx, request: ApprovalRequest, deployment: Deployment, now: Date): Promise<void> {
  await recordNotifications(trx, approvalEvent(request, deployment, now), fromPolicy(deployment).targets, now);
}

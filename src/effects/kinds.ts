/**
 * The kinds of effect shipgate performs, their idempotency keys and how a
 * decision records one (always inside the decision's own transaction).
 */
import type { DbOrTrx } from '../store/db.ts';
import { recordEffect } from '../store/repos/effects.ts';
import type { JobAttempt, JsonObject, PipelineRun } from '../store/schema/index.ts';

export const EFFECT_KINDS = {
  /** Dispatch (or re-run) the workflow of one job attempt. */
  dispatch: 'dispatch',
  /** Cancel one workflow run; retried until GitHub confirms. */
  cancelWorkflowRun: 'cancel-workflow-run',
  /** Bring one check run (by name, on a commit) up to date with the recorded state. */
  checkRun: 'check-run',
  /** React to a command comment (👀, 🚀, 😕); see `command-feedback.ts`. */
  commentReaction: 'comment-reaction',
  /** The one reply comment to a command comment; see `command-feedback.ts`. */
  commandReply: 'command-reply',
  /** The `/status` reply of a pull request, one comment updated in place; see `command-feedback.ts`. */
  statusReply: 'status-reply',
  /** Evaluate one gate for one attempt of its job: read the artifact, parse, compare (SPEC §5a). */
  evaluateGate: 'evaluate-gate',
  /** Create the GitHub deployment of a request that policy allowed (SPEC §6). */
  createDeployment: 'create-deployment',
  /** Post one deployment status (queued, in_progress, success, failure, error). */
  deploymentStatus: 'deployment-status',
  /** Write (create, then edit in place) the request comment of one approval request (SPEC §6). */
  approvalComment: 'approval-comment',
  /** Poll the 👍/👎 reactions of one approval request's comment, again and again with a growing interval while it is pending. */
  approvalReactions: 'approval-reactions',
  /** Answer (or report to) a custom deployment protection rule through its callback URL. */
  protectionCallback: 'protection-callback',
  /** Send one notification (Slack or a signed webhook) of one event; see `src/notify/record.ts`. */
  notify: 'notify',
  /** Poll the run of one job attempt on Jenkins or GitLab, again and again with a growing interval until it ends (SPEC §13). */
  pollJob: 'poll-job',
  /** Cancel the run of one job attempt on another provider (Jenkins, GitLab, a webhook job); retried until it answers. */
  cancelJob: 'cancel-job',
} as const;

/** Lower runs first among due effects: dispatches and cancels before check-run writes, the roll-up last. */
export const EFFECT_PRIORITY = { dispatch: 0, cancel: 0, reaction: 1, gate: 1, reply: 2, pipelineCheck: 3, namedCheck: 4, rollup: 6 } as const;

/** A commit of a repository, where check runs live. */
export interface CommitTarget {
  owner: string;
  repo: string;
  sha: string;
}

/**
 * Asks for an attempt's dispatch. With `again`, an effect already settled is due once more (with
 * `'now'`, also one waiting out its back-off): the performer looks at the attempt first, so asking
 * again for a started attempt does nothing.
 */
export async function recordDispatch(db: DbOrTrx, args: { attemptId: number; runId: number; installationId: number; now: Date; again?: boolean | 'now' }): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.dispatch,
    key: `dispatch:${args.attemptId}`,
    installationId: args.installationId,
    pipelineRunId: args.runId,
    priority: EFFECT_PRIORITY.dispatch,
    payload: { attemptId: args.attemptId },
    now: args.now,
    // `'now'`: due at once even while it waits out a back-off (a provider's hook says the run exists).
    ...(args.again === 'now' ? { rearm: true, keepPayload: true } : args.again ? { ifSettled: true } : {}),
  });
}

export async function recordCancel(
  db: DbOrTrx,
  args: { owner: string; repo: string; workflowRunId: number; runId: number; installationId: number; now: Date },
): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.cancelWorkflowRun,
    key: `cancel:${args.owner}/${args.repo}:${args.workflowRunId}`,
    installationId: args.installationId,
    pipelineRunId: args.runId,
    priority: EFFECT_PRIORITY.cancel,
    payload: { owner: args.owner, repo: args.repo, workflowRunId: args.workflowRunId },
    now: args.now,
  });
}

/**
 * Asks for the run of a cancelled or timed-out attempt to be cancelled, on whichever
 * provider runs it; false when there is nothing to cancel yet (no run known).
 */
export async function recordAttemptCancel(
  db: DbOrTrx,
  run: Pick<PipelineRun, 'id' | 'owner' | 'repo' | 'installation_id'>,
  attempt: Pick<JobAttempt, 'id' | 'provider' | 'workflow_run_id' | 'external_id' | 'external'>,
  now: Date,
): Promise<boolean> {
  if (attempt.provider === 'actions') {
    if (!attempt.workflow_run_id) return false;
    await recordCancel(db, { owner: run.owner, repo: run.repo, workflowRunId: attempt.workflow_run_id, runId: run.id, installationId: run.installation_id, now });
    return true;
  }
  if (attempt.external_id === null && attempt.external === null) return false;
  await recordEffect(db, {
    kind: EFFECT_KINDS.cancelJob,
    key: `cancel-job:${attempt.id}`,
    installationId: run.installation_id,
    pipelineRunId: run.id,
    priority: EFFECT_PRIORITY.cancel,
    payload: { attemptId: attempt.id },
    now,
  });
  return true;
}

/**
 * Schedules the polling of a provider's run for one attempt (one row per attempt; the performer
 * reschedules itself). `at: 'now'` asks for a poll at once (a provider's webhook said something
 * changed), whatever the row's schedule said; `'if-lost'` only when the row has settled
 * (reconciliation's backstop: a pending row's schedule stands).
 */
export async function recordJobPoll(db: DbOrTrx, args: { attemptId: number; runId: number; installationId: number; now: Date; at: Date | 'now' | 'if-lost' }): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.pollJob,
    key: `poll-job:${args.attemptId}`,
    installationId: args.installationId,
    pipelineRunId: args.runId,
    priority: EFFECT_PRIORITY.reaction,
    payload: { attemptId: args.attemptId },
    now: args.now,
    ...(args.at === 'now' ? { rearm: true, keepPayload: true } : args.at === 'if-lost' ? { ifSettled: true } : { dueAt: args.at }),
  });
}

/** What a check-run effect renders: a pipeline's latest run, the roll-up, or a body fixed at decision time. */
export type CheckSource =
  | { source: 'pipeline'; pipeline: string }
  | { source: 'rollup'; configError?: string }
  /** The `shipgate/deploy/<env>` check of the commit's latest request for that environment. */
  | { source: 'deployment'; environment: string }
  | { source: 'fixed'; body: JsonObject; annotations?: JsonObject[] };

export function checkEffectKey(target: CommitTarget, name: string): string {
  return `check:${target.owner}/${target.repo}@${target.sha}:${name}`;
}

/**
 * Asks for a check run to be brought up to date. One row per check run that
 * re-arms on every call: however many state changes happen before it is
 * performed, it is written once, from the state at that moment.
 */
export async function recordCheckSync(
  db: DbOrTrx,
  args: { target: CommitTarget; name: string; what: CheckSource; installationId: number; runId?: number; now: Date; keepPayload?: boolean },
): Promise<void> {
  const priority = args.what.source === 'pipeline' || args.what.source === 'deployment' ? EFFECT_PRIORITY.pipelineCheck : args.what.source === 'rollup' ? EFFECT_PRIORITY.rollup : EFFECT_PRIORITY.namedCheck;
  await recordEffect(db, {
    kind: EFFECT_KINDS.checkRun,
    key: checkEffectKey(args.target, args.name),
    installationId: args.installationId,
    pipelineRunId: args.runId ?? null,
    priority,
    payload: { ...args.target, name: args.name, ...(args.what as JsonObject) },
    now: args.now,
    rearm: true,
    ...(args.keepPayload ? { keepPayload: true } : {}),
  });
}

/**
 * The pipeline's check and the roll-up of a run's commit, both re-armed (every recorded change of a run calls this).
 * A `/deploy` or rollback run (trigger `deploy`) has neither: its request's `shipgate/deploy/<env>` check shows it.
 */
export async function recordRunChecks(
  db: DbOrTrx,
  run: { id: number; owner: string; repo: string; sha: string; pipeline: string; installation_id: number; trigger?: string },
  now: Date,
): Promise<void> {
  const target = { owner: run.owner, repo: run.repo, sha: run.sha };
  if (run.trigger === 'deploy') {
    const environment = run.pipeline.replace(/^deploy\//, '');
    await recordCheckSync(db, { target, name: `shipgate/deploy/${environment}`, what: { source: 'deployment', environment }, installationId: run.installation_id, now });
    return;
  }
  await recordCheckSync(db, { target, name: `shipgate/${run.pipeline}`, what: { source: 'pipeline', pipeline: run.pipeline }, installationId: run.installation_id, runId: run.id, now });
  await recordCheckSync(db, { target, name: 'shipgate', what: { source: 'rollup' }, installationId: run.installation_id, now });
}

/** Asks for the GitHub deployment of a request that policy allowed (once per request). */
export async function recordCreateDeployment(db: DbOrTrx, args: { deploymentId: number; runId: number | null; installationId: number | null; now: Date }): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.createDeployment,
    key: `deployment:${args.deploymentId}`,
    installationId: args.installationId,
    pipelineRunId: args.runId,
    priority: EFFECT_PRIORITY.dispatch,
    payload: { deploymentId: args.deploymentId },
    now: args.now,
  });
}

/** Asks for one deployment status to be posted (once per request and state). */
export async function recordDeploymentStatus(
  db: DbOrTrx,
  args: { deploymentId: number; state: 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive'; description: string; runId: number | null; installationId: number; now: Date },
): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.deploymentStatus,
    key: `deployment-status:${args.deploymentId}:${args.state}`,
    installationId: args.installationId,
    pipelineRunId: args.runId,
    priority: EFFECT_PRIORITY.dispatch,
    payload: { deploymentId: args.deploymentId, state: args.state, description: args.description },
    now: args.now,
  });
}

/** Asks for the evaluation of a recorded pending gate result (once per result row). */
export async function recordGateEvaluation(db: DbOrTrx, args: { gateResultId: number; runId: number; installationId: number; now: Date }): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.evaluateGate,
    key: `gate:${args.gateResultId}`,
    installationId: args.installationId,
    pipelineRunId: args.runId,
    priority: EFFECT_PRIORITY.gate,
    payload: { gateResultId: args.gateResultId },
    now: args.now,
  });
}

/** Asks for an approval request's comment to be written from the recorded state (re-armed on every change). */
export async function recordApprovalComment(db: DbOrTrx, args: { approvalRequestId: number; installationId: number | null; now: Date }): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.approvalComment,
    key: `approval-comment:${args.approvalRequestId}`,
    installationId: args.installationId,
    priority: EFFECT_PRIORITY.reply,
    payload: { approvalRequestId: args.approvalRequestId },
    now: args.now,
    rearm: true,
  });
}

/** Starts the reaction polling of an approval request (once; the performer schedules each next poll itself). */
export async function recordReactionPolling(db: DbOrTrx, args: { approvalRequestId: number; installationId: number | null; now: Date; at: Date }): Promise<void> {
  await recordEffect(db, {
    kind: EFFECT_KINDS.approvalReactions,
    key: `approval-reactions:${args.approvalRequestId}`,
    installationId: args.installationId,
    priority: EFFECT_PRIORITY.reaction,
    payload: { approvalRequestId: args.approvalRequestId },
    now: args.now,
    dueAt: args.at,
  });
}

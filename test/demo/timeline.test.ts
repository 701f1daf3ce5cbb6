import { describe, expect, it } from 'vitest';
import { approvalCommentBody } from '../../src/deploy/approval-comment.ts';
import {
  describeApproval,
  describeApprovalRequest,
  describeDeploymentTransition,
  describeEngineEvent,
  describeGitHubDeployment,
  describeLockChange,
  describeReply,
  describeWaitTimerEnd,
  formatElapsed,
  formatTimelineLine,
  timelineJson,
  type WorkflowRunFacts,
} from '../../src/demo/timeline.ts';
import type { ApprovalRequestState, DeploymentTransition } from '../../src/demo/watch-deployments.ts';
import { reason } from '../../src/engine/reasons.ts';

const BUILD_RUN: WorkflowRunFacts = {
  id: 7,
  workflow: 'build.yml',
  url: 'http://127.0.0.1:1/api/v3/repos/acme/shop/actions/runs/7',
  ref: 'main',
  inputs: { target: 'web', shipgate_run: 'sg-1-build-app-1-abcdef', sha: 'f'.repeat(40) },
  durationMs: 2_650,
};

describe('describeEngineEvent', () => {
  it('shows a dispatch with its workflow, ref, configured inputs and run URL', () => {
    expect(describeEngineEvent({ kind: 'job-dispatched', runId: 1, pipeline: 'ci', stage: 'build', job: 'app', attempt: 1, workflowRunId: 7 }, BUILD_RUN)).toEqual({
      kind: 'dispatch',
      text: 'build/app → build.yml (ref main, target=web) → http://127.0.0.1:1/api/v3/repos/acme/shop/actions/runs/7',
    });
    expect(describeEngineEvent({ kind: 'job-dispatched', runId: 1, pipeline: 'ci', stage: 'build', job: 'app', attempt: 2, workflowRunId: null })?.text).toBe(
      'build/app (attempt 2) dispatched (GitHub did not return the run id)',
    );
  });

  it('shows a finished job with its run and how long it took', () => {
    expect(describeEngineEvent({ kind: 'job-completed', runId: 1, pipeline: 'ci', stage: 'build', job: 'app', attempt: 1, conclusion: 'success' }, BUILD_RUN)?.text).toBe(
      'build/app finished: success (run 7 took 2.6s)',
    );
    expect(describeEngineEvent({ kind: 'job-completed', runId: 1, pipeline: 'ci', stage: 'test', job: 'unit', attempt: 1, conclusion: 'failure' })?.text).toBe(
      'test/unit finished: failure',
    );
  });

  it.each([
    [{ kind: 'run-created', runId: 3, pipeline: 'ci', repo: 'acme/shop', sha: 'abcdef0123', trigger: 'push' }, 'run', 'pipeline ci run #3 created for acme/shop@abcdef0 (push)'],
    [{ kind: 'stage-started', runId: 3, pipeline: 'ci', stage: 'test' }, 'stage', 'test started'],
    [{ kind: 'stage-skipped', runId: 3, pipeline: 'ci', stage: 'deploy-staging', reason: "if: shipgate.branch == 'main' is false" }, 'stage', "deploy-staging skipped: if: shipgate.branch == 'main' is false"],
    [{ kind: 'stage-completed', runId: 3, pipeline: 'ci', stage: 'test', conclusion: 'success' }, 'stage', 'test done: success'],
    [{ kind: 'gate-evaluated', runId: 3, pipeline: 'ci', gate: 'tests', result: 'fail' }, 'gate', 'tests: fail'],
    [{ kind: 'run-completed', runId: 3, pipeline: 'ci', conclusion: 'success' }, 'run', 'pipeline ci run #3 completed: success'],
    [{ kind: 'config-invalid', repo: 'acme/shop', sha: 'abcdef0123', errors: 2 }, 'config', '.github/shipgate.yml of acme/shop@abcdef0 is invalid (2 errors)'],
  ] as const)('describes %o', (event, kind, text) => {
    expect(describeEngineEvent(event)).toEqual({ kind, text });
  });
});

describe('the runs of /deploy and /rollback', () => {
  const DEPLOY_RUN: WorkflowRunFacts = { ...BUILD_RUN, id: 9, workflow: 'deploy.yml', inputs: { environment: 'production', deployment_id: '500001', sha: 'f'.repeat(40), shipgate_run: 'sg-3' } };

  it('are named by their pipeline (deploy/<env>), not by their one stage and job', () => {
    const base = { runId: 3, pipeline: 'deploy/production', stage: 'deploy' } as const;
    expect(describeEngineEvent({ kind: 'stage-started', ...base })?.text).toBe('deploy/production started');
    expect(describeEngineEvent({ kind: 'job-dispatched', ...base, job: 'deploy', attempt: 1, workflowRunId: 9 }, DEPLOY_RUN)?.text).toBe(
      'deploy/production → deploy.yml (ref main, environment=production, deployment_id=500001) → http://127.0.0.1:1/api/v3/repos/acme/shop/actions/runs/7',
    );
    expect(describeEngineEvent({ kind: 'job-completed', ...base, job: 'deploy', attempt: 1, conclusion: 'success' })?.text).toBe('deploy/production finished: success');
    // A pipeline's own stage keeps its name.
    expect(describeEngineEvent({ kind: 'stage-started', runId: 1, pipeline: 'ci', stage: 'deploy' })?.text).toBe('deploy started');
  });
});

/** A transition of production request #3 (a /deploy of main by alice). */
function transition(change: Partial<DeploymentTransition>): DeploymentTransition {
  return {
    eventId: 1,
    deploymentId: 3,
    environment: 'production',
    sha: 'abcdef0123456789',
    ref: 'main',
    source: 'command',
    stage: 'deploy',
    requestedBy: 'alice',
    rollbackOf: null,
    from: 'requested',
    to: 'deploying',
    reason: null,
    actor: 'alice',
    at: 0,
    ...change,
  };
}

describe('describeDeploymentTransition', () => {
  it.each([
    [{ from: null, to: 'requested' }, 'production #3 requested: abcdef0 (main) by @alice with /deploy'],
    [{ from: null, to: 'requested', source: 'stage', stage: 'deploy-staging', environment: 'staging' }, "staging #3 requested: abcdef0 (main) by stage deploy-staging of the pipeline (@alice's commit)"],
    [{ from: null, to: 'requested', source: 'rollback', rollbackOf: 5 }, 'production #3 requested: abcdef0 (main) by @alice with /rollback, rolling back #5'],
    [{ from: null, to: 'requested', source: 'auto-rollback', rollbackOf: 5, requestedBy: 'shipgate', actor: 'shipgate', ref: 'abcdef0123456789' }, 'production #3 requested: abcdef0 automatically, rolling back the failed #5'],
    [{ to: 'waiting', reason: reason('deploy.pipelines-running', { sha: 'abcdef0123456789', pipelines: ['ci'] }) }, 'production #3 waiting: waiting for the pipelines of abcdef0 to finish (ci)'],
    [{ from: 'waiting', to: 'waiting', reason: reason('deploy.locked', { environment: 'production', holder: 'bob', reason: null, since: '2026-12-01 10:00 UTC' }) }, expect.stringMatching(/^production #3 still waiting: production is locked by @bob/)],
    [{ to: 'queued', reason: reason('deploy.queued', { environment: 'production', position: 2, ahead: [2] }) }, expect.stringMatching(/^production #3 queued: number 2 in production's queue, behind deployment #2/)],
    [{ to: 'deploying', actor: 'shipgate' }, 'production #3 deploying abcdef0'],
    [{ from: 'deploying', to: 'succeeded', actor: 'shipgate' }, 'production #3 succeeded: abcdef0 is deployed'],
    [{ from: 'requested', to: 'refused', actor: 'shipgate', reason: reason('deploy.ref-not-allowed', { ref: 'topic', environment: 'production', patterns: ['main'] }) }, expect.stringMatching(/^production #3 refused: topic may not be deployed to production/)],
    // Someone else than the requester moved it: the line says who.
    [{ from: 'queued', to: 'cancelled', actor: 'bob', reason: reason('deploy.cancelled', { by: 'bob' }) }, 'production #3 cancelled: cancelled by @bob'],
    [{ from: 'waiting', to: 'queued', actor: 'carol', reason: reason('deploy.queued', { environment: 'production', position: 1, ahead: [] }) }, expect.stringMatching(/^production #3 queued: .* \(by @carol\)$/)],
  ] as Array<[Partial<DeploymentTransition>, unknown]>)('describes %o', (change, text) => {
    expect(describeDeploymentTransition(transition(change))).toEqual({ kind: 'deploy', text });
  });
});

describe('approvals', () => {
  const STARTED = Date.UTC(2026, 11, 1, 12);
  const opened: ApprovalRequestState = {
    requestId: 1,
    deploymentId: 2,
    environment: 'production',
    sha: 'abcdef0123456789',
    required: 2,
    approvers: ['carol', '@acme/release-managers'],
    requestedBy: 'alice',
    allowSelfApproval: false,
    status: 'pending',
    issueNumber: 2,
    commentId: null,
    approvedAt: null,
    waitMs: 5_000,
    at: STARTED + 38_100,
  };
  const approved: ApprovalRequestState = { ...opened, commentId: 3_000_001, status: 'approved', approvedAt: STARTED + 43_000 };

  it('says what a new request needs and who may give it, not the requester unless self-approval is allowed', () => {
    expect(describeApprovalRequest(opened, undefined, STARTED)).toEqual({
      kind: 'approval',
      text: 'production #2 needs 2 approvals: request #1 opened, 0 of 2; who may approve: @carol, @acme/release-managers — not @alice, who requested it',
    });
    expect(describeApprovalRequest({ ...opened, required: 1, allowSelfApproval: true, approvers: ['alice'] }, undefined, STARTED)?.text).toBe(
      'production #2 needs 1 approval: request #1 opened, 0 of 1; who may approve: @alice (self-approval allowed)',
    );
    expect(describeApprovalRequest({ ...opened, approvers: [] }, undefined, STARTED)?.text).toMatch(/who may approve: nobody is listed — not @alice/);
  });

  it('says nothing when only the comment was written, and tells an approval with its wait timer in story time, or an end', () => {
    expect(describeApprovalRequest({ ...opened, commentId: 3_000_001 }, opened, STARTED)).toBeUndefined();
    expect(describeApprovalRequest(approved, opened, STARTED)).toEqual({ kind: 'approval', text: 'production #2 approved: request #1 has its 2 approvals; its 5s wait timer runs until +48.0s' });
    expect(describeApprovalRequest({ ...approved, waitMs: 120_000 }, opened, STARTED)?.text).toBe('production #2 approved: request #1 has its 2 approvals; its 2m wait timer runs until +2m43s');
    expect(describeApprovalRequest({ ...approved, waitMs: null }, opened, STARTED)?.text).toBe('production #2 approved: request #1 has its 2 approvals; no wait timer');
    expect(describeApprovalRequest(approved, approved, STARTED)).toBeUndefined();
    expect(describeApprovalRequest({ ...opened, status: 'expired' }, opened, STARTED)?.text).toBe('production #2: approval request #1 expired');
    // First seen already ended (the watch started late): its end, not an opening.
    expect(describeApprovalRequest({ ...opened, status: 'rejected' }, undefined, STARTED)?.text).toBe('production #2: approval request #1 rejected');
  });

  it('tells each approval: who, through which channel, how many of how many', () => {
    const approval = { approvalId: 1, requestId: 1, deploymentId: 2, environment: 'production', approver: 'carol', via: 'command', sha: 'abcdef0', given: 1, required: 2, at: STARTED } as const;
    expect(describeApproval(approval)).toEqual({ kind: 'approval', text: 'production #2 approved by @carol with a /approve comment: 1 of 2' });
    expect(describeApproval({ ...approval, approver: 'dave', via: 'reaction', given: 2 }).text).toBe('production #2 approved by @dave with a 👍 reaction: 2 of 2');
    expect(describeApproval({ ...approval, via: 'check_run' }).text).toBe("production #2 approved by @carol with the check run's Approve button: 1 of 2");
  });

  it("tells when a wait timer ran out and, when the deployment started later, when it did; nothing for a request that was not approved or has no timer", () => {
    expect(describeWaitTimerEnd(approved, STARTED + 48_050, STARTED)).toEqual({ kind: 'approval', text: 'production #2: its 5s wait timer after the last approval (+43.0s) ran out at +48.0s' });
    expect(describeWaitTimerEnd(approved, STARTED + 50_500, STARTED)?.text).toBe('production #2: its 5s wait timer after the last approval (+43.0s) ran out at +48.0s, deploying from +50.5s');
    expect(describeWaitTimerEnd(opened, STARTED + 50_000, STARTED)).toBeUndefined();
    expect(describeWaitTimerEnd({ ...approved, waitMs: null }, STARTED + 50_000, STARTED)).toBeUndefined();
  });

  it("shows the app's approval request comment by its heading, without Markdown, instead of its instructions' list", () => {
    const body = approvalCommentBody(
      {
        requestId: 1,
        deploymentId: 2,
        environment: 'production',
        sha: 'abcdef0123456789',
        required: 2,
        approvers: ['carol', '@acme/release-managers'],
        allowSelfApproval: false,
        requestedBy: 'alice',
        prefix: '/',
        status: 'pending',
        expiresAt: null,
        approvals: [],
        endReason: null,
        waitUntil: null,
        deployment: { status: 'waiting', reason: null, queuePosition: null, logUrl: null },
      },
      new Date(STARTED),
    );
    expect(describeReply(2, body)).toEqual([{ kind: 'reply', text: 'on #2: approval request comment: ⏳ Approval needed: deploy abcdef0 to production' }]);
  });
});

describe('locks, GitHub deployments and replies', () => {
  it('says who locked an environment and why, and who held it when it was unlocked', () => {
    expect(describeLockChange({ kind: 'locked', environment: 'production', holder: 'alice', reason: 'release in progress', since: 0 })).toEqual({ kind: 'lock', text: 'production locked by @alice (“release in progress”)' });
    expect(describeLockChange({ kind: 'locked', environment: 'production', holder: 'alice', reason: null, since: 0 }).text).toBe('production locked by @alice');
    expect(describeLockChange({ kind: 'unlocked', environment: 'production', holder: 'alice' }).text).toBe('production unlocked (it was locked by @alice)');
  });

  it("shows a GitHub deployment's commit and shipgate's payload, and each status with the environment URL once it succeeded", () => {
    const created = { kind: 'deployment', deploymentId: 500004, environment: 'production', sha: 'abcdef0123', ref: 'abcdef0123', production: true } as const;
    expect(describeGitHubDeployment({ ...created, payload: { shipgate_request_id: 5, actor: 'alice', pipeline_run_id: 6, rollback_of: 3 } })).toEqual({
      kind: 'github',
      text: 'deployment 500004 created for production (ref abcdef0, production_environment, shipgate_request_id 5, rollback_of 3)',
    });
    expect(describeGitHubDeployment({ ...created, production: false, payload: { shipgate_request_id: 1, rollback_of: null } }).text).toBe('deployment 500004 created for production (ref abcdef0, shipgate_request_id 1)');
    expect(describeGitHubDeployment({ ...created, payload: 'not an object' }).text).toBe('deployment 500004 created for production (ref abcdef0, production_environment)');
    const status = { kind: 'deployment-status', deploymentId: 500004, environment: 'production', sha: 'abcdef0123', logUrl: 'http://x/runs/1', environmentUrl: 'https://shop.example.com' } as const;
    expect(describeGitHubDeployment({ ...status, state: 'in_progress', description: 'production: deploying abcdef0' }).text).toBe('deployment 500004 (production) in_progress — production: deploying abcdef0');
    expect(describeGitHubDeployment({ ...status, state: 'success', description: 'deployed abcdef0' }).text).toBe('deployment 500004 (production) success — deployed abcdef0 → https://shop.example.com');
    expect(describeGitHubDeployment({ ...status, state: 'inactive', description: '' }).text).toBe('deployment 500004 (production) inactive');
  });

  it("gives one line per command a reply answers, or the reply's first line when it lists none", () => {
    const body = '@alice\n\n- `/lock production "release in progress"`: production is locked by @alice (release in progress)\n- `/deploy production`: deployment #3 of abcdef0 (main) to production is waiting: …';
    expect(describeReply(2, body)).toEqual([
      { kind: 'reply', text: 'on #2: `/lock production "release in progress"`: production is locked by @alice (release in progress)' },
      { kind: 'reply', text: 'on #2: `/deploy production`: deployment #3 of abcdef0 (main) to production is waiting: …' },
    ]);
    expect(describeReply(1, 'Thanks!\nmore')).toEqual([{ kind: 'reply', text: 'on #1: Thanks!' }]);
  });
});

describe('timeline lines', () => {
  it('prints elapsed time, label and text in columns', () => {
    expect(formatElapsed(1_234)).toBe('1.2s');
    expect(formatElapsed(65_000)).toBe('1m05s');
    expect(formatTimelineLine({ elapsedMs: 1_234, kind: 'stage', text: 'build started', data: {} })).toBe('   +1.2s  stage     build started');
    expect(formatTimelineLine({ elapsedMs: 12_345, kind: 'dispatch', text: 'x', data: {} })).toBe('  +12.3s  dispatch  x');
  });

  it('prints one JSON object per entry for --json', () => {
    expect(JSON.parse(timelineJson({ elapsedMs: 1_234.6, kind: 'stage', text: 'build started', data: { stage: 'build' } }))).toEqual({
      type: 'timeline',
      elapsedMs: 1_235,
      kind: 'stage',
      text: 'build started',
      data: { stage: 'build' },
    });
  });
});

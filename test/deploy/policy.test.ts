import { describe, expect, it } from 'vitest';
import {
  decideDeployment,
  formatUtcMinute,
  type ApprovalFacts,
  type DeployDecision,
  type DeployFacts,
  type DeployRequestView,
  type DeploySource,
  type EnvironmentPolicy,
} from '../../src/deploy/policy.ts';
import { reason, renderReason } from '../../src/engine/reasons.ts';

const SHA = 'abc1234def5678901234567890abcdef12345678';
const REQUESTED_AT = Date.UTC(2026, 11, 1, 12, 0);
const LOCKED_SINCE = Date.UTC(2026, 11, 1, 11, 30, 42);
const MINUTE = 60_000;

type Overrides<T> = { [K in keyof T]?: T[K] };

const request = (overrides: Overrides<DeployRequestView> = {}): DeployRequestView => ({
  id: 7,
  environment: 'production',
  sha: SHA,
  ref: 'main',
  refKind: 'branch',
  source: 'command',
  requestedBy: 'alice',
  requestedAt: REQUESTED_AT,
  ...overrides,
});
const bySha = (branches: readonly string[], overrides: Overrides<DeployRequestView> = {}) => ({
  request: request({ ref: SHA, refKind: 'sha', ...overrides }),
  facts: { branches },
});
const environment = (overrides: Overrides<EnvironmentPolicy> = {}): EnvironmentPolicy => ({ approvals: 0, ...overrides });
const facts = (overrides: Overrides<DeployFacts> = {}): DeployFacts => ({
  phase: 'request',
  branches: ['main'],
  afterSucceeded: true,
  pipelines: { running: [], failed: [] },
  lock: null,
  approvals: null,
  queue: { deploying: null, ahead: [] },
  now: REQUESTED_AT,
  ...overrides,
});

const allow: DeployDecision = { kind: 'allow' };
const refuse = (r: Extract<DeployDecision, { kind: 'refuse' }>['reason']): DeployDecision => ({ kind: 'refuse', reason: r });
const wait = (r: Extract<DeployDecision, { kind: 'wait' }>['reason'], until?: number): DeployDecision =>
  until === undefined ? { kind: 'wait', reason: r } : { kind: 'wait', reason: r, until };

const refNotAllowed = (ref: string, patterns: string[]) => reason('deploy.ref-not-allowed', { ref, environment: 'production', patterns });
const shaNotOnBranch = reason('deploy.sha-not-on-branch', { sha: SHA, environment: 'production' });
const afterMissing = reason('deploy.after-missing', { environment: 'production', after: 'staging', sha: SHA });
const pipelinesFailed = (pipelines: string[]) => reason('deploy.pipelines-failed', { sha: SHA, pipelines });
const pipelinesRunning = (pipelines: string[]) => reason('deploy.pipelines-running', { sha: SHA, pipelines });
const bobsLock = { holder: 'bob', reason: 'db migration', since: LOCKED_SINCE };
const lockedByBob = reason('deploy.locked', { environment: 'production', holder: 'bob', reason: 'db migration', since: '2026-12-01 11:30 UTC' });
const TEN_MINUTES_LATER = REQUESTED_AT + 10 * MINUTE;
const waitTimer = reason('deploy.wait-timer', { environment: 'production', until: '2026-12-01 12:10 UTC' });
const queued = (position: number, ahead: number[]) => reason('deploy.queued', { environment: 'production', position, ahead });

const APPROVERS = ['@acme/release-managers', 'octocat'];
/** An environment that needs two approvals from APPROVERS. */
const twoApprovals: Overrides<EnvironmentPolicy> = { approvals: 2, approvers: APPROVERS };
/** The request expires a day after it was made (seconds on it, which the sentence drops). */
const EXPIRES_AT = Date.UTC(2026, 11, 2, 12, 0, 30);
/** The last required approval arrives half an hour after the request. */
const APPROVED_AT = REQUESTED_AT + 30 * MINUTE;
const approvalFacts = (overrides: Overrides<ApprovalFacts> = {}): ApprovalFacts => ({
  status: 'pending',
  given: 0,
  approvedAt: null,
  expiresAt: EXPIRES_AT,
  endReason: null,
  ...overrides,
});
const pending = (given: number, overrides: Overrides<ApprovalFacts> = {}) => approvalFacts({ given, ...overrides });
const approved = (overrides: Overrides<ApprovalFacts> = {}) => approvalFacts({ status: 'approved', given: 2, approvedAt: APPROVED_AT, ...overrides });
const needed = (given: number, approvers: string[] = APPROVERS, required = 2) =>
  reason('deploy.approvals-needed', { environment: 'production', given, required, approvers });
const rejectedByOctocat = reason('deploy.approval-rejected', { environment: 'production', by: 'octocat', reason: 'not during the freeze' });
const shaChanged = reason('deploy.sha-changed', { environment: 'production', sha: SHA, head: 'f'.repeat(40) });
const expiredAt = (at: string) => reason('deploy.approval-expired', { environment: 'production', at });
const approvalWaitTimer = (until: string) => reason('deploy.approval-wait-timer', { environment: 'production', until });

interface Case {
  name: string;
  request?: Overrides<DeployRequestView>;
  environment?: Overrides<EnvironmentPolicy>;
  facts?: Overrides<DeployFacts>;
  expected: DeployDecision;
}

const ROLLBACKS: DeploySource[] = ['rollback', 'auto-rollback'];
const NOT_ROLLBACKS: DeploySource[] = ['stage', 'command', 'protection'];
const ALL_SOURCES: DeploySource[] = [...NOT_ROLLBACKS, ...ROLLBACKS];

function run(cases: Case[]): void {
  it.each(cases)('$name', (c) => {
    expect(decideDeployment(request(c.request), environment(c.environment), facts(c.facts))).toEqual(c.expected);
  });
}

describe('decideDeployment: 1. branches', () => {
  const sha = (branches: readonly string[], patterns: string[] | undefined, source: DeploySource = 'command'): Pick<Case, 'request' | 'environment' | 'facts'> => {
    const { request: r, facts: f } = bySha(branches, { source });
    return { request: r, facts: f, environment: patterns === undefined ? {} : { branches: patterns } };
  };
  run([
    { name: 'no branches: any branch is fine', facts: { branches: ['feature/x'] }, request: { ref: 'feature/x' }, expected: allow },
    { name: 'empty branches list: any branch is fine', environment: { branches: [] }, facts: { branches: ['feature/x'] }, request: { ref: 'feature/x' }, expected: allow },
    { name: 'a branch that matches is allowed', environment: { branches: ['main', 'release/*'] }, facts: { branches: ['release/2'] }, request: { ref: 'release/2' }, expected: allow },
    {
      name: 'a branch that matches no pattern is refused, naming the branch and the patterns',
      environment: { branches: ['release/*'] },
      expected: refuse(refNotAllowed('main', ['release/*'])),
    },
    {
      name: '! excludes a branch a pattern before it included',
      environment: { branches: ['release/*', '!release/old-*'] },
      facts: { branches: ['release/old-1'] },
      request: { ref: 'release/old-1' },
      expected: refuse(refNotAllowed('release/old-1', ['release/*', '!release/old-*'])),
    },
    {
      name: 'the last matching pattern wins: a later pattern includes again',
      environment: { branches: ['!release/*', 'release/2'] },
      facts: { branches: ['release/2'] },
      request: { ref: 'release/2' },
      expected: allow,
    },
    { name: '* does not cross a /', environment: { branches: ['release*'] }, facts: { branches: ['release/2'] }, request: { ref: 'release/2' }, expected: refuse(refNotAllowed('release/2', ['release*'])) },
    { name: 'a sha is allowed when one branch that contains it matches', ...sha(['feature/a', 'main'], ['main']), expected: allow },
    { name: 'a sha on branches that match none is refused with its short sha', ...sha(['feature/a'], ['main']), expected: refuse(refNotAllowed('abc1234', ['main'])) },
    { name: 'a sha on no branch is refused as such when branches are set', ...sha([], ['main']), expected: refuse(shaNotOnBranch) },
    { name: 'a sha on no branch is refused even when branches are unset', ...sha([], undefined), expected: refuse(shaNotOnBranch) },
    { name: 'a sha on some branch is fine when branches are unset', ...sha(['feature/a'], undefined), expected: allow },
    ...ALL_SOURCES.map((source) => ({
      name: `${source}: branches still apply`,
      ...sha(['feature/a'], ['main'], source),
      expected: refuse(refNotAllowed('abc1234', ['main'])),
    })),
    ...ALL_SOURCES.map((source) => ({ name: `${source}: a sha on no branch is still refused`, ...sha([], undefined, source), expected: refuse(shaNotOnBranch) })),
  ]);
});

describe('decideDeployment: 2. after', () => {
  run([
    { name: 'after: with a successful deployment there is allowed', environment: { after: 'staging' }, facts: { afterSucceeded: true }, expected: allow },
    { name: 'no after: ignores afterSucceeded', facts: { afterSucceeded: false }, expected: allow },
    ...NOT_ROLLBACKS.map((source) => ({
      name: `${source}: after: without a successful deployment there is refused`,
      request: { source },
      environment: { after: 'staging' },
      facts: { afterSucceeded: false },
      expected: refuse(afterMissing),
    })),
    ...ROLLBACKS.map((source) => ({
      name: `${source}: skips after:`,
      request: { source },
      environment: { after: 'staging' },
      facts: { afterSucceeded: false },
      expected: allow,
    })),
  ]);
});

describe('decideDeployment: 3. pipelines', () => {
  run([
    { name: 'command: all pipelines succeeded is allowed', expected: allow },
    { name: 'command: a failed pipeline is refused, naming it', facts: { pipelines: { running: [], failed: ['ci'] } }, expected: refuse(pipelinesFailed(['ci'])) },
    { name: 'command: a running pipeline waits, naming it', facts: { pipelines: { running: ['ci', 'e2e'], failed: [] } }, expected: wait(pipelinesRunning(['ci', 'e2e'])) },
    {
      name: 'command: a failed pipeline refuses even while another still runs',
      facts: { pipelines: { running: ['e2e'], failed: ['ci'] } },
      expected: refuse(pipelinesFailed(['ci'])),
    },
    ...ALL_SOURCES.filter((source) => source !== 'command').flatMap((source) => [
      { name: `${source}: skips failed pipelines`, request: { source }, facts: { pipelines: { running: [], failed: ['ci'] } }, expected: allow },
      { name: `${source}: skips running pipelines`, request: { source }, facts: { pipelines: { running: ['ci'], failed: [] } }, expected: allow },
    ]),
  ]);
});

describe('decideDeployment: 4. lock', () => {
  run([
    { name: 'a lock by someone else refuses a new request, naming holder, reason and since (UTC minute)', facts: { lock: bobsLock }, expected: refuse(lockedByBob) },
    { name: 'a lock by someone else makes a queued request wait, with the same reason', facts: { lock: bobsLock, phase: 'queue' }, expected: wait(lockedByBob) },
    {
      name: 'a lock without a reason says so',
      facts: { lock: { ...bobsLock, reason: null } },
      expected: refuse(reason('deploy.locked', { environment: 'production', holder: 'bob', reason: null, since: '2026-12-01 11:30 UTC' })),
    },
    { name: 'the holder may deploy', facts: { lock: { ...bobsLock, holder: 'alice' } }, expected: allow },
    { name: 'the holder may deploy whatever the case of the login', request: { requestedBy: 'ALICE' }, facts: { lock: { ...bobsLock, holder: 'Alice' } }, expected: allow },
    { name: 'a queued request of the holder goes', facts: { lock: { ...bobsLock, holder: 'alice' }, phase: 'queue' }, expected: allow },
    ...ALL_SOURCES.flatMap((source) => [
      { name: `${source}: respects the lock (request)`, request: { source }, facts: { lock: bobsLock }, expected: refuse(lockedByBob) },
      { name: `${source}: respects the lock (queue)`, request: { source }, facts: { lock: bobsLock, phase: 'queue' as const }, expected: wait(lockedByBob) },
    ]),
  ]);

  it('renders a sentence that names the holder, the reason and since when', () => {
    const decision = decideDeployment(request(), environment(), facts({ lock: bobsLock }));
    expect(decision.kind).toBe('refuse');
    if (decision.kind === 'allow') return;
    expect(renderReason(decision.reason)).toBe('production is locked by @bob (“db migration”) since 2026-12-01 11:30 UTC; ask them to `/unlock production`');
  });
});

describe('decideDeployment: 5. approvals', () => {
  run([
    { name: 'approvals: 0 is allowed', environment: { approvals: 0 }, expected: allow },
    { name: 'approvals: 0 ignores the approval facts, even a rejected request', facts: { approvals: approvalFacts({ status: 'rejected', endReason: rejectedByOctocat }) }, expected: allow },
    ...NOT_ROLLBACKS.flatMap((source) => [
      {
        name: `${source}: no approval request yet waits for approvals: 0 given, required, approvers listed, no until`,
        request: { source },
        environment: twoApprovals,
        expected: wait(needed(0)),
      },
      { name: `${source}: pending 0 of 2 waits until the request expires`, request: { source }, environment: twoApprovals, facts: { approvals: pending(0) }, expected: wait(needed(0), EXPIRES_AT) },
      { name: `${source}: pending 1 of 2 waits until the request expires`, request: { source }, environment: twoApprovals, facts: { approvals: pending(1) }, expected: wait(needed(1), EXPIRES_AT) },
      { name: `${source}: pending 2 of 2 is allowed`, request: { source }, environment: twoApprovals, facts: { approvals: pending(2) }, expected: allow },
      { name: `${source}: approved is allowed`, request: { source }, environment: twoApprovals, facts: { approvals: approved() }, expected: allow },
      {
        name: `${source}: rejected is refused with the stored reason`,
        request: { source },
        environment: twoApprovals,
        facts: { approvals: approvalFacts({ status: 'rejected', given: 1, endReason: rejectedByOctocat }) },
        expected: refuse(rejectedByOctocat),
      },
      {
        name: `${source}: expired is refused at the UTC minute of expiry`,
        request: { source },
        environment: twoApprovals,
        facts: { approvals: approvalFacts({ status: 'expired', given: 1 }), now: EXPIRES_AT + MINUTE },
        expected: refuse(expiredAt('2026-12-02 12:00 UTC')),
      },
    ]),
    { name: 'pending 0 of 2 without an expiry waits with no until', environment: twoApprovals, facts: { approvals: pending(0, { expiresAt: null }) }, expected: wait(needed(0)) },
    { name: 'pending 1 of 2 without an expiry waits with no until', environment: twoApprovals, facts: { approvals: pending(1, { expiresAt: null }) }, expected: wait(needed(1)) },
    { name: 'pending 3 of 2 (more than needed) is allowed', environment: twoApprovals, facts: { approvals: pending(3) }, expected: allow },
    { name: 'pending 2 of 2 without an expiry is allowed', environment: twoApprovals, facts: { approvals: pending(2, { expiresAt: null }) }, expected: allow },
    { name: 'one approval required: 0 of 1 waits', environment: { approvals: 1, approvers: ['octocat'] }, facts: { approvals: pending(0) }, expected: wait(needed(0, ['octocat'], 1), EXPIRES_AT) },
    { name: 'one approval required: 1 of 1 is allowed', environment: { approvals: 1, approvers: ['octocat'] }, facts: { approvals: pending(1) }, expected: allow },
    { name: 'no approvers configured: the reason lists none', environment: { approvals: 2 }, expected: wait(needed(0, [])) },
    { name: 'a queued request re-decided while pending still waits', environment: twoApprovals, facts: { phase: 'queue', approvals: pending(1) }, expected: wait(needed(1), EXPIRES_AT) },
    {
      name: 'rejected without a stored reason is refused with the generic rejection',
      environment: twoApprovals,
      facts: { approvals: approvalFacts({ status: 'rejected' }) },
      expected: refuse(reason('deploy.approval-rejected', { environment: 'production', by: 'an approver', reason: null })),
    },
    {
      name: 'rejected is refused even with enough approvals counted',
      environment: twoApprovals,
      facts: { approvals: approvalFacts({ status: 'rejected', given: 2, endReason: rejectedByOctocat }) },
      expected: refuse(rejectedByOctocat),
    },
    {
      name: 'cancelled by a new push is refused with deploy.sha-changed',
      environment: twoApprovals,
      facts: { approvals: approvalFacts({ status: 'cancelled', given: 2, endReason: shaChanged }) },
      expected: refuse(shaChanged),
    },
    {
      name: 'cancelled without a stored reason is refused as cancelled by shipgate',
      environment: twoApprovals,
      facts: { approvals: approvalFacts({ status: 'cancelled' }) },
      expected: refuse(reason('deploy.cancelled', { by: 'shipgate' })),
    },
    {
      name: 'expired without an expiry time is refused at the current minute',
      environment: twoApprovals,
      facts: { approvals: approvalFacts({ status: 'expired', expiresAt: null }), now: Date.UTC(2026, 11, 3, 9, 15, 59) },
      expected: refuse(expiredAt('2026-12-03 09:15 UTC')),
    },
    { name: 'pending 1 ms before the expiry still waits', environment: twoApprovals, facts: { approvals: pending(1), now: EXPIRES_AT - 1 }, expected: wait(needed(1), EXPIRES_AT) },
    { name: 'pending exactly at the expiry is refused as expired', environment: twoApprovals, facts: { approvals: pending(1), now: EXPIRES_AT }, expected: refuse(expiredAt('2026-12-02 12:00 UTC')) },
    { name: 'pending after the expiry is refused as expired', environment: twoApprovals, facts: { approvals: pending(0), now: EXPIRES_AT + 60 * MINUTE }, expected: refuse(expiredAt('2026-12-02 12:00 UTC')) },
    { name: 'an approved request does not expire while it waits in the queue', environment: twoApprovals, facts: { approvals: approved(), now: EXPIRES_AT + 60 * MINUTE }, expected: allow },
    ...ROLLBACKS.flatMap((source) => [
      { name: `${source}: skips approvals with no approval request`, request: { source }, environment: twoApprovals, expected: allow },
      { name: `${source}: skips approvals while pending 0 of 2`, request: { source }, environment: twoApprovals, facts: { approvals: pending(0) }, expected: allow },
      {
        name: `${source}: skips approvals even when rejected`,
        request: { source },
        environment: twoApprovals,
        facts: { approvals: approvalFacts({ status: 'rejected', endReason: rejectedByOctocat }) },
        expected: allow,
      },
      { name: `${source}: skips approvals even when expired`, request: { source }, environment: twoApprovals, facts: { approvals: pending(1), now: EXPIRES_AT }, expected: allow },
    ]),
  ]);

  it('renders a sentence with given, required and the approvers as @handles', () => {
    const decision = decideDeployment(request(), environment(twoApprovals), facts({ approvals: pending(1) }));
    expect(decision.kind).toBe('wait');
    if (decision.kind === 'allow') return;
    expect(renderReason(decision.reason)).toBe('waiting for approvals to deploy to production: 1 of 2 given (approvers: @acme/release-managers, @octocat)');
  });

  it('renders an expiry with the UTC minute and how to ask again', () => {
    const decision = decideDeployment(request(), environment(twoApprovals), facts({ approvals: pending(1), now: EXPIRES_AT }));
    expect(decision.kind).toBe('refuse');
    if (decision.kind === 'allow') return;
    expect(renderReason(decision.reason)).toBe('the approval request for production expired at 2026-12-02 12:00 UTC without enough approvals; ask again with `/deploy production`');
  });
});

describe('decideDeployment: 6. wait timer', () => {
  run([
    ...NOT_ROLLBACKS.flatMap((source) => [
      {
        name: `${source}: waits until requestedAt + wait, with until in the decision`,
        request: { source },
        environment: { wait: '10m' },
        expected: wait(waitTimer, TEN_MINUTES_LATER),
      },
      { name: `${source}: still waits 1 ms before the end`, request: { source }, environment: { wait: '10m' }, facts: { now: TEN_MINUTES_LATER - 1 }, expected: wait(waitTimer, TEN_MINUTES_LATER) },
      { name: `${source}: goes once the timer has run out`, request: { source }, environment: { wait: '10m' }, facts: { now: TEN_MINUTES_LATER }, expected: allow },
    ]),
    { name: 'a queued request re-decided before the end still waits', environment: { wait: '10m' }, facts: { phase: 'queue', now: REQUESTED_AT + MINUTE }, expected: wait(waitTimer, TEN_MINUTES_LATER) },
    { name: 'wait: 0s does not wait', environment: { wait: '0s' }, expected: allow },
    { name: 'no wait: does not wait', expected: allow },
    ...ROLLBACKS.map((source) => ({ name: `${source}: skips the wait timer`, request: { source }, environment: { wait: '10m' }, expected: allow })),
  ]);
});

describe('decideDeployment: 6. wait timer after approvals', () => {
  const withTimer: Overrides<EnvironmentPolicy> = { ...twoApprovals, wait: '10m' };
  const TIMER_ENDS = APPROVED_AT + 10 * MINUTE;
  const timer = approvalWaitTimer('2026-12-01 12:40 UTC');
  run([
    ...NOT_ROLLBACKS.flatMap((source) => [
      {
        name: `${source}: waits until approvedAt + wait, with until in the decision`,
        request: { source },
        environment: withTimer,
        facts: { approvals: approved(), now: APPROVED_AT },
        expected: wait(timer, TIMER_ENDS),
      },
      { name: `${source}: still waits 1 ms before the end`, request: { source }, environment: withTimer, facts: { approvals: approved(), now: TIMER_ENDS - 1 }, expected: wait(timer, TIMER_ENDS) },
      { name: `${source}: goes once the timer has run out`, request: { source }, environment: withTimer, facts: { approvals: approved(), now: TIMER_ENDS }, expected: allow },
    ]),
    {
      name: 'counts from approvedAt, not requestedAt: requestedAt + wait has passed, approvedAt + wait has not',
      environment: withTimer,
      facts: { approvals: approved({ approvedAt: REQUESTED_AT + 15 * MINUTE }), now: REQUESTED_AT + 20 * MINUTE },
      expected: wait(approvalWaitTimer('2026-12-01 12:25 UTC'), REQUESTED_AT + 25 * MINUTE),
    },
    {
      name: 'and the reverse: approvedAt + wait has passed, so it goes',
      environment: withTimer,
      facts: { approvals: approved({ approvedAt: REQUESTED_AT + 15 * MINUTE }), now: REQUESTED_AT + 25 * MINUTE },
      expected: allow,
    },
    {
      name: 'pending with enough approvals also counts from approvedAt',
      environment: withTimer,
      facts: { approvals: pending(2, { approvedAt: APPROVED_AT }), now: APPROVED_AT + MINUTE },
      expected: wait(timer, TIMER_ENDS),
    },
    {
      name: 'a queued request re-decided before the end still waits',
      environment: withTimer,
      facts: { phase: 'queue', approvals: approved(), now: APPROVED_AT + 9 * MINUTE },
      expected: wait(timer, TIMER_ENDS),
    },
    { name: 'wait: 0s after approvals does not wait', environment: { ...twoApprovals, wait: '0s' }, facts: { approvals: approved(), now: APPROVED_AT }, expected: allow },
    { name: 'no wait: goes as soon as approved', environment: twoApprovals, facts: { approvals: approved(), now: APPROVED_AT }, expected: allow },
    ...ROLLBACKS.map((source) => ({
      name: `${source}: skips the timer after approvals`,
      request: { source },
      environment: withTimer,
      facts: { approvals: approved(), now: APPROVED_AT },
      expected: allow,
    })),
  ]);

  it('renders a sentence that says the request is approved and when the timer ends', () => {
    const decision = decideDeployment(request(), environment(withTimer), facts({ approvals: approved(), now: APPROVED_AT }));
    expect(decision.kind).toBe('wait');
    if (decision.kind === 'allow') return;
    expect(renderReason(decision.reason)).toBe("approved; production's wait timer runs until 2026-12-01 12:40 UTC");
  });
});

describe('decideDeployment: 7. queue', () => {
  run([
    { name: 'an empty queue is free', expected: allow },
    { name: 'behind the one deploying: position 2', facts: { queue: { deploying: 3, ahead: [] } }, expected: wait(queued(2, [3])) },
    { name: 'behind open requests: position = ahead + 1', facts: { queue: { deploying: null, ahead: [4, 5] } }, expected: wait(queued(3, [4, 5])) },
    { name: 'behind the one deploying and open ones: deploying first', facts: { queue: { deploying: 3, ahead: [4, 5] } }, expected: wait(queued(4, [3, 4, 5])) },
    { name: 'the one deploying listed ahead too is counted once', facts: { queue: { deploying: 3, ahead: [3, 4] } }, expected: wait(queued(3, [3, 4])) },
    { name: 'this request deploying itself does not block it', facts: { queue: { deploying: 7, ahead: [] } }, expected: allow },
    { name: 'this request listed ahead of itself does not block it', facts: { queue: { deploying: null, ahead: [7] } }, expected: allow },
    { name: 'a queued request re-decided behind others still waits', facts: { phase: 'queue', queue: { deploying: 3, ahead: [] } }, expected: wait(queued(2, [3])) },
    ...ALL_SOURCES.map((source) => ({ name: `${source}: waits in the queue`, request: { source }, facts: { queue: { deploying: 3, ahead: [] } }, expected: wait(queued(2, [3])) })),
  ]);
});

describe('decideDeployment: the first rule that objects wins', () => {
  const everythingWrong: Overrides<DeployFacts> = {
    branches: ['feature/x'],
    afterSucceeded: false,
    pipelines: { running: ['e2e'], failed: ['ci'] },
    lock: bobsLock,
    approvals: approvalFacts({ status: 'rejected', endReason: rejectedByOctocat }),
    queue: { deploying: 3, ahead: [4] },
  };
  const strictEnvironment: Overrides<EnvironmentPolicy> = { branches: ['main'], after: 'staging', ...twoApprovals, wait: '10m' };
  run([
    {
      name: 'branches before lock: a ref outside branches AND locked is a ref refusal',
      request: { ref: 'feature/x' },
      environment: { branches: ['main'] },
      facts: { branches: ['feature/x'], lock: bobsLock },
      expected: refuse(refNotAllowed('feature/x', ['main'])),
    },
    { name: 'branches before everything', request: { ref: 'feature/x' }, environment: strictEnvironment, facts: everythingWrong, expected: refuse(refNotAllowed('feature/x', ['main'])) },
    { name: 'sha on no branch before after:', ...bySha([]), environment: { after: 'staging' }, facts: { branches: [], afterSucceeded: false }, expected: refuse(shaNotOnBranch) },
    { name: 'after: before pipelines', environment: { after: 'staging' }, facts: { afterSucceeded: false, pipelines: { running: [], failed: ['ci'] } }, expected: refuse(afterMissing) },
    { name: 'failed pipelines before lock', facts: { pipelines: { running: [], failed: ['ci'] }, lock: bobsLock }, expected: refuse(pipelinesFailed(['ci'])) },
    { name: 'running pipelines before lock', facts: { pipelines: { running: ['ci'], failed: [] }, lock: bobsLock }, expected: wait(pipelinesRunning(['ci'])) },
    { name: 'after: before approvals', environment: { ...twoApprovals, after: 'staging' }, facts: { afterSucceeded: false }, expected: refuse(afterMissing) },
    { name: 'running pipelines before approvals', environment: twoApprovals, facts: { pipelines: { running: ['ci'], failed: [] } }, expected: wait(pipelinesRunning(['ci'])) },
    { name: 'lock before approvals', environment: twoApprovals, facts: { lock: bobsLock }, expected: refuse(lockedByBob) },
    { name: 'lock before a rejection', environment: twoApprovals, facts: { lock: bobsLock, approvals: approvalFacts({ status: 'rejected', endReason: rejectedByOctocat }) }, expected: refuse(lockedByBob) },
    { name: 'lock (queued) before pending approvals', environment: twoApprovals, facts: { lock: bobsLock, phase: 'queue', approvals: pending(1) }, expected: wait(lockedByBob) },
    { name: 'approvals before the wait timer', environment: { ...twoApprovals, wait: '10m' }, expected: wait(needed(0)) },
    { name: 'pending approvals before the wait timer', environment: { ...twoApprovals, wait: '10m' }, facts: { approvals: pending(1) }, expected: wait(needed(1), EXPIRES_AT) },
    {
      name: 'approvals before the queue: a request needing approvals with others ahead says approvals-needed, not queued',
      environment: twoApprovals,
      facts: { queue: { deploying: 3, ahead: [4] } },
      expected: wait(needed(0)),
    },
    {
      name: 'a rejection before the queue: refused, not queued',
      environment: twoApprovals,
      facts: { approvals: approvalFacts({ status: 'rejected', endReason: rejectedByOctocat }), queue: { deploying: 3, ahead: [] } },
      expected: refuse(rejectedByOctocat),
    },
    { name: 'an approved request behind another is queued', environment: twoApprovals, facts: { approvals: approved(), queue: { deploying: 3, ahead: [] } }, expected: wait(queued(2, [3])) },
    {
      name: 'the wait timer after approvals before the queue',
      environment: { ...twoApprovals, wait: '10m' },
      facts: { approvals: approved(), now: APPROVED_AT, queue: { deploying: 3, ahead: [] } },
      expected: wait(approvalWaitTimer('2026-12-01 12:40 UTC'), APPROVED_AT + 10 * MINUTE),
    },
    {
      name: 'approved and the timer run out, the queue decides',
      environment: { ...twoApprovals, wait: '10m' },
      facts: { approvals: approved(), now: APPROVED_AT + 10 * MINUTE, queue: { deploying: 3, ahead: [] } },
      expected: wait(queued(2, [3])),
    },
    { name: 'lock (queued) before the wait timer', environment: { wait: '10m' }, facts: { lock: bobsLock, phase: 'queue' }, expected: wait(lockedByBob) },
    { name: 'wait timer before the queue', environment: { wait: '10m' }, facts: { queue: { deploying: 3, ahead: [] } }, expected: wait(waitTimer, TEN_MINUTES_LATER) },
    ...ROLLBACKS.flatMap((source) => [
      {
        name: `${source}: with everything else wrong, only the lock stops it`,
        request: { source },
        environment: { ...strictEnvironment, branches: ['main', 'feature/*'] },
        facts: everythingWrong,
        expected: refuse(lockedByBob),
      },
      {
        name: `${source}: with everything skippable wrong and no lock, the queue decides`,
        request: { source },
        environment: { ...strictEnvironment, branches: ['main', 'feature/*'] },
        facts: { ...everythingWrong, lock: null },
        expected: wait(queued(3, [3, 4])),
      },
      {
        name: `${source}: with everything skippable wrong and nothing in its way, it goes`,
        request: { source },
        environment: { ...strictEnvironment, branches: ['main', 'feature/*'] },
        facts: { ...everythingWrong, lock: null, queue: { deploying: null, ahead: [] } },
        expected: allow,
      },
    ]),
    {
      name: 'stage: pipelines skipped, so after: then the lock decide',
      request: { source: 'stage' },
      environment: { after: 'staging' },
      facts: { afterSucceeded: true, pipelines: { running: [], failed: ['ci'] }, lock: bobsLock },
      expected: refuse(lockedByBob),
    },
  ]);
});

describe('decideDeployment: purity', () => {
  it('reads frozen inputs, changes none and returns copies of their lists', () => {
    const branches = Object.freeze(['release/*']);
    const env = Object.freeze(environment({ branches }));
    const f = Object.freeze(facts({ branches: Object.freeze(['main']) }));
    const r = Object.freeze(request());
    const first = decideDeployment(r, env, f);
    expect(first).toEqual(refuse(refNotAllowed('main', ['release/*'])));
    if (first.kind === 'refuse' && first.reason.code === 'deploy.ref-not-allowed') expect(first.reason.patterns).not.toBe(branches);
    expect(decideDeployment(r, env, f)).toEqual(first);
  });
});

describe('formatUtcMinute', () => {
  it.each([
    { ms: Date.UTC(2026, 11, 1, 12, 0), text: '2026-12-01 12:00 UTC' },
    { ms: Date.UTC(2026, 11, 1, 12, 0, 59, 999), text: '2026-12-01 12:00 UTC' },
    { ms: Date.UTC(2026, 0, 9, 3, 7), text: '2026-01-09 03:07 UTC' },
    { ms: 0, text: '1970-01-01 00:00 UTC' },
  ])('$ms is $text (seconds dropped, not rounded)', ({ ms, text }) => {
    expect(formatUtcMinute(ms)).toBe(text);
  });

  it('throws for a value that is no time', () => {
    expect(() => formatUtcMinute(Number.NaN)).toThrow(RangeError);
  });
});

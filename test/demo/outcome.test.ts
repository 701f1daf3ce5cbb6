import { describe, expect, it } from 'vitest';
import {
  judgeDemo,
  judgeGates,
  judgePullRequestAct,
  judgeRelease,
  type DemoObservations,
  type GateEvaluation,
  type GateObservations,
  type GitHubDeploymentRecord,
  type PullRequestObservations,
  type RecordedApprovalRequest,
  type RecordedDeployment,
  type ReleaseObservations,
  type ReleaseScript,
} from '../../src/demo/outcome.ts';

/** Observations of a story that went exactly as scripted. */
function asScripted(): DemoObservations {
  return {
    pipelineConclusion: 'success',
    stages: { build: 'success', test: 'success', scan: 'success', 'deploy-staging': 'success' },
    expectedStages: ['build', 'test', 'scan', 'deploy-staging'],
    checkRuns: { 'shipgate/ci': { status: 'completed', conclusion: 'success' }, shipgate: { status: 'completed', conclusion: 'success' } },
    pipelineCheck: 'shipgate/ci',
    dispatchedWorkflows: ['build.yml', 'scan.yml', 'test.yml', 'deploy.yml'],
    violations: [],
  };
}

describe('judgeDemo', () => {
  it('accepts the scripted story, with test and scan dispatched in either order', () => {
    expect(judgeDemo(asScripted())).toEqual({ ok: true });
    expect(judgeDemo({ ...asScripted(), dispatchedWorkflows: ['build.yml', 'test.yml', 'scan.yml', 'deploy.yml'] })).toEqual({ ok: true });
  });

  it.each([
    { change: { pipelineConclusion: 'failure' }, problem: 'the pipeline run concluded failure, expected success' },
    { change: { pipelineConclusion: undefined }, problem: 'the pipeline run did not complete' },
    { change: { stages: { build: 'success', test: 'failure', scan: 'success', 'deploy-staging': 'success' } }, problem: 'stage test ended failure, expected success' },
    { change: { stages: { build: 'success', test: 'success', scan: 'success', 'deploy-staging': 'skipped: branch' } }, problem: 'stage deploy-staging ended skipped: branch, expected success' },
    { change: { checkRuns: { 'shipgate/ci': { status: 'completed', conclusion: 'success' } } }, problem: 'the app did not write the check run shipgate' },
    { change: { checkRuns: { 'shipgate/ci': { status: 'in_progress', conclusion: null }, shipgate: { status: 'completed', conclusion: 'success' } } }, problem: 'check run shipgate/ci is still in_progress' },
    { change: { dispatchedWorkflows: ['build.yml', 'test.yml', 'deploy.yml', 'scan.yml'] }, problem: 'dispatches were build.yml, then deploy.yml + test.yml, then scan.yml, expected build.yml, then scan.yml + test.yml, then deploy.yml' },
    { change: { dispatchedWorkflows: ['build.yml', 'build.yml', 'scan.yml', 'test.yml', 'deploy.yml'] }, problem: 'dispatches were build.yml, then build.yml + scan.yml, then test.yml, then deploy.yml, expected build.yml, then scan.yml + test.yml, then deploy.yml' },
    { change: { violations: ['POST /x → 404 not found'] }, problem: 'the simulator refused 1 request(s) as GitHub would: POST /x → 404 not found' },
    { change: { unfinished: 'the story did not end within 42 s' }, problem: 'the story did not end within 42 s' },
  ] satisfies Array<{ change: Partial<DemoObservations>; problem: string }>)('names what went wrong: $problem', ({ change, problem }) => {
    const outcome = judgeDemo({ ...asScripted(), ...change });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? [] : outcome.problems).toContain(problem);
  });

  it('says only that it was interrupted when the user stopped the story', () => {
    expect(judgeDemo({ ...asScripted(), pipelineConclusion: undefined, interrupted: true })).toEqual({ ok: false, problems: ['interrupted before the story ended'] });
  });
});

/** The pull-request part as scripted: ci fails on test, /retry re-runs it once, green, 👀 then 🚀. */
function pullRequestAsScripted(): PullRequestObservations {
  const green = { status: 'completed', conclusion: 'success' };
  return {
    before: { pipelineConclusion: 'failure', stages: { build: 'success', scan: 'success', test: 'failure', 'deploy-staging': 'skipped: needs test' } },
    after: { pipelineConclusion: 'success', checkRuns: { 'shipgate/ci': green, shipgate: green } },
    reactions: ['eyes', 'rocket'],
    rerunFailedJobs: 1,
    dispatchedWorkflows: ['build.yml', 'test.yml', 'scan.yml'],
  };
}

describe('judgePullRequestAct', () => {
  it('accepts the scripted pull request', () => {
    expect(judgePullRequestAct(pullRequestAsScripted(), 'shipgate/ci')).toEqual([]);
  });

  it.each([
    { change: { before: { pipelineConclusion: 'success', stages: { test: 'success' } } }, problem: "the pull request's run concluded success before /retry, expected failure" },
    { change: { rerunFailedJobs: 0 }, problem: '/retry asked GitHub to re-run failed jobs 0 times, expected once' },
    { change: { dispatchedWorkflows: ['build.yml', 'test.yml', 'scan.yml', 'test.yml'] }, problem: "the pull request dispatched build.yml, test.yml, scan.yml, test.yml, expected build.yml, test.yml and scan.yml once each" },
    { change: { after: { pipelineConclusion: 'failure', checkRuns: {} } }, problem: "the pull request's run concluded failure after /retry, expected success" },
    { change: { after: { pipelineConclusion: 'success', checkRuns: { 'shipgate/ci': { status: 'completed', conclusion: 'success' } } } }, problem: "the pull request's check run shipgate is missing, expected completed/success" },
    { change: { reactions: ['eyes', 'confused'] }, problem: 'the app reacted eyes, confused to /retry, expected eyes then rocket' },
    { change: { unfinished: 'too slow' }, problem: 'too slow' },
  ])('says $problem', ({ change, problem }) => {
    expect(judgePullRequestAct({ ...pullRequestAsScripted(), ...change }, 'shipgate/ci')).toContain(problem);
  });
});

const GATES = ['coverage', 'tests', 'vulnerabilities'];

function evaluation(gate: string, attempt: number, result: string | null, status = 'completed'): GateEvaluation {
  return { gate, attempt, status, result, measured: result === null ? null : `${gate} measured` };
}

const ALL_PASS = { results: { coverage: 'pass', tests: 'pass', vulnerabilities: 'pass' }, annotations: [{ path: 'src/cart.ts', line: 18, level: 'warning' }] };

/** The gates as scripted: all pass on the push; on the pull request tests fails on attempt 1 (annotated), passes on attempt 2. */
function gatesAsScripted(): GateObservations {
  return {
    gates: GATES,
    testsGate: 'tests',
    failingTest: { file: 'test/checkout.test.ts', line: 26 },
    push: { evaluations: GATES.map((gate) => evaluation(gate, 1, 'pass')), check: ALL_PASS },
    pullRequest: {
      evaluations: [evaluation('vulnerabilities', 1, 'pass'), evaluation('coverage', 1, 'pass'), evaluation('tests', 1, 'fail'), evaluation('coverage', 2, 'pass'), evaluation('tests', 2, 'pass')],
      before: { results: { coverage: 'pass', tests: 'fail', vulnerabilities: 'pass' }, annotations: [{ path: 'test/checkout.test.ts', line: 26, level: 'failure' }] },
      after: ALL_PASS,
    },
  };
}

describe('judgeGates', () => {
  it('accepts the scripted gates story, and a story that ended before the pull request judges only the push', () => {
    expect(judgeGates(gatesAsScripted())).toEqual([]);
    const { pullRequest: _pr, ...pushOnly } = gatesAsScripted();
    expect(judgeGates(pushOnly)).toEqual([]);
  });

  const scripted = gatesAsScripted();
  const pr = scripted.pullRequest ?? { evaluations: [], before: undefined, after: undefined };
  it.each([
    {
      change: { push: { ...scripted.push, evaluations: [evaluation('coverage', 1, 'fail'), evaluation('tests', 1, 'pass'), evaluation('vulnerabilities', 1, 'pass')] } },
      problem: 'on the push, gate coverage is fail (coverage measured), expected pass',
    },
    {
      change: { push: { ...scripted.push, evaluations: [evaluation('coverage', 1, 'pass'), evaluation('tests', 1, null, 'pending')] } },
      problem: 'on the push, gate tests is pending, expected pass',
    },
    { change: { push: { ...scripted.push, evaluations: [evaluation('coverage', 1, 'pass'), evaluation('tests', 1, 'pass')] } }, problem: 'on the push, gate vulnerabilities was evaluated 0 times, expected once' },
    { change: { push: { ...scripted.push, check: undefined } }, problem: 'the app wrote no pipeline check run for the push' },
    { change: { push: { ...scripted.push, check: { results: {}, annotations: [] } } }, problem: 'the check run of the push shows no gates table' },
    { change: { push: { ...scripted.push, check: { ...ALL_PASS, results: { coverage: 'pass', tests: 'pass', vulnerabilities: 'error' } } } }, problem: 'the gates table of the push shows vulnerabilities error, expected pass' },
    {
      change: { pullRequest: { ...pr, evaluations: pr.evaluations.map((e) => (e.gate === 'tests' && e.attempt === 1 ? evaluation('tests', 1, 'pass') : e)) } },
      problem: 'on the pull request, gate tests is pass (tests measured) for attempt 1, expected fail',
    },
    {
      change: { pullRequest: { ...pr, evaluations: pr.evaluations.filter((e) => e.attempt === 1) } },
      problem: 'on the pull request, gate tests was not evaluated again after /retry (attempt 2)',
    },
    {
      change: { pullRequest: { ...pr, evaluations: pr.evaluations.map((e) => (e.gate === 'tests' && e.attempt === 2 ? evaluation('tests', 2, 'error') : e)) } },
      problem: 'on the pull request, gate tests is error (tests measured) after /retry, expected pass',
    },
    { change: { pullRequest: { ...pr, evaluations: pr.evaluations.filter((e) => e.gate !== 'vulnerabilities') } }, problem: 'on the pull request, gate vulnerabilities was not evaluated' },
    { change: { pullRequest: { ...pr, before: { ...ALL_PASS, annotations: [] } } }, problem: 'the gates table of the pull request before /retry shows tests pass, expected fail' },
    {
      change: { pullRequest: { ...pr, before: { results: { tests: 'fail' }, annotations: [{ path: 'test/checkout.test.ts', line: 27, level: 'failure' }] } } },
      problem: 'the check run of the pull request before /retry has no failure annotation at test/checkout.test.ts:26',
    },
    {
      change: { pullRequest: { ...pr, after: { results: { coverage: 'pass', tests: 'fail', vulnerabilities: 'pass' }, annotations: [] } } },
      problem: 'the gates table of the pull request after /retry shows tests fail, expected pass',
    },
    { change: { pullRequest: { ...pr, after: undefined } }, problem: 'the app wrote no pipeline check run for the pull request after /retry' },
  ] satisfies Array<{ change: Partial<GateObservations>; problem: string }>)('says $problem', ({ change, problem }) => {
    expect(judgeGates({ ...gatesAsScripted(), ...change })).toContain(problem);
  });
});

const FIRST = 'a'.repeat(40);
const MERGE = 'b'.repeat(40);
const T0 = Date.UTC(2026, 11, 1, 12);
const WAIT_MS = 5_000;
const SCRIPT: ReleaseScript = {
  staging: 'staging',
  production: 'production',
  releaseManager: 'alice',
  firstSha: FIRST,
  mergeSha: MERGE,
  approvals: {
    required: 2,
    waitMs: WAIT_MS,
    first: [
      { approver: 'carol', via: 'command' },
      { approver: 'dave', via: 'reaction' },
    ],
    merge: [
      { approver: 'carol', via: 'command' },
      { approver: 'dave', via: 'command' },
    ],
  },
};

function recorded(id: number, environment: string, source: string, sha: string, change: Partial<RecordedDeployment> = {}): RecordedDeployment {
  return { id, environment, sha, source, status: 'succeeded', rollbackOf: null, githubDeploymentId: 500_000 + id, path: ['requested', 'deploying', 'succeeded'], reasons: [], deployingAt: T0 + id * 60_000, ...change };
}

/** A production `/deploy` that waited for approvals, then for the wait timer, and started deploying once it ran out. */
function approvedDeployment(id: number, sha: string, before: string[] = []): RecordedDeployment {
  return recorded(id, 'production', 'command', sha, {
    path: ['requested', 'waiting', 'deploying', 'succeeded'],
    reasons: [...before, 'deploy.approvals-needed', 'deploy.approvals-needed', 'deploy.approval-wait-timer'],
    deployingAt: T0 + id * 60_000 + WAIT_MS + 1_500,
  });
}

/** The approval request of deployment `deploymentId`, approved at its last approval. */
function approvalRequest(id: number, deploymentId: number, sha: string, approvals: Array<[string, string]>): RecordedApprovalRequest {
  const at = T0 + deploymentId * 60_000;
  return {
    id,
    deploymentId,
    environment: 'production',
    sha,
    required: 2,
    status: 'approved',
    approvedAt: at,
    approvals: approvals.map(([approver, via], index) => ({ approver, via, sha, at: at - (approvals.length - 1 - index) * 1_000 })),
  };
}

function mirror(d: RecordedDeployment, change: Partial<GitHubDeploymentRecord> = {}): GitHubDeploymentRecord {
  return {
    id: d.githubDeploymentId ?? 0,
    environment: d.environment,
    sha: d.sha,
    payload: { shipgate_request_id: d.id, actor: 'alice', pipeline_run_id: 1, rollback_of: d.rollbackOf },
    states: ['in_progress', 'success'],
    environmentUrl: '',
    ...change,
  };
}

/**
 * The release as scripted: staging gets both commits of main, production the
 * first (after carol's /approve, dave's 👍 and the wait timer), then the merge
 * (after waiting for its pipeline, then two /approves and the wait timer),
 * then the first again by /rollback (no approvals).
 */
function releaseAsScripted(): ReleaseObservations {
  const deployments = [
    recorded(1, 'staging', 'stage', FIRST),
    approvedDeployment(2, FIRST),
    approvedDeployment(3, MERGE, ['deploy.pipelines-running']),
    recorded(4, 'staging', 'stage', MERGE),
    recorded(5, 'production', 'rollback', FIRST, { rollbackOf: 3 }),
  ];
  const approvalRequests = [
    approvalRequest(1, 2, FIRST, [
      ['carol', 'command'],
      ['dave', 'reaction'],
    ]),
    approvalRequest(2, 3, MERGE, [
      ['carol', 'command'],
      ['dave', 'command'],
    ]),
  ];
  return { deployments, approvalRequests, github: deployments.map((d) => mirror(d)), lockedBy: 'alice', locks: {} };
}

describe('judgeRelease', () => {
  it('accepts the scripted release, older GitHub deployments made inactive by newer ones', () => {
    expect(judgeRelease(SCRIPT, releaseAsScripted())).toEqual([]);
    const seen = releaseAsScripted();
    expect(judgeRelease(SCRIPT, { ...seen, github: seen.github.map((g) => (g.id === 500_002 ? { ...g, states: ['in_progress', 'success', 'inactive'] } : g)) })).toEqual([]);
  });

  const seen = releaseAsScripted();
  const replace = (id: number, change: Partial<RecordedDeployment>) => seen.deployments.map((d) => (d.id === id ? { ...d, ...change } : d));
  it.each([
    { change: { deployments: seen.deployments.filter((d) => d.id !== 4) }, problem: `staging has no stage deployment of bbbbbbb (the pipeline of the merge)` },
    { change: { deployments: replace(1, { status: 'refused', reasons: ['deploy.ref-not-allowed'] }) }, problem: 'staging deployment #1 (stage of aaaaaaa, refused) did not succeed (the pipeline of the push)' },
    { change: { deployments: replace(2, { source: 'stage' }) }, problem: 'production has no command deployment of aaaaaaa (/deploy of main before the merge)' },
    { change: { deployments: replace(3, { status: 'failed' }) }, problem: 'production deployment #3 (command of bbbbbbb, failed) did not succeed (/deploy of main after the merge)' },
    { change: { deployments: replace(3, { reasons: [], path: ['requested', 'deploying', 'succeeded'] }) }, problem: 'production deployment #3 of the merge commit did not wait for its pipeline (went requested → deploying → succeeded)' },
    { change: { deployments: replace(5, { rollbackOf: 2 }) }, problem: 'the rollback #5 rolls back #2, expected #3' },
    { change: { deployments: replace(5, { sha: MERGE }) }, problem: 'production has no rollback deployment of aaaaaaa (/rollback)' },
    { change: { deployments: [...seen.deployments, recorded(6, 'production', 'command', 'c'.repeat(40), { status: 'refused', reasons: ['deploy.locked'] })] }, problem: 'unscripted production deployment #6 (command of ccccccc): refused (deploy.locked)' },
    { change: { deployments: replace(2, { githubDeploymentId: null }) }, problem: 'production deployment #2 has no GitHub deployment' },
    { change: { github: seen.github.filter((g) => g.id !== 500_002) }, problem: 'production deployment #2 names GitHub deployment 500002, which GitHub does not have' },
    { change: { github: seen.github.map((g) => (g.id === 500_003 ? { ...g, states: ['in_progress', 'failure'] } : g)) }, problem: 'GitHub deployment 500003 went in_progress → failure, expected in_progress then success' },
    { change: { github: seen.github.map((g) => (g.id === 500_005 ? { ...g, payload: { shipgate_request_id: 5, rollback_of: null } } : g)) }, problem: 'GitHub deployment 500005 carries rollback_of null, expected 3' },
    { change: { github: seen.github.map((g) => (g.id === 500_001 ? { ...g, payload: {} } : g)) }, problem: 'GitHub deployment 500001 carries shipgate_request_id undefined, expected 1' },
    { change: { lockedBy: undefined }, problem: 'production was never locked' },
    { change: { lockedBy: 'bob' }, problem: 'production was locked by @bob, expected @alice' },
    { change: { locks: { production: 'alice' } }, problem: 'production is still locked by @alice' },
    { change: { unfinished: 'the release did not end within the story\'s 90 s (/unlock production)' }, problem: "the release did not end within the story's 90 s (/unlock production)" },
  ] satisfies Array<{ change: Partial<ReleaseObservations>; problem: string }>)('says $problem', ({ change, problem }) => {
    expect(judgeRelease(SCRIPT, { ...releaseAsScripted(), ...change })).toContain(problem);
  });

  const requests = seen.approvalRequests;
  const [firstRequest, mergeRequest] = requests as [RecordedApprovalRequest, RecordedApprovalRequest];
  const replaceRequest = (id: number, change: Partial<RecordedApprovalRequest>) => requests.map((r) => (r.id === id ? { ...r, ...change } : r));
  const firstApprovals = firstRequest.approvals;
  const [carolsFirst, davesFirst] = firstApprovals as [RecordedApprovalRequest['approvals'][number], RecordedApprovalRequest['approvals'][number]];
  const first = '/deploy of main before the merge';
  const merge = '/deploy of main after the merge';
  it.each([
    { change: { approvalRequests: [mergeRequest] }, problem: `production deployment #2 (${first}) has 0 approval requests, expected one` },
    { change: { approvalRequests: [...requests, { ...firstRequest, id: 9 }] }, problem: `production deployment #2 (${first}) has 2 approval requests, expected one` },
    { change: { approvalRequests: replaceRequest(1, { status: 'pending' }) }, problem: `approval request #1 of production deployment #2 (${first}) is pending, expected approved` },
    { change: { approvalRequests: replaceRequest(1, { required: 1 }) }, problem: `approval request #1 of production deployment #2 (${first}) needs 1 approvals, expected 2` },
    {
      change: { approvalRequests: replaceRequest(1, { approvals: firstApprovals.slice(0, 1) }) },
      problem: `production deployment #2 (${first}) has 1 approvals, expected 2 distinct ones`,
    },
    {
      change: { approvalRequests: replaceRequest(1, { approvals: [carolsFirst, { ...carolsFirst, approver: 'Carol', via: 'reaction' }] }) },
      problem: `production deployment #2 (${first}) counts an approver twice: carol, carol`,
    },
    {
      change: { approvalRequests: replaceRequest(1, { approvals: [carolsFirst, { ...davesFirst, approver: 'alice' }] }) },
      problem: `production deployment #2 (${first}) counts an approval of its requester @alice`,
    },
    {
      change: { approvalRequests: replaceRequest(1, { approvals: firstApprovals.map((a) => ({ ...a, via: 'command' })) }) },
      problem: `production deployment #2 (${first}) was approved @carol by command, @dave by command, expected @carol by command, @dave by reaction`,
    },
    {
      change: { approvalRequests: replaceRequest(2, { approvals: mergeRequest.approvals.map((a) => ({ ...a, sha: FIRST })) }) },
      problem: `@carol's approval of production deployment #3 (${merge}) is for aaaaaaa, expected bbbbbbb`,
    },
    {
      change: { deployments: replace(2, { reasons: ['deploy.approval-wait-timer'] }) },
      problem: `production deployment #2 (${first}) did not wait for approvals (went requested → waiting → deploying → succeeded)`,
    },
    { change: { deployments: replace(3, { reasons: ['deploy.pipelines-running', 'deploy.approvals-needed'] }) }, problem: `production deployment #3 (${merge}) did not wait for the wait timer after its approvals` },
    {
      change: { deployments: replace(2, { deployingAt: T0 + 2 * 60_000 + 2_000 }) },
      problem: `production deployment #2 (${first}) started deploying 2.0 s after its last approval, before its 5 s wait timer ran out`,
    },
    {
      change: { approvalRequests: [...requests, { ...firstRequest, id: 3, deploymentId: 5, sha: FIRST }] },
      problem: 'the rollback #5 asked for approvals; a rollback skips them',
    },
    { change: { deployments: replace(5, { reasons: ['deploy.approval-wait-timer'] }) }, problem: 'the rollback #5 waited (deploy.approval-wait-timer); a rollback skips approvals and the wait timer' },
  ] satisfies Array<{ change: Partial<ReleaseObservations>; problem: string }>)('judges the approvals: $problem', ({ change, problem }) => {
    expect(judgeRelease(SCRIPT, { ...releaseAsScripted(), ...change })).toContain(problem);
  });

  it('accepts a deployment that starts exactly when its wait timer runs out, and approvals in any order', () => {
    const release = releaseAsScripted();
    const onTime = release.deployments.map((d) => (d.id === 2 ? { ...d, deployingAt: (firstRequest.approvedAt ?? 0) + WAIT_MS } : d));
    const reversed = release.approvalRequests.map((r) => ({ ...r, approvals: [...r.approvals].reverse() }));
    expect(judgeRelease(SCRIPT, { ...release, deployments: onTime, approvalRequests: reversed })).toEqual([]);
  });
});

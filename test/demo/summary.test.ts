import { describe, expect, it } from 'vitest';
import { alignGatesSection, appCheckRuns, formatSummary, gatesSection, gatesShown, summariseDemo } from '../../src/demo/summary.ts';
import { gatesTable, type GateView } from '../../src/engine/check-output.ts';
import type { CheckRun, DispatchCall, RequestLogEntry } from '../../src/sim/index.ts';
import type { DeploymentRecord } from '../../src/demo/deployment-records.ts';
import type { GitHubDeploymentRecord, RecordedApprovalRequest } from '../../src/demo/outcome.ts';

const APP_ID = 4242;
const T0 = 1_000_000;

/** A request-log entry with the fields the summary reads. */
function request(method: string, route: string, fields: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    method,
    path: '/x',
    query: '',
    route: `${method} ${route}`,
    status: 200,
    body: undefined,
    at: T0,
    installationId: 1,
    appId: APP_ID,
    requestId: 'r',
    fault: undefined,
    api: true,
    ...fields,
  };
}

/** A check run of `appId` with the fields the summary reads. */
function checkRun(name: string, conclusion: string | null, appId = APP_ID, writes = 2): CheckRun {
  return {
    name,
    status: conclusion ? 'completed' : 'in_progress',
    conclusion,
    app: { id: appId },
    output: { title: `${name} title`, summary: null, text: null },
    history: Array.from({ length: writes }, () => ({})),
  } as unknown as CheckRun;
}

const DISPATCH: DispatchCall = {
  owner: 'acme',
  repo: 'shop',
  workflow: 'build.yml',
  ref: 'main',
  inputs: { target: 'web', sha: 'abcdef0123456789' },
  returnRunDetails: true,
  status: 200,
  at: T0 + 1_300,
  installationId: 1,
};

describe('summariseDemo', () => {
  it("counts the app's calls per route, most called first, leaving out other callers and non-API downloads", () => {
    const summary = summariseDemo({
      requests: [
        request('POST', '/repos/{owner}/{repo}/check-runs'),
        request('GET', '/repos/{owner}/{repo}/contents/{path}'),
        request('GET', '/repos/{owner}/{repo}/contents/{path}', { status: 404 }),
        request('GET', '/repos/{owner}/{repo}', { appId: undefined }),
        request('GET', '(artifact download)', { api: false }),
        request('POST', '/graphql'),
      ],
      dispatches: [DISPATCH],
      checkRuns: [checkRun('shipgate/ci', 'success'), checkRun('shipgate', 'success', APP_ID, 1), checkRun('build', 'success', 15368)],
      appId: APP_ID,
      startedAt: T0,
    });
    // A GraphQL query is a POST that only reads.
    expect(summary.apiCalls).toEqual({
      total: 4,
      writes: 1,
      failed: 1,
      byRoute: [
        { route: 'GET /repos/{owner}/{repo}/contents/{path}', count: 2 },
        { route: 'POST /graphql', count: 1 },
        { route: 'POST /repos/{owner}/{repo}/check-runs', count: 1 },
      ],
    });
    expect(summary.dispatches).toEqual([{ elapsedMs: 1_300, workflow: 'build.yml', ref: 'main', inputs: DISPATCH.inputs, status: 200 }]);
    expect(summary.checkRuns.map((c) => c.name)).toEqual(['shipgate/ci', 'shipgate']);

    expect(formatSummary(summary)).toEqual([
      'GitHub API calls made by the app: 4 (1 write, 1 answered with an error)',
      '  2  GET /repos/{owner}/{repo}/contents/{path}',
      '  1  POST /graphql',
      '  1  POST /repos/{owner}/{repo}/check-runs',
      'Workflow dispatches: 1',
      '  +1.3s    build.yml   ref main  target=web sha=abcdef0',
      'Check runs written by the app: 2',
      '  shipgate/ci  success — shipgate/ci title (2 writes)',
      '  shipgate     success — shipgate title (1 write)',
    ]);
  });
});

/** A gate as the app's check output shows it (the real gates table is rendered from these). */
function gateView(name: string, result: GateView['result'], measured: string, detail: string | null = null): GateView {
  return {
    name,
    job: 'unit',
    result,
    measured,
    threshold: '≥ 80%',
    baseline: null,
    detail,
    runUrl: 'http://127.0.0.1:1/acme/shop/actions/runs/7',
    untrusted: false,
    override: null,
    findings: [],
    evaluatedAt: null,
    rowId: null,
  };
}

/** A pipeline check run whose summary is the stage table, then the real gates table. */
function pipelineCheck(id: number, sha: string, gates: GateView[], annotations: Array<{ path: string; start_line: number; annotation_level: string; title: string }> = []): CheckRun {
  return {
    ...checkRun('shipgate/ci', 'failure'),
    id,
    headSha: sha,
    output: { title: 'ci failed', summary: `| Stage | Result |\n| --- | --- |\n| test | failure |\n\n${gatesTable(gates)}\n\n### More\n\ntext`, text: null },
    annotations,
  } as unknown as CheckRun;
}

describe('the gates tables', () => {
  const failing = pipelineCheck(11, 'a'.repeat(40), [gateView('coverage', 'pass', '86% (86/100 lines)'), gateView('tests', 'fail', '1 failed of 13', '1 test failed (at most 0 allowed)'), gateView('vulnerabilities', 'error', '—')], [
    { path: 'test/checkout.test.ts', start_line: 26, annotation_level: 'failure', title: 'tests: Failed: checkout > charges the card' },
  ]);

  it("reads each gate's result word and the annotations from the check run the app wrote", () => {
    const shown = gatesShown('pull request #1 before /retry', failing);
    expect(shown.results).toEqual({ coverage: 'pass', tests: 'fail', vulnerabilities: 'error' });
    expect(shown.annotations).toEqual([{ path: 'test/checkout.test.ts', line: 26, level: 'failure', title: 'tests: Failed: checkout > charges the card' }]);
    expect(shown.checkRun).toEqual({ id: 11, name: 'shipgate/ci', sha: 'a'.repeat(40), conclusion: 'failure' });
    // The section ends at the next heading; the notes under the table belong to it.
    expect(shown.section?.at(0)).toBe('| Gate | Result | Measured | Threshold | Baseline | Run |');
    expect(shown.section?.at(-1)).toBe('- **tests** fail: 1 test failed (at most 0 allowed)');
  });

  it('says so when a check run has no gates table, or when there is no check run', () => {
    const noGates = { ...checkRun('shipgate/ci', 'success'), headSha: 'b'.repeat(40), annotations: [], output: { title: 't', summary: '| Stage | Result |', text: null } } as unknown as CheckRun;
    expect(gatesSection('| Stage | Result |')).toBeNull();
    expect(gatesSection(null)).toBeNull();
    expect(gatesShown('push to main', noGates)).toMatchObject({ section: null, results: {} });
    expect(gatesShown('push to main', undefined)).toEqual({ label: 'push to main', checkRun: undefined, section: null, results: {}, annotations: [] });
  });

  it('pads the table columns to one width, emoji counted as two columns', () => {
    const aligned = alignGatesSection(['| Gate | Result |', '| --- | --- |', '| coverage | ✅ pass |', '| vulnerabilities | ⚠️ error |', '', '- note']);
    expect(aligned).toEqual(['| Gate            | Result   |', '| --------------- | -------- |', '| coverage        | ✅ pass  |', '| vulnerabilities | ⚠️ error |', '', '- note']);
  });

  it("picks the app's check runs of a name on a commit, oldest first", () => {
    const sha = 'c'.repeat(40);
    const runs = [pipelineCheck(30, sha, []), pipelineCheck(12, sha, []), pipelineCheck(13, 'd'.repeat(40), []), { ...pipelineCheck(14, sha, []), app: { id: 1 } } as unknown as CheckRun];
    expect(appCheckRuns(runs, APP_ID, 'shipgate/ci', sha).map((c) => c.id)).toEqual([12, 30]);
  });

  it('prints each gates table under a heading, with its annotations', () => {
    const summary = summariseDemo({ requests: [], dispatches: [], checkRuns: [], appId: APP_ID, startedAt: T0, gateChecks: [{ label: 'pull request #1 before /retry', checkRun: failing }, { label: 'push to main', checkRun: undefined }] });
    const lines = formatSummary(summary);
    expect(lines.slice(lines.indexOf('Gates, pull request #1 before /retry (shipgate/ci failure on aaaaaaa):'))).toEqual([
      'Gates, pull request #1 before /retry (shipgate/ci failure on aaaaaaa):',
      '  | Gate            | Result   | Measured           | Threshold | Baseline | Run                                                 |',
      '  | --------------- | -------- | ------------------ | --------- | -------- | --------------------------------------------------- |',
      '  | coverage        | ✅ pass  | 86% (86/100 lines) | ≥ 80%     | —        | [unit](http://127.0.0.1:1/acme/shop/actions/runs/7) |',
      '  | tests           | ❌ fail  | 1 failed of 13     | ≥ 80%     | —        | [unit](http://127.0.0.1:1/acme/shop/actions/runs/7) |',
      '  | vulnerabilities | ⚠️ error | —                  | ≥ 80%     | —        | [unit](http://127.0.0.1:1/acme/shop/actions/runs/7) |',
      '',
      '  - **tests** fail: 1 test failed (at most 0 allowed)',
      '  annotations: 1',
      '    test/checkout.test.ts:26  failure  tests: Failed: checkout > charges the card',
      '',
      'Gates, push to main: the app wrote no check run',
    ]);
  });
});

describe('the deployments', () => {
  const sha = (c: string) => c.repeat(40);
  const request = (id: number, environment: string, source: string, s: string, change: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
    id,
    environment,
    sha: s,
    ref: 'main',
    source,
    status: 'succeeded',
    rollbackOf: null,
    githubDeploymentId: 500_000 + id,
    requestedBy: 'alice',
    path: [],
    reasons: [],
    deployingAt: null,
    ...change,
  });
  const github = (id: number, s: string, environment: string, states: string[], environmentUrl: string): GitHubDeploymentRecord => ({ id, sha: s, environment, states, environmentUrl, payload: {} });

  it("groups each environment's requests (in the order of its first one) with their GitHub deployments and statuses", () => {
    const summary = summariseDemo({
      requests: [],
      dispatches: [],
      checkRuns: [],
      appId: APP_ID,
      startedAt: T0,
      deployments: [
        request(5, 'production', 'rollback', sha('a'), { rollbackOf: 3 }),
        request(1, 'staging', 'stage', sha('a')),
        request(2, 'production', 'command', sha('a')),
        request(3, 'production', 'command', sha('b')),
        request(4, 'production', 'command', sha('c'), { status: 'refused', githubDeploymentId: null, ref: sha('c') }),
      ],
      githubDeployments: [
        github(500_001, sha('a'), 'staging', ['in_progress', 'success'], 'https://staging.example.com'),
        github(500_002, sha('a'), 'production', ['in_progress', 'success', 'inactive'], 'https://shop.example.com'),
        github(500_003, sha('b'), 'production', ['in_progress', 'success', 'inactive'], 'https://shop.example.com'),
        github(500_005, sha('a'), 'production', [], ''),
      ],
    });
    expect(summary.deployments.map((group) => [group.environment, group.deployments.map((d) => d.id)])).toEqual([
      ['staging', [1]],
      ['production', [2, 3, 4, 5]],
    ]);
    const lines = formatSummary(summary);
    expect(lines.slice(lines.indexOf('Deployments:'))).toEqual([
      'Deployments:',
      '  staging',
      '    #1  aaaaaaa (main)  stage            succeeded  GitHub deployment 500001: in_progress → success  https://staging.example.com',
      '  production',
      '    #2  aaaaaaa (main)  /deploy          succeeded  GitHub deployment 500002: in_progress → success → inactive  https://shop.example.com',
      '    #3  bbbbbbb (main)  /deploy          succeeded  GitHub deployment 500003: in_progress → success → inactive  https://shop.example.com',
      '    #4  ccccccc         /deploy          refused    no GitHub deployment',
      '    #5  aaaaaaa (main)  /rollback of #3  succeeded  GitHub deployment 500005: no status',
    ]);
  });

  it('shows the approvals of the requests that had to wait for them: how many of how many, how the request ended, who approved and how', () => {
    const approved = (id: number, deploymentId: number, status: string, approvals: Array<[string, string]>): RecordedApprovalRequest => ({
      id,
      deploymentId,
      environment: 'production',
      sha: sha('a'),
      required: 2,
      status,
      approvedAt: status === 'approved' ? T0 : null,
      approvals: approvals.map(([approver, via]) => ({ approver, via, sha: sha('a'), at: T0 })),
    });
    const summary = summariseDemo({
      requests: [],
      dispatches: [],
      checkRuns: [],
      appId: APP_ID,
      startedAt: T0,
      deployments: [request(1, 'production', 'command', sha('a')), request(2, 'production', 'command', sha('b'), { status: 'expired', githubDeploymentId: null }), request(3, 'production', 'rollback', sha('a'), { rollbackOf: 1 })],
      githubDeployments: [github(500_001, sha('a'), 'production', ['in_progress', 'success'], ''), github(500_003, sha('a'), 'production', ['in_progress', 'success'], '')],
      approvalRequests: [
        approved(1, 1, 'approved', [
          ['carol', 'command'],
          ['dave', 'reaction'],
        ]),
        approved(2, 2, 'expired', [['carol', 'check_run']]),
      ],
    });
    const [production] = summary.deployments;
    expect(production?.deployments.map((d) => d.approvals)).toEqual([
      { required: 2, status: 'approved', given: [{ approver: 'carol', via: 'command' }, { approver: 'dave', via: 'reaction' }] },
      { required: 2, status: 'expired', given: [{ approver: 'carol', via: 'check_run' }] },
      null,
    ]);
    const lines = formatSummary(summary);
    expect(lines.slice(lines.indexOf('Deployments:') + 2)).toEqual([
      '    #1  aaaaaaa (main)  /deploy          succeeded  GitHub deployment 500001: in_progress → success  approvals 2/2 (approved): @carol /approve, @dave 👍',
      '    #2  bbbbbbb (main)  /deploy          expired    no GitHub deployment  approvals 1/2 (expired): @carol Approve button',
      '    #3  aaaaaaa (main)  /rollback of #1  succeeded  GitHub deployment 500003: in_progress → success',
    ]);
  });

  it('prints no deployments section when there were none', () => {
    const summary = summariseDemo({ requests: [], dispatches: [], checkRuns: [], appId: APP_ID, startedAt: T0 });
    expect(summary.deployments).toEqual([]);
    expect(formatSummary(summary)).not.toContain('Deployments:');
  });
});

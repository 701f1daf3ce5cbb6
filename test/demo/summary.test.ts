import { describe, expect, it } from 'vitest';
import { formatSummary, summariseDemo } from '../../src/demo/summary.ts';
import type { CheckRun, DispatchCall, RequestLogEntry } from '../../src/sim/index.ts';

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

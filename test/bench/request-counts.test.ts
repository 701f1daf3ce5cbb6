import { describe, expect, it } from 'vitest';
import { GRAPHQL_ROUTE, TOKEN_ROUTE, meanByRoute, requestsOfInstallation, type LoggedRequest } from '../../bench/request-counts.ts';

const DISPATCH = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';
const CONTENTS = 'GET /repos/{owner}/{repo}/contents/{path}';

function request(fields: Partial<LoggedRequest>): LoggedRequest {
  return { method: 'GET', path: '/repos/a/b/contents/x', route: CONTENTS, installationId: 7, api: true, ...fields };
}

describe('requestsOfInstallation', () => {
  const log: LoggedRequest[] = [
    request({ method: 'POST', path: '/app/installations/7/access_tokens', route: TOKEN_ROUTE, installationId: undefined }),
    request({ method: 'POST', path: '/app/installations/8/access_tokens', route: TOKEN_ROUTE, installationId: undefined }),
    request({}),
    request({}),
    request({ method: 'POST', path: '/repos/a/b/actions/workflows/build.yml/dispatches', route: DISPATCH }),
    request({ installationId: 8 }),
    request({ api: false, route: 'GET (artifact download)' }),
    request({ method: 'GET', path: '/nowhere', route: undefined }),
    request({ method: 'POST', path: '/graphql', route: GRAPHQL_ROUTE }),
  ];

  it("counts the installation's API requests by route, writes apart (GraphQL queries are reads), and its token requests aside", () => {
    expect(requestsOfInstallation(log, 7)).toEqual({
      total: 5,
      writes: 1,
      byRoute: { [CONTENTS]: 2, [DISPATCH]: 1, 'GET /nowhere (unknown route)': 1, [GRAPHQL_ROUTE]: 1 },
      tokenRequests: 1,
    });
  });

  it('finds nothing for another installation', () => {
    expect(requestsOfInstallation(log, 9)).toEqual({ total: 0, writes: 0, byRoute: {}, tokenRequests: 0 });
  });
});

describe('meanByRoute', () => {
  it('averages over the runs, counting a missing route as 0', () => {
    expect(meanByRoute([{ a: 2, b: 1 }, { a: 4 }])).toEqual({ a: 3, b: 0.5 });
    expect(meanByRoute([])).toEqual({});
  });
});

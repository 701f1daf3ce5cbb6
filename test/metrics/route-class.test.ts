import { describe, expect, it } from 'vitest';
import { ROUTE_CLASSES, routeClassOf } from '../../src/metrics/route-class.ts';

describe('routeClassOf', () => {
  it.each([
    ['/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', 'actions'],
    ['/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', 'actions'],
    ['/repos/{owner}/{repo}/check-runs', 'checks'],
    ['/repos/{owner}/{repo}/check-runs/{check_run_id}', 'checks'],
    ['/repos/{owner}/{repo}/commits/{ref}/check-runs', 'checks'],
    ['/repos/{owner}/{repo}/commits/{ref}', 'repos'],
    ['/repos/{owner}/{repo}/check-suites/{check_suite_id}', 'checks'],
    ['/repos/{owner}/{repo}/issues/{issue_number}/comments', 'issues'],
    ['/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', 'reactions'],
    ['/repos/{owner}/{repo}/comments/{comment_id}/reactions', 'reactions'],
    ['/repos/{owner}/{repo}/pulls/{pull_number}/files', 'pulls'],
    ['/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', 'deployments'],
    ['/repos/{owner}/{repo}/environments/{environment_name}', 'deployments'],
    ['/repos/{owner}/{repo}/contents/{path}', 'repos'],
    ['/repos/{owner}/{repo}/compare/{basehead}', 'repos'],
    ['/repos/{owner}/{repo}', 'repos'],
    ['/repos/{owner}/{repo}/git/refs/{ref}', 'git'],
    ['/app/installations/{installation_id}/access_tokens', 'apps'],
    ['/app/hook/deliveries', 'apps'],
    ['/installation/repositories', 'apps'],
    ['/orgs/{org}/teams/{team_slug}/memberships/{username}', 'orgs'],
    ['/graphql', 'graphql'],
  ] as const)('%s → %s', (url, expected) => {
    expect(routeClassOf(url)).toBe(expected);
  });

  it('classifies filled URLs and full pagination links the same way as templates', () => {
    expect(routeClassOf('/repos/acme/api/actions/runs/123456/cancel')).toBe('actions');
    expect(routeClassOf('https://api.github.com/repositories/42/issues/7/comments?page=2')).toBe('issues');
    expect(routeClassOf('http://127.0.0.1:3000/api/v3/repos/acme/api/check-runs/9?per_page=100')).toBe('checks');
    expect(routeClassOf('https://ghe.example.com/api/graphql')).toBe('graphql');
  });

  it('puts anything it does not know in `other`, never a piece of the URL', () => {
    expect(routeClassOf('/users/octocat')).toBe('other');
    expect(routeClassOf('/')).toBe('other');
    expect(routeClassOf('')).toBe('other');
    expect(routeClassOf('/repos/acme')).toBe('other');
    expect(routeClassOf('/deadbeef0123456789abcdef0123456789abcdef')).toBe('other');
    const hostile = ['/repos/a/b/%7Bsha%7D', '/repos/a/b/0123456789abcdef0123456789abcdef01234567', '/zzz/{x}', '/repos/a/b/actions/../../../etc'];
    for (const url of hostile) expect(ROUTE_CLASSES).toContain(routeClassOf(url));
  });
});

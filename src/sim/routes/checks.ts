/** Check runs: create, update (creator only), get, list for a ref, annotations. */
import { checkRunShape, createCheckRun, updateCheckRun, type CheckRunInput } from '../checks.ts';
import { GitHubApiError, notFound } from '../errors.ts';
import type { CheckRun } from '../model.ts';
import { actorOf, appOf, bodyOf, countedPageOf, intParam, pageOf, repoFor, route, type RouteDefinition, type RouteRequest } from '../router.ts';

function checkRunFor(request: RouteRequest): CheckRun {
  const repo = repoFor(request, 'read');
  const run = request.ctx.state.checkRuns.get(intParam(request, 'check_run_id'));
  if (!run || run.repo !== repo) throw notFound();
  return run;
}

export const checkRoutes: RouteDefinition[] = [
  route('POST', '/repos/{owner}/{repo}/check-runs', 'installation', (request) => {
    const repo = repoFor(request, 'write');
    const input = bodyOf<CheckRunInput & { name: string; head_sha: string }>(request);
    const run = createCheckRun(request.ctx, repo, appOf(request), input, actorOf(request));
    return { status: 201, body: checkRunShape(request.ctx, run) };
  }),

  route('GET', '/repos/{owner}/{repo}/check-runs/{check_run_id}', 'installation', (request) => ({
    status: 200,
    body: checkRunShape(request.ctx, checkRunFor(request)),
  })),

  route('PATCH', '/repos/{owner}/{repo}/check-runs/{check_run_id}', 'installation', (request) => {
    repoFor(request, 'write');
    const run = updateCheckRun(request.ctx, checkRunFor(request), appOf(request), bodyOf<CheckRunInput>(request), actorOf(request));
    return { status: 200, body: checkRunShape(request.ctx, run) };
  }),

  route('GET', '/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations', 'installation', (request) =>
    pageOf(request, checkRunFor(request).annotations, (annotation) => ({
      path: annotation.path,
      start_line: annotation.start_line,
      end_line: annotation.end_line,
      start_column: annotation.start_column,
      end_column: annotation.end_column,
      annotation_level: annotation.annotation_level,
      title: annotation.title,
      message: annotation.message,
      raw_details: annotation.raw_details,
      blob_href: `${request.ctx.state.urls.web}/${request.params.owner ?? ''}/${request.params.repo ?? ''}/blob/${checkRunFor(request).headSha}/${annotation.path}`,
    })),
  ),

  route('GET', '/repos/{owner}/{repo}/commits/{ref}/check-runs', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const ref = request.params.ref ?? '';
    const sha = state.resolveRef(repo, ref);
    if (!sha) throw new GitHubApiError(422, `No commit found for SHA: ${ref}`);
    const name = request.query.get('check_name');
    const status = request.query.get('status');
    const appId = request.query.get('app_id');
    let runs = [...state.checkRuns.values()].filter(
      (run) =>
        run.repo === repo &&
        run.headSha === sha &&
        (!name || run.name === name) &&
        (!status || run.status === status) &&
        (!appId || String(run.app.id) === appId),
    );
    runs.sort((a, b) => b.id - a.id);
    if (request.query.get('filter') !== 'all') {
      // `latest`: the most recent run per (app, name).
      const seen = new Set<string>();
      runs = runs.filter((run) => {
        const key = `${run.app.id}/${run.name}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    return countedPageOf(request, 'check_runs', runs, (run) => checkRunShape(request.ctx, run));
  }),
];

/** GitHub Actions: workflows, dispatch, runs, attempts, jobs, artifacts, protection-rule callbacks. */
import { artifactShape, isArtifactExpired, jobShape, latestAttempt, runShape, workflowShape } from '../actions-shapes.ts';
import { GitHubApiError, notFound, unprocessable } from '../errors.ts';
import type { Repository, Workflow, WorkflowRun } from '../model.ts';
import {
  actorOf,
  appOf,
  bodyOf,
  countedPageOf,
  intParam,
  repoFor,
  route,
  type RouteDefinition,
  type RouteRequest,
  type RouteResponse,
} from '../router.ts';
import { substituteExpressions } from '../workflow-file.ts';
import { findWorkflow, workflowAt, workflowName } from '../workflows.ts';

function workflowFor(request: RouteRequest, repo: Repository): Workflow {
  const workflow = findWorkflow(repo, request.params.workflow_id ?? '');
  if (!workflow) throw notFound('https://docs.github.com/rest/actions/workflows#get-a-workflow');
  return workflow;
}

function runFor(request: RouteRequest): WorkflowRun {
  const repo = repoFor(request, 'read');
  const run = request.ctx.state.runs.get(intParam(request, 'run_id'));
  if (!run || run.repo !== repo) throw notFound('https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run');
  return run;
}

/** Parses `created` filters: `>=D`, `<=D`, `>D`, `<D`, `D..D`, `D`. */
function createdFilter(value: string | null): (ms: number) => boolean {
  if (!value) return () => true;
  const range = /^(.+)\.\.(.+)$/.exec(value);
  if (range) {
    const from = range[1] === '*' ? -Infinity : Date.parse(range[1] ?? '');
    const to = range[2] === '*' ? Infinity : endOf(range[2] ?? '');
    return (ms) => ms >= from && ms <= to;
  }
  const op = /^(>=|<=|>|<)?(.+)$/.exec(value);
  const date = op?.[2] ?? value;
  switch (op?.[1]) {
    case '>=':
      return (ms) => ms >= Date.parse(date);
    case '<=':
      return (ms) => ms <= endOf(date);
    case '>':
      return (ms) => ms > endOf(date);
    case '<':
      return (ms) => ms < Date.parse(date);
    default:
      return (ms) => ms >= Date.parse(date) && ms <= endOf(date);
  }
}

/** A bare date covers the whole day. */
function endOf(date: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(date) + 86_399_999 : Date.parse(date);
}

const STATUSES = new Set(['queued', 'in_progress', 'completed', 'requested', 'waiting', 'pending']);

function listRuns(request: RouteRequest, runs: WorkflowRun[]): RouteResponse {
  const { ctx, query } = request;
  const status = query.get('status');
  const created = createdFilter(query.get('created'));
  const filtered = runs
    .filter((run) => {
      const attempt = latestAttempt(run);
      if (query.get('event') && run.event !== query.get('event')) return false;
      if (query.get('branch') && run.headBranch !== query.get('branch')) return false;
      if (query.get('head_sha') && run.headSha !== query.get('head_sha')) return false;
      if (query.get('actor') && run.actor.login !== query.get('actor')) return false;
      if (query.get('check_suite_id') && String(run.checkSuite.id) !== query.get('check_suite_id')) return false;
      if (status && (STATUSES.has(status) ? attempt.status !== status : attempt.conclusion !== status)) return false;
      return created(run.createdAt);
    })
    .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  return countedPageOf(request, 'workflow_runs', filtered, (run) => runShape(ctx, run));
}

function dispatch(request: RouteRequest): RouteResponse {
  const { ctx } = request;
  const { state } = ctx;
  const repo = repoFor(request, 'write');
  const workflow = workflowFor(request, repo);
  const body = bodyOf<{ ref: string; inputs?: Record<string, unknown>; return_run_details?: boolean }>(request);
  const ref = body.ref;
  const refName = ref.replace(/^refs\/(heads|tags)\//, '');
  const isBranch = ref.startsWith('refs/tags/') ? false : repo.branches.has(refName);
  const sha = ref.startsWith('refs/tags/') ? repo.tags.get(refName) : (repo.branches.get(refName) ?? repo.tags.get(refName));
  if (!sha) throw unprocessable(`No ref found for: ${ref}`);
  const definition = workflowAt(state, workflow, sha);
  if (definition instanceof Error) throw unprocessable(`Invalid workflow file: ${definition.message}`);
  if (!definition?.dispatchInputs) throw unprocessable("Workflow does not have 'workflow_dispatch' trigger");

  const given = body.inputs ?? {};
  const declared = definition.dispatchInputs;
  if (Object.keys(given).length > 25) throw unprocessable('Too many inputs provided: at most 25 are allowed.');
  const unexpected = Object.keys(given).filter((name) => !(name in declared));
  if (unexpected.length) throw unprocessable(`Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(declared)) {
    const raw = given[name];
    if (raw === undefined || raw === null) {
      if (input.default !== undefined) inputs[name] = input.default;
      else if (input.required) throw unprocessable(`Required input '${name}' not provided`);
      continue;
    }
    const value = String(raw);
    if (input.type === 'boolean' && value !== 'true' && value !== 'false') {
      throw unprocessable(`Provided value '${value}' for input '${name}' not in the list of allowed values`);
    }
    if (input.type === 'choice' && !input.options.includes(value)) {
      throw unprocessable(`Provided value '${value}' for input '${name}' not in the list of allowed values`);
    }
    if (input.type === 'number' && !Number.isFinite(Number(value))) {
      throw unprocessable(`Provided value '${value}' for input '${name}' is not a number`);
    }
    inputs[name] = value;
  }

  const actor = actorOf(request);
  const name = workflowName(state, repo, workflow);
  const displayTitle = definition.runName
    ? substituteExpressions(definition.runName, {
        inputs,
        github: { ref_name: refName, ref: isBranch ? `refs/heads/${refName}` : `refs/tags/${refName}`, actor: actor.login, sha, workflow: name, event_name: 'workflow_dispatch', repository: repo.fullName },
      })
    : name;
  const run = ctx.actions.start({
    repo,
    workflow,
    event: 'workflow_dispatch',
    headBranch: refName,
    headSha: sha,
    displayTitle,
    inputs,
    actor,
    plan: ctx.scripts.resolve({ repo: repo.fullName, workflowPath: workflow.path, ref: refName, inputs }),
  });
  if (ctx.options.dispatchReturns204 || !body.return_run_details) return { status: 204 };
  return {
    status: 200,
    body: {
      workflow_run_id: run.id,
      run_url: `${state.urls.api}/repos/${repo.fullName}/actions/runs/${run.id}`,
      html_url: `${state.urls.web}/${repo.fullName}/actions/runs/${run.id}`,
    },
  };
}

export const actionsRoutes: RouteDefinition[] = [
  route('GET', '/repos/{owner}/{repo}/actions/workflows', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const workflows = [...repo.workflows.values()].sort((a, b) => a.id - b.id);
    return countedPageOf(request, 'workflows', workflows, (w) => workflowShape(state, repo.fullName, w, workflowName(state, repo, w)));
  }),

  route('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}', 'installation', (request) => {
    const { state } = request.ctx;
    const repo = repoFor(request, 'read');
    const workflow = workflowFor(request, repo);
    return { status: 200, body: workflowShape(state, repo.fullName, workflow, workflowName(state, repo, workflow)) };
  }),

  route('POST', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', 'installation', dispatch),

  route('GET', '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    const workflow = workflowFor(request, repo);
    return listRuns(request, [...request.ctx.state.runs.values()].filter((run) => run.workflow === workflow));
  }),

  route('GET', '/repos/{owner}/{repo}/actions/runs', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    return listRuns(request, [...request.ctx.state.runs.values()].filter((run) => run.repo === repo));
  }),

  route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}', 'installation', (request) => ({
    status: 200,
    body: runShape(request.ctx, runFor(request)),
  })),

  route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}', 'installation', (request) => {
    const run = runFor(request);
    const attempt = run.attempts[intParam(request, 'attempt_number') - 1];
    if (!attempt) throw notFound();
    return { status: 200, body: runShape(request.ctx, run, attempt) };
  }),

  route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/cancel', 'installation', (request) => {
    repoFor(request, 'write');
    request.ctx.actions.cancel(runFor(request), actorOf(request));
    return { status: 202, body: {} };
  }),

  route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/force-cancel', 'installation', (request) => {
    repoFor(request, 'write');
    request.ctx.actions.cancel(runFor(request), actorOf(request));
    return { status: 202, body: {} };
  }),

  route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs', 'installation', (request) => {
    repoFor(request, 'write');
    request.ctx.actions.rerun(runFor(request), actorOf(request), true);
    return { status: 201, body: {} };
  }),

  route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun', 'installation', (request) => {
    repoFor(request, 'write');
    request.ctx.actions.rerun(runFor(request), actorOf(request), false);
    return { status: 201, body: {} };
  }),

  route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs', 'installation', (request) => {
    const run = runFor(request);
    const jobs = request.query.get('filter') === 'all' ? [...run.jobs] : request.ctx.actions.latestJobs(run);
    return countedPageOf(request, 'jobs', jobs, (job) => jobShape(request.ctx, job));
  }),

  route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs', 'installation', (request) => {
    const run = runFor(request);
    const number = intParam(request, 'attempt_number');
    if (!run.attempts[number - 1]) throw notFound();
    const jobs = run.jobs.filter((job) => job.runAttempt === number);
    return countedPageOf(request, 'jobs', jobs, (job) => jobShape(request.ctx, job));
  }),

  route('GET', '/repos/{owner}/{repo}/actions/jobs/{job_id}', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    const job = request.ctx.state.jobs.get(intParam(request, 'job_id'));
    if (!job || job.run.repo !== repo) throw notFound();
    return { status: 200, body: jobShape(request.ctx, job) };
  }),

  route('GET', '/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts', 'installation', (request) => {
    const run = runFor(request);
    const name = request.query.get('name');
    const artifacts = run.artifacts.filter((a) => !name || a.name === name).sort((a, b) => b.id - a.id);
    return countedPageOf(request, 'artifacts', artifacts, (a) => artifactShape(request.ctx, a));
  }),

  route('GET', '/repos/{owner}/{repo}/actions/artifacts', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    const name = request.query.get('name');
    const artifacts = [...request.ctx.state.artifacts.values()]
      .filter((a) => a.run.repo === repo && (!name || a.name === name))
      .sort((a, b) => b.id - a.id);
    return countedPageOf(request, 'artifacts', artifacts, (a) => artifactShape(request.ctx, a));
  }),

  route('GET', '/repos/{owner}/{repo}/actions/artifacts/{artifact_id}', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    const artifact = request.ctx.state.artifacts.get(intParam(request, 'artifact_id'));
    if (!artifact || artifact.run.repo !== repo) throw notFound();
    return { status: 200, body: artifactShape(request.ctx, artifact) };
  }),

  route('GET', '/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}', 'installation', (request) => {
    const repo = repoFor(request, 'read');
    const artifact = request.ctx.state.artifacts.get(intParam(request, 'artifact_id'));
    if (!artifact || artifact.run.repo !== repo || request.params.archive_format !== 'zip') throw notFound();
    if (isArtifactExpired(request.ctx, artifact)) throw new GitHubApiError(410, 'Artifact has expired');
    return { status: 302, headers: { location: request.ctx.actions.artifactDownloadUrl(artifact.id) } };
  }),

  route('POST', '/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule', 'installation', (request) => {
    repoFor(request, 'write');
    const run = runFor(request);
    const body = bodyOf<{ environment_name: string; state?: string; comment?: string }>(request);
    const pending = request.ctx.state.protectionRequests.find(
      (r) => r.run === run && r.environment === body.environment_name && r.app === appOf(request) && r.decision === undefined,
    );
    if (!pending) throw unprocessable(`No pending deployment protection rule for environment '${body.environment_name}'`);
    if (body.state) {
      pending.decision = { state: body.state, comment: body.comment ?? null, at: request.ctx.state.now() };
      request.ctx.actions.release(run, body.state === 'approved', actorOf(request));
    } else pending.comments.push(body.comment ?? '');
    return { status: 204 };
  }),
];

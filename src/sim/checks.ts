/**
 * Check runs and check suites: creation, updates (only by the app that created
 * the run), annotations, action buttons, and the `check_run` webhooks.
 */
import { emitRepoEvent, type SimContext } from './context.ts';
import { GitHubApiError, unprocessable } from './errors.ts';
import { nodeId } from './identity.ts';
import type { Account, CheckAnnotation, CheckRun, CheckRunAction, CheckSuite, Repository, SimApp } from './model.ts';
import { appShape, type Json } from './shapes.ts';
import { isoTime } from './time-format.ts';
import { pullRequestRefShape } from './pulls.ts';

/** The body of a create or update request, as GitHub accepts it. */
export interface CheckRunInput {
  name?: string;
  head_sha?: string;
  details_url?: string;
  external_id?: string;
  status?: string;
  started_at?: string;
  conclusion?: string;
  completed_at?: string;
  output?: {
    title?: string;
    summary?: string;
    text?: string;
    annotations?: Array<Omit<CheckAnnotation, 'id' | 'title' | 'raw_details' | 'start_column' | 'end_column'> & {
      title?: string;
      raw_details?: string;
      start_column?: number;
      end_column?: number;
    }>;
  };
  actions?: CheckRunAction[];
}

function suiteFor(ctx: SimContext, repo: Repository, app: SimApp, headSha: string, headBranch: string | null): CheckSuite {
  for (const suite of ctx.state.checkSuites.values()) {
    if (suite.repo === repo && suite.app === app && suite.headSha === headSha) return suite;
  }
  return createCheckSuite(ctx, repo, app, headSha, headBranch);
}

/** A new check suite (each workflow run has its own). */
export function createCheckSuite(ctx: SimContext, repo: Repository, app: SimApp, headSha: string, headBranch: string | null): CheckSuite {
  const id = ctx.state.ids.next('checkSuite');
  const suite: CheckSuite = { id, nodeId: nodeId('CheckSuite', id), repo, app, headSha, headBranch, createdAt: ctx.state.now() };
  ctx.state.checkSuites.set(id, suite);
  return suite;
}

function headBranchOf(repo: Repository, sha: string): string | null {
  for (const [name, head] of repo.branches) if (head === sha) return name;
  return null;
}

function applyInput(ctx: SimContext, run: CheckRun, input: CheckRunInput): void {
  const now = ctx.state.now();
  if (input.name !== undefined) run.name = input.name;
  if (input.details_url !== undefined) run.detailsUrl = input.details_url;
  if (input.external_id !== undefined) run.externalId = input.external_id;
  if (input.started_at !== undefined) run.startedAt = Date.parse(input.started_at);
  if (input.conclusion !== undefined) {
    run.conclusion = input.conclusion;
    run.status = 'completed';
  } else if (input.status !== undefined) {
    run.status = input.status;
  }
  if (input.status === 'completed' && run.conclusion === null) {
    throw unprocessable('Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.');
  }
  if (run.status === 'completed') {
    run.completedAt = input.completed_at !== undefined ? Date.parse(input.completed_at) : (run.completedAt ?? now);
  }
  if (input.output) {
    run.output = {
      title: input.output.title ?? run.output.title,
      summary: input.output.summary ?? run.output.summary,
      text: input.output.text ?? run.output.text,
    };
    for (const annotation of input.output.annotations ?? []) {
      run.annotations.push({
        id: ctx.state.ids.next('annotation'),
        path: annotation.path,
        start_line: annotation.start_line,
        end_line: annotation.end_line,
        start_column: annotation.start_column ?? null,
        end_column: annotation.end_column ?? null,
        annotation_level: annotation.annotation_level,
        title: annotation.title ?? null,
        message: annotation.message,
        raw_details: annotation.raw_details ?? null,
      });
    }
  }
  if (input.actions) run.actions = input.actions.map((a) => ({ ...a }));
  run.history.push(JSON.parse(JSON.stringify(input)) as Record<string, unknown>);
}

/** Creates a check run for `app` on `headSha` (which must exist in the repository). */
export function createCheckRun(
  ctx: SimContext,
  repo: Repository,
  app: SimApp,
  input: CheckRunInput & { name: string; head_sha: string },
  sender: Account,
  suite?: CheckSuite,
): CheckRun {
  const { state } = ctx;
  const commit = state.git.commit(input.head_sha);
  if (!commit || !state.isInRepoNetwork(repo, commit.sha)) throw unprocessable(`No commit found for SHA: ${input.head_sha}`);
  if ((input.output?.annotations?.length ?? 0) > 50) throw unprocessable('Only 50 annotations are allowed per request.');
  const id = state.ids.next('checkRun');
  const now = state.now();
  const run: CheckRun = {
    id,
    nodeId: nodeId('CheckRun', id),
    repo,
    app,
    suite: suite ?? suiteFor(ctx, repo, app, commit.sha, headBranchOf(repo, commit.sha)),
    headSha: commit.sha,
    name: input.name,
    status: 'queued',
    conclusion: null,
    startedAt: now,
    completedAt: null,
    detailsUrl: null,
    externalId: null,
    output: { title: null, summary: null, text: null },
    annotations: [],
    actions: [],
    history: [],
  };
  applyInput(ctx, run, input);
  state.checkRuns.set(id, run);
  emitCheckRun(ctx, run, 'created', sender);
  return run;
}

/** Updates a check run; only the app that created it may. */
export function updateCheckRun(ctx: SimContext, run: CheckRun, app: SimApp, input: CheckRunInput, sender: Account): CheckRun {
  if (run.app !== app) {
    throw new GitHubApiError(403, `Invalid app_id \`${app.id}\` - check run can only be modified by the GitHub App that created it.`);
  }
  if ((input.output?.annotations?.length ?? 0) > 50) throw unprocessable('Only 50 annotations are allowed per request.');
  const wasCompleted = run.status === 'completed';
  applyInput(ctx, run, input);
  if (!wasCompleted && run.status === 'completed') emitCheckRun(ctx, run, 'completed', sender);
  return run;
}

/** `check-run`. */
export function checkRunShape(ctx: SimContext, run: CheckRun): Json {
  const { urls } = ctx.state;
  const api = `${urls.api}/repos/${run.repo.fullName}`;
  const pulls = [...ctx.state.issuesOf(run.repo).values()]
    .filter((issue) => issue.pull && issue.state === 'open' && issue.pull.head.sha === run.headSha)
    .map((issue) => pullRequestRefShape(ctx.state, issue));
  return {
    id: run.id,
    name: run.name,
    node_id: run.nodeId,
    head_sha: run.headSha,
    external_id: run.externalId ?? '',
    url: `${api}/check-runs/${run.id}`,
    html_url: `${urls.web}/${run.repo.fullName}/runs/${run.id}`,
    details_url: run.detailsUrl ?? `${urls.web}/${run.repo.fullName}/runs/${run.id}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt === null ? null : isoTime(run.startedAt),
    completed_at: run.completedAt === null ? null : isoTime(run.completedAt),
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${api}/check-runs/${run.id}/annotations`,
    },
    check_suite: { id: run.suite.id },
    app: appShape(urls, run.app),
    pull_requests: pulls,
  };
}

/** The richer check suite object webhooks carry inside `check_run`. */
function webhookCheckRunShape(ctx: SimContext, run: CheckRun): Json {
  const { urls } = ctx.state;
  const base = checkRunShape(ctx, run);
  const suite = run.suite;
  return {
    ...base,
    check_suite: {
      id: suite.id,
      node_id: suite.nodeId,
      head_branch: suite.headBranch,
      head_sha: suite.headSha,
      status: run.status,
      conclusion: run.conclusion,
      url: `${urls.api}/repos/${run.repo.fullName}/check-suites/${suite.id}`,
      before: null,
      after: suite.headSha,
      pull_requests: base.pull_requests,
      app: appShape(urls, run.app),
      created_at: isoTime(suite.createdAt),
      updated_at: isoTime(ctx.state.now()),
    },
  };
}

/**
 * Sends `check_run.<action>`: created/completed to every installed app (as
 * GitHub does for apps subscribed to check runs), rerequested and
 * requested_action only to the app that owns the run.
 */
export function emitCheckRun(
  ctx: SimContext,
  run: CheckRun,
  action: 'created' | 'completed' | 'rerequested' | 'requested_action',
  sender: Account,
  requestedAction?: string,
): void {
  const onlyOwner = action === 'rerequested' || action === 'requested_action';
  emitRepoEvent(
    ctx,
    run.repo,
    'check_run',
    {
      action,
      check_run: webhookCheckRunShape(ctx, run),
      ...(requestedAction !== undefined ? { requested_action: { identifier: requestedAction } } : {}),
    },
    { sender, ...(onlyOwner ? { onlyApp: run.app } : {}) },
  );
}


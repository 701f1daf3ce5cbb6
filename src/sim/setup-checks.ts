/** Setup (not HTTP): what users do to check runs, and Actions asking an app about a protected environment. */
import { emitCheckRun } from './checks.ts';
import { emitRepoEvent, type SimContext } from './context.ts';
import { createDeployment, deploymentShape } from './deployments.ts';
import type { CheckRun, ProtectionRuleRequest, SimApp, WorkflowRun } from './model.ts';
import { defaultActor } from './setup-git.ts';
import { findWorkflow } from './workflows.ts';
import { pullRequestRefShape } from './pulls.ts';

function checkRunOrThrow(ctx: SimContext, checkRunId: number): CheckRun {
  const run = ctx.state.checkRuns.get(checkRunId);
  if (!run) throw new Error(`no check run ${checkRunId}`);
  return run;
}

/** A user clicks one of a check run's action buttons: `check_run.requested_action` to the owning app. */
export function clickCheckRunButton(ctx: SimContext, options: { checkRunId: number; identifier: string; user: string }): void {
  const run = checkRunOrThrow(ctx, options.checkRunId);
  if (!run.actions.some((action) => action.identifier === options.identifier)) {
    throw new Error(`check run ${run.id} has no button '${options.identifier}' (has: ${run.actions.map((a) => a.identifier).join(', ') || 'none'})`);
  }
  emitCheckRun(ctx, run, 'requested_action', ctx.state.ensureAccount(options.user), options.identifier);
}

/** A user clicks "Re-run" on a check run: `check_run.rerequested` to the owning app. */
export function rerequestCheckRun(ctx: SimContext, options: { checkRunId: number; user: string }): void {
  emitCheckRun(ctx, checkRunOrThrow(ctx, options.checkRunId), 'rerequested', ctx.state.ensureAccount(options.user));
}

export interface ProtectionRuleOptions {
  repo: string;
  environment: string;
  /** The workflow whose job targets the environment (file name or path). */
  workflow: string;
  /** Branch the run is for (default: the default branch). */
  ref?: string;
  /** Who pushed (default: the repository's first member). */
  actor?: string;
  /** Only ask this app (default: every installed app subscribed to the event). */
  app?: SimApp;
  /** A run already going (e.g. one an app dispatched) whose job reaches the environment, instead of a new run. */
  runId?: number;
}

/**
 * GitHub Actions reaches a job with `environment:` protected by the app's custom
 * rule: a waiting run and a deployment are created and `deployment_protection_rule.requested`
 * is sent. The app answers through the callback route; approval lets the run go on,
 * rejection fails it.
 */
export function requestDeploymentProtection(ctx: SimContext, options: ProtectionRuleOptions): { run: WorkflowRun; requests: ProtectionRuleRequest[] } {
  const { state } = ctx;
  const repo = state.findRepo(options.repo);
  if (!repo) throw new Error(`no repository ${options.repo}`);
  const workflow = findWorkflow(repo, options.workflow);
  if (!workflow) throw new Error(`no workflow ${options.workflow} in ${repo.fullName}`);
  const existing = options.runId !== undefined ? state.runs.get(options.runId) : undefined;
  if (options.runId !== undefined && !existing) throw new Error(`no workflow run ${options.runId}`);
  const ref = existing?.headBranch ?? options.ref ?? repo.defaultBranch;
  const sha = existing?.headSha ?? repo.branches.get(ref);
  if (!sha) throw new Error(`no branch ${ref}`);
  const actor = state.ensureAccount(options.actor ?? defaultActor(ctx, repo));
  const run = existing ?? ctx.actions.start({
    repo,
    workflow,
    event: 'push',
    headBranch: ref,
    headSha: sha,
    displayTitle: state.git.commit(sha)?.message ?? workflow.path,
    inputs: {},
    actor,
    plan: ctx.scripts.resolve({ repo: repo.fullName, workflowPath: workflow.path, ref, inputs: {} }),
    waiting: true,
  });
  const deployment = createDeployment(ctx, repo, { ref, environment: options.environment, required_contexts: [], auto_merge: false }, ctx.actionsApp.bot, ctx.actionsApp);
  const requests: ProtectionRuleRequest[] = [];
  for (const installation of state.installationsFor(repo)) {
    const app = installation.app;
    if (options.app && app !== options.app) continue;
    if (!app.events.includes('deployment_protection_rule')) continue;
    const request: ProtectionRuleRequest = { run, deployment, environment: options.environment, app, requestedAt: state.now(), comments: [], decision: undefined };
    state.protectionRequests.push(request);
    requests.push(request);
    emitRepoEvent(
      ctx,
      repo,
      'deployment_protection_rule',
      {
        action: 'requested',
        environment: options.environment,
        event: 'push',
        sha,
        ref: `refs/heads/${ref}`,
        deployment_callback_url: `${state.urls.api}/repos/${repo.fullName}/actions/runs/${run.id}/deployment_protection_rule`,
        deployment: deploymentShape(ctx, deployment),
        // As GitHub fills it: the open pull requests whose head is the run's commit, in this repository.
        pull_requests: [...state.issuesOf(repo).values()]
          .filter((issue) => issue.pull && issue.state === 'open' && issue.pull.head.sha === sha && issue.pull.head.repo === repo)
          .map((issue) => pullRequestRefShape(state, issue)),
      },
      { sender: actor, onlyApp: app },
    );
  }
  return { run, requests };
}

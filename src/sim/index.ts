/**
 * The GitHub simulator (SPEC §9): a stateful fake of GitHub's REST API on
 * loopback, checked against GitHub's OpenAPI description, sending signed
 * webhooks, with scripted workflow runs, faults on demand and a request log.
 *
 * ```ts
 * const sim = await startGitHubSimulator({ clock: new ManualClock() });
 * sim.repo({ owner: 'acme', name: 'api', files: { '.github/workflows/build.yml': '...' } });
 * sim.setWebhookUrl('http://127.0.0.1:3000/api/github/webhooks');
 * // the app runs with GHE_HOST=sim.host GHE_PROTOCOL=http APP_ID=sim.app.id PRIVATE_KEY=sim.app.privateKey
 * await sim.close();
 * ```
 */
import { systemClock, type Clock } from '../clock.ts';
import { ActionsEngine } from './actions-runs.ts';
import type { SimContext, SimOptions, Violation } from './context.ts';
import { Faults } from './faults.ts';
import type { CheckRun, CommitComment, Deployment, IssueComment, Permission, ProtectionRuleRequest, Reaction, ReactionContent, SimApp, TeamMembership, WorkflowRun } from './model.ts';
import { loadGraphqlEndpoint, type GraphqlModuleLoader } from './graphql/load-endpoint.ts';
import { loadOpenApiDescription, type OpenApiLoader } from './openapi.ts';
import { countRequests, dispatchesIn, requestsTo, type DispatchCall, type RequestCountFilter, type RequestLogEntry } from './request-log.ts';
import { allRoutes } from './routes/index.ts';
import { ScriptRegistry } from './scripts.ts';
import { createRequestHandler, listen } from './server.ts';
import { addTeamMember, createApp, createOrg, install, removeTeamMember, setPermission, type AppOptions, type OrgOptions } from './setup-accounts.ts';
import { clickCheckRunButton, requestDeploymentProtection, rerequestCheckRun, type ProtectionRuleOptions } from './setup-checks.ts';
import { createRepo, push, type PushOptions, type PushResult, type RepoOptions } from './setup-git.ts';
import {
  closePullRequest,
  comment,
  commentOnCommit,
  openIssue,
  openPullRequest,
  react,
  unreact,
  updateComment,
  type OpenedPullRequest,
  type PullRequestOptions,
} from './setup-pulls.ts';
import { SimState } from './state.ts';
import { WebhookDispatcher } from './webhooks.ts';

export type { AttemptScript, ArtifactScript, JobScript, RunConclusion, WorkflowScript } from './scripts.ts';
export type { FaultSettings } from './faults.ts';
export type { DeliveryAttempt, WebhookDelivery } from './webhooks.ts';
export type { DispatchCall, RequestCountFilter, RequestLogEntry } from './request-log.ts';
export type { SimOptions, Violation, ViolationKind } from './context.ts';
export type { PushOptions, PushResult, RepoOptions } from './setup-git.ts';
export type { OpenedPullRequest, PullRequestOptions } from './setup-pulls.ts';
export type { ProtectionRuleOptions } from './setup-checks.ts';
export type { AppOptions, OrgOptions } from './setup-accounts.ts';
export type { CheckRun, CommitComment, Deployment, IssueComment, Permission, ProtectionRuleRequest, Reaction, ReactionContent, WorkflowRun } from './model.ts';
export { ScriptRegistry } from './scripts.ts';
export { Faults } from './faults.ts';
export { WebhookDispatcher } from './webhooks.ts';

export interface SimulatorOptions {
  /** Drives run progression, timestamps and JWT checks (default: `systemClock()`). */
  clock?: Clock;
  /** Check requests against GitHub's OpenAPI description (default true). */
  validate?: boolean;
  /** Check the sim's responses too (default false; the sim's own tests turn it on). */
  validateResponses?: boolean;
  /** Check emitted webhook payloads against GitHub's webhook schemas (default false). */
  validateWebhooks?: boolean;
  appId?: number;
  appSlug?: string;
  webhookSecret?: string;
  /** Where the app receives webhooks (can be set later with `setWebhookUrl`). */
  webhookUrl?: string;
  /** Speed factor for scripted run durations (default 1). */
  speed?: number;
  /** Reads GitHub's REST description (default: `@octokit/openapi`, when installed). */
  loadOpenApi?: OpenApiLoader;
  /** Imports the GraphQL endpoint (default: the sim's own, when `graphql` is installed). */
  loadGraphql?: GraphqlModuleLoader;
  /** Where the sim says what it cannot do in this install (default: `console.warn`), once per process. */
  log?: (message: string) => void;
}

/** What tests and the demo need to know about an app to run it against the sim. */
export interface SimAppInfo {
  id: number;
  slug: string;
  name: string;
  clientId: string;
  /** PKCS#1 PEM, as `PRIVATE_KEY`. */
  privateKey: string;
  webhookSecret: string;
}

export interface RepositoryInfo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
}

export interface GitHubSimulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** http://127.0.0.1:PORT/api/v3 — Octokit's `baseUrl`. */
  readonly baseUrl: string;
  /** 127.0.0.1:PORT — `GHE_HOST` (with `GHE_PROTOCOL=http`). */
  readonly host: string;
  /** The main app (installed on every organisation the sim creates). */
  readonly app: SimAppInfo;
  readonly clock: Clock;
  /** Switches that can change mid-test (e.g. `dispatchReturns204`). */
  readonly options: SimOptions;
  readonly scripts: ScriptRegistry;
  readonly faults: Faults;
  readonly webhooks: WebhookDispatcher;
  /** Every request, in arrival order. */
  readonly requests: RequestLogEntry[];
  readonly violations: Violation[];

  /** Throws one error listing every violation recorded so far. */
  assertNoViolations(): void;
  requestsTo(method: string, template: string): RequestLogEntry[];
  dispatches(): DispatchCall[];
  countRequests(filter?: RequestCountFilter): number;

  /** Runs `hook` after each request is handled, before its answer goes out. */
  onResponse(hook: (entry: RequestLogEntry) => void | Promise<void>): void;
  /** Sets where an app's webhooks go (default: the main app). */
  setWebhookUrl(url: string | undefined, appId?: number): void;
  /**
   * Sends a webhook of the test's own making, signed like any other (a forged
   * or foreign event that GitHub could deliver: another repository's run, another app's check run).
   */
  sendWebhook(event: string, payload: Record<string, unknown>, options?: { appId?: number; installationId?: number }): void;
  /** Registers another app (own key pair), e.g. to show that only the creating app may update a check run. */
  createApp(options?: AppOptions): SimAppInfo;
  /** Installs an app (default: main) on an organisation or user; returns the installation id. */
  install(account: string, appId?: number): number;
  /** The installation id of an app (default: main) on an account. */
  installation(account: string, appId?: number): number;

  org(name: string, options?: OrgOptions): { login: string; id: number };
  repo(options: RepoOptions): RepositoryInfo;
  push(options: PushOptions): PushResult;
  createBranch(options: { repo: string; branch: string; from?: string; author?: string }): PushResult;
  openPullRequest(options: PullRequestOptions): OpenedPullRequest;
  closePullRequest(options: { repo: string; number: number; merge?: boolean; author?: string }): void;
  openIssue(options: { repo: string; title: string; body?: string; author?: string }): { number: number };
  comment(options: { repo: string; issue: number; body: string; author?: string }): IssueComment;
  updateComment(options: { repo: string; commentId: number; body: string; author?: string }): IssueComment;
  /** Comments on a commit (a sha, or a ref resolved now) as a user; sends `commit_comment.created`. */
  commentOnCommit(options: { repo: string; sha: string; body: string; author?: string; path?: string }): CommitComment;
  /** Reacts to an issue comment or a commit comment as a user (no webhook, as on GitHub). */
  react(options: { repo: string; commentId: number; content: ReactionContent; user: string }): Reaction;
  /** Takes a user's reaction back from an issue or commit comment (no webhook); the removed reaction, if there was one. */
  unreact(options: { repo: string; commentId: number; content: ReactionContent; user: string }): Reaction | undefined;
  setPermission(repo: string, user: string, permission: Permission): void;
  addTeamMember(org: string, team: string, user: string, membership?: Partial<TeamMembership>): void;
  removeTeamMember(org: string, team: string, user: string): void;
  clickCheckRunButton(options: { checkRunId: number; identifier: string; user: string }): void;
  rerequestCheckRun(options: { checkRunId: number; user: string }): void;
  requestDeploymentProtection(options: ProtectionRuleOptions): { run: WorkflowRun; requests: ProtectionRuleRequest[] };

  /** Content of a file at a ref (default branch by default); undefined when missing. */
  readFile(repo: string, path: string, ref?: string): string | undefined;
  /** The sha a branch or tag points at. */
  refSha(repo: string, ref: string): string | undefined;
  workflowRuns(repo?: string): WorkflowRun[];
  workflowRun(id: number): WorkflowRun | undefined;
  checkRuns(repo?: string): CheckRun[];
  comments(repo: string, issue: number): IssueComment[];
  /** The comments on a commit (a sha, or a ref resolved now), oldest first, as live records (`body` is the current one). */
  commitComments(repo: string, sha: string): CommitComment[];
  deployments(repo?: string): Deployment[];

  /** Stops the server, timers and webhook sending. */
  close(): Promise<void>;
}

/** Starts a simulator on 127.0.0.1 with an OS-chosen port. */
export async function startGitHubSimulator(options: SimulatorOptions = {}): Promise<GitHubSimulator> {
  const clock = options.clock ?? systemClock();
  const simOptions: SimOptions = {
    validate: options.validate ?? true,
    validateResponses: options.validateResponses ?? false,
    validateWebhooks: options.validateWebhooks ?? false,
    dispatchReturns204: false,
    enforceTokenExpiry: false,
    speed: options.speed ?? 1,
    cancelDelayMs: 2_000,
    pushCommitLimit: 20,
    graphqlMissingFields: [],
  };
  const log = options.log ?? ((message: string) => console.warn(message));
  const openapi =
    simOptions.validate || simOptions.validateResponses || simOptions.validateWebhooks
      ? await loadOpenApiDescription({ log, ...(options.loadOpenApi ? { load: options.loadOpenApi } : {}) })
      : undefined;
  const graphql = await loadGraphqlEndpoint({ validate: simOptions.validate, log, ...(options.loadGraphql ? { load: options.loadGraphql } : {}) });
  const requests: RequestLogEntry[] = [];
  let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>) | undefined;
  const server = await listen((req, res) => {
    void handler?.(req, res);
  });
  const web = `http://127.0.0.1:${server.port}`;
  const state = new SimState(clock, { api: `${web}/api/v3`, web });
  const faults = new Faults();
  const webhooks = new WebhookDispatcher({ faults, now: () => clock.now(), apps: (id) => state.apps.get(id) });
  const ctx = {
    state,
    options: simOptions,
    faults,
    webhooks,
    violations: [] as Violation[],
    openapi,
    graphql,
    scripts: new ScriptRegistry(),
    responseHooks: [],
  } as Omit<SimContext, 'actions' | 'actionsApp' | 'mainApp'> as SimContext;
  ctx.actions = new ActionsEngine(ctx);
  ctx.actionsApp = createApp(ctx, { id: 15368, slug: 'github-actions', name: 'GitHub Actions', keyless: true, events: [] });
  const main = createApp(ctx, {
    id: options.appId ?? 4242,
    slug: options.appSlug ?? 'shipgate',
    ...(options.webhookSecret !== undefined ? { webhookSecret: options.webhookSecret } : {}),
  });
  main.webhookUrl = options.webhookUrl;
  ctx.mainApp = main;
  handler = createRequestHandler(ctx, allRoutes, requests);

  const info = (app: SimApp): SimAppInfo => ({
    id: app.id,
    slug: app.slug,
    name: app.name,
    clientId: app.clientId,
    privateKey: app.privateKey,
    webhookSecret: app.webhookSecret,
  });
  const appById = (appId: number | undefined): SimApp => {
    const app = state.apps.get(appId ?? main.id);
    if (!app) throw new Error(`no app ${appId ?? main.id}`);
    return app;
  };
  const accountOrThrow = (login: string) => {
    const account = state.account(login);
    if (!account) throw new Error(`no account ${login}`);
    return account;
  };
  const repoFilter = (repo: string | undefined) => (record: { repo: { fullName: string } }) =>
    repo === undefined || record.repo.fullName.toLowerCase() === repo.toLowerCase();

  return {
    url: web,
    baseUrl: state.urls.api,
    host: `127.0.0.1:${server.port}`,
    app: info(main),
    clock,
    options: simOptions,
    scripts: ctx.scripts,
    faults,
    webhooks,
    requests,
    violations: ctx.violations,

    assertNoViolations() {
      if (!ctx.violations.length) return;
      const lines = ctx.violations.map(
        (v) =>
          `- [${v.kind}] ${v.method} ${v.path}${v.route ? ` (${v.route})` : ''} → ${v.status}: ${v.message}${v.errors ? `\n    ${JSON.stringify(v.errors)}` : ''}`,
      );
      throw new Error(`GitHub simulator recorded ${ctx.violations.length} violation(s):\n${lines.join('\n')}`);
    },
    requestsTo: (method, template) => requestsTo(requests, method, template),
    dispatches: () => dispatchesIn(requests),
    countRequests: (filter) => countRequests(requests, filter),

    onResponse(hook) {
      ctx.responseHooks.push(hook);
    },
    setWebhookUrl(url, appId) {
      appById(appId).webhookUrl = url;
    },
    sendWebhook(event, payload, sendOptions = {}) {
      webhooks.enqueue(appById(sendOptions.appId), event, payload, sendOptions.installationId);
    },
    createApp(appOptions) {
      return info(createApp(ctx, appOptions));
    },
    install(account, appId) {
      return install(ctx, appById(appId), accountOrThrow(account)).id;
    },
    installation(account, appId) {
      const installation = state.installationOf(appById(appId), accountOrThrow(account));
      if (!installation) throw new Error(`app ${appId ?? main.id} is not installed on ${account}`);
      return installation.id;
    },

    org(name, orgOptions = {}) {
      const org = createOrg(ctx, name, orgOptions, [main]);
      return { login: org.account.login, id: org.account.id };
    },
    repo(repoOptions) {
      const repo = createRepo(ctx, repoOptions);
      return { id: repo.id, owner: repo.owner.login, name: repo.name, fullName: repo.fullName, defaultBranch: repo.defaultBranch, private: repo.private };
    },
    push: (pushOptions) => push(ctx, pushOptions),
    createBranch: ({ repo, branch, from, author }) =>
      push(ctx, { repo, branch, commits: [], ...(from !== undefined ? { from } : {}), ...(author !== undefined ? { author } : {}) }),
    openPullRequest: (pullOptions) => openPullRequest(ctx, pullOptions),
    closePullRequest: (closeOptions) => closePullRequest(ctx, closeOptions),
    openIssue: (issueOptions) => ({ number: openIssue(ctx, issueOptions).number }),
    comment: (commentOptions) => comment(ctx, commentOptions),
    updateComment: (commentOptions) => updateComment(ctx, commentOptions),
    commentOnCommit: (commentOptions) => commentOnCommit(ctx, commentOptions),
    react: (reactOptions) => react(ctx, reactOptions),
    unreact: (reactOptions) => unreact(ctx, reactOptions),
    setPermission: (repo, user, permission) => setPermission(ctx, repo, user, permission),
    addTeamMember: (org, team, user, membership) => addTeamMember(ctx, org, team, user, membership),
    removeTeamMember: (org, team, user) => removeTeamMember(ctx, org, team, user),
    clickCheckRunButton: (clickOptions) => clickCheckRunButton(ctx, clickOptions),
    rerequestCheckRun: (rerequestOptions) => rerequestCheckRun(ctx, rerequestOptions),
    requestDeploymentProtection: (protectionOptions) => requestDeploymentProtection(ctx, protectionOptions),

    readFile(repoName, path, ref) {
      const repo = state.findRepo(repoName);
      const sha = repo ? state.resolveRef(repo, ref ?? repo.defaultBranch) : undefined;
      const blob = sha ? state.git.commit(sha)?.files.get(path) : undefined;
      return blob ? state.git.blob(blob)?.toString('utf8') : undefined;
    },
    refSha(repoName, ref) {
      const repo = state.findRepo(repoName);
      return repo ? state.resolveRef(repo, ref) : undefined;
    },
    workflowRuns: (repo) => [...state.runs.values()].filter(repoFilter(repo)),
    workflowRun: (id) => state.runs.get(id),
    checkRuns: (repo) => [...state.checkRuns.values()].filter(repoFilter(repo)),
    comments(repoName, issueNumber) {
      const repo = state.findRepo(repoName);
      return repo ? [...(state.issuesOf(repo).get(issueNumber)?.comments ?? [])] : [];
    },
    commitComments(repoName, ref) {
      const repo = state.findRepo(repoName);
      const sha = repo ? state.resolveRef(repo, ref) : undefined;
      return repo && sha ? state.commitCommentsOf(repo, sha) : [];
    },
    deployments: (repo) => [...state.deployments.values()].filter(repoFilter(repo)),

    async close() {
      ctx.actions.close();
      webhooks.close();
      await server.close();
    },
  };
}

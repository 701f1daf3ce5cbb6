/**
 * What every part of the simulator shares: the state, the options, the webhook
 * dispatcher, faults, the violation list, and the helper that turns a state
 * change into webhooks for every installed app.
 */
import type { RequestLogEntry } from './request-log.ts';
import type { ActionsEngine } from './actions-runs.ts';
import type { Faults } from './faults.ts';
import type { GraphqlEndpoint } from './graphql/endpoint.ts';
import type { Account, Installation, Repository, SimApp } from './model.ts';
import type { OpenApiDescription } from './openapi.ts';
import type { ScriptRegistry } from './scripts.ts';
import { installationLite, installationShape, orgShape, repoShape, userShape, type Json } from './shapes.ts';
import type { SimState } from './state.ts';
import type { WebhookDelivery, WebhookDispatcher } from './webhooks.ts';

export interface SimOptions {
  /** Check requests against GitHub's OpenAPI description (default true). */
  validate: boolean;
  /** Also check the sim's responses (its own tests turn this on). */
  validateResponses: boolean;
  /** Also check emitted webhook payloads against GitHub's webhook schemas. */
  validateWebhooks: boolean;
  /** Answer every dispatch with 204, like GitHub Enterprise Server. */
  dispatchReturns204: boolean;
  /** Refuse installation tokens older than an hour of sim time (off: Octokit caches tokens by wall time). */
  enforceTokenExpiry: boolean;
  /** Sim-time speed factor for scripted durations (2 = runs finish twice as fast). */
  speed: number;
  /** Delay between a cancel request and the run showing `cancelled`. */
  cancelDelayMs: number;
  /** Most commits a push payload lists (the rest only through compare). */
  pushCommitLimit: number;
  /**
   * GraphQL fields (`'Blob.isTruncated'`) to answer as a GitHub Enterprise Server
   * that lacks them does: `Field 'isTruncated' doesn't exist on type 'Blob'`.
   */
  graphqlMissingFields: string[];
}

export type ViolationKind =
  | 'unknown-route'
  | 'method-not-allowed'
  | 'invalid-request'
  | 'unimplemented'
  | 'invalid-response'
  | 'invalid-webhook'
  | 'sim-error';

/** Something GitHub would not accept (or the sim could not honour), recorded for `assertNoViolations()`. */
export interface Violation {
  kind: ViolationKind;
  method: string;
  path: string;
  route: string | undefined;
  status: number;
  message: string;
  errors: unknown;
  at: number;
}

export interface SimContext {
  state: SimState;
  options: SimOptions;
  faults: Faults;
  webhooks: WebhookDispatcher;
  violations: Violation[];
  openapi: OpenApiDescription | undefined;
  /** `POST /graphql`; undefined when the graphql package is not installed. */
  graphql: GraphqlEndpoint | undefined;
  scripts: ScriptRegistry;
  actions: ActionsEngine;
  /** GitHub Actions itself: owns the check runs of workflow jobs. */
  actionsApp: SimApp;
  /** The app under test, installed on every organisation the sim creates. */
  mainApp: SimApp;
  /**
   * Called after a request was handled and logged, before its answer is sent:
   * a test can act in that gap (e.g. kill the app right after GitHub created a run).
   */
  responseHooks: Array<(entry: RequestLogEntry) => void | Promise<void>>;
}

export interface EmitOptions {
  sender: Account;
  /** Only this app gets the event (e.g. `check_run.requested_action`). */
  onlyApp?: SimApp;
  /** Push payloads carry a repository with epoch-second timestamps. */
  pushRepository?: boolean;
}

function checkWebhook(ctx: SimContext, event: string, payload: Json): void {
  if (!ctx.options.validateWebhooks || !ctx.openapi) return;
  const action = typeof payload.action === 'string' ? payload.action : undefined;
  const problem = ctx.openapi.validateWebhook(event, action, payload);
  if (!problem) return;
  ctx.violations.push({
    kind: 'invalid-webhook',
    method: 'POST',
    path: `(webhook ${event}${action ? `.${action}` : ''})`,
    route: undefined,
    status: 0,
    message: problem,
    errors: undefined,
    at: ctx.state.now(),
  });
}

/** Sends `installation.<action>` to the installed app (with the repositories it can see). */
export function emitInstallationEvent(ctx: SimContext, installation: Installation, action: 'created' | 'deleted', sender: Account): WebhookDelivery {
  const { state } = ctx;
  const repositories = [...state.repos.values()]
    .filter((repo) => repo.owner === installation.account)
    .map((repo) => ({ id: repo.id, node_id: repo.nodeId, name: repo.name, full_name: repo.fullName, private: repo.private }));
  const payload: Json = {
    action,
    installation: installationShape(state.urls, installation),
    repositories,
    requester: null,
    sender: userShape(state.urls, sender),
  };
  checkWebhook(ctx, 'installation', payload);
  return ctx.webhooks.enqueue(installation.app, 'installation', payload, installation.id);
}

/**
 * Sends `event` to every app installed on the repository's owner, adding
 * `repository`, `organization`, `sender` and `installation` like GitHub does.
 */
export function emitRepoEvent(
  ctx: SimContext,
  repo: Repository,
  event: string,
  body: Json,
  options: EmitOptions,
): WebhookDelivery[] {
  const { state } = ctx;
  const deliveries: WebhookDelivery[] = [];
  for (const installation of state.installationsFor(repo)) {
    const app = installation.app;
    if (options.onlyApp && app !== options.onlyApp) continue;
    if (!app.events.includes(event)) continue;
    const org = state.org(repo.owner.login);
    const payload: Json = {
      ...body,
      repository: repoShape(state.urls, repo, { push: options.pushRepository ?? false }),
      ...(org ? { organization: orgShape(state.urls, org) } : {}),
      sender: userShape(state.urls, options.sender),
      installation: installationLite(installation),
    };
    checkWebhook(ctx, event, payload);
    deliveries.push(ctx.webhooks.enqueue(app, event, payload, installation.id));
  }
  return deliveries;
}

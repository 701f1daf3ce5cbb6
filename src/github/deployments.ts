/**
 * GitHub deployments and deployment statuses (SPEC §6): the only Octokit
 * caller for them. shipgate decides whether a deployment may happen; GitHub
 * only records it, so a deployment is always created for the exact sha with
 * `auto_merge: false` and `required_contexts: []` (GitHub must neither merge
 * into the ref nor re-check the commit's statuses). A refusal GitHub gives for
 * this one request (409, 422) comes back as data; anything else is thrown as
 * Octokit's own error, so the effect runner can see its status and retry a 5xx.
 */
import { githubMessage, statusOf, type GitHubClient, type RepoRef } from './client.ts';
import { PRIORITY } from './request-policy.ts';

/** GitHub's limit on a deployment's and a deployment status's `description`. */
export const DESCRIPTION_MAX_CHARS = 140;

/** The payload key that carries shipgate's deployment request id (what {@link findGitHubDeployment} looks for). */
export const REQUEST_ID_KEY = 'shipgate_request_id';

/** What shipgate stores in a GitHub deployment's `payload`. */
export interface ShipgatePayloadInput {
  /** shipgate's deployment request id. */
  readonly requestId: number | string;
  /** The login that asked for the deployment. */
  readonly actor: string;
  /** The pipeline run that deploys, if any. */
  readonly pipelineRunId?: number | null;
  /** shipgate's id of the deployment request this one rolls back, if it is a rollback. */
  readonly rollbackOf?: number | null;
}

/** The payload of a shipgate deployment: `shipgate_request_id`, `actor`, `pipeline_run_id`, `rollback_of` (null when absent). */
export function shipgatePayload(input: ShipgatePayloadInput): Record<string, unknown> {
  return {
    [REQUEST_ID_KEY]: input.requestId,
    actor: input.actor,
    pipeline_run_id: input.pipelineRunId ?? null,
    rollback_of: input.rollbackOf ?? null,
  };
}

/** What {@link createGitHubDeployment} sends. */
export interface GitHubDeploymentInput {
  /** The exact commit (it becomes the deployment's `ref`). */
  readonly sha: string;
  readonly environment: string;
  /** GitHub's `production_environment`. */
  readonly production: boolean;
  /** Cut to 140 characters. */
  readonly description: string;
  /** Use {@link shipgatePayload}: {@link findGitHubDeployment} looks for its request id. */
  readonly payload: Record<string, unknown>;
}

/** A created deployment, or GitHub's refusal (409, 422, or a 202 that created none). */
export type GitHubDeploymentResult =
  | { readonly ok: true; readonly id: number; readonly url: string }
  | { readonly ok: false; readonly status: number; readonly message: string };

/** The states shipgate posts (`pending` is GitHub's legacy one, which shipgate does not use). */
export type DeploymentStatusState = 'queued' | 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/** What {@link createDeploymentStatus} sends. */
export interface DeploymentStatusInput {
  readonly state: DeploymentStatusState;
  /** The deploying workflow run (GitHub copies it into `target_url`). */
  readonly logUrl?: string;
  /** Where the deployed environment can be reached. */
  readonly environmentUrl?: string;
  /** Cut to 140 characters. */
  readonly description?: string;
  /** Mark the environment's earlier successful deployments inactive; default: only for `success`. */
  readonly autoInactive?: boolean;
}

const PER_PAGE = 100;
const MAX_LIST_PAGES = 10;

/**
 * `text` cut to at most `max` UTF-16 units, ending in `…` when cut, never
 * splitting a surrogate pair.
 */
export function cutDescription(text: string, max = DESCRIPTION_MAX_CHARS): string {
  if (text.length <= max) return text;
  let cut = '';
  for (const char of text) {
    if (cut.length + char.length > max - 1) break;
    cut += char;
  }
  return `${cut}…`;
}

/**
 * Creates the GitHub deployment of `input.sha` to `input.environment`
 * (`POST /repos/{o}/{r}/deployments`, `transient_environment: false`). A 409
 * (conflict) or 422 (e.g. a sha GitHub does not know) is `{ ok: false }` with
 * GitHub's message; so is a 202 without a deployment (GitHub auto-merged
 * instead, which `auto_merge: false` should rule out). Other errors are thrown.
 */
export async function createGitHubDeployment(octokit: GitHubClient, { owner, repo }: RepoRef, input: GitHubDeploymentInput): Promise<GitHubDeploymentResult> {
  let response: { status: number; data: unknown };
  try {
    response = await octokit.request('POST /repos/{owner}/{repo}/deployments', {
      owner,
      repo,
      ref: input.sha,
      auto_merge: false,
      required_contexts: [],
      environment: input.environment,
      production_environment: input.production,
      transient_environment: false,
      payload: input.payload,
      description: cutDescription(input.description),
      // Not repeated blindly after a 5xx: GitHub may have created it; the caller looks it up by request id first.
      request: { shipgate: { notIdempotent: true, priority: PRIORITY.critical } },
    });
  } catch (err) {
    const status = statusOf(err);
    if (status === 409 || status === 422) return { ok: false, status, message: githubMessage(err) };
    throw err;
  }
  const data = response.data as { id?: unknown; url?: unknown; message?: unknown } | null;
  if (typeof data?.id !== 'number') {
    const said = typeof data?.message === 'string' && data.message ? `: ${data.message}` : '';
    return { ok: false, status: response.status, message: `GitHub answered ${response.status} without creating a deployment${said}` };
  }
  return { ok: true, id: data.id, url: typeof data.url === 'string' ? data.url : '' };
}

/** Which deployment {@link findGitHubDeployment} looks for. */
export interface DeploymentLookup {
  readonly sha: string;
  readonly environment: string;
  readonly requestId: number | string;
}

/**
 * The id of an existing deployment of `sha` to `environment` whose payload
 * carries shipgate's request id (the newest when there are several), or null:
 * lets a create whose answer was lost be retried without a second deployment.
 * Reads at most 1,000 deployments of that sha and environment.
 */
export async function findGitHubDeployment(octokit: GitHubClient, { owner, repo }: RepoRef, lookup: DeploymentLookup): Promise<number | null> {
  const wanted = String(lookup.requestId);
  let pages = 0;
  for await (const { data } of octokit.paginate.iterator(octokit.rest.repos.listDeployments, {
    owner,
    repo,
    sha: lookup.sha,
    environment: lookup.environment,
    per_page: PER_PAGE,
  })) {
    // GitHub lists the newest first.
    const found = data.find((deployment) => requestIdOf(deployment.payload) === wanted);
    if (found) return found.id;
    if (++pages >= MAX_LIST_PAGES) break;
  }
  return null;
}

/** shipgate's request id in a deployment payload (an object, or the JSON text of one), as a string. */
export function requestIdOf(payload: unknown): string | null {
  let value = payload;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as Record<string, unknown>)[REQUEST_ID_KEY];
  return typeof id === 'number' || typeof id === 'string' ? String(id) : null;
}

/**
 * Posts a deployment status (`POST …/deployments/{id}/statuses`) and returns
 * its id. `auto_inactive` is always sent: by default true for `success` (the
 * environment's previous successful deployments become inactive) and false
 * otherwise. Errors are thrown.
 */
export async function createDeploymentStatus(octokit: GitHubClient, { owner, repo }: RepoRef, deploymentId: number, input: DeploymentStatusInput): Promise<number> {
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
    owner,
    repo,
    deployment_id: deploymentId,
    state: input.state,
    auto_inactive: input.autoInactive ?? input.state === 'success',
    ...(input.logUrl !== undefined ? { log_url: input.logUrl } : {}),
    ...(input.environmentUrl !== undefined ? { environment_url: input.environmentUrl } : {}),
    ...(input.description !== undefined ? { description: cutDescription(input.description) } : {}),
  });
  // GitHub's description types a status id as `number | bigint`; ids fit in a double.
  return Number(data.id);
}

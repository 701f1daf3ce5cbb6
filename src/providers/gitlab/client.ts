/**
 * GitLab CI over REST v4 (SPEC §13): start a pipeline with shipgate's
 * correlation variable, read it, find it again when the create answer was
 * lost, cancel, retry, list its jobs and download a job's artifacts.
 *
 * Errors are only the two of `../errors.ts`: a refusal (401/403/404/400 — the
 * message names the token, the project or the ref to fix) or "unavailable"
 * (5xx, 429, no answer, a timeout, an answer that is not GitLab's — the
 * outcome is unknown, so the engine looks the pipeline up with
 * {@link GitLabClient.findByVariable} before sending again). Messages name
 * routes by their template (`POST /projects/{id}/pipeline`) and never carry the
 * token. No request follows redirects: Node's fetch would resend
 * `PRIVATE-TOKEN` to whatever origin a redirect names; the one redirect
 * GitLab means (artifacts in object storage) is followed by hand, without it.
 */
import { discardBody, readBodyCapped } from '../../response-body.ts';
import { ProviderRefusal, ProviderUnavailable } from '../errors.ts';
import {
  describeProject,
  encodeProject,
  parseJobs,
  parsePipeline,
  parsePipelineList,
  parseVariables,
  renderGitLabError,
  type GitLabJob,
  type GitLabPipeline,
  type Parsed,
} from './gitlab-data.ts';

export type { GitLabJob, GitLabJobArtifact, GitLabPipeline } from './gitlab-data.ts';

/** Where GitLab is and how to authenticate (`GITLAB_URL`, `GITLAB_TOKEN`). */
export interface GitLabSettings {
  /** `https://gitlab.com` or a self-managed base (with its relative root, if any), without `/api/v4`. */
  url: string;
  /** A personal, group or project access token with the `api` scope, of a user with at least the Developer role. */
  token: string;
}

export interface GitLabClientOptions {
  /** Limit for one API request, answer body included (default 15 000 ms). */
  timeoutMs?: number;
  /** Limit for one artifacts download, both hops (default 120 000 ms: archives are bigger than API answers). */
  artifactTimeoutMs?: number;
  /** The fetch to use (tests wrap it; default: the global one). */
  fetch?: typeof fetch;
}

/** The pipeline variable carrying shipgate's correlation id, so a pipeline can be found again. */
export const CORRELATION_VARIABLE = 'SHIPGATE_RUN';

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_ARTIFACT_TIMEOUT_MS = 120_000;
/** Candidates per page when looking a pipeline up, and pages looked at (newest first). */
const FIND_PER_PAGE = 20;
const FIND_MAX_PAGES = 5;
/** Jobs per page (GitLab's maximum) and pages followed: 5 000 jobs is past any pipeline GitLab allows. */
const JOBS_PER_PAGE = 100;
const JOBS_MAX_PAGES = 50;

/** The routes the client calls, as `requestCounts()` names them. */
export type GitLabRoute =
  | 'POST /projects/:id/pipeline'
  | 'GET /projects/:id/pipelines'
  | 'GET /projects/:id/pipelines/:pipeline_id'
  | 'GET /projects/:id/pipelines/:pipeline_id/variables'
  | 'POST /projects/:id/pipelines/:pipeline_id/cancel'
  | 'POST /projects/:id/pipelines/:pipeline_id/retry'
  | 'GET /projects/:id/pipelines/:pipeline_id/jobs'
  | 'GET /projects/:id/jobs/:job_id/artifacts';

/** The second hop of an artifacts download (object storage, not GitLab's API), as `requestCounts()` names it. */
export const ARTIFACT_STORAGE_ROUTE = 'GET (artifact storage)';

interface Call {
  method: 'GET' | 'POST';
  route: GitLabRoute;
  project: string | number;
  /** Path after `/projects/:id`, ids filled in. */
  rest: string;
  query?: Record<string, string>;
  body?: unknown;
  /** What a 404 means here, for the message (`pipeline 123`); the project itself when absent. */
  missing?: string;
  /** For create: the ref, named in a 400's message. */
  ref?: string;
  /** Statuses handed back instead of thrown (never a 404 for the project itself). */
  tolerate?: number[];
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A GitLab REST v4 client for one GitLab instance and token. */
export class GitLabClient {
  readonly #api: string;
  readonly #origin: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #artifactTimeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #counts = new Map<string, number>();

  constructor(settings: GitLabSettings, options: GitLabClientOptions = {}) {
    const base = normalizeBaseUrl(settings.url);
    if (base === undefined) {
      throw new ProviderRefusal('gitlab', `GITLAB_URL is not an http(s) URL (e.g. https://gitlab.com or https://gitlab.example.com): '${settings.url}'`, { kind: 'refused' });
    }
    if (!settings.token) throw new ProviderRefusal('gitlab', 'GITLAB_TOKEN is empty: set it to an access token with the api scope', { kind: 'credentials' });
    this.#api = `${base}/api/v4`;
    this.#origin = new URL(base).origin;
    this.#token = settings.token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#artifactTimeoutMs = options.artifactTimeoutMs ?? DEFAULT_ARTIFACT_TIMEOUT_MS;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Starts a pipeline on `ref` with `variables` (each an `env_var`; put the
   * correlation id under {@link CORRELATION_VARIABLE}). GitLab answers 201
   * with the pipeline, usually still `created`.
   */
  async createPipeline(project: string | number, ref: string, variables: Record<string, string>): Promise<GitLabPipeline> {
    const answer = await this.#request({
      method: 'POST',
      route: 'POST /projects/:id/pipeline',
      project,
      rest: '/pipeline',
      body: { ref, variables: Object.entries(variables).map(([key, value]) => ({ key, value, variable_type: 'env_var' })) },
      ref,
    });
    return this.#read(answer, parsePipeline, 'POST /projects/:id/pipeline');
  }

  /** One pipeline by its global id. */
  async pipeline(project: string | number, id: number): Promise<GitLabPipeline> {
    const answer = await this.#request({ method: 'GET', route: 'GET /projects/:id/pipelines/:pipeline_id', project, rest: `/pipelines/${id}`, missing: `pipeline ${id}` });
    return this.#read(answer, parsePipeline, 'GET /projects/:id/pipelines/:pipeline_id');
  }

  /**
   * The pipeline whose variable `name` is `value`: the API pipelines of `ref`
   * updated after `createdAfter`, newest first (up to 100), each one's
   * variables read until one matches. GitLab lets a Developer read only the
   * variables of pipelines they triggered: a 403 or 404 on another's
   * pipeline means "not ours" and the search goes on. Pass a `createdAfter`
   * a little before the create was sent: GitLab compares with its own clock.
   */
  async findByVariable(project: string | number, args: { ref: string; name: string; value: string; createdAfter: Date }): Promise<GitLabPipeline | undefined> {
    for (let page = 1; page <= FIND_MAX_PAGES; page += 1) {
      const answer = await this.#request({
        method: 'GET',
        route: 'GET /projects/:id/pipelines',
        project,
        rest: '/pipelines',
        query: {
          ref: args.ref,
          source: 'api',
          updated_after: args.createdAfter.toISOString(),
          order_by: 'id',
          sort: 'desc',
          per_page: String(FIND_PER_PAGE),
          page: String(page),
        },
      });
      const candidates = this.#read(answer, parsePipelineList, 'GET /projects/:id/pipelines');
      for (const candidate of candidates) {
        const variables = await this.#variables(project, candidate.id);
        if (variables?.[args.name] === args.value) return this.pipeline(project, candidate.id);
      }
      if (!nextPage(answer.headers, page)) return undefined;
    }
    return undefined;
  }

  /**
   * Cancels the pipeline's jobs. GitLab answers 200 whatever the state (a
   * finished pipeline comes back unchanged); a pipeline with running jobs may
   * show `canceling` before `canceled`.
   */
  async cancel(project: string | number, id: number): Promise<GitLabPipeline> {
    const answer = await this.#request({ method: 'POST', route: 'POST /projects/:id/pipelines/:pipeline_id/cancel', project, rest: `/pipelines/${id}/cancel`, missing: `pipeline ${id}` });
    return this.#read(answer, parsePipeline, 'POST /projects/:id/pipelines/:pipeline_id/cancel');
  }

  /**
   * Retries the failed and cancelled jobs of the same pipeline (same id; the
   * retried jobs get new ids and the pipeline runs again). A pipeline with
   * nothing to retry comes back unchanged.
   */
  async retry(project: string | number, id: number): Promise<GitLabPipeline> {
    const answer = await this.#request({ method: 'POST', route: 'POST /projects/:id/pipelines/:pipeline_id/retry', project, rest: `/pipelines/${id}/retry`, missing: `pipeline ${id}` });
    return this.#read(answer, parsePipeline, 'POST /projects/:id/pipelines/:pipeline_id/retry');
  }

  /** Every job of the pipeline (the latest try of each; retried ones are left out, as GitLab lists them), all pages. */
  async jobs(project: string | number, pipelineId: number): Promise<GitLabJob[]> {
    const jobs: GitLabJob[] = [];
    let page = 1;
    for (let pages = 0; pages < JOBS_MAX_PAGES; pages += 1) {
      const answer = await this.#request({
        method: 'GET',
        route: 'GET /projects/:id/pipelines/:pipeline_id/jobs',
        project,
        rest: `/pipelines/${pipelineId}/jobs`,
        query: { per_page: String(JOBS_PER_PAGE), page: String(page) },
        missing: `pipeline ${pipelineId}`,
      });
      jobs.push(...this.#read(answer, parseJobs, 'GET /projects/:id/pipelines/:pipeline_id/jobs'));
      const next = nextPage(answer.headers, page);
      if (next === undefined) break;
      page = next;
    }
    return jobs;
  }

  /**
   * The job's artifacts archive (a zip). GitLab serves it itself or answers
   * 302 to object storage; the redirect is followed without `PRIVATE-TOKEN`
   * (the storage URL is signed, and the token must not leave GitLab). Refuses
   * an archive over `maxBytes` — by its `content-length` before reading, or
   * as soon as more than `maxBytes` have arrived — so no more than that is
   * ever held. 404: the job has no archive (not finished, no `artifacts:`,
   * or expired).
   */
  async jobArtifacts(project: string | number, jobId: number, maxBytes: number): Promise<Buffer> {
    const route: GitLabRoute = 'GET /projects/:id/jobs/:job_id/artifacts';
    const signal = AbortSignal.timeout(this.#artifactTimeoutMs);
    const call: Call = { method: 'GET', route, project, rest: `/jobs/${jobId}/artifacts`, missing: `artifacts archive for job ${jobId}` };
    const first = await this.#send(call, signal);
    let response = first;
    let hop: string = route;
    if (isRedirect(first.status)) {
      const location = first.headers.get('location');
      await discardBody(first);
      if (!location) throw this.#unavailable(`GitLab answered HTTP ${first.status} without a location for ${display(route)} (${describeProject(project)})`, first);
      const target = new URL(location, this.#url(call));
      hop = ARTIFACT_STORAGE_ROUTE;
      this.#count(hop);
      try {
        // No PRIVATE-TOKEN, no other header: the signed URL is the only credential object storage needs.
        response = await this.#fetch(target, { method: 'GET', redirect: 'follow', signal });
      } catch (error) {
        throw this.#noAnswer(`the artifacts storage of job ${jobId} (${target.origin})`, error);
      }
      if (!response.ok) {
        await discardBody(response);
        throw this.#unavailable(`the artifacts storage of job ${jobId} answered HTTP ${response.status} (${target.origin}): the signed link may have expired; try again`, response);
      }
    } else if (!first.ok) {
      await this.#finish(call, first); // throws: every non-2xx is a refusal or "unavailable"
    }
    try {
      return await readCapped(response, maxBytes, () => this.#tooLarge(project, jobId, maxBytes));
    } catch (error) {
      if (error instanceof ProviderRefusal || error instanceof ProviderUnavailable) throw error;
      throw this.#noAnswer(`${display(hop)} (job ${jobId})`, error);
    }
  }

  /** Requests sent, by `'METHOD /template'` (object storage as {@link ARTIFACT_STORAGE_ROUTE}), failed ones included. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** A pipeline's variables, or undefined when GitLab will not show them to this token (someone else's pipeline) or it is gone. */
  async #variables(project: string | number, pipelineId: number): Promise<Record<string, string> | undefined> {
    const route: GitLabRoute = 'GET /projects/:id/pipelines/:pipeline_id/variables';
    const answer = await this.#request({ method: 'GET', route, project, rest: `/pipelines/${pipelineId}/variables`, missing: `pipeline ${pipelineId}`, tolerate: [403, 404] });
    if (answer.status === 403 || answer.status === 404) return undefined;
    return this.#read(answer, parseVariables, route);
  }

  async #request(call: Call): Promise<Answer> {
    const response = await this.#send(call, AbortSignal.timeout(this.#timeoutMs));
    return this.#finish(call, response);
  }

  async #finish(call: Call, response: Response): Promise<Answer> {
    let body: unknown;
    try {
      body = await readJson(response);
    } catch (error) {
      throw this.#noAnswer(display(call.route), error);
    }
    const answer: Answer = { status: response.status, headers: response.headers, body };
    if (response.status >= 200 && response.status < 300) return answer;
    if (call.tolerate?.includes(response.status) && !isProjectNotFound(response.status, body)) return answer;
    throw this.#failure(call, answer);
  }

  #url(call: Call): URL {
    const segment = encodeProject(call.project);
    if (segment === undefined) {
      throw new ProviderRefusal('gitlab', `\`gitlab.project\` must be a numeric project id or a path like group/app, not ${JSON.stringify(call.project)}`, { kind: 'refused' });
    }
    const url = new URL(`${this.#api}/projects/${segment}${call.rest}`);
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
    return url;
  }

  async #send(call: Call, signal: AbortSignal): Promise<Response> {
    const url = this.#url(call);
    this.#count(call.route);
    const headers: Record<string, string> = { 'PRIVATE-TOKEN': this.#token, accept: 'application/json', 'user-agent': 'shipgate' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.#fetch(url, {
        method: call.method,
        headers,
        redirect: 'manual',
        signal,
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      });
    } catch (error) {
      throw this.#noAnswer(`${display(call.route)} (${describeProject(call.project)})`, error);
    }
  }

  #count(route: string): void {
    this.#counts.set(route, (this.#counts.get(route) ?? 0) + 1);
  }

  #read<T>(answer: Answer, parse: (body: unknown) => Parsed<T>, route: GitLabRoute): T {
    const parsed = parse(answer.body);
    if (parsed.ok) return parsed.value;
    throw new ProviderUnavailable(
      'gitlab',
      this.#redact(`GitLab's answer to ${display(route)} is not what GitLab sends (${parsed.error}): is GITLAB_URL (${this.#origin}) a GitLab server, or is a proxy answering for it?`),
      { status: answer.status },
    );
  }

  /** The error for a non-2xx answer. */
  #failure(call: Call, answer: Answer): ProviderRefusal | ProviderUnavailable {
    const { status } = answer;
    const route = display(call.route);
    const project = describeProject(call.project);
    const said = renderGitLabError(answer.body);
    if (status === 429 || status >= 500 || status === 408) {
      const what = status === 429 ? 'GitLab is rate limiting this token' : `GitLab answered HTTP ${status}`;
      return new ProviderUnavailable('gitlab', this.#redact(`${what} for ${route} (project ${project})${said && status !== 429 ? `: ${said}` : ''}; shipgate will try again`), {
        status,
        ...retryAfter(answer.headers),
      });
    }
    if (isRedirect(status)) {
      const location = answer.headers.get('location');
      const where = location ? ` to ${safeOrigin(location, this.#origin)}` : '';
      return new ProviderRefusal('gitlab', `GitLab answered HTTP ${status}${where} for ${route}: set GITLAB_URL to GitLab's own address (shipgate does not follow redirects with the token)`, { status, kind: 'refused' });
    }
    if (status === 401) {
      return new ProviderRefusal('gitlab', `GitLab refused GITLAB_TOKEN (HTTP 401 for ${route}): check that the token exists, has not expired and has the api scope`, { status, kind: 'credentials' });
    }
    if (status === 403) {
      const detail = said && !/^403 Forbidden$/i.test(said) ? ` — GitLab said: ${said}` : '';
      return new ProviderRefusal(
        'gitlab',
        this.#redact(`GitLab refused GITLAB_TOKEN (HTTP 403 for ${route}): the token's user needs the Developer role on project ${project} and the token the api scope${detail}`),
        { status, kind: 'credentials' },
      );
    }
    if (status === 404) {
      if (call.missing === undefined || isProjectNotFound(status, answer.body)) {
        return new ProviderRefusal(
          'gitlab',
          `GitLab has no project ${project} visible to this token (HTTP 404): check \`gitlab.project\` in .github/shipgate.yml and the token's access`,
          { status, kind: 'not-found' },
        );
      }
      const hint = call.route === 'GET /projects/:id/jobs/:job_id/artifacts' ? ': the job has not finished, uploaded no artifacts (`artifacts:` in .gitlab-ci.yml), or they expired' : '';
      return new ProviderRefusal('gitlab', `GitLab has no ${call.missing} in project ${project} (HTTP 404 for ${route})${hint}`, { status, kind: 'not-found' });
    }
    if (call.route === 'POST /projects/:id/pipeline' && (status === 400 || status === 422)) {
      const reason = said ?? `HTTP ${status}`;
      return new ProviderRefusal('gitlab', this.#redact(`GitLab could not create a pipeline for ref '${call.ref ?? ''}' in ${project}: ${reason}${createHint(reason)}`), { status, kind: 'refused' });
    }
    return new ProviderRefusal('gitlab', this.#redact(`GitLab refused ${route} for project ${project} (HTTP ${status})${said ? `: ${said}` : ''}`), { status, kind: 'refused' });
  }

  #unavailable(message: string, response: Response): ProviderUnavailable {
    return new ProviderUnavailable('gitlab', this.#redact(message), { status: response.status, ...retryAfter(response.headers) });
  }

  #noAnswer(what: string, error: unknown): ProviderUnavailable {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || (error.name === 'AbortError' && /timeout/i.test(String(error.cause ?? error.message))));
    const reason = timedOut ? 'no answer within the time limit' : describeNetworkError(error);
    return new ProviderUnavailable('gitlab', this.#redact(`GitLab (${this.#origin}) did not answer ${what}: ${reason}`), { cause: error });
  }

  #tooLarge(project: string | number, jobId: number, maxBytes: number): ProviderRefusal {
    return new ProviderRefusal('gitlab', `the artifacts archive of GitLab job ${jobId} in project ${describeProject(project)} is larger than the ${maxBytes}-byte limit: keep \`artifacts:paths\` to the reports the gate reads`, { kind: 'too-large' });
  }

  /** The token never appears in a message, whatever GitLab or a network error echoed. */
  #redact(message: string): string {
    return this.#token.length >= 4 ? message.split(this.#token).join('[redacted]') : message;
  }
}

/** The base URL without trailing slashes or `/api/v4`, or undefined when it is not http(s). */
function normalizeBaseUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined;
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
  return `${url.origin}${path}`;
}

/** `POST /projects/:id/pipeline` → `POST /projects/{id}/pipeline`, as messages show routes. */
function display(route: string): string {
  return route.replace(/:(\w+)/g, '{$1}');
}

/** GitLab's 404 for the project itself (`404 Project Not Found`), as opposed to a pipeline or job inside it. */
function isProjectNotFound(status: number, body: unknown): boolean {
  return status === 404 && /project not found/i.test(renderGitLabError(body) ?? '');
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** The next page from `x-next-page` (empty on the last page), or undefined. */
function nextPage(headers: Headers, current: number): number | undefined {
  const next = Number(headers.get('x-next-page') ?? '');
  return Number.isSafeInteger(next) && next > current ? next : undefined;
}

/** `retryAfterMs` from `Retry-After` (seconds, or an HTTP date read against the answer's own `Date`). */
function retryAfter(headers: Headers): { retryAfterMs?: number } {
  const value = headers.get('retry-after')?.trim();
  if (!value) return {};
  if (/^\d+$/.test(value)) return { retryAfterMs: Number(value) * 1000 };
  const at = Date.parse(value);
  if (!Number.isFinite(at)) return {};
  const now = Date.parse(headers.get('date') ?? '');
  return { retryAfterMs: Math.max(0, at - (Number.isFinite(now) ? now : Date.now())) };
}

/** What to do about a create refusal GitLab words in a known way. */
function createHint(reason: string): string {
  if (/reference not found/i.test(reason)) return ' — push the ref to GitLab or set `gitlab.ref`';
  if (/filtered out by workflow rules/i.test(reason)) return ' — the `workflow:rules` of .gitlab-ci.yml must let API pipelines run ($CI_PIPELINE_SOURCE == "api")';
  if (/missing ci config file|no stages \/ jobs/i.test(reason)) return ' — add a .gitlab-ci.yml with jobs at that ref';
  return '';
}

/** An answer's JSON, or undefined when it is empty or not JSON (a proxy's HTML page). */
async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function safeOrigin(location: string, base: string): string {
  try {
    return new URL(location, base).origin;
  } catch {
    return 'another address';
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = typeof cause?.message === 'string' ? cause.message : error.message;
  return code && !detail.includes(code) ? `${code} ${detail}` : detail;
}

/** The whole body, or `tooLarge()` thrown as soon as it is over `max` bytes (by `content-length` or by what arrived). */
async function readCapped(response: Response, max: number, tooLarge: () => ProviderRefusal): Promise<Buffer> {
  const body = await readBodyCapped(response, max);
  if (body === null) throw tooLarge();
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

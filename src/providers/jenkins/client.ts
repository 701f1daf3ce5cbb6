/**
 * The Jenkins REST client (SPEC §13): trigger a parameterised build, follow it
 * from the queue to the build, find it again by its correlation parameter,
 * stop it, download its artifacts. Standalone (no engine imports); it throws
 * only `ProviderRefusal` (Jenkins said no: another try will not change it) and
 * `ProviderUnavailable` (no answer, 5xx, 429, timeout: the outcome is unknown).
 *
 * How it talks to Jenkins, and why:
 * - Basic auth with `JENKINS_USER:JENKINS_TOKEN` (an API token), sent only to
 *   JENKINS_URL's origin: redirects are not followed by fetch (`redirect:
 *   'manual'`); same-origin GET redirects are followed here, any other is refused.
 * - Every POST carries a CSRF crumb (`GET /crumbIssuer/api/json`, cached per
 *   client) together with the session cookie the crumb answer set, since
 *   Jenkins binds crumbs to the web session. A Jenkins without a crumb issuer
 *   (404) gets POSTs without one; a POST refused with "No valid crumb" gets a
 *   fresh crumb and is sent once more.
 * - Messages name the request by method and path below JENKINS_URL (never its
 *   query) and never contain the token.
 */
import { discardBody, readBodyCapped } from '../../response-body.ts';
import { ProviderRefusal, ProviderUnavailable } from '../errors.ts';
import {
  artifactUrlPath,
  jobUrlPath,
  parseBuild,
  parseBuildList,
  parseCrumb,
  parseJobParameters,
  parseQueue,
  parseQueueItem,
  queueIdFromLocation,
  type JenkinsBuild,
  type JenkinsCrumb,
  type JenkinsQueueState,
  type Parsed,
} from './jenkins-data.ts';

export type { JenkinsArtifact, JenkinsBuild, JenkinsQueueState, JenkinsResult, MappedResult } from './jenkins-data.ts';
export { mapJenkinsResult, parseJenkinsNotification } from './jenkins-data.ts';

/** Where Jenkins is and who shipgate is there (`JENKINS_URL`, `JENKINS_USER`, `JENKINS_TOKEN`). */
export interface JenkinsSettings {
  url: string;
  user: string;
  /** An API token (the user's Security page), not the password. */
  token: string;
}

export interface JenkinsClientOptions {
  /** Per request, including reading its answer (default 15000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The build parameter that carries a shipgate job attempt's correlation id, so
 * a build whose trigger got no answer can be found again (`findByParameter`).
 * Jenkins silently drops parameters a job does not declare, so the engine
 * checks with `parameterNames` that the job declares it before triggering.
 */
export const CORRELATION_PARAMETER = 'SHIPGATE_RUN';

/** Where the build that a trigger created is, as `findByParameter` finds it. */
export type JenkinsFound = { queueId: number } | { build: number; url: string };

const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_REDIRECTS = 3;
/** How much of a refusing answer is read to explain it. */
const SNIPPET_BYTES = 4_096;
/** How many of a job's newest builds `findByParameter` looks through. */
const BUILDS_SEARCHED = 50;
/** Jenkins's answer to a POST whose crumb is missing or belongs to another session. */
const NO_VALID_CRUMB = 'No valid crumb was included in the request';

interface Call {
  method: 'GET' | 'POST';
  /** Below JENKINS_URL, segments encoded, without the query. */
  path: string;
  /** Sent, but never put in a message. */
  query?: URLSearchParams;
  /** `METHOD /template`, for `requestCounts`. */
  route: string;
  form?: URLSearchParams;
  accept?: string;
  /** The job the call is about (for messages). */
  job?: string;
  /** What a 404 means for this call. */
  notFound?: string;
  /** What to check when Jenkins refuses this call with another 4xx. */
  refusedHint?: string;
}

interface SessionCrumb extends JenkinsCrumb {
  /** `name=value` pairs of the cookies the crumb answer set. */
  cookie: string | undefined;
}

/** A Jenkins server, as one user with one API token. */
export class JenkinsClient {
  readonly #root: string;
  readonly #origin: string;
  readonly #user: string;
  readonly #token: string;
  readonly #authorization: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #counts = new Map<string, number>();
  /** Undefined: not asked yet; resolves to null when the server has no crumb issuer. */
  #crumb: Promise<SessionCrumb | null> | undefined;

  constructor(settings: JenkinsSettings, options: JenkinsClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(settings.url);
    } catch {
      throw new ProviderRefusal('jenkins', 'JENKINS_URL is not a URL: set it to the address of Jenkins, e.g. https://ci.example.com/', { kind: 'refused' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ProviderRefusal('jenkins', 'JENKINS_URL must start with http:// or https://', { kind: 'refused' });
    }
    // Only origin and path: credentials or a query written into JENKINS_URL go nowhere.
    this.#origin = url.origin;
    this.#root = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.#user = settings.user;
    this.#token = settings.token;
    this.#authorization = `Basic ${Buffer.from(`${settings.user}:${settings.token}`).toString('base64')}`;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * The job's declared parameter names. A job that does not declare
   * {@link CORRELATION_PARAMETER} would run without it (Jenkins drops
   * undeclared parameters without a word), and its builds could not be found again.
   */
  async parameterNames(job: string): Promise<string[]> {
    const call: Call = {
      method: 'GET',
      path: `${this.#jobPath(job)}/api/json`,
      query: new URLSearchParams({ tree: 'property[parameterDefinitions[name]]' }),
      route: 'GET /job/{job}/api/json',
      job,
      notFound: noSuchJob(job),
    };
    const parsed = this.#expect(call, parseJobParameters(await this.#getJson(call)));
    if (parsed.folder) {
      throw new ProviderRefusal('jenkins', `'${job}' is a folder in Jenkins, not a job: set \`jenkins.job\` in .github/shipgate.yml to a job inside it (${job}/NAME)`, {
        kind: 'refused',
      });
    }
    return parsed.names;
  }

  /**
   * Queues a build (`buildWithParameters`, form-encoded). Jenkins answers 201
   * with the queue item in `Location`; it merges a request identical to an item
   * still waiting into that item, which a fresh correlation id rules out.
   */
  async trigger(job: string, parameters: Record<string, string>): Promise<{ queueId: number }> {
    const call: Call = {
      method: 'POST',
      path: `${this.#jobPath(job)}/buildWithParameters`,
      route: 'POST /job/{job}/buildWithParameters',
      form: new URLSearchParams(parameters),
      job,
      notFound: noSuchJob(job),
    };
    const response = await this.#post(call);
    if (!response.ok) throw await this.#failure(call, response);
    await discardBody(response);
    const queueId = queueIdFromLocation(response.headers.get('location'));
    if (queueId === undefined) {
      throw new ProviderUnavailable(
        'jenkins',
        `Jenkins answered HTTP ${response.status} for ${where(call)} without the queue item's Location: the build may be queued; look for it by its ${CORRELATION_PARAMETER} parameter`,
        { status: response.status },
      );
    }
    return { queueId };
  }

  /** Where a queue item went; `gone` once Jenkins forgot it (about 5 minutes after it left the queue). */
  async queueItem(queueId: number): Promise<JenkinsQueueState> {
    const call: Call = { method: 'GET', path: `/queue/item/${positive(queueId, 'queue item id')}/api/json`, route: 'GET /queue/item/{id}/api/json' };
    const response = await this.#send(call);
    if (response.status === 404) {
      await discardBody(response);
      return { state: 'gone' };
    }
    if (!response.ok) throw await this.#failure(call, response);
    return this.#expect(call, parseQueueItem(await this.#readJson(call, response)));
  }

  /** A build's state, result, artifacts and parameters. */
  async build(job: string, number: number): Promise<JenkinsBuild> {
    const call: Call = {
      method: 'GET',
      path: `${this.#jobPath(job)}/${positive(number, 'build number')}/api/json`,
      query: new URLSearchParams({ tree: 'number,url,building,result,timestamp,duration,artifacts[fileName,relativePath],actions[parameters[name,value]]' }),
      route: 'GET /job/{job}/{number}/api/json',
      job,
      notFound: noSuchBuild(job, number),
    };
    return this.#expect(call, parseBuild(await this.#getJson(call)));
  }

  /**
   * The queue item or build of `job` whose parameter `name` is `value`: the
   * queue first, then the job's newest 50 builds, in that order so that an
   * item leaving the queue between the two requests is still seen as a build.
   */
  async findByParameter(job: string, name: string, value: string): Promise<JenkinsFound | undefined> {
    const jobPath = this.#jobPath(job);
    const queueCall: Call = {
      method: 'GET',
      path: '/queue/api/json',
      query: new URLSearchParams({ tree: 'items[id,task[name,url],actions[parameters[name,value]]]' }),
      route: 'GET /queue/api/json',
    };
    const queue = this.#expect(queueCall, parseQueue(await this.#getJson(queueCall)));
    const queued = queue.find((item) => item.job === job && item.parameters[name] === value);
    if (queued) return { queueId: queued.id };
    const buildsCall: Call = {
      method: 'GET',
      path: `${jobPath}/api/json`,
      query: new URLSearchParams({ tree: `builds[number,url,actions[parameters[name,value]]]{0,${BUILDS_SEARCHED}}` }),
      route: 'GET /job/{job}/api/json',
      job,
      notFound: noSuchJob(job),
    };
    const builds = this.#expect(buildsCall, parseBuildList(await this.#getJson(buildsCall)));
    const build = builds.find((entry) => entry.parameters[name] === value);
    return build ? { build: build.number, url: build.url } : undefined;
  }

  /** Aborts a running build (Jenkins answers with a redirect to the build; stopping a finished build does nothing). */
  async stop(job: string, number: number): Promise<void> {
    const call: Call = {
      method: 'POST',
      path: `${this.#jobPath(job)}/${positive(number, 'build number')}/stop`,
      route: 'POST /job/{job}/{number}/stop',
      job,
      notFound: noSuchBuild(job, number),
      refusedHint: 'the user needs the Job/Cancel permission',
    };
    const response = await this.#post(call);
    if (response.status >= 400) throw await this.#failure(call, response);
    await discardBody(response);
  }

  /** Cancels a waiting queue item (204; older Jenkins redirect). 404: it is no longer waiting. */
  async cancelQueueItem(queueId: number): Promise<void> {
    const call: Call = {
      method: 'POST',
      path: '/queue/cancelItem',
      query: new URLSearchParams({ id: String(positive(queueId, 'queue item id')) }),
      route: 'POST /queue/cancelItem',
      notFound: `Jenkins has no queue item ${queueId} waiting (HTTP 404): it has started, was cancelled or was forgotten; ask for the queue item to see where it went`,
      refusedHint: 'the user needs the Job/Cancel permission',
    };
    const response = await this.#post(call);
    if (response.status >= 400) throw await this.#failure(call, response);
    await discardBody(response);
  }

  /**
   * Downloads one archived file. Refuses (ProviderRefusal) one over `maxBytes`,
   * by its Content-Length before reading, or as soon as more than `maxBytes`
   * arrived: never more than that is held in memory.
   */
  async artifact(job: string, number: number, relativePath: string, maxBytes: number): Promise<Buffer> {
    const path = artifactUrlPath(relativePath);
    if (!path.ok) throw new ProviderRefusal('jenkins', path.error, { kind: 'refused' });
    const call: Call = {
      method: 'GET',
      path: `${this.#jobPath(job)}/${positive(number, 'build number')}/artifact/${path.value}`,
      route: 'GET /job/{job}/{number}/artifact/{path}',
      accept: '*/*',
      job,
      notFound: `Jenkins has no artifact '${relativePath}' in build #${number} of job '${job}' (HTTP 404): it was not archived, or the build was deleted`,
    };
    const response = await this.#send(call);
    if (!response.ok) throw await this.#failure(call, response);
    const tooLarge = () =>
      new ProviderRefusal('jenkins', `Artifact '${relativePath}' of build #${number} of job '${job}' is larger than ${maxBytes} bytes: shipgate does not download it`, {
        kind: 'too-large',
      });
    let body: Uint8Array | null;
    try {
      body = await readBodyCapped(response, maxBytes);
    } catch (err) {
      throw this.#unreachable(call, err);
    }
    if (body === null) throw tooLarge();
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }

  /** Requests sent, by `METHOD /path-template` (each crumb fetch, redirect hop and resend counts). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  #jobPath(job: string): string {
    const path = jobUrlPath(job);
    if (!path.ok) throw new ProviderRefusal('jenkins', path.error, { kind: 'refused' });
    return path.value;
  }

  async #getJson(call: Call): Promise<unknown> {
    const response = await this.#send(call);
    if (!response.ok) throw await this.#failure(call, response);
    return this.#readJson(call, response);
  }

  /** Sends a POST with the session's crumb; fetches a fresh crumb once when Jenkins says the crumb is not valid. */
  async #post(call: Call): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const pending = this.#sessionCrumb();
      const crumb = await pending;
      const headers: Record<string, string> = crumb ? { [crumb.field]: crumb.value, ...(crumb.cookie ? { cookie: crumb.cookie } : {}) } : {};
      const response = await this.#send(call, headers);
      if (response.status !== 403) return response;
      const text = await this.#snippet(response);
      if (attempt > 1 || !text.includes(NO_VALID_CRUMB)) return new Response(text, { status: response.status, headers: response.headers });
      if (this.#crumb === pending) this.#crumb = undefined;
    }
  }

  #sessionCrumb(): Promise<SessionCrumb | null> {
    if (this.#crumb === undefined) {
      const pending = this.#fetchCrumb();
      this.#crumb = pending;
      // A failed fetch is not remembered: the next POST asks again.
      pending.catch(() => {
        if (this.#crumb === pending) this.#crumb = undefined;
      });
    }
    return this.#crumb;
  }

  async #fetchCrumb(): Promise<SessionCrumb | null> {
    const call: Call = { method: 'GET', path: '/crumbIssuer/api/json', route: 'GET /crumbIssuer/api/json' };
    const response = await this.#send(call);
    if (response.status === 404) {
      await discardBody(response);
      return null;
    }
    if (!response.ok) throw await this.#failure(call, response);
    const cookie =
      response.headers
        .getSetCookie()
        .map((header) => header.split(';')[0]?.trim() ?? '')
        .filter((pair) => pair.includes('='))
        .join('; ') || undefined;
    const crumb = this.#expect(call, parseCrumb(await this.#readJson(call, response)));
    return { ...crumb, cookie };
  }

  /** One request, following same-origin GET redirects; a network failure or timeout becomes ProviderUnavailable. */
  async #send(call: Call, headers: Record<string, string> = {}): Promise<Response> {
    let url = `${this.#root}${call.path}${call.query ? `?${call.query.toString()}` : ''}`;
    for (let hop = 0; ; hop++) {
      this.#counts.set(call.route, (this.#counts.get(call.route) ?? 0) + 1);
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method: call.method,
          headers: {
            authorization: this.#authorization,
            accept: call.accept ?? 'application/json',
            ...(call.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            ...headers,
          },
          ...(call.form ? { body: call.form.toString() } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        throw this.#unreachable(call, err);
      }
      if (call.method !== 'GET' || !isRedirect(response.status)) return response;
      const target = resolve(response.headers.get('location'), url);
      await discardBody(response);
      if (!target || target.origin !== this.#origin) {
        throw new ProviderRefusal(
          'jenkins',
          `Jenkins at ${this.#root} redirected ${where(call)} to ${target ? target.origin : 'an address shipgate cannot read'} (HTTP ${response.status}): set JENKINS_URL to the address Jenkins answers at (credentials are never sent to another origin)`,
          { status: response.status, kind: 'refused' },
        );
      }
      if (hop >= MAX_REDIRECTS) {
        throw new ProviderRefusal('jenkins', `Jenkins at ${this.#root} redirected ${where(call)} more than ${MAX_REDIRECTS} times: check JENKINS_URL`, {
          status: response.status,
          kind: 'refused',
        });
      }
      url = target.href;
    }
  }

  async #readJson(call: Call, response: Response): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      throw this.#unreachable(call, err);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      const type = response.headers.get('content-type')?.split(';')[0] ?? 'no content type';
      throw new ProviderRefusal('jenkins', `Jenkins answered ${where(call)} with something other than JSON (${type}): check that JENKINS_URL is the address of Jenkins itself`, {
        status: response.status,
        kind: 'refused',
      });
    }
  }

  #expect<T>(call: Call, parsed: Parsed<T>): T {
    if (parsed.ok) return parsed.value;
    throw new ProviderRefusal('jenkins', this.#redact(`Jenkins's answer to ${where(call)} is not what Jenkins sends (${parsed.error}): check that JENKINS_URL is the address of Jenkins itself`), {
      kind: 'refused',
    });
  }

  /** Up to SNIPPET_BYTES of an answer's body, as text (empty when it cannot be read). */
  async #snippet(response: Response): Promise<string> {
    const reader = response.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      while (size < SNIPPET_BYTES) {
        const next = await reader.read();
        if (next.done) break;
        chunks.push(next.value);
        size += next.value.byteLength;
      }
      await reader.cancel();
    } catch {
      // What arrived is enough to explain the status.
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The error for an answer that is not the one asked for. */
  async #failure(call: Call, response: Response): Promise<ProviderRefusal | ProviderUnavailable> {
    const { status } = response;
    const text = await this.#snippet(response);
    const said = jenkinsSays(text);
    const message = (sentence: string) => this.#redact(sentence);
    if (status === 401) {
      return new ProviderRefusal(
        'jenkins',
        message(`Jenkins refused the credentials (HTTP 401 for ${where(call)}): check JENKINS_USER and JENKINS_TOKEN (an API token from the user's Security page)`),
        { status, kind: 'credentials' },
      );
    }
    if (status === 403 && text.includes(NO_VALID_CRUMB)) {
      return new ProviderRefusal(
        'jenkins',
        message(`Jenkins refused the CSRF crumb of a fresh session (HTTP 403 for ${where(call)}): check that a proxy in front of Jenkins passes its session cookie through`),
        { status, kind: 'refused' },
      );
    }
    if (status === 403) {
      // Jenkins names the missing permission ("alice is missing the Job/Build permission").
      const missing = said !== undefined && /is missing the .*permission/.test(said) ? said : undefined;
      return new ProviderRefusal(
        'jenkins',
        message(
          `Jenkins refused user '${this.#user}' (HTTP 403 for ${where(call)})${missing ? `: "${missing}"` : ''}: the user JENKINS_USER names needs the Job/Build and Job/Read permissions on the job (Overall/Read to reach Jenkins, Job/Cancel to stop builds), and JENKINS_TOKEN must be that user's API token`,
        ),
        { status, kind: 'credentials' },
      );
    }
    if (status === 404) {
      return new ProviderRefusal('jenkins', message(call.notFound ?? `Jenkins has nothing at ${where(call)} (HTTP 404): check JENKINS_URL`), { status, kind: 'not-found' });
    }
    if (status === 500 && call.job !== undefined && /is not parameteri[sz]ed/i.test(text)) {
      return new ProviderRefusal(
        'jenkins',
        message(`Jenkins job '${call.job}' takes no parameters (HTTP 500 for ${where(call)}): add a String parameter ${CORRELATION_PARAMETER} to it, which shipgate finds its builds by`),
        { status, kind: 'refused' },
      );
    }
    if (status === 429 || status >= 500) {
      const retryAfterMs = retryAfter(response.headers.get('retry-after'));
      return new ProviderUnavailable('jenkins', message(`Jenkins answered HTTP ${status} for ${where(call)}`), {
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (isRedirect(status)) {
      return new ProviderRefusal(
        'jenkins',
        message(`Jenkins answered ${where(call)} with a redirect (HTTP ${status}) instead of acting on it: check that JENKINS_URL is the address of Jenkins itself, not of a proxy or sign-in page`),
        { status, kind: 'refused' },
      );
    }
    return new ProviderRefusal(
      'jenkins',
      message(`Jenkins refused ${where(call)} (HTTP ${status})${said ? `: "${said}"` : ''}${call.refusedHint ? `: ${call.refusedHint}` : ''}`),
      { status, kind: 'refused' },
    );
  }

  #unreachable(call: Call, err: unknown): ProviderUnavailable {
    const reason = isTimeout(err) ? `no answer within ${this.#timeoutMs} ms` : networkReason(err);
    return new ProviderUnavailable('jenkins', this.#redact(`Jenkins at ${this.#root} did not answer (${where(call)}): ${reason}`), { cause: err });
  }

  #redact(text: string): string {
    return this.#token ? text.split(this.#token).join('[redacted]') : text;
  }
}

function where(call: Call): string {
  return `${call.method} ${call.path}`;
}

function noSuchJob(job: string): string {
  return `Jenkins has no job '${job}' at JENKINS_URL (HTTP 404): check \`jenkins.job\` in .github/shipgate.yml (folders are written a/b); Jenkins also answers 404 when JENKINS_USER may not read the job`;
}

function noSuchBuild(job: string, number: number): string {
  return `Jenkins has no build #${number} of job '${job}' (HTTP 404): it was deleted, or the job was renamed (check \`jenkins.job\` in .github/shipgate.yml)`;
}

function positive(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new ProviderRefusal('jenkins', `A Jenkins ${what} is a positive whole number, not ${value}`, { kind: 'refused' });
  return value;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function resolve(location: string | null, base: string): URL | undefined {
  if (!location) return undefined;
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/** Jenkins's own short explanation in an error page: the `<title>` without "Error NNN", or the first line of plain text. */
function jenkinsSays(text: string): string | undefined {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const line = title ?? (/<[a-z!]/i.test(text) ? undefined : text.split('\n').find((candidate) => candidate.trim() !== ''));
  const said = line
    ?.replace(/^\s*(?:HTTP\s+)?Error\s+\d{3}\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  return said ? said.slice(0, 200) : undefined;
}

/** `Retry-After` in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function isTimeout(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, cause } = err as { name?: unknown; cause?: unknown };
  return name === 'TimeoutError' || (name === 'AbortError' && typeof cause === 'object' && cause !== null && (cause as { name?: unknown }).name === 'TimeoutError');
}

/** The socket-level reason of a failed fetch (`connect ECONNREFUSED 127.0.0.1:8080`), not undici's bare "fetch failed". */
function networkReason(err: unknown): string {
  let reason: unknown = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (reason instanceof AggregateError && reason.errors[0] !== undefined) reason = reason.errors[0];
  if (reason instanceof Error) {
    const code = (reason as NodeJS.ErrnoException).code;
    return reason.message || code || reason.name;
  }
  return String(reason);
}

/**
 * The HTTP side of the Jenkins simulator, in Jenkins's order: down? →
 * Basic auth (401) → CSRF crumb on POST when the crumb issuer is on (403,
 * Jenkins's "No valid crumb" page) → route (404/405) → injected failure →
 * the action → lost answer → the request log. Paths are Jenkins's own
 * (`/job/a/job/b/buildWithParameters`, `/queue/item/N/api/json`, …).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JenkinsFaultKind, JenkinsFaults } from './jenkins-faults.ts';
import { buildJson, folderJson, jobJson, jobPathOf, queueItemJson, queueJson } from './jenkins-shapes.ts';
import type { JenkinsWorld } from './jenkins-world.ts';

const MAX_BODY_BYTES = 1024 * 1024;
export const NO_VALID_CRUMB = 'No valid crumb was included in the request';
const CRUMB_FIELD = 'Jenkins-Crumb';

/** One request the simulator received. */
export interface JenkinsRequestLogEntry {
  method: string;
  /** Without the query. */
  path: string;
  /** `'METHOD /template'` (`'POST /job/{job}/buildWithParameters'`); undefined for a path Jenkins does not have. */
  route: string | undefined;
  /** 0 when the connection was dropped. */
  status: number;
  /** Sim-clock time of arrival. */
  at: number;
  /** What a `buildWithParameters` sent (query and form), before Jenkins dropped undeclared ones. */
  parameters?: Record<string, string>;
  fault?: JenkinsFaultKind;
}

type Target =
  | { kind: 'crumb' }
  | { kind: 'queue' }
  | { kind: 'queue-item'; id: number }
  | { kind: 'cancel-item' }
  | { kind: 'job'; job: string }
  | { kind: 'trigger'; job: string }
  | { kind: 'build'; job: string; number: number }
  | { kind: 'stop'; job: string; number: number }
  | { kind: 'artifact'; job: string; number: number; path: string };

/** A path Jenkins has: its template, the method it takes, and what it names. */
export interface MatchedPath {
  method: 'GET' | 'POST';
  template: string;
  target: Target;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const isNumber = (segment: string | undefined): segment is string => segment !== undefined && /^\d+$/.test(segment);

/** Matches a request path against the Jenkins paths the simulator serves. */
export function matchJenkinsPath(pathname: string): MatchedPath | undefined {
  const segments = pathname.split('/').slice(1).map(decode);
  if (segments[segments.length - 1] === '') segments.pop();
  const is = (...expected: string[]) => segments.length === expected.length && expected.every((value, index) => value === '*' || segments[index] === value);
  if (is('crumbIssuer', 'api', 'json')) return { method: 'GET', template: '/crumbIssuer/api/json', target: { kind: 'crumb' } };
  if (is('queue', 'api', 'json')) return { method: 'GET', template: '/queue/api/json', target: { kind: 'queue' } };
  if (is('queue', 'item', '*', 'api', 'json') && isNumber(segments[2])) {
    return { method: 'GET', template: '/queue/item/{id}/api/json', target: { kind: 'queue-item', id: Number(segments[2]) } };
  }
  if (is('queue', 'cancelItem')) return { method: 'POST', template: '/queue/cancelItem', target: { kind: 'cancel-item' } };
  const names: string[] = [];
  let i = 0;
  while (segments[i] === 'job' && segments[i + 1] !== undefined && segments[i + 1] !== '') {
    names.push(segments[i + 1] ?? '');
    i += 2;
  }
  if (!names.length) return undefined;
  const job = names.join('/');
  const rest = segments.slice(i);
  const [first, second, third] = rest;
  if (rest.length === 2 && first === 'api' && second === 'json') return { method: 'GET', template: '/job/{job}/api/json', target: { kind: 'job', job } };
  if (rest.length === 1 && first === 'buildWithParameters') return { method: 'POST', template: '/job/{job}/buildWithParameters', target: { kind: 'trigger', job } };
  if (!isNumber(first)) return undefined;
  const number = Number(first);
  if (rest.length === 3 && second === 'api' && third === 'json') return { method: 'GET', template: '/job/{job}/{number}/api/json', target: { kind: 'build', job, number } };
  if (rest.length === 2 && second === 'stop') return { method: 'POST', template: '/job/{job}/{number}/stop', target: { kind: 'stop', job, number } };
  if (rest.length > 2 && second === 'artifact') {
    return { method: 'GET', template: '/job/{job}/{number}/artifact/{path}', target: { kind: 'artifact', job, number, path: rest.slice(2).join('/') } };
  }
  return undefined;
}

/** Web sessions and the crumb bound to each, as Jenkins's default crumb issuer keeps them. */
export class CrumbSessions {
  readonly cookieName = `JSESSIONID.${randomBytes(4).toString('hex')}`;
  readonly #crumbs = new Map<string, string>();

  /** The crumb of the request's session, starting a session (a `set-cookie`) when it has none. */
  issue(cookieHeader: string | undefined): { crumb: string; setCookie: string | undefined } {
    const session = this.#session(cookieHeader);
    const known = session === undefined ? undefined : this.#crumbs.get(session);
    if (session !== undefined && known !== undefined) return { crumb: known, setCookie: undefined };
    const id = `node0${randomBytes(12).toString('hex')}.node0`;
    const crumb = randomBytes(32).toString('hex');
    this.#crumbs.set(id, crumb);
    return { crumb, setCookie: `${this.cookieName}=${id}; Path=/; HttpOnly` };
  }

  valid(cookieHeader: string | undefined, crumb: string | undefined): boolean {
    const session = this.#session(cookieHeader);
    return session !== undefined && crumb !== undefined && this.#crumbs.get(session) === crumb;
  }

  /** Forgets every session (a Jenkins restart): every crumb handed out is stale. */
  expire(): void {
    this.#crumbs.clear();
  }

  #session(cookieHeader: string | undefined): string | undefined {
    for (const pair of (cookieHeader ?? '').split(';')) {
      const [name, ...value] = pair.trim().split('=');
      if (name === this.cookieName) return value.join('=');
    }
    return undefined;
  }
}

export interface JenkinsHttpContext {
  world: JenkinsWorld;
  faults: JenkinsFaults;
  sessions: CrumbSessions;
  /** http://127.0.0.1:PORT, known once listening. */
  base: string;
  user: string;
  token: string;
  crumbIssuer: boolean;
  log: JenkinsRequestLogEntry[];
}

interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  bytes?: Uint8Array;
}

/** Jetty's error page, which is what Jenkins answers errors with. */
function errorPage(status: number, message: string, uri: string): SimResponse {
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return {
    status,
    headers: { 'content-type': 'text/html;charset=iso-8859-1' },
    text: `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n<title>Error ${status} ${escaped}</title>\n</head>\n<body><h2>HTTP ERROR ${status} ${escaped}</h2>\n<table>\n<tr><th>URI:</th><td>${uri.replace(/</g, '&lt;')}</td></tr>\n<tr><th>STATUS:</th><td>${status}</td></tr>\n<tr><th>MESSAGE:</th><td>${escaped}</td></tr>\n<tr><th>SERVLET:</th><td>Stapler</td></tr>\n</table>\n</body>\n</html>\n`,
  };
}

function authenticated(header: string | undefined, user: string, token: string): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && decoded.slice(0, colon) === user && decoded.slice(colon + 1) === token;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, response: SimResponse): void {
  const body =
    response.bytes !== undefined
      ? Buffer.from(response.bytes)
      : response.json !== undefined
        ? Buffer.from(JSON.stringify(response.json))
        : Buffer.from(response.text ?? '');
  const headers: Record<string, string> = {
    server: 'Jetty(10.0.20)',
    'x-jenkins': '2.462.3',
    ...(response.json !== undefined ? { 'content-type': 'application/json;charset=utf-8' } : {}),
    ...response.headers,
    // No Content-Length on a 204 (RFC 9110 §8.6).
    ...(response.status === 204 ? {} : { 'content-length': String(body.length) }),
  };
  res.writeHead(response.status, headers);
  res.end(body);
}

/** `{M,N}` of `tree=builds[…]{M,N}` (also `{M,}` and `{,N}`). */
function buildRange(tree: string | null): { from: number; to: number } | undefined {
  const match = tree ? /\{(\d*),(\d*)\}/.exec(tree) : null;
  if (!match) return undefined;
  return { from: match[1] ? Number(match[1]) : 0, to: match[2] ? Number(match[2]) : Number.POSITIVE_INFINITY };
}

function act(ctx: JenkinsHttpContext, target: Target, url: URL, parameters: Record<string, string>, cookie: string | undefined): SimResponse {
  const { world, base, user } = ctx;
  const now = world.clock.now();
  const uri = url.pathname;
  const notFound = () => errorPage(404, 'Not Found', uri);
  switch (target.kind) {
    case 'crumb': {
      if (!ctx.crumbIssuer) return notFound();
      const issued = ctx.sessions.issue(cookie);
      return {
        status: 200,
        json: { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: issued.crumb, crumbRequestField: CRUMB_FIELD },
        ...(issued.setCookie ? { headers: { 'set-cookie': issued.setCookie } } : {}),
      };
    }
    case 'job': {
      const item = world.item(target.job);
      if (!item) return notFound();
      if (item.kind === 'folder') return { status: 200, json: folderJson(base, item, world.children(item.path)) };
      return { status: 200, json: jobJson(base, item, user, buildRange(url.searchParams.get('tree'))) };
    }
    case 'trigger': {
      const job = world.item(target.job);
      if (job?.kind !== 'job') return notFound();
      if (!job.canBuild) return errorPage(403, `${user} is missing the Job/Build permission`, uri);
      // What Jenkins core does for a job without a ParametersDefinitionProperty (an IllegalStateException).
      if (!job.parameters.length) return errorPage(500, 'This build is not parameterized!', uri);
      const item = world.enqueue(job, parameters);
      return { status: 201, headers: { location: `${base}/queue/item/${item.id}/` } };
    }
    case 'build': {
      const build = world.build(target.job, target.number);
      return build ? { status: 200, json: buildJson(base, build, user) } : notFound();
    }
    case 'stop': {
      const build = world.build(target.job, target.number);
      if (!build) return notFound();
      world.abort(build);
      return { status: 302, headers: { location: `${base}${jobPathOf(build.job.path)}${build.number}/` } };
    }
    case 'artifact': {
      const build = world.build(target.job, target.number);
      const bytes = build && !build.building ? build.artifacts.get(target.path) : undefined;
      return bytes ? { status: 200, headers: { 'content-type': 'application/octet-stream' }, bytes } : notFound();
    }
    case 'queue':
      return { status: 200, json: queueJson(base, world.waiting(), user, now) };
    case 'queue-item': {
      const item = world.queueItem(target.id);
      return item ? { status: 200, json: queueItemJson(base, item, user, now) } : notFound();
    }
    case 'cancel-item': {
      const id = Number(url.searchParams.get('id'));
      return world.cancel(id) ? { status: 204 } : errorPage(404, `Provided id (${url.searchParams.get('id') ?? ''}) not found`, uri);
    }
  }
}

/** Builds the request handler of one simulated Jenkins. */
export function createJenkinsHandler(ctx: JenkinsHttpContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', ctx.base);
    const entry: JenkinsRequestLogEntry = { method, path: url.pathname, route: undefined, status: 0, at: ctx.world.clock.now() };
    ctx.log.push(entry);
    const matched = matchJenkinsPath(url.pathname);
    if (matched) entry.route = `${method} ${matched.template}`;
    const answer = (response: SimResponse) => {
      entry.status = response.status;
      send(res, response);
    };

    const down = ctx.faults.downNow();
    if (down === 'reset') {
      entry.fault = 'reset';
      req.socket.destroy();
      return;
    }
    if (down === 'unavailable') {
      entry.fault = 'down';
      answer({ status: 503, headers: { 'content-type': 'text/html;charset=utf-8' }, text: '<html><head><title>Starting Jenkins</title></head><body>Please wait while Jenkins is getting ready to work...</body></html>' });
      return;
    }

    const raw = await readBody(req);
    if (raw === undefined) return answer(errorPage(413, 'Request body too large', url.pathname));
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(raw.toString('utf8')) : new URLSearchParams();

    if (!authenticated(req.headers.authorization, ctx.user, ctx.token)) {
      return answer(errorPage(401, req.headers.authorization ? `Invalid password/token for user: ${ctx.user}` : 'Authentication required', url.pathname));
    }
    const cookie = req.headers.cookie;
    if (method === 'POST' && ctx.crumbIssuer) {
      const header = req.headers[CRUMB_FIELD.toLowerCase()];
      const crumb = (Array.isArray(header) ? header[0] : header) ?? form.get(CRUMB_FIELD) ?? undefined;
      if (!ctx.sessions.valid(cookie, crumb)) return answer(errorPage(403, NO_VALID_CRUMB, url.pathname));
    }
    if (!matched) return answer(errorPage(404, 'Not Found', url.pathname));
    if (matched.method !== method) return answer(errorPage(405, `This URL requires ${matched.method}`, url.pathname));

    const parameters: Record<string, string> = {};
    if (matched.target.kind === 'trigger') {
      for (const source of [url.searchParams, form]) {
        for (const [name, value] of source) if (name !== CRUMB_FIELD && name !== 'delay') parameters[name] = value;
      }
      entry.parameters = parameters;
    }

    const failure = ctx.faults.failure(entry.route);
    if (failure) {
      entry.fault = 'failed';
      const page = failure.status === 403 ? errorPage(403, 'Access Denied', url.pathname) : errorPage(failure.status, failure.status >= 500 ? 'Server Error' : 'Refused (scripted fault)', url.pathname);
      return answer({ ...page, headers: { ...page.headers, ...(failure.retryAfterSeconds !== undefined ? { 'retry-after': String(failure.retryAfterSeconds) } : {}) } });
    }
    const response = act(ctx, matched.target, url, parameters, cookie);
    if (ctx.faults.loseAnswer(entry.route)) {
      entry.fault = 'lost';
      return answer({ status: 502, headers: { 'content-type': 'text/html' }, text: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>' });
    }
    answer(response);
  };
}

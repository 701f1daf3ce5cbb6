/**
 * What shipgate knows about Jenkins's data, as pure functions (SPEC §13): how
 * a job name becomes a URL path, what a build's `result` means for a job, and
 * the shapes of the JSON answers the client reads and of the Notification
 * plugin's posts. Every answer is checked (zod) before it is used, so a proxy's
 * login page or a plugin's odd field becomes a readable error, never a crash.
 * Objects stay loose: Jenkins adds `_class` and plugin fields everywhere.
 */
import { z } from 'zod';

/** A parsed or checked value, or the sentence that says what is wrong with it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The `result` values of Jenkins core (hudson.model.Result). */
export const JENKINS_RESULTS = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'] as const;

/** A build's `result`: one of {@link JENKINS_RESULTS}, or a value a plugin or a newer Jenkins made up. */
export type JenkinsResult = (typeof JENKINS_RESULTS)[number] | (string & {});

/** What a finished build means for the shipgate job that started it. */
export interface MappedResult {
  conclusion: 'success' | 'failure' | 'cancelled';
  /** One sentence for the check run, saying what Jenkins reported. */
  detail: string;
}

/**
 * Maps a finished build's `result` onto a job conclusion:
 *
 * | Jenkins     | conclusion  | why                                                         |
 * |-------------|-------------|-------------------------------------------------------------|
 * | `SUCCESS`   | `success`   |                                                             |
 * | `UNSTABLE`  | `failure`   | Jenkins's "built, but tests failed": a gate must not pass it |
 * | `FAILURE`   | `failure`   |                                                             |
 * | `NOT_BUILT` | `failure`   | a stage or upstream step skipped the build: nothing shipped |
 * | `ABORTED`   | `cancelled` | someone (or shipgate's cancel) stopped it                   |
 * | anything else | `failure` | unknown means not proven good; the detail names the value   |
 */
export function mapJenkinsResult(result: JenkinsResult): MappedResult {
  switch (result) {
    case 'SUCCESS':
      return { conclusion: 'success', detail: 'Jenkins reported SUCCESS' };
    case 'UNSTABLE':
      return { conclusion: 'failure', detail: 'Jenkins marked the build UNSTABLE (tests failed)' };
    case 'FAILURE':
      return { conclusion: 'failure', detail: 'Jenkins reported FAILURE' };
    case 'NOT_BUILT':
      return { conclusion: 'failure', detail: 'Jenkins reported NOT_BUILT (the build was skipped)' };
    case 'ABORTED':
      return { conclusion: 'cancelled', detail: 'Jenkins reported ABORTED (the build was stopped)' };
    default:
      return { conclusion: 'failure', detail: `Jenkins reported a result shipgate does not know (${JSON.stringify(result)}): counted as a failure` };
  }
}

function encodedSegments(value: string, what: string, hint: string): Parsed<string[]> {
  const segments = value.split('/');
  for (const segment of segments) {
    if (segment === '') return { ok: false, error: `${what} '${value}' has an empty name between slashes: ${hint}` };
    if (segment === '.' || segment === '..') return { ok: false, error: `${what} '${value}' contains '${segment}', which is not a name: ${hint}` };
  }
  return { ok: true, value: segments.map((segment) => encodeURIComponent(segment)) };
}

/**
 * The URL path of a job below JENKINS_URL: `a/b` (job `b` in folder `a`) →
 * `/job/a/job/b`, each name URL-encoded. An empty name (`a//b`, `/a`) or a
 * `.`/`..` segment is refused here, before any request could reach another path.
 */
export function jobUrlPath(job: string): Parsed<string> {
  const segments = encodedSegments(job, 'The Jenkins job', 'write `jenkins.job` as the job\'s full name, folders first (a/b)');
  if (!segments.ok) return segments;
  return { ok: true, value: segments.value.map((segment) => `/job/${segment}`).join('') };
}

/** An artifact's `relativePath` as a URL path (each segment encoded), refusing empty and `.`/`..` segments. */
export function artifactUrlPath(relativePath: string): Parsed<string> {
  const segments = encodedSegments(relativePath, 'The artifact path', 'use a relativePath from the build\'s artifact list');
  if (!segments.ok) return segments;
  return { ok: true, value: segments.value.join('/') };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The job's full name in a Jenkins URL or URL path: `job/a/job/b/`,
 * `http://ci/jenkins/job/a/job/b/12/` → `a/b`. Undefined when there is no
 * `job/NAME` in it. Works whatever Jenkins's own root URL is (a reverse proxy
 * may put it under a prefix), since only the `job/…` pairs count.
 */
export function jobFromUrl(url: string): string | undefined {
  let path = url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  }
  const segments = path.split('?')[0]?.split('/').filter((segment) => segment !== '') ?? [];
  const start = segments.indexOf('job');
  if (start < 0) return undefined;
  const names: string[] = [];
  for (let i = start; segments[i] === 'job' && segments[i + 1] !== undefined; i += 2) names.push(decodeSegment(segments[i + 1] ?? ''));
  return names.length ? names.join('/') : undefined;
}

/** The queue item id in `buildWithParameters`'s `Location` (`…/queue/item/N/`), whatever the host. */
export function queueIdFromLocation(location: string | null | undefined): number | undefined {
  if (!location) return undefined;
  const match = /\/queue\/item\/(\d+)\/?(?:[?#].*)?$/.exec(location);
  const id = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

function parse<T>(schema: z.ZodType<T>, json: unknown): Parsed<T> {
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(answer)';
  return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'}` };
}

const parameterValue = z.looseObject({ name: z.string(), value: z.unknown().optional() });
/** `actions` hold one entry per action; actions without exported fields come as `{}`. */
const actions = z.array(z.looseObject({ parameters: z.array(parameterValue).nullable().optional() }).nullable()).nullable().optional();

/**
 * A build's or queue item's parameters from its `ParametersAction`. Values of
 * boolean or number parameters are written as strings; parameters without a
 * value (password and file parameters hide theirs) are left out.
 */
function parametersOf(list: z.infer<typeof actions>): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const action of list ?? []) {
    for (const parameter of action?.parameters ?? []) {
      const { value } = parameter;
      if (typeof value === 'string') parameters[parameter.name] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') parameters[parameter.name] = String(value);
    }
  }
  return parameters;
}

/** `GET /crumbIssuer/api/json`. */
export interface JenkinsCrumb {
  /** The header to send it in (`Jenkins-Crumb` by default). */
  field: string;
  value: string;
}

const crumbSchema = z.looseObject({ crumbRequestField: z.string().min(1), crumb: z.string().min(1) });

export function parseCrumb(json: unknown): Parsed<JenkinsCrumb> {
  const parsed = parse(crumbSchema, json);
  return parsed.ok ? { ok: true, value: { field: parsed.value.crumbRequestField, value: parsed.value.crumb } } : parsed;
}

/** What `GET /job/…/api/json?tree=property[parameterDefinitions[name]]` says about a job. */
export interface JenkinsJobParameters {
  /** The declared parameter names, in declaration order. */
  names: string[];
  /** True when the path names a folder (or a multibranch project), which cannot be built itself. */
  folder: boolean;
}

const jobSchema = z.looseObject({
  _class: z.string().optional(),
  property: z
    .array(z.looseObject({ parameterDefinitions: z.array(z.looseObject({ name: z.string() })).nullable().optional() }).nullable())
    .nullable()
    .optional(),
});

const FOLDER_CLASS = /Folder$|MultiBranchProject$|OrganizationFolder$/;

export function parseJobParameters(json: unknown): Parsed<JenkinsJobParameters> {
  const parsed = parse(jobSchema, json);
  if (!parsed.ok) return parsed;
  const names = (parsed.value.property ?? []).flatMap((property) => (property?.parameterDefinitions ?? []).map((definition) => definition.name));
  return { ok: true, value: { names, folder: FOLDER_CLASS.test(parsed.value._class ?? '') } };
}

/** Where a queue item is. `gone` is a 404: Jenkins forgets items about 5 minutes after they left the queue. */
export type JenkinsQueueState =
  | { state: 'waiting'; why: string | null }
  | { state: 'cancelled' }
  | { state: 'started'; build: number; url: string }
  | { state: 'gone' };

const queueItemSchema = z.looseObject({
  id: z.number().int(),
  cancelled: z.boolean().nullable().optional(),
  why: z.string().nullable().optional(),
  executable: z.looseObject({ number: z.number().int().positive(), url: z.string() }).nullable().optional(),
});

/**
 * `GET /queue/item/N/api/json`. A left item without an executable yet (the
 * executor has not created the build) still counts as waiting.
 */
export function parseQueueItem(json: unknown): Parsed<Exclude<JenkinsQueueState, { state: 'gone' }>> {
  const parsed = parse(queueItemSchema, json);
  if (!parsed.ok) return parsed;
  const item = parsed.value;
  if (item.cancelled === true) return { ok: true, value: { state: 'cancelled' } };
  if (item.executable) return { ok: true, value: { state: 'started', build: item.executable.number, url: item.executable.url } };
  return { ok: true, value: { state: 'waiting', why: item.why ?? null } };
}

/** One archived file of a build. */
export interface JenkinsArtifact {
  fileName: string;
  /** The path below the build's `artifact/`, as the download URL takes it. */
  relativePath: string;
}

/** The fields of a build that shipgate reads. */
export interface JenkinsBuild {
  number: number;
  url: string;
  /** True until the build (and its post-build steps) finished; `result` may be set earlier by a pipeline. */
  building: boolean;
  /** Null while building. */
  result: JenkinsResult | null;
  /** When the build started (ms since the epoch), when Jenkins said. */
  startedAt: number | null;
  /** 0 while building. */
  durationMs: number;
  artifacts: JenkinsArtifact[];
  parameters: Record<string, string>;
}

const buildSchema = z.looseObject({
  number: z.number().int().positive(),
  url: z.string(),
  building: z.boolean(),
  result: z.string().nullable().optional(),
  timestamp: z.number().nullable().optional(),
  duration: z.number().nullable().optional(),
  artifacts: z.array(z.looseObject({ fileName: z.string(), relativePath: z.string() })).nullable().optional(),
  actions,
});

/** `GET /job/…/N/api/json`. */
export function parseBuild(json: unknown): Parsed<JenkinsBuild> {
  const parsed = parse(buildSchema, json);
  if (!parsed.ok) return parsed;
  const build = parsed.value;
  return {
    ok: true,
    value: {
      number: build.number,
      url: build.url,
      building: build.building,
      result: build.result ?? null,
      startedAt: typeof build.timestamp === 'number' && build.timestamp > 0 ? build.timestamp : null,
      durationMs: build.duration ?? 0,
      artifacts: (build.artifacts ?? []).map(({ fileName, relativePath }) => ({ fileName, relativePath })),
      parameters: parametersOf(build.actions),
    },
  };
}

/** A waiting item of `GET /queue/api/json`. */
export interface JenkinsQueueEntry {
  id: number;
  /** The job's full name, from `task.url` (or its short `task.name` when there is no URL). */
  job: string | undefined;
  parameters: Record<string, string>;
}

const queueSchema = z.looseObject({
  items: z.array(
    z.looseObject({
      id: z.number().int(),
      task: z.looseObject({ name: z.string().optional(), url: z.string().optional() }).nullable().optional(),
      actions,
    }),
  ),
});

export function parseQueue(json: unknown): Parsed<JenkinsQueueEntry[]> {
  const parsed = parse(queueSchema, json);
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    value: parsed.value.items.map((item) => ({
      id: item.id,
      job: (item.task?.url !== undefined ? jobFromUrl(item.task.url) : undefined) ?? item.task?.name,
      parameters: parametersOf(item.actions),
    })),
  };
}

/** An entry of a job's `builds` (newest first). */
export interface JenkinsBuildSummary {
  number: number;
  url: string;
  parameters: Record<string, string>;
}

const buildListSchema = z.looseObject({
  builds: z.array(z.looseObject({ number: z.number().int().positive(), url: z.string(), actions })).nullable().optional(),
});

export function parseBuildList(json: unknown): Parsed<JenkinsBuildSummary[]> {
  const parsed = parse(buildListSchema, json);
  if (!parsed.ok) return parsed;
  return { ok: true, value: (parsed.value.builds ?? []).map((build) => ({ number: build.number, url: build.url, parameters: parametersOf(build.actions) })) };
}

/** A Notification plugin post, reduced to what tells shipgate which build to poll. */
export type JenkinsNotification =
  | { ok: true; job: string; number: number; phase: string; parameters: Record<string, string> }
  | { ok: false; error: string };

const notificationSchema = z.looseObject({
  name: z.string().nullable().optional(),
  url: z.string().nullable().optional(),
  build: z.looseObject({
    number: z.number().int().positive(),
    phase: z.string().min(1),
    url: z.string().nullable().optional(),
    full_url: z.string().nullable().optional(),
    parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
});

/**
 * Parses a post of the Notification plugin (https://plugins.jenkins.io/notification/):
 * `{ name, url, build: { full_url, number, queue_id, phase, status?, url, parameters? } }`.
 *
 * The plugin cannot sign its posts, so anyone could send one: the result only
 * says which build to poll through the authenticated API, and on purpose
 * carries no `status` to trust. The job comes from `url` (`job/a/job/b/` →
 * `a/b`), since the plugin's `name` is the job's short name without its
 * folders; `name` is the fallback when there is no URL. QUEUED is sent when
 * the build starts, so every phase has a build number.
 */
export function parseJenkinsNotification(body: unknown): JenkinsNotification {
  const parsed = parse(notificationSchema, body);
  if (!parsed.ok) return { ok: false, error: `not a Jenkins Notification plugin payload: ${parsed.error}` };
  const { name, url, build } = parsed.value;
  const job =
    (url ? jobFromUrl(url) : undefined) ??
    (build.url ? jobFromUrl(build.url) : undefined) ??
    (build.full_url ? jobFromUrl(build.full_url) : undefined) ??
    (name || undefined);
  if (!job) return { ok: false, error: 'not a Jenkins Notification plugin payload: it names no job (no `url` job/NAME/ and no `name`)' };
  const parameters: Record<string, string> = {};
  for (const [key, value] of Object.entries(build.parameters ?? {})) {
    if (typeof value === 'string') parameters[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') parameters[key] = String(value);
  }
  return { ok: true, job, number: build.number, phase: build.phase, parameters };
}

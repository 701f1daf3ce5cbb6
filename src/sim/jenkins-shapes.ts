/**
 * The JSON the Jenkins simulator answers with, in Jenkins's shapes: `_class`
 * on every object, `actions` with empty `{}` entries for actions that export
 * nothing, absolute `url`s ending in `/`, queue item URLs relative
 * (`queue/item/N/`). `tree=` is not applied (the full object is always
 * answered) except the `{M,N}` range on a job's `builds`. Also the
 * Notification plugin's payload.
 */
import type { JenkinsPhase, SimBuild, SimFolder, SimJob, SimQueueItem } from './jenkins-world.ts';

/** `/job/a/job/b/` for `a/b`. */
export function jobPathOf(path: string): string {
  return `${path
    .split('/')
    .map((name) => `/job/${encodeURIComponent(name)}`)
    .join('')}/`;
}

function parametersAction(parameters: Record<string, string>): Record<string, unknown> {
  return {
    _class: 'hudson.model.ParametersAction',
    parameters: Object.entries(parameters).map(([name, value]) => ({ _class: 'hudson.model.StringParameterValue', name, value })),
  };
}

function causeAction(user: string): Record<string, unknown> {
  return {
    _class: 'hudson.model.CauseAction',
    causes: [{ _class: 'hudson.model.Cause$UserIdCause', shortDescription: `Started by user ${user}`, userId: user, userName: user }],
  };
}

function buildRef(base: string, build: SimBuild): Record<string, unknown> {
  return { _class: 'hudson.model.FreeStyleBuild', number: build.number, url: `${base}${jobPathOf(build.job.path)}${build.number}/` };
}

/** `GET /job/…/N/api/json`. */
export function buildJson(base: string, build: SimBuild, user: string): Record<string, unknown> {
  const artifacts = build.building ? [] : [...build.artifacts.keys()];
  return {
    ...buildRef(base, build),
    actions: [parametersAction(build.parameters), causeAction(user), {}, { _class: 'jenkins.metrics.impl.TimeInQueueAction', queuingDurationMillis: build.timestamp - build.inQueueSince }],
    artifacts: artifacts.map((relativePath) => ({ displayPath: relativePath.split('/').pop(), fileName: relativePath.split('/').pop(), relativePath })),
    building: build.building,
    description: null,
    displayName: `#${build.number}`,
    duration: build.building ? 0 : build.duration,
    estimatedDuration: build.script.durationMs ?? 10_000,
    executor: build.building ? { _class: 'hudson.model.OneOffExecutor' } : null,
    fullDisplayName: `${build.job.path.split('/').join(' » ')} #${build.number}`,
    id: String(build.number),
    keepLog: false,
    queueId: build.queueId,
    result: build.result,
    timestamp: build.timestamp,
    builtOn: '',
    changeSet: { _class: 'hudson.scm.EmptyChangeLogSet', items: [], kind: null },
    culprits: [],
  };
}

/** `GET /job/…/api/json` of a job; `range` is the `{M,N}` of `tree=builds[…]{M,N}`. */
export function jobJson(base: string, job: SimJob, user: string, range: { from: number; to: number } | undefined): Record<string, unknown> {
  const newestFirst = [...job.builds].reverse();
  const listed = range ? newestFirst.slice(range.from, range.to) : newestFirst;
  const last = newestFirst[0];
  return {
    _class: 'hudson.model.FreeStyleProject',
    actions: [{}, { _class: 'com.cloudbees.plugins.credentials.ViewCredentialsAction' }],
    description: '',
    displayName: job.name,
    fullDisplayName: job.path.split('/').join(' » '),
    fullName: job.path,
    name: job.name,
    url: `${base}${jobPathOf(job.path)}`,
    buildable: true,
    builds: listed.map((build) => ({ ...buildRef(base, build), actions: buildJson(base, build, user).actions })),
    color: last ? (last.building ? 'blue_anime' : last.result === 'SUCCESS' ? 'blue' : 'red') : 'notbuilt',
    inQueue: false,
    lastBuild: last ? buildRef(base, last) : null,
    nextBuildNumber: job.nextBuildNumber,
    property: job.parameters.length
      ? [
          {
            _class: 'hudson.model.ParametersDefinitionProperty',
            parameterDefinitions: job.parameters.map((name) => ({
              _class: 'hudson.model.StringParameterDefinition',
              defaultParameterValue: { _class: 'hudson.model.StringParameterValue', name, value: '' },
              description: '',
              name,
              type: 'StringParameterDefinition',
            })),
          },
        ]
      : [],
    queueItem: null,
  };
}

/** `GET /job/…/api/json` of a folder. */
export function folderJson(base: string, folder: SimFolder, children: Array<SimJob | SimFolder>): Record<string, unknown> {
  return {
    _class: 'com.cloudbees.hudson.plugins.folder.Folder',
    actions: [{}],
    description: null,
    displayName: folder.name,
    fullName: folder.path,
    name: folder.name,
    url: `${base}${jobPathOf(folder.path)}`,
    jobs: children.map((child) => ({
      _class: child.kind === 'folder' ? 'com.cloudbees.hudson.plugins.folder.Folder' : 'hudson.model.FreeStyleProject',
      name: child.name,
      url: `${base}${jobPathOf(child.path)}`,
    })),
  };
}

function task(base: string, job: SimJob): Record<string, unknown> {
  return { _class: 'hudson.model.FreeStyleProject', name: job.name, url: `${base}${jobPathOf(job.path)}`, color: 'notbuilt' };
}

/** `GET /queue/item/N/api/json`: a waiting item, or a left one (started with `executable`, or `cancelled`). */
export function queueItemJson(base: string, item: SimQueueItem, user: string, now: number): Record<string, unknown> {
  const common = {
    actions: [parametersAction(item.parameters), causeAction(user)],
    blocked: false,
    buildable: false,
    id: item.id,
    inQueueSince: item.inQueueSince,
    params: Object.entries(item.parameters)
      .map(([name, value]) => `\n${name}=${value}`)
      .join(''),
    stuck: false,
    task: task(base, item.job),
    url: `queue/item/${item.id}/`,
  };
  if (item.leftAt === undefined) {
    return { _class: 'hudson.model.Queue$WaitingItem', ...common, why: 'Waiting for next available executor', timestamp: now };
  }
  return {
    _class: 'hudson.model.Queue$LeftItem',
    ...common,
    why: null,
    cancelled: item.cancelled,
    executable: item.build ? buildRef(base, item.build) : null,
  };
}

/** `GET /queue/api/json`: the items still waiting. */
export function queueJson(base: string, items: SimQueueItem[], user: string, now: number): Record<string, unknown> {
  return { _class: 'hudson.model.Queue', discoverableItems: [], items: items.map((item) => queueItemJson(base, item, user, now)) };
}

/**
 * The Notification plugin's JSON for one phase: `name` is the job's short
 * name (the plugin's `job.getName()`), `url` its path with folders, `status`
 * only once the build has a result, `full_url` absolute.
 */
export function notificationPayload(base: string, build: SimBuild, phase: JenkinsPhase, now: number): Record<string, unknown> {
  const jobUrl = jobPathOf(build.job.path).slice(1);
  const timestamp = phase === 'QUEUED' ? build.inQueueSince : phase === 'STARTED' ? build.timestamp : phase === 'COMPLETED' ? build.timestamp + build.duration : now;
  const artifacts = Object.fromEntries([...build.artifacts.keys()].map((path) => [path, { archive: `${base}/${jobUrl}${build.number}/artifact/${path}` }]));
  return {
    name: build.job.name,
    display_name: build.job.name,
    url: jobUrl,
    build: {
      full_url: `${base}/${jobUrl}${build.number}/`,
      number: build.number,
      queue_id: build.queueId,
      timestamp,
      duration: build.building ? 0 : build.duration,
      phase,
      ...(build.result !== null ? { status: build.result } : {}),
      url: `${jobUrl}${build.number}/`,
      scm: { changes: [], culprits: [] },
      parameters: { ...build.parameters },
      log: '',
      notes: '',
      artifacts,
    },
  };
}

/**
 * Jenkins as a job provider (SPEC §13): `POST /job/NAME/buildWithParameters`
 * with the attempt's correlation id as `SHIPGATE_RUN` → the queue item → the
 * build, followed by polling (`poll-job`) and hinted by the Notification
 * plugin; cancelled with `/stop` (or by cancelling the queue item); artifacts
 * from the build's archived files. Each attempt is a new build.
 *
 * What a Jenkins outcome means for the job:
 *
 * | Jenkins                           | job        |
 * |-----------------------------------|------------|
 * | queue item waiting                | queued     |
 * | building                          | in progress |
 * | SUCCESS                           | success    |
 * | UNSTABLE, FAILURE, NOT_BUILT      | failure    |
 * | ABORTED                           | cancelled  |
 * | queue item cancelled              | failure    |
 */
import { JenkinsClient, CORRELATION_PARAMETER, mapJenkinsResult } from './jenkins/client.ts';
import { ARTIFACT_LIMITS } from '../gates/read-artifact-zip.ts';
import { reason } from '../engine/reasons.ts';
import type { JsonObject } from '../store/schema/index.ts';
import { missingArtifact, oversizedArtifact, zipOf } from './artifacts.ts';
import { ProviderRefusal, ProviderUnavailable } from './errors.ts';
import { jenkinsBuildId, jenkinsQueueId } from './external-ids.ts';
import type { ArtifactFetch, AttemptContext, AttemptRecord, FindOutcome, JobProvider, ProviderArtifact, RunStatus, StartedRun, StartOutcome } from './provider.ts';
import type { JenkinsProviderSettings } from './settings.ts';

/** Most archived files one gate's artifact may gather (a folder of reports). */
const MAX_ARTIFACT_FILES = 200;

/** What `external` keeps of a Jenkins attempt. */
interface JenkinsExternal {
  job: string;
  queueId?: number;
  build?: number;
}

function externalOf(record: Pick<AttemptRecord, 'attempt'>): JenkinsExternal | undefined {
  const value = record.attempt.external;
  if (!value || typeof value['job'] !== 'string') return undefined;
  return {
    job: value['job'],
    ...(typeof value['queueId'] === 'number' ? { queueId: value['queueId'] } : {}),
    ...(typeof value['build'] === 'number' ? { build: value['build'] } : {}),
  };
}

function asJson(external: JenkinsExternal): JsonObject {
  return { ...external };
}

function idOf(external: JenkinsExternal): string {
  return external.build !== undefined ? jenkinsBuildId(external.job, external.build) : jenkinsQueueId(external.queueId ?? 0);
}

function started(external: JenkinsExternal, url: string | null): StartedRun {
  return { externalId: idOf(external), external: asJson(external), url };
}

export function jenkinsProvider(settings: JenkinsProviderSettings, options: { timeoutMs?: number } = {}): JobProvider {
  const client = new JenkinsClient({ url: settings.url, user: settings.user, token: settings.token }, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});

  const jobOf = (ctx: AttemptContext): string | undefined => (ctx.job.target?.provider === 'jenkins' ? ctx.job.target.job : undefined);

  /** A build that moved on from its queue item: found by the correlation parameter (Jenkins forgets left items after ~5 minutes). */
  const byCorrelation = async (job: string, correlation: string): Promise<JenkinsExternal | undefined> => {
    const found = await client.findByParameter(job, CORRELATION_PARAMETER, correlation);
    if (!found) return undefined;
    return 'build' in found ? { job, build: found.build } : { job, queueId: found.queueId };
  };

  return {
    name: 'jenkins',
    async start(ctx, values, beforeSend): Promise<StartOutcome> {
      const job = jobOf(ctx);
      if (job === undefined) return { kind: 'refused', reason: reason('job.plan-missing', { stage: ctx.stage, job: ctx.attempt.job }) };
      let declared: string[];
      try {
        declared = await client.parameterNames(job);
      } catch (error) {
        // Nothing was triggered yet.
        if (error instanceof ProviderUnavailable) return { kind: 'not-sent', error };
        throw error;
      }
      if (!declared.includes(CORRELATION_PARAMETER)) return { kind: 'refused', reason: reason('job.jenkins-no-correlation-parameter', { job }) };
      const parameters: Record<string, string> = { ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])), [CORRELATION_PARAMETER]: ctx.attempt.correlation_id };
      // Sent only when the job declares them (Jenkins would drop them anyway).
      if (declared.includes('SHIPGATE_SHA')) parameters['SHIPGATE_SHA'] = ctx.run.sha;
      if (declared.includes('SHIPGATE_REF')) parameters['SHIPGATE_REF'] = ctx.plan.dispatchRef;
      await beforeSend?.(parameters);
      const { queueId } = await client.trigger(job, parameters);
      return { kind: 'started', run: started({ job, queueId }, null) };
    },
    async find(ctx): Promise<FindOutcome> {
      const job = jobOf(ctx);
      if (job === undefined) return { kind: 'absent' };
      const found = await byCorrelation(job, ctx.attempt.correlation_id);
      return found ? { kind: 'found', run: started(found, null) } : { kind: 'absent' };
    },
    async status(record): Promise<RunStatus> {
      const external = externalOf(record);
      if (!external) throw new ProviderRefusal('jenkins', 'the attempt does not say which Jenkins job it started');
      let current = external;
      if (current.build === undefined) {
        const item = current.queueId !== undefined ? await client.queueItem(current.queueId) : ({ state: 'gone' } as const);
        if (item.state === 'waiting') return { state: 'queued', detail: item.why };
        if (item.state === 'cancelled') return { state: 'completed', conclusion: 'failure', detail: 'the Jenkins queue item was cancelled before a build started' };
        if (item.state === 'started') current = { ...current, build: item.build };
        else {
          const found = await byCorrelation(current.job, record.attempt.correlation_id);
          if (found?.build === undefined) {
            if (found?.queueId !== undefined) return { state: 'queued', moved: { externalId: idOf(found), external: asJson(found) } };
            return { state: 'completed', conclusion: 'failure', detail: `Jenkins no longer knows queue item ${current.queueId ?? '?'} and no build of ${current.job} carries ${CORRELATION_PARAMETER}=${record.attempt.correlation_id}` };
          }
          current = found;
        }
      }
      const build = await client.build(current.job, current.build as number);
      const moved = current.build !== external.build ? { moved: { externalId: jenkinsBuildId(current.job, build.number), external: asJson({ ...current, build: build.number }) } } : {};
      const startedAt = build.startedAt !== null ? new Date(build.startedAt) : null;
      if (build.building || build.result === null) return { state: 'in_progress', url: build.url, startedAt, ...moved };
      const mapped = mapJenkinsResult(build.result);
      return { state: 'completed', conclusion: mapped.conclusion, detail: mapped.detail, url: build.url, startedAt, ...moved };
    },
    async cancel(record) {
      const external = externalOf(record);
      if (!external) return;
      try {
        if (external.build !== undefined) await client.stop(external.job, external.build);
        else if (external.queueId !== undefined) {
          const item = await client.queueItem(external.queueId);
          if (item.state === 'started') await client.stop(external.job, item.build);
          else if (item.state === 'waiting') await client.cancelQueueItem(external.queueId);
        }
      } catch (error) {
        // Gone already: nothing is left running.
        if (error instanceof ProviderRefusal && error.kind === 'not-found') return;
        throw error;
      }
    },
    async artifacts(record): Promise<ProviderArtifact[]> {
      const external = externalOf(record);
      if (external?.build === undefined) return [];
      const build = await client.build(external.job, external.build);
      return build.artifacts.map((artifact) => ({ name: artifact.relativePath, sizeInBytes: null }));
    },
    /**
     * A gate's artifact on Jenkins is an archived file (`coverage/lcov.info`, or its
     * bare name `lcov.info`) or a folder of them (`coverage` → every file below
     * `coverage/`), wrapped into one zip for the report reader.
     */
    async download(record, name): Promise<ArtifactFetch> {
      const external = externalOf(record);
      if (external?.build === undefined) return missingArtifact(name, []);
      const build = await client.build(external.job, external.build);
      const folder = name.replace(/\/+$/, '');
      const chosen = build.artifacts.filter((a) => a.relativePath === folder || a.fileName === folder || a.relativePath.startsWith(`${folder}/`)).slice(0, MAX_ARTIFACT_FILES);
      if (chosen.length === 0) return missingArtifact(name, [...new Set(build.artifacts.map((a) => a.relativePath.split('/')[0] ?? a.relativePath))]);
      const files: Record<string, Uint8Array> = {};
      let budget = ARTIFACT_LIMITS.maxCompressedBytes;
      for (const artifact of chosen) {
        let bytes: Buffer;
        try {
          bytes = await client.artifact(external.job, external.build, artifact.relativePath, budget);
        } catch (error) {
          if (error instanceof ProviderRefusal && error.kind === 'too-large') return oversizedArtifact(name, ARTIFACT_LIMITS.maxCompressedBytes);
          throw error;
        }
        budget -= bytes.length;
        files[artifact.relativePath] = new Uint8Array(bytes);
      }
      return { ok: true, zip: zipOf(files) };
    },
  };
}

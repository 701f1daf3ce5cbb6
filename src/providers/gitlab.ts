/**
 * GitLab CI as a job provider (SPEC §13): `POST /projects/:id/pipeline` with
 * `ref` and `variables` (the correlation id as `SHIPGATE_RUN`), followed by
 * pipeline hooks (`X-Gitlab-Token`) with polling as the backstop; cancelled
 * and retried through the API (a retry reruns the failed jobs of the same
 * pipeline); artifacts are jobs' artifacts archives (a gate's `artifact:`
 * names the GitLab job whose archive holds the report). The status mapping
 * is `mapGitLabStatus` in `gitlab/gitlab-data.ts`.
 */
import { GitLabClient, CORRELATION_VARIABLE, type GitLabPipeline } from './gitlab/client.ts';
import { mapGitLabStatus } from './gitlab/gitlab-data.ts';
import { ARTIFACT_LIMITS } from '../gates/read-artifact-zip.ts';
import type { Clock } from '../clock.ts';
import { missingArtifact, oversizedArtifact } from './artifacts.ts';
import { ProviderRefusal } from './errors.ts';
import { gitlabExternalId } from './external-ids.ts';
import type { ArtifactFetch, AttemptContext, AttemptRecord, FindOutcome, JobProvider, ProviderArtifact, RunStatus, StartedRun, StartOutcome } from './provider.ts';
import type { GitLabProviderSettings } from './settings.ts';
import { reason } from '../engine/reasons.ts';

/** What `external` keeps of a GitLab attempt. */
interface GitLabExternal {
  /** As the config wrote it (an id or a path): what the API calls take. */
  project: string;
  projectId: number;
  pipelineId: number;
}

function externalOf(record: Pick<AttemptRecord, 'attempt'>): GitLabExternal | undefined {
  const value = record.attempt.external;
  if (!value || typeof value['project'] !== 'string' || typeof value['projectId'] !== 'number' || typeof value['pipelineId'] !== 'number') return undefined;
  return { project: value['project'], projectId: value['projectId'], pipelineId: value['pipelineId'] };
}

function startedRun(project: string, pipeline: GitLabPipeline): StartedRun {
  return { externalId: gitlabExternalId(pipeline.projectId, pipeline.id), external: { project, projectId: pipeline.projectId, pipelineId: pipeline.id }, url: pipeline.webUrl };
}

/** The GitLab ref a job runs on: `gitlab.ref`, else the run's branch or tag. */
function refOf(ctx: AttemptContext): string {
  const target = ctx.job.target;
  return target?.provider === 'gitlab' && target.ref !== undefined ? target.ref : ctx.plan.dispatchRef;
}

export function gitlabProvider(settings: GitLabProviderSettings, options: { clock: Pick<Clock, 'now'>; timeoutMs?: number }): JobProvider {
  const client = new GitLabClient({ url: settings.url, token: settings.token }, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
  const projectOf = (ctx: AttemptContext): string | undefined => (ctx.job.target?.provider === 'gitlab' ? ctx.job.target.project : undefined);

  return {
    name: 'gitlab',
    reportsChanges: settings.webhookToken !== undefined,
    async start(ctx, values, beforeSend): Promise<StartOutcome> {
      const project = projectOf(ctx);
      if (project === undefined) return { kind: 'refused', reason: reason('job.plan-missing', { stage: ctx.stage, job: ctx.attempt.job }) };
      const variables: Record<string, string> = {
        ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])),
        [CORRELATION_VARIABLE]: ctx.attempt.correlation_id,
        SHIPGATE_SHA: ctx.run.sha,
        SHIPGATE_REPOSITORY: `${ctx.run.owner}/${ctx.run.repo}`,
      };
      await beforeSend?.({ ref: refOf(ctx), ...variables });
      const pipeline = await client.createPipeline(project, refOf(ctx), variables);
      return { kind: 'started', run: startedRun(project, pipeline) };
    },
    async find(ctx): Promise<FindOutcome> {
      const project = projectOf(ctx);
      if (project === undefined) return { kind: 'absent' };
      if (ctx.attempt.attempt > 1 && ctx.attempt.external_id !== null) {
        // A retry in place: sending it again retries the same pipeline's failed jobs, never a second pipeline.
        return { kind: 'absent' };
      }
      // A minute of slack for clocks that differ between shipgate and GitLab.
      const since = new Date((ctx.attempt.dispatched_at ?? ctx.attempt.created_at).getTime() - 60_000);
      const found = await client.findByVariable(project, { ref: refOf(ctx), name: CORRELATION_VARIABLE, value: ctx.attempt.correlation_id, createdAfter: since });
      return found ? { kind: 'found', run: startedRun(project, found) } : { kind: 'absent' };
    },
    async retry(ctx): Promise<StartOutcome> {
      const external = externalOf(ctx);
      if (!external) return { kind: 'refused', reason: reason('job.provider-refused', { provider: 'GitLab CI', message: 'the previous attempt has no pipeline to retry' }) };
      const pipeline = await client.retry(external.project, external.pipelineId);
      return { kind: 'started', run: startedRun(external.project, pipeline) };
    },
    async status(record): Promise<RunStatus> {
      const external = externalOf(record);
      if (!external) throw new ProviderRefusal('gitlab', 'the attempt does not say which GitLab pipeline it started');
      const pipeline = await client.pipeline(external.project, external.pipelineId);
      const mapped = mapGitLabStatus(pipeline.status);
      return {
        state: mapped.state,
        ...(mapped.conclusion ? { conclusion: mapped.conclusion } : {}),
        detail: mapped.detail ?? null,
        url: pipeline.webUrl,
        startedAt: pipeline.startedAt ? new Date(pipeline.startedAt) : null,
      };
    },
    async cancel(record) {
      const external = externalOf(record);
      if (!external) return;
      try {
        await client.cancel(external.project, external.pipelineId);
      } catch (error) {
        if (error instanceof ProviderRefusal && error.kind === 'not-found') return;
        throw error;
      }
    },
    async artifacts(record): Promise<ProviderArtifact[]> {
      const external = externalOf(record);
      if (!external) return [];
      const jobs = await client.jobs(external.project, external.pipelineId);
      return jobs.flatMap((job) => job.artifacts.filter((a) => a.fileType === 'archive').map((a) => ({ name: job.name, sizeInBytes: a.size })));
    },
    /** The artifacts archive of the pipeline's job named `name` (the newest such job: a retry makes another). */
    async download(record, name): Promise<ArtifactFetch> {
      const external = externalOf(record);
      if (!external) return missingArtifact(name, []);
      const jobs = await client.jobs(external.project, external.pipelineId);
      const withArchive = jobs.filter((job) => job.artifacts.some((a) => a.fileType === 'archive'));
      const job = withArchive.filter((j) => j.name === name).sort((a, b) => b.id - a.id)[0];
      if (!job) return missingArtifact(name, [...new Set(withArchive.map((j) => j.name))]);
      const listed = job.artifacts.find((a) => a.fileType === 'archive')?.size ?? 0;
      const max = ARTIFACT_LIMITS.maxCompressedBytes;
      if (listed > max) return oversizedArtifact(name, max);
      try {
        return { ok: true, zip: new Uint8Array(await client.jobArtifacts(external.project, job.id, max)) };
      } catch (error) {
        if (error instanceof ProviderRefusal && error.kind === 'too-large') return oversizedArtifact(name, max);
        throw error;
      }
    },
  };
}

/**
 * What the Jenkins and GitLab simulators hold of a job attempt's build or
 * pipeline, found by the correlation id shipgate sends with every start
 * (`SHIPGATE_RUN`): the timeline shows where a job went and how it ended
 * there. The simulators run in the same process, so these look-ups read their
 * state directly.
 */
import type { JobProviderName } from '../store/schema/index.ts';
import type { GitLabPipelineView, GitLabSimulator } from '../sim/gitlab.ts';
import type { JenkinsSimBuild, JenkinsSimQueueItem, JenkinsSimulator } from '../sim/jenkins.ts';
import { jobPathOf } from '../sim/jenkins-shapes.ts';
import type { ExternalRunFacts } from './timeline.ts';

/** The variable or parameter that carries the correlation id on both providers. */
export const CORRELATION_NAME = 'SHIPGATE_RUN';

/** One attempt of one job of a pipeline run, as engine events name it. */
export interface AttemptRef {
  runId: number;
  stage: string;
  job: string;
  attempt: number;
}

/**
 * A correlation id as the engine writes it (`src/engine/advance.ts`):
 * `sg-<run>-<stage>-<job>-<attempt>-<16 hex>` for a new attempt, with
 * `.r<attempt>` appended for each retry that keeps the previous attempt's id.
 */
const CORRELATION_ID = /^sg-(\d+)-(.+)-(\d+)-[0-9a-f]{16}((?:\.r\d+)*)$/;

/** What a correlation id names: the pipeline run, `<stage>-<job>`, the attempt (the last `.rN`, else the one in the id); undefined for anything else. */
export function parseCorrelation(id: string | undefined): { runId: number; stageJob: string; attempt: number } | undefined {
  const match = id === undefined ? null : CORRELATION_ID.exec(id);
  if (!match) return undefined;
  const retried = /\.r(\d+)$/.exec(match[4] ?? '');
  return { runId: Number(match[1]), stageJob: match[2] ?? '', attempt: Number(retried?.[1] ?? match[3]) };
}

/** The attempt a correlation id names (`sg-1-verify-legacy-1-0123456789abcdef.r2` → 2), or undefined for anything else. */
export function attemptOfCorrelation(id: string | undefined): number | undefined {
  return parseCorrelation(id)?.attempt;
}

/** Whether correlation id `id` is that of the attempt `ref`. */
export function correlates(id: string | undefined, ref: AttemptRef): boolean {
  const parsed = parseCorrelation(id);
  return parsed !== undefined && parsed.runId === ref.runId && parsed.stageJob === `${ref.stage}-${ref.job}` && parsed.attempt === ref.attempt;
}

/** The values shipgate sent that the config set (its own `SHIPGATE_*` left out). */
function configuredValues(values: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !name.startsWith('SHIPGATE_')));
}

/** A build's page on the Jenkins simulator, as Jenkins links it: `…/job/platform/job/legacy-tests/1/`. */
export function jenkinsBuildUrl(base: string, job: string, number: number): string {
  return `${base}${jobPathOf(job)}${number}/`;
}

/** What the timeline shows of a Jenkins build, or of its queue item before it left the queue. */
export function jenkinsFacts(base: string, job: string, found: { build: JenkinsSimBuild } | { item: JenkinsSimQueueItem }): ExternalRunFacts {
  if ('item' in found) {
    return { provider: 'jenkins', target: job, run: `queue item ${found.item.id}`, url: `${base}/queue/item/${found.item.id}/`, ref: undefined, values: configuredValues(found.item.parameters), result: undefined, durationMs: undefined };
  }
  const { build } = found;
  return {
    provider: 'jenkins',
    target: job,
    run: `build #${build.number}`,
    url: jenkinsBuildUrl(base, job, build.number),
    ref: undefined,
    values: configuredValues(build.parameters),
    result: build.building ? undefined : (build.result ?? undefined),
    durationMs: build.building ? undefined : build.durationMs,
  };
}

const GITLAB_FINAL: ReadonlySet<string> = new Set(['success', 'failed', 'canceled', 'skipped']);

/** What the timeline shows of a GitLab pipeline. */
export function gitlabFacts(project: string, pipeline: GitLabPipelineView): ExternalRunFacts {
  const final = GITLAB_FINAL.has(pipeline.status);
  return {
    provider: 'gitlab',
    target: project,
    run: `pipeline ${pipeline.id}`,
    url: pipeline.webUrl,
    ref: pipeline.ref,
    values: configuredValues(pipeline.variables),
    result: final ? pipeline.status : undefined,
    durationMs: final && pipeline.startedAt !== null && pipeline.finishedAt !== null ? pipeline.finishedAt - pipeline.startedAt : undefined,
  };
}

export interface ExternalRunsOptions {
  jenkins: JenkinsSimulator;
  gitlab: GitLabSimulator;
  /** The Jenkins jobs the story's config builds. */
  jenkinsJobs: readonly string[];
  /** The GitLab projects whose pipelines it runs. */
  gitlabProjects: readonly string[];
}

/**
 * A look-up of an attempt's build or pipeline: the Jenkins build carrying
 * its correlation id (else the queue item waiting with it), or the GitLab
 * pipeline; undefined when the provider holds none (yet), or for a provider
 * without a simulator here.
 */
export function externalRunLookup(options: ExternalRunsOptions): (ref: AttemptRef & { provider: JobProviderName }) => ExternalRunFacts | undefined {
  const { jenkins, gitlab } = options;
  return (ref) => {
    const carries = (values: Readonly<Record<string, string>>) => correlates(values[CORRELATION_NAME], ref);
    if (ref.provider === 'jenkins') {
      for (const job of options.jenkinsJobs) {
        const build = jenkins.builds(job).find((b) => carries(b.parameters));
        if (build) return jenkinsFacts(jenkins.url, job, { build });
        const item = jenkins.queue().find((q) => q.job === job && !q.cancelled && carries(q.parameters));
        if (item) return jenkinsFacts(jenkins.url, job, { item });
      }
    }
    if (ref.provider === 'gitlab') {
      for (const project of options.gitlabProjects) {
        const pipeline = gitlab.pipelines(project).find((p) => carries(p.variables));
        if (pipeline) return gitlabFacts(project, pipeline);
      }
    }
    return undefined;
  };
}

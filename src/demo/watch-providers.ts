/**
 * Watches the Jenkins and GitLab simulators for what shipgate's events do not
 * tell: a Jenkins build leaving the queue (its build page exists from then
 * on) and finishing, a GitLab pipeline changing status, and each
 * Notification plugin post and Pipeline Hook reaching the app. Like the
 * GitHub simulator's watch, a short poll of in-process state.
 */
import type { Clock } from '../clock.ts';
import type { GitLabSimulator } from '../sim/gitlab.ts';
import type { JenkinsSimulator } from '../sim/jenkins.ts';
import { attemptOfCorrelation, CORRELATION_NAME, jenkinsBuildUrl } from './external-runs.ts';
import { pollEvery } from './poll-loop.ts';

/** Something a provider simulator saw. */
export type ProviderChange =
  | {
      kind: 'jenkins-build';
      job: string;
      number: number;
      building: boolean;
      /** Set once it finished. */
      result: string | null;
      url: string;
      /** The shipgate attempt it belongs to, from its correlation parameter. */
      attempt: number | undefined;
      durationMs: number;
      /** Archived files (relative paths), once it finished. */
      artifacts: string[];
    }
  | { kind: 'jenkins-notification'; job: string; number: number; phase: string; status: number | undefined; error: string | undefined }
  | {
      kind: 'gitlab-pipeline';
      project: string;
      pipelineId: number;
      status: string;
      url: string;
      attempt: number | undefined;
      /** From started to finished, once it finished. */
      durationMs: number | undefined;
    }
  | { kind: 'gitlab-hook'; project: string | undefined; pipelineId: number; status: string; response: number | undefined; error: string | undefined; dropped: boolean };

export interface ProviderWatchOptions {
  jenkins: JenkinsSimulator;
  gitlab: GitLabSimulator;
  /** The Jenkins jobs whose builds are reported. */
  jenkinsJobs: readonly string[];
  /** The GitLab projects whose pipelines are reported. */
  gitlabProjects: readonly string[];
  clock: Clock;
  /** How often to look (default 50 ms). */
  intervalMs?: number;
  onChange(change: ProviderChange): void;
}

/** A running watch: `poll()` looks now (before judging the end), `stop()` ends it. */
export interface ProviderWatch {
  poll(): void;
  stop(): void;
}

/** Starts polling both simulators; changes are reported in the order they are seen. */
export function watchProviders(options: ProviderWatchOptions): ProviderWatch {
  const { jenkins, gitlab } = options;
  const buildStates = new Map<string, string>();
  const pipelineStates = new Map<number, string>();
  const projectOfPipeline = new Map<number, string>();
  let notificationsSeen = 0;
  let hooksSeen = 0;

  const poll = () => {
    for (const job of options.jenkinsJobs) {
      for (const build of jenkins.builds(job)) {
        const key = `${job}#${build.number}`;
        const state = build.building ? 'building' : (build.result ?? 'done');
        const seen = buildStates.get(key);
        if (seen === state) continue;
        const change = { kind: 'jenkins-build', job, number: build.number, url: jenkinsBuildUrl(jenkins.url, job, build.number), attempt: attemptOfCorrelation(build.parameters[CORRELATION_NAME]) } as const;
        // A build first seen finished was building before: both are told, in order.
        if (seen === undefined && !build.building) options.onChange({ ...change, building: true, result: null, durationMs: 0, artifacts: [] });
        buildStates.set(key, state);
        options.onChange({ ...change, building: build.building, result: build.result, durationMs: build.durationMs, artifacts: build.building ? [] : [...build.artifacts] });
      }
    }
    // Posts are reported once answered (or failed), in the order the phases happened.
    while (notificationsSeen < jenkins.notifications.length) {
      const post = jenkins.notifications[notificationsSeen];
      if (!post || (post.status === undefined && post.error === undefined)) break;
      notificationsSeen += 1;
      options.onChange({ kind: 'jenkins-notification', job: post.job, number: post.number, phase: post.phase, status: post.status, error: post.error });
    }
    for (const project of options.gitlabProjects) {
      for (const pipeline of gitlab.pipelines(project)) {
        projectOfPipeline.set(pipeline.id, project);
        if (pipelineStates.get(pipeline.id) === pipeline.status) continue;
        pipelineStates.set(pipeline.id, pipeline.status);
        const finished = pipeline.finishedAt !== null && pipeline.startedAt !== null;
        options.onChange({
          kind: 'gitlab-pipeline',
          project,
          pipelineId: pipeline.id,
          status: pipeline.status,
          url: pipeline.webUrl,
          attempt: attemptOfCorrelation(pipeline.variables[CORRELATION_NAME]),
          durationMs: finished ? (pipeline.finishedAt ?? 0) - (pipeline.startedAt ?? 0) : undefined,
        });
      }
    }
    while (hooksSeen < gitlab.hooks.length) {
      const hook = gitlab.hooks[hooksSeen];
      if (!hook || (!hook.dropped && hook.response === undefined && hook.error === undefined)) break;
      hooksSeen += 1;
      options.onChange({ kind: 'gitlab-hook', project: projectOfPipeline.get(hook.pipelineId), pipelineId: hook.pipelineId, status: hook.status, response: hook.response, error: hook.error, dropped: hook.dropped });
    }
  };
  const loop = pollEvery(options.clock, options.intervalMs ?? 50, poll);

  return { poll, stop: () => loop.stop() };
}

/**
 * How attempts record the id of their run on other providers
 * (`job_attempts.external_id`), in one place so the providers, their webhooks
 * and the dashboard agree. A Jenkins build number counts per job and a queue
 * id per server; a GitLab pipeline id is kept with its project's.
 */

/** A Jenkins queue item (before it became a build). */
export function jenkinsQueueId(queueId: number): string {
  return `queue:${queueId}`;
}

/** A Jenkins build of a job (folders `a/b`). */
export function jenkinsBuildId(job: string, build: number): string {
  return `build:${job}#${build}`;
}

/** A GitLab pipeline of a project (by the project's numeric id). */
export function gitlabExternalId(projectId: number, pipelineId: number): string {
  return `${projectId}:${pipelineId}`;
}

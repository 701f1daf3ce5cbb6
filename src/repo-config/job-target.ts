/**
 * What a configured job runs on, as one shape per CI provider (SPEC §13). The
 * parsed {@link Job} keeps the YAML keys (`workflow`, `jenkins`, …, one of them
 * set); the engine and the providers switch on `provider` here instead of testing
 * which key is there.
 */
import type { Job } from './schema.ts';

/** Values passed to a job: workflow inputs, build parameters, pipeline variables or payload entries. */
export type JobValues = Record<string, string | number | boolean>;

/** A job's target, by provider. */
export type JobTarget =
  | { provider: 'actions'; workflow: string; inputs: JobValues }
  | { provider: 'jenkins'; job: string; parameters: JobValues }
  | { provider: 'gitlab'; project: string; ref?: string; variables: JobValues }
  | { provider: 'webhook'; url: string; payload: JobValues };

/** The CI providers a job may run on. */
export type JobProvider = JobTarget['provider'];

/**
 * The target of a parsed job. GitLab's `project` is a string even when written as
 * a number: the API takes the id or the URL-encoded path in the same place. The
 * values are copies, so a caller may change them. Throws for a job without
 * exactly one kind, which the schema never lets through.
 */
export function jobTargetOf(job: Job): JobTarget {
  const targets: JobTarget[] = [];
  if (job.workflow !== undefined) targets.push({ provider: 'actions', workflow: job.workflow, inputs: { ...job.inputs } });
  if (job.jenkins !== undefined) targets.push({ provider: 'jenkins', job: job.jenkins.job, parameters: { ...job.jenkins.parameters } });
  if (job.gitlab !== undefined) {
    const { project, ref, variables } = job.gitlab;
    targets.push({ provider: 'gitlab', project: String(project), ...(ref !== undefined ? { ref } : {}), variables: { ...variables } });
  }
  if (job.webhook !== undefined) targets.push({ provider: 'webhook', url: job.webhook.url, payload: { ...job.webhook.payload } });
  const [target, ...others] = targets;
  if (target === undefined || others.length > 0) {
    const found = targets.length === 0 ? 'none' : targets.map((t) => (t.provider === 'actions' ? 'workflow' : t.provider)).join(' and ');
    throw new Error(`a job runs on exactly one of workflow, jenkins, gitlab, webhook (found ${found}); parse the config with shipgateConfigSchema first`);
  }
  return target;
}

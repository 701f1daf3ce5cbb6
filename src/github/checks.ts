import type { GitHubClient, RepoRef } from './client.ts';
import type { CheckRunBody } from '../engine/check-output.ts';
import { fitCheckOutput } from './check-output-limits.ts';

/** An annotation on a check run (GitHub takes at most 50 per request). */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title?: string;
  message: string;
}

export const ANNOTATIONS_PER_REQUEST = 50;

/** Creates a check run on `headSha`; returns its id. The first 50 annotations go with it, the rest in appending updates. */
export async function createCheckRun(
  octokit: GitHubClient,
  { owner, repo }: RepoRef,
  headSha: string,
  body: CheckRunBody,
  options: { externalId?: string; annotations?: CheckAnnotation[] } = {},
): Promise<number> {
  const annotations = options.annotations ?? [];
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    head_sha: headSha,
    ...body,
    ...(options.externalId ? { external_id: options.externalId } : {}),
    output: { ...fittedOutput(octokit, body), ...(annotations.length ? { annotations: annotations.slice(0, ANNOTATIONS_PER_REQUEST) } : {}) },
  } as Parameters<GitHubClient['rest']['checks']['create']>[0]);
  for (let i = ANNOTATIONS_PER_REQUEST; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    await updateCheckRun(octokit, { owner, repo }, data.id, { ...body, name: body.name }, annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }
  return data.id;
}

/** Updates a check run this app created. */
export async function updateCheckRun(
  octokit: GitHubClient,
  { owner, repo }: RepoRef,
  checkRunId: number,
  body: CheckRunBody,
  annotations: CheckAnnotation[] = [],
): Promise<void> {
  await octokit.rest.checks.update({
    owner,
    repo,
    check_run_id: checkRunId,
    ...body,
    output: { ...fittedOutput(octokit, body), ...(annotations.length ? { annotations } : {}) },
  } as Parameters<GitHubClient['rest']['checks']['update']>[0]);
}

/** The body's output cut to GitHub's limits; what was cut is logged in full, as the cut output says. */
function fittedOutput(octokit: GitHubClient, body: CheckRunBody): CheckRunBody['output'] {
  const { output, cuts } = fitCheckOutput(body.output);
  for (const cut of cuts) {
    octokit.log.warn(`check run ${body.name}: ${cut.field} cut by ${cut.characters} characters to GitHub's limit; the complete ${cut.field} was:\n${body.output[cut.field] ?? ''}`);
  }
  return output;
}

/**
 * The id of this app's check run `name` on `headSha` whose `external_id` is
 * `externalId`, if one exists: a create whose answer was lost (5xx, crash)
 * is found here instead of being sent twice.
 */
export async function findCheckRunByExternalId(
  octokit: GitHubClient,
  { owner, repo, sha }: RepoRef & { sha: string },
  name: string,
  externalId: string,
): Promise<number | undefined> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, { owner, repo, ref: sha, check_name: name, filter: 'all', per_page: 100 });
  return runs.find((run) => run.external_id === externalId)?.id;
}

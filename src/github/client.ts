import type { ProbotOctokit } from 'probot';

/** An installation-authenticated Octokit, as `probot.auth(installationId)` returns it. */
export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/** Identifies a repository in calls to GitHub. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** The HTTP status of an Octokit error, if it has one. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub's own message of a failed request (its `message` field), else the error's. */
export function githubMessage(err: unknown): string {
  const data = (err as { response?: { data?: { message?: unknown; errors?: unknown } } } | null)?.response?.data;
  if (data && typeof data.message === 'string') {
    const details = Array.isArray(data.errors)
      ? data.errors.map((e) => (typeof e === 'string' ? e : (e as { message?: string }).message ?? JSON.stringify(e))).join('; ')
      : '';
    return details ? `${data.message} (${details})` : data.message;
  }
  return err instanceof Error ? err.message : String(err);
}

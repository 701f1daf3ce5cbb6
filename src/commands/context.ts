import type { EngineDeps } from '../engine/deps.ts';
import type { GitHubClient } from '../github/client.ts';

/** What a command handler works with: one command of one comment. */
export interface CommandContext {
  deps: EngineDeps;
  octokit: GitHubClient;
  owner: string;
  repo: string;
  installationId: number;
  deliveryId: string;
  actor: string;
  /** The issue or pull request the comment is on. */
  issue: { number: number; isPullRequest: boolean };
  args: readonly string[];
  prefix: string;
  /** The repository's default branch (where `/run` starts on an issue comment). */
  defaultBranch: string;
  /** The comment's webhook payload (`github.event` to the `if:` of a run it starts). */
  payload: Record<string, unknown>;
  /** The pull request's current head, read from the API once per delivery. */
  pullHead(): Promise<{ sha: string; ref: string; fromFork: boolean }>;
}

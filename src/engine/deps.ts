import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { GitHubClient } from '../github/client.ts';
import type { WorkflowCache } from '../github/workflows.ts';
import type { WorkflowListings } from '../providers/actions.ts';
import type { Providers } from '../providers/registry.ts';
import type { JobProviderName } from '../store/schema/index.ts';
import type { Database } from '../store/schema/index.ts';
import type { ShipgateMetrics } from '../metrics/registry.ts';

/** Something that happened in the engine, for the demo's timeline and metrics. */
export type EngineEvent =
  | { kind: 'run-created'; runId: number; pipeline: string; repo: string; sha: string; trigger: string }
  | { kind: 'stage-started'; runId: number; pipeline: string; stage: string }
  | { kind: 'stage-skipped'; runId: number; pipeline: string; stage: string; reason: string }
  | { kind: 'stage-completed'; runId: number; pipeline: string; stage: string; conclusion: string }
  | { kind: 'job-dispatched'; runId: number; pipeline: string; stage: string; job: string; attempt: number; workflowRunId: number | null; provider?: JobProviderName; url?: string | null }
  | { kind: 'job-failed-to-start'; runId: number; pipeline: string; stage: string; job: string; error: string }
  | { kind: 'job-completed'; runId: number; pipeline: string; stage: string; job: string; attempt: number; conclusion: string }
  | { kind: 'job-retry-scheduled'; runId: number; pipeline: string; stage: string; job: string; at: number }
  | { kind: 'gate-evaluated'; runId: number; pipeline: string; gate: string; result: string }
  | { kind: 'run-completed'; runId: number; pipeline: string; conclusion: string }
  | { kind: 'config-invalid'; repo: string; sha: string; errors: number }
  | { kind: 'no-pipeline'; repo: string; sha: string };

/** What the engine works with; one set per process. */
export interface EngineDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  /** An installation-authenticated client (Probot's `auth(installationId)`). */
  github(installationId: number): Promise<GitHubClient>;
  workflowCache: WorkflowCache;
  /** Base of the retry backoff (SPEC §3: 30 s). */
  retryBaseMs?: number;
  /** How long an attempt may stay without news before it is polled (default 5 min). */
  quietAfterMs?: number;
  /** Workflow listings by commit, shared by the dispatches of one process. */
  workflowListings: WorkflowListings;
  /** The CI providers jobs run on (GitHub Actions, and Jenkins, GitLab and webhook jobs when set up). */
  providers: Providers;
  /** The GitHub App's id: check-run events of other apps are refused. */
  appId: number;
  /** The effect runner: kicked after every commit that recorded effects. */
  effects?: { kick(): void };
  onEvent?: (event: EngineEvent) => void;
  /** This process's metrics (dispatch latency, deliveries); engine events reach them through `onEvent`. */
  metrics?: ShipgateMetrics;
  /** Asks for `advanceRun(runId)` at `at` (a retry or a deadline falls due); the periodic reconciliation is the backstop. */
  wakeAt?: (runId: number, at: number) => void;
}

/**
 * The simulator's in-memory records. Route handlers and setup methods change
 * these; `shapes*.ts` turn them into GitHub's JSON.
 */
import type { KeyObject } from 'node:crypto';
import type { TimerHandle } from '../clock.ts';
import type { AttemptScript } from './scripts.ts';

/** A repository role as `collaborators/{user}/permission` reports it (`role_name`). */
export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface Account {
  id: number;
  nodeId: string;
  login: string;
  type: 'User' | 'Organization' | 'Bot';
  name: string | null;
  email: string | null;
  createdAt: number;
}

export interface TeamMembership {
  role: 'member' | 'maintainer';
  state: 'active' | 'pending';
}

export interface Team {
  id: number;
  nodeId: string;
  slug: string;
  name: string;
  org: Account;
  members: Map<string, TeamMembership>;
}

export interface Organization {
  account: Account;
  /** login (lower case) → org role. */
  members: Map<string, 'admin' | 'member'>;
  teams: Map<string, Team>;
}

export interface SimApp {
  id: number;
  slug: string;
  name: string;
  nodeId: string;
  clientId: string;
  owner: Account;
  /** The `<slug>[bot]` account that authors the app's comments and reactions. */
  bot: Account;
  /** PKCS#1 PEM; empty for GitHub's own apps (GitHub Actions), which never authenticate here. */
  privateKey: string;
  publicKey: KeyObject | undefined;
  webhookSecret: string;
  webhookUrl: string | undefined;
  hookId: number;
  permissions: Record<string, string>;
  events: string[];
  createdAt: number;
}

export interface Installation {
  id: number;
  app: SimApp;
  account: Account;
  repositorySelection: 'all';
  createdAt: number;
}

export interface Workflow {
  id: number;
  nodeId: string;
  path: string;
  createdAt: number;
  updatedAt: number;
  runCounter: number;
}

export interface Repository {
  id: number;
  nodeId: string;
  owner: Account;
  name: string;
  fullName: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  branches: Map<string, string>;
  tags: Map<string, string>;
  parent: Repository | undefined;
  createdAt: number;
  updatedAt: number;
  pushedAt: number;
  /** login (lower case) → role given with `setPermission`. */
  collaborators: Map<string, Permission>;
  nextNumber: number;
  workflows: Map<string, Workflow>;
  /** Every commit pushed to this repository or its fork network (shared by forks). */
  network: Set<string>;
}

export interface Reaction {
  id: number;
  nodeId: string;
  user: Account;
  content: ReactionContent;
  createdAt: number;
}

export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

export interface IssueComment {
  id: number;
  nodeId: string;
  repo: Repository;
  issue: Issue;
  body: string;
  user: Account;
  app: SimApp | undefined;
  createdAt: number;
  updatedAt: number;
  reactions: Reaction[];
}

/**
 * A comment on a commit (`commit-comment`), optionally on a file (`path`, `position`,
 * `line`). Its id comes from the issue comments' sequence, so an id names one comment
 * of either kind.
 */
export interface CommitComment {
  id: number;
  nodeId: string;
  repo: Repository;
  /** The full sha of the commented commit (`commit_id`). */
  commitId: string;
  body: string;
  path: string | null;
  position: number | null;
  line: number | null;
  user: Account;
  app: SimApp | undefined;
  createdAt: number;
  updatedAt: number;
  reactions: Reaction[];
}

/** Any comment that carries reactions. */
export type ReactableComment = IssueComment | CommitComment;

export interface Issue {
  id: number;
  nodeId: string;
  number: number;
  repo: Repository;
  title: string;
  body: string | null;
  user: Account;
  state: 'open' | 'closed';
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  labels: string[];
  comments: IssueComment[];
  pull: PullRequest | undefined;
}

export interface PullRequestSide {
  repo: Repository;
  ref: string;
  sha: string;
}

export interface PullRequest {
  id: number;
  nodeId: string;
  issue: Issue;
  head: PullRequestSide;
  base: PullRequestSide;
  draft: boolean;
  mergedAt: number | null;
  mergeCommitSha: string | null;
}

export interface CheckSuite {
  id: number;
  nodeId: string;
  repo: Repository;
  app: SimApp;
  headSha: string;
  headBranch: string | null;
  createdAt: number;
}

export interface CheckAnnotation {
  id: number;
  path: string;
  start_line: number;
  end_line: number;
  start_column: number | null;
  end_column: number | null;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string | null;
  message: string;
  raw_details: string | null;
}

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckRun {
  id: number;
  nodeId: string;
  repo: Repository;
  app: SimApp;
  suite: CheckSuite;
  headSha: string;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: number | null;
  completedAt: number | null;
  detailsUrl: string | null;
  externalId: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: CheckAnnotation[];
  actions: CheckRunAction[];
  /** Every body the app sent (create, then each update), for assertions. */
  history: Array<Record<string, unknown>>;
}

export interface DeploymentStatus {
  id: number;
  nodeId: string;
  state: string;
  creator: Account;
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  createdAt: number;
  app: SimApp | undefined;
}

export interface Deployment {
  id: number;
  nodeId: string;
  repo: Repository;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  originalEnvironment: string;
  description: string | null;
  creator: Account;
  createdAt: number;
  updatedAt: number;
  transient: boolean;
  production: boolean;
  app: SimApp | undefined;
  statuses: DeploymentStatus[];
}

export type RunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';

export interface JobStep {
  name: string;
  number: number;
  status: RunStatus;
  conclusion: string | null;
  startedAt: number | null;
  completedAt: number | null;
}

export interface Job {
  id: number;
  nodeId: string;
  run: WorkflowRun;
  runAttempt: number;
  name: string;
  status: RunStatus;
  conclusion: string | null;
  createdAt: number;
  startedAt: number;
  completedAt: number | null;
  steps: JobStep[];
  labels: string[];
  checkRun: CheckRun | undefined;
  /** The job's planned outcome. */
  plannedConclusion: string;
}

export interface Artifact {
  id: number;
  nodeId: string;
  run: WorkflowRun;
  name: string;
  files: Record<string, string | Uint8Array>;
  sizeInBytes: number;
  createdAt: number;
  expiresAt: number;
  expired: boolean;
  digest: string;
}

/** One attempt of a workflow run, as `GET .../attempts/{n}` shows it. */
export interface RunAttempt {
  number: number;
  status: RunStatus;
  conclusion: string | null;
  createdAt: number;
  startedAt: number;
  updatedAt: number;
  triggeringActor: Account;
  timers: TimerHandle[];
}

export interface WorkflowRun {
  id: number;
  nodeId: string;
  repo: Repository;
  workflow: Workflow;
  workflowName: string;
  runNumber: number;
  event: string;
  headBranch: string | null;
  headSha: string;
  displayTitle: string;
  actor: Account;
  inputs: Record<string, string>;
  checkSuite: CheckSuite;
  attempts: RunAttempt[];
  jobs: Job[];
  artifacts: Artifact[];
  createdAt: number;
  /** How each attempt ends (attempt n uses entry n-1, the last one repeats). */
  plan: AttemptScript[];
  /** Set while a cancel is pending. */
  cancelRequested: boolean;
}

export interface InstallationToken {
  token: string;
  installation: Installation;
  expiresAt: number;
}

/** A `deployment_protection_rule` request sent to an app, and the app's answer through the callback. */
export interface ProtectionRuleRequest {
  run: WorkflowRun;
  deployment: Deployment;
  environment: string;
  app: SimApp;
  requestedAt: number;
  /** Status comments posted without a decision. */
  comments: string[];
  decision: { state: string; comment: string | null; at: number } | undefined;
}

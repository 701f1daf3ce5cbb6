/**
 * The simulator's whole world in memory: accounts, organisations, apps,
 * installations, repositories and everything that hangs off them.
 */
import type { Clock } from '../clock.ts';
import { notFound } from './errors.ts';
import { GitStore } from './git.ts';
import { IdSequence, nodeId } from './identity.ts';
import type {
  Account,
  Artifact,
  CheckRun,
  CheckSuite,
  CommitComment,
  Deployment,
  Installation,
  InstallationToken,
  ProtectionRuleRequest,
  Issue,
  IssueComment,
  Job,
  Organization,
  Permission,
  Repository,
  SimApp,
  WorkflowRun,
} from './model.ts';

/** Where the simulator is reachable: the API base and the "web" origin for html_url. */
export interface SimUrls {
  /** e.g. http://127.0.0.1:PORT/api/v3 */
  api: string;
  /** e.g. http://127.0.0.1:PORT */
  web: string;
}

const key = (text: string): string => text.toLowerCase();

export class SimState {
  readonly clock: Clock;
  readonly urls: SimUrls;
  readonly ids = new IdSequence();
  readonly git = new GitStore();
  readonly accounts = new Map<string, Account>();
  readonly orgs = new Map<string, Organization>();
  readonly apps = new Map<number, SimApp>();
  readonly installations = new Map<number, Installation>();
  readonly repos = new Map<string, Repository>();
  readonly issues = new Map<number, Map<number, Issue>>();
  readonly comments = new Map<number, IssueComment>();
  /** Commit comments by id (ids from the same sequence as `comments`, so no id is in both). */
  readonly commitComments = new Map<number, CommitComment>();
  readonly checkSuites = new Map<number, CheckSuite>();
  readonly checkRuns = new Map<number, CheckRun>();
  readonly deployments = new Map<number, Deployment>();
  readonly runs = new Map<number, WorkflowRun>();
  readonly jobs = new Map<number, Job>();
  readonly artifacts = new Map<number, Artifact>();
  readonly tokens = new Map<string, InstallationToken>();
  readonly protectionRequests: ProtectionRuleRequest[] = [];

  constructor(clock: Clock, urls: SimUrls) {
    this.clock = clock;
    this.urls = urls;
  }

  now(): number {
    return this.clock.now();
  }

  /** Finds or creates an account. */
  ensureAccount(login: string, type: Account['type'] = 'User'): Account {
    const existing = this.accounts.get(key(login));
    if (existing) return existing;
    const id = this.ids.next('account');
    const account: Account = {
      id,
      nodeId: nodeId(type === 'Organization' ? 'Organization' : type === 'Bot' ? 'Bot' : 'User', id),
      login,
      type,
      name: type === 'User' ? login : null,
      email: type === 'User' ? `${id}+${login}@users.noreply.github.com` : null,
      createdAt: this.now(),
    };
    this.accounts.set(key(login), account);
    return account;
  }

  account(login: string): Account | undefined {
    return this.accounts.get(key(login));
  }

  org(login: string): Organization | undefined {
    return this.orgs.get(key(login));
  }

  /** The repository, or a 404 error. */
  repo(owner: string, name: string): Repository {
    const repo = this.repos.get(key(`${owner}/${name}`));
    if (!repo) throw notFound('https://docs.github.com/rest/repos/repos#get-a-repository');
    return repo;
  }

  findRepo(fullName: string): Repository | undefined {
    return this.repos.get(key(fullName));
  }

  addRepo(repo: Repository): void {
    this.repos.set(key(repo.fullName), repo);
    this.issues.set(repo.id, new Map());
  }

  issuesOf(repo: Repository): Map<number, Issue> {
    let issues = this.issues.get(repo.id);
    if (!issues) {
      issues = new Map();
      this.issues.set(repo.id, issues);
    }
    return issues;
  }

  /** A repository's commit comments (only those on `sha` when given), oldest first: GitHub lists them by id. */
  commitCommentsOf(repo: Repository, sha?: string): CommitComment[] {
    return [...this.commitComments.values()]
      .filter((comment) => comment.repo === repo && (sha === undefined || comment.commitId === sha))
      .sort((a, b) => a.id - b.id);
  }

  /** The installation of `app` on `account`, if any. */
  installationOf(app: SimApp, account: Account): Installation | undefined {
    for (const installation of this.installations.values()) {
      if (installation.app === app && installation.account === account) return installation;
    }
    return undefined;
  }

  /** Every installation (of any app) on the account that owns `repo`. */
  installationsFor(repo: Repository): Installation[] {
    return [...this.installations.values()].filter((i) => i.account === repo.owner);
  }

  /** Resolves a branch name, tag name, `refs/...` ref or (prefix of a) commit sha to a sha. */
  resolveRef(repo: Repository, ref: string): string | undefined {
    if (ref.startsWith('refs/heads/')) return repo.branches.get(ref.slice(11));
    if (ref.startsWith('refs/tags/')) return repo.tags.get(ref.slice(10));
    if (ref.startsWith('heads/')) return repo.branches.get(ref.slice(6));
    if (ref.startsWith('tags/')) return repo.tags.get(ref.slice(5));
    const branch = repo.branches.get(ref);
    if (branch) return branch;
    const tag = repo.tags.get(ref);
    if (tag) return tag;
    if (/^[0-9a-f]{7,40}$/i.test(ref)) {
      const commit = this.git.findCommit(ref.toLowerCase());
      if (commit && this.isInRepoNetwork(repo, commit.sha)) return commit.sha;
    }
    return undefined;
  }

  /** Whether a commit was pushed to the repository or its fork network. */
  isInRepoNetwork(repo: Repository, sha: string): boolean {
    return repo.network.has(sha);
  }

  /** The role a user has on a repository, as GitHub derives it. */
  permissionOf(repo: Repository, login: string): Permission {
    const explicit = repo.collaborators.get(key(login));
    if (explicit) return explicit;
    if (key(repo.owner.login) === key(login)) return 'admin';
    const org = this.org(repo.owner.login);
    if (org?.members.get(key(login)) === 'admin') return 'admin';
    if (org?.members.has(key(login))) return 'read';
    return repo.private ? 'none' : 'read';
  }
}

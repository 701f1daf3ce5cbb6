/**
 * GitHub's JSON for accounts, apps, installations, repositories and commits,
 * built from the simulator's records. Field lists follow api.github.com's
 * OpenAPI description (the sim's tests validate them against it).
 */
import type { GitCommit, GitPerson } from './git.ts';
import type { Account, Installation, Organization, Repository, SimApp, Team } from './model.ts';
import type { SimUrls } from './state.ts';
import { epochSeconds, isoTime } from './time-format.ts';
import { nodeId } from './identity.ts';

export type Json = Record<string, unknown>;

/** `simple-user`: the account object embedded everywhere. */
export function userShape(urls: SimUrls, account: Account): Json {
  const login = encodeURIComponent(account.login);
  const api = `${urls.api}/users/${login}`;
  return {
    login: account.login,
    id: account.id,
    node_id: account.nodeId,
    avatar_url: `${urls.web}/avatars/u/${account.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: account.type === 'Bot' ? `${urls.web}/apps/${login.replace(/%5Bbot%5D$/, '')}` : `${urls.web}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** `organization-simple`, as webhooks carry it in `organization`. */
export function orgShape(urls: SimUrls, org: Organization): Json {
  const login = org.account.login;
  const api = `${urls.api}/orgs/${login}`;
  return {
    login,
    id: org.account.id,
    node_id: org.account.nodeId,
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: `${urls.web}/avatars/u/${org.account.id}?v=4`,
    description: null,
  };
}

/** Events every app gets without subscribing, or that GitHub does not list on the app object. */
const UNLISTED_EVENTS = new Set(['installation', 'installation_repositories', 'deployment_protection_rule']);

/** `integration`: the GitHub App. */
export function appShape(urls: SimUrls, app: SimApp): Json {
  return {
    id: app.id,
    slug: app.slug,
    node_id: app.nodeId,
    client_id: app.clientId,
    owner: userShape(urls, app.owner),
    name: app.name,
    description: `${app.name} (simulated)`,
    external_url: `${urls.web}/apps/${app.slug}`,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: isoTime(app.createdAt),
    updated_at: isoTime(app.createdAt),
    permissions: app.permissions,
    events: app.events.filter((event) => !UNLISTED_EVENTS.has(event)),
  };
}

/** `installation`. */
export function installationShape(urls: SimUrls, installation: Installation): Json {
  const { app, account } = installation;
  return {
    id: installation.id,
    // GitHub's description types `account` as simple-user AND enterprise; carry both sets of fields.
    account: {
      ...userShape(urls, account),
      name: account.name ?? account.login,
      slug: account.login.toLowerCase(),
      created_at: isoTime(account.createdAt),
      updated_at: isoTime(account.createdAt),
    },
    repository_selection: installation.repositorySelection,
    access_tokens_url: `${urls.api}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/organizations/${account.login}/settings/installations/${installation.id}`,
    app_id: app.id,
    app_slug: app.slug,
    client_id: app.clientId,
    target_id: account.id,
    target_type: account.type === 'Organization' ? 'Organization' : 'User',
    permissions: app.permissions,
    events: app.events,
    created_at: isoTime(installation.createdAt),
    updated_at: isoTime(installation.createdAt),
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

/** The `{id, node_id}` pair webhooks carry in `installation`. */
export function installationLite(installation: Installation): Json {
  return { id: installation.id, node_id: nodeId('Integration::Installation', installation.id) };
}

function repoUrls(urls: SimUrls, repo: Repository): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    html_url: `${urls.web}/${repo.fullName}`,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
  };
}

/** `minimal-repository`: what workflow runs and pull requests embed. */
export function minimalRepoShape(urls: SimUrls, repo: Repository): Json {
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: userShape(urls, repo.owner),
    description: repo.description,
    fork: repo.parent !== undefined,
    ...repoUrls(urls, repo),
  };
}

/** `full-repository` (GET /repos/{owner}/{repo}) and, without the extras, webhooks' `repository`. */
export function repoShape(urls: SimUrls, repo: Repository, options: { full?: boolean; push?: boolean } = {}): Json {
  const web = `${urls.web}/${repo.fullName}`;
  const host = new URL(urls.web).host;
  const shape: Json = {
    ...minimalRepoShape(urls, repo),
    created_at: options.push ? epochSeconds(repo.createdAt) : isoTime(repo.createdAt),
    updated_at: isoTime(repo.updatedAt),
    pushed_at: options.push ? epochSeconds(repo.pushedAt) : isoTime(repo.pushedAt),
    git_url: `git://${host}/${repo.fullName}.git`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    clone_url: `${web}.git`,
    svn_url: web,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    custom_properties: {},
    visibility: repo.private ? 'private' : 'public',
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: repo.defaultBranch,
  };
  if (options.push) {
    shape.owner = { ...userShape(urls, repo.owner), name: repo.owner.login, email: repo.owner.email };
    shape.stargazers = 0;
    shape.master_branch = repo.defaultBranch;
    if (repo.owner.type === 'Organization') shape.organization = repo.owner.login;
  }
  if (options.full) {
    shape.permissions = { admin: false, maintain: false, push: false, triage: false, pull: true };
    shape.network_count = 0;
    shape.subscribers_count = 0;
    shape.allow_merge_commit = true;
    shape.allow_squash_merge = true;
    shape.allow_rebase_merge = true;
    shape.delete_branch_on_merge = false;
    if (repo.parent) {
      shape.parent = repoShape(urls, repo.parent);
      shape.source = repoShape(urls, repo.parent);
    }
  }
  return shape;
}

function personShape(person: GitPerson): Json {
  return { name: person.name, email: person.email, date: isoTime(person.date) };
}

/** `simple-commit`, as runs and push payloads' `head_commit` carry it. */
export function simpleCommitShape(commit: GitCommit): Json {
  return {
    id: commit.sha,
    tree_id: commit.treeSha,
    message: commit.message,
    timestamp: isoTime(commit.committer.date),
    author: { name: commit.author.name, email: commit.author.email },
    committer: { name: commit.committer.name, email: commit.committer.email },
  };
}

/** `commit`: GET /repos/{o}/{r}/commits/{ref} and the entries of compare. */
export function commitShape(
  urls: SimUrls,
  repo: Repository,
  commit: GitCommit,
  accounts: { author: Account | undefined; committer: Account | undefined },
  extra: Json = {},
): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    url: `${api}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: nodeId('Commit', commit.sha.slice(0, 12)),
    html_url: `${urls.web}/${repo.fullName}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${commit.sha}`,
      author: personShape(commit.author),
      committer: personShape(commit.committer),
      message: commit.message,
      comment_count: 0,
      tree: { sha: commit.treeSha, url: `${api}/git/trees/${commit.treeSha}` },
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
    author: accounts.author ? userShape(urls, accounts.author) : null,
    committer: accounts.committer ? userShape(urls, accounts.committer) : null,
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${urls.web}/${repo.fullName}/commit/${sha}`,
    })),
    ...extra,
  };
}

/** `team-simple`. */
export function teamShape(urls: SimUrls, team: Team): Json {
  const api = `${urls.api}/organizations/${team.org.id}/team/${team.id}`;
  return {
    id: team.id,
    node_id: team.nodeId,
    url: api,
    members_url: `${api}/members{/member}`,
    name: team.name,
    description: null,
    permission: 'pull',
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    html_url: `${urls.web}/orgs/${team.org.login}/teams/${team.slug}`,
    repositories_url: `${api}/repos`,
    slug: team.slug,
  };
}

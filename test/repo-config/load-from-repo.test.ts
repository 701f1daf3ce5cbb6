import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CommitFilesReader, COMMIT_FILES_QUERY } from '../../src/github/commit-files.ts';
import { GraphqlSupport } from '../../src/github/graphql-support.ts';
import { loadRepoConfig, mergeConfigLayers } from '../../src/repo-config/load-from-repo.ts';
import { formatIssue } from '../../src/repo-config/parse.ts';

const API = 'https://api.github.com';
const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const CONFIG = '/contents/.github%2Fshipgate.yml';
/** These tests are about the loader's REST path; the GraphQL one is at the end. */
const REST_ONLY = { commitFiles: null };

function octokit() {
  return new ProbotOctokit({ auth: { token: 'test-token' }, retry: { enabled: false }, throttle: { enabled: false } });
}

/** GitHub answering a raw-content request for `.github/shipgate.yml` of `owner/repo` (at `ref` when given). */
function nockConfigFile(options: { owner: string; repo: string; ref?: string; body: string | Buffer; contentType?: string }) {
  const scope = nock(API, { reqheaders: { accept: /application\/vnd\.github\.v3\.raw/ } }).get(`/repos/${options.owner}/${options.repo}${CONFIG}`);
  const withQuery = options.ref !== undefined ? scope.query({ ref: options.ref }) : scope;
  return withQuery.reply(200, options.body, { 'content-type': options.contentType ?? 'text/plain; charset=utf-8' });
}

function nockNoConfigFile(options: { owner: string; repo: string; ref?: string }) {
  const scope = nock(API).get(`/repos/${options.owner}/${options.repo}${CONFIG}`);
  const withQuery = options.ref !== undefined ? scope.query({ ref: options.ref }) : scope;
  return withQuery.reply(404, { message: 'Not Found' });
}

const PIPELINES = `
pipelines:
  ci:
    on: { push: { branches: [main] } }
    stages:
      build:
        jobs:
          app: { workflow: build.yml }
`;

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected GitHub request was made').toEqual([]);
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('loadRepoConfig', () => {
  it('loads the repository file at the ref', async () => {
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: PIPELINES });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    expect(result.ok).toBe(true);
    if (result.ok !== true) return;
    expect(result.config.pipelines['ci']?.stages['build']?.jobs['app']).toEqual({ workflow: 'build.yml', inputs: {}, 'continue-on-error': false });
    expect(result.config.defaults).toEqual({ timeout: '30m', retries: 0 });
  });

  it('reads a raw response GitHub sends as bytes', async () => {
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: Buffer.from(PIPELINES), contentType: 'application/vnd.github.raw' });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    expect(result.ok).toBe(true);
  });

  it('merges the org defaults of _extends: .github, replacing arrays', async () => {
    nockConfigFile({
      owner: 'acme',
      repo: 'app',
      ref: SHA,
      body: `_extends: .github
${PIPELINES}
environments:
  production:
    branches: [main]
`,
    });
    nockConfigFile({
      owner: 'acme',
      repo: '.github',
      body: `defaults: { timeout: 45m }
environments:
  production:
    branches: [main, 'release/*']
    approvers: ['@acme/release-managers']
    approvals: 2
  staging: {}
commands: { prefix: 'shipgate ' }
`,
    });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    if (result.ok !== true) throw new Error(`expected a valid config: ${JSON.stringify(result)}`);
    expect(result.config.defaults).toEqual({ timeout: '45m', retries: 0 });
    expect(result.config.environments['production']).toMatchObject({ branches: ['main'], approvers: ['@acme/release-managers'], approvals: 2 });
    expect(Object.keys(result.config.environments)).toEqual(['production', 'staging']);
    expect(result.config.commands).toEqual({ prefix: 'shipgate ' });
    expect(Object.keys(result.config.pipelines)).toEqual(['ci']);
  });

  it("falls back to the owner's .github repository when the repository has no file", async () => {
    nockNoConfigFile({ owner: 'acme', repo: 'app', ref: SHA });
    nockConfigFile({ owner: 'acme', repo: '.github', body: PIPELINES });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    expect(result.ok === true && Object.keys(result.config.pipelines)).toEqual(['ci']);
  });

  it('says missing when neither the repository nor .github has the file', async () => {
    nockNoConfigFile({ owner: 'acme', repo: 'app', ref: SHA });
    nockNoConfigFile({ owner: 'acme', repo: '.github' });
    await expect(loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY)).resolves.toEqual({ ok: 'missing' });
  });

  it('reports schema errors with line and column of the repository file', async () => {
    nockConfigFile({
      owner: 'acme',
      repo: 'app',
      ref: SHA,
      body: `pipelines:
  ci:
    on: { push: {} }
    stages:
      build:
        need: [test]
        jobs: { app: { workflow: build.yml, timeout: 20 min } }
`,
    });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    if (result.ok !== false) throw new Error('expected errors');
    expect(result.errors.map(formatIssue)).toEqual([
      '.github/shipgate.yml:6:9 pipelines.ci.stages.build: unknown key "need"; expected one of: needs, if, environment, jobs — did you mean "needs"?',
      '.github/shipgate.yml:7:54 pipelines.ci.stages.build.jobs.app.timeout: expected a duration like 90s, 20m, 2h or 1d (a whole number and one unit: s, m, h or d), got "20 min"',
    ]);
  });

  it('points at the extended file when the bad value came from it', async () => {
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: `_extends: .github\n${PIPELINES}` });
    nockConfigFile({ owner: 'acme', repo: '.github', body: 'environments:\n  production:\n    wait: soon\n' });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    if (result.ok !== false) throw new Error('expected errors');
    expect(result.errors).toEqual([
      expect.objectContaining({ file: 'acme/.github:.github/shipgate.yml', line: 3, column: 11, path: ['environments', 'production', 'wait'] }),
    ]);
  });

  it('reports semantic errors of the merged config', async () => {
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: `_extends: .github\n${PIPELINES}      deploy:\n        environment: prod\n        jobs: { d: { workflow: deploy.yml } }\n` });
    nockConfigFile({ owner: 'acme', repo: '.github', body: 'environments:\n  production: {}\n' });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    if (result.ok !== false) throw new Error('expected errors');
    expect(result.errors).toEqual([
      expect.objectContaining({ file: '.github/shipgate.yml', line: 11, column: 22, message: expect.stringContaining('environment "prod" is not defined') }),
    ]);
  });

  it('refuses a hostile file before anything else parses it', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: bomb });
    const started = performance.now();
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ file: '.github/shipgate.yml', line: 2, message: expect.stringContaining('too many alias expansions') })] });
  });

  it('reports broken YAML with its position', async () => {
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: 'pipelines:\n\tci: {}\n' });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    expect(result).toEqual({ ok: false, errors: [expect.objectContaining({ file: '.github/shipgate.yml', line: 2, column: 1 })] });
  });

  it('reports an invalid _extends at its position', async () => {
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: `${PIPELINES}_extends: 'not a repo!'\n` });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY);
    expect(result).toEqual({
      ok: false,
      errors: [expect.objectContaining({ file: '.github/shipgate.yml', line: 9, column: 11, message: expect.stringContaining('Invalid value "not a repo!" for _extends') })],
    });
  });

  it('throws on GitHub failures other than a missing file', async () => {
    nock(API).get(`/repos/acme/app${CONFIG}`).query({ ref: SHA }).reply(500, { message: 'boom' });
    await expect(loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, REST_ONLY)).rejects.toThrow(/reading \.github\/shipgate\.yml of acme\/app at a1b2c3d/);
  });
});

describe('mergeConfigLayers', () => {
  it('merges mappings deeply and replaces lists and scalars, later layers winning', () => {
    expect(
      mergeConfigLayers([
        { a: { b: [1, 2], c: 1, keep: true }, list: [1] },
        { a: { b: [3], c: 2 }, list: [], extra: null },
      ]),
    ).toEqual({ a: { b: [3], c: 2, keep: true }, list: [], extra: null });
  });

  it('keeps a "__proto__" key an ordinary key', () => {
    const merged = mergeConfigLayers([JSON.parse('{"__proto__": {"polluted": true}}')]) as Record<string, unknown>;
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

/** GitHub answering the commit-files query for acme/app at SHA with `config` (null: no such file). */
function nockCommitFiles(config: { text: string; isTruncated?: boolean } | null) {
  return nock(API)
    .post('/graphql', (body: { query: string; variables: Record<string, string> }) => {
      expect(body.query).toBe(COMMIT_FILES_QUERY);
      expect(body.variables).toEqual({ owner: 'acme', name: 'app', config: `${SHA}:.github/shipgate.yml`, workflows: `${SHA}:.github/workflows` });
      return true;
    })
    .reply(200, {
      data: {
        repository: {
          config: config && { __typename: 'Blob', oid: 'c'.repeat(40), byteSize: Buffer.byteLength(config.text), isBinary: false, isTruncated: config.isTruncated ?? false, text: config.text },
          workflows: null,
        },
      },
    });
}

describe('loadRepoConfig at a commit, from the commit-files query', () => {
  const reader = () => new CommitFilesReader({ support: new GraphqlSupport() });

  it('reads the repository file from the query, without a contents request', async () => {
    const scope = nockCommitFiles({ text: PIPELINES });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, { commitFiles: reader() });
    expect(result.ok === true && Object.keys(result.config.pipelines)).toEqual(['ci']);
    expect(scope.isDone()).toBe(true);
  });

  it("asks only the owner's .github repository when the query finds no file", async () => {
    nockCommitFiles(null);
    nockConfigFile({ owner: 'acme', repo: '.github', body: PIPELINES });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, { commitFiles: reader() });
    expect(result.ok === true && Object.keys(result.config.pipelines)).toEqual(['ci']);
  });

  it('follows _extends with the loader, as without GraphQL', async () => {
    nockCommitFiles({ text: `_extends: shared\n${PIPELINES}` });
    nockConfigFile({ owner: 'acme', repo: 'shared', body: 'defaults: { timeout: 45m }\n' });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, { commitFiles: reader() });
    if (result.ok !== true) throw new Error(`expected a valid config: ${JSON.stringify(result)}`);
    expect(result.config.defaults).toEqual({ timeout: '45m', retries: 0 });
  });

  it('reads a truncated file over REST, and refuses a config error at its line as before', async () => {
    nockCommitFiles({ text: 'pipelines: {', isTruncated: true });
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: 'pipelines:\n  ci: 3\n' });
    const result = await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, { commitFiles: reader() });
    if (result.ok !== false) throw new Error('expected errors');
    expect(result.errors[0]).toMatchObject({ file: '.github/shipgate.yml', line: 2 });
  });

  it('uses REST on a GitHub Enterprise Server without a field, and stops asking it', async () => {
    const commitFiles = reader();
    nock(API)
      .post('/graphql')
      .reply(200, { errors: [{ path: ['query', 'repository'], extensions: { code: 'undefinedField', typeName: 'Blob', fieldName: 'isTruncated' }, message: "Field 'isTruncated' doesn't exist on type 'Blob'" }] });
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: PIPELINES });
    expect((await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, { commitFiles })).ok).toBe(true);
    nockConfigFile({ owner: 'acme', repo: 'app', ref: SHA, body: PIPELINES });
    expect((await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: SHA }, { commitFiles })).ok).toBe(true);
  });

  it('uses REST for a branch name (the query is per commit)', async () => {
    nockConfigFile({ owner: 'acme', repo: 'app', ref: 'main', body: PIPELINES });
    expect((await loadRepoConfig(octokit(), { owner: 'acme', repo: 'app', ref: 'main' }, { commitFiles: reader() })).ok).toBe(true);
  });
});

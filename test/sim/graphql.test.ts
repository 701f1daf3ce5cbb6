import { readFile } from 'node:fs/promises';
import { buildSchema, isEnumType, isInterfaceType, isObjectType } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SIM_GRAPHQL_SDL } from '../../src/sim/graphql/sim-schema-sdl.ts';
import type { GitHubSimulator } from '../../src/sim/index.ts';
import { installationOctokit, seedAcme, startTestSimulator } from './helpers.ts';

let sim: GitHubSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup() {
  const started = await startTestSimulator();
  sim = started.sim;
  seedAcme(sim);
  return { sim, octokit: installationOctokit(sim, 'acme') };
}

const FILES_AT = `query ($owner: String!, $name: String!, $expression: String!) {
  repository(owner: $owner, name: $name) {
    object(expression: $expression) {
      __typename
      oid
      ... on Tree { entries { name path type mode oid object { ... on Blob { byteSize isBinary isTruncated text } } } }
      ... on Blob { text byteSize }
    }
  }
}`;

interface TreeAnswer {
  repository: { object: null | { __typename: string; oid: string; entries?: Array<{ name: string; path: string; type: string; mode: number; oid: string; object: { text?: string; byteSize?: number; isTruncated?: boolean; isBinary?: boolean } }> } };
}

describe('POST /graphql', () => {
  it('serves trees and blobs at a commit with the same oids as REST, through the GHES path /api/graphql', async () => {
    const { sim, octokit } = await setup();
    const sha = sim.refSha('acme/api', 'main') ?? '';
    const answer = await octokit.graphql<TreeAnswer>(FILES_AT, { owner: 'acme', name: 'api', expression: `${sha}:.github/workflows` });
    const rest = await octokit.rest.repos.getContent({ owner: 'acme', repo: 'api', path: '.github/workflows', ref: sha });
    const restShas = (rest.data as Array<{ name: string; sha: string }>).map((e) => [e.name, e.sha]);
    const tree = answer.repository.object;
    expect(tree?.__typename).toBe('Tree');
    expect(tree?.entries?.map((e) => [e.name, e.oid])).toEqual(restShas);
    expect(tree?.entries?.[0]).toMatchObject({ path: '.github/workflows/build.yml', type: 'blob', mode: 0o100644, object: { isTruncated: false, isBinary: false } });
    expect(tree?.entries?.[0]?.object.text).toBe(sim.readFile('acme/api', '.github/workflows/build.yml'));

    const root = await octokit.graphql<TreeAnswer>(FILES_AT, { owner: 'acme', name: 'api', expression: `${sha}:` });
    expect(root.repository.object?.entries?.map((e) => [e.name, e.type])).toEqual([['.github', 'tree'], ['README.md', 'blob'], ['src', 'tree']]);
    const missing = await octokit.graphql<TreeAnswer>(FILES_AT, { owner: 'acme', name: 'api', expression: `${sha}:.github/shipgate.yml` });
    expect(missing.repository.object).toBeNull();
    const commit = await octokit.graphql<TreeAnswer>(FILES_AT, { owner: 'acme', name: 'api', expression: sha });
    expect(commit.repository.object).toEqual({ __typename: 'Commit', oid: sha });

    expect(sim.requests.filter((r) => r.route === 'POST /graphql').map((r) => [r.path, r.installationId])).toEqual(
      Array.from({ length: 4 }, () => ['/graphql', sim.installation('acme')]),
    );
    sim.assertNoViolations();
  });

  it("pages a pull request's changed files with GitHub's cursors and limits", async () => {
    const { sim, octokit } = await setup();
    const pr = sim.openPullRequest({ repo: 'acme/api', head: 'topic', files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'README.md': null } });
    const query = `query ($number: Int!, $after: String) {
      repository(owner: "acme", name: "api") {
        pullRequest(number: $number) {
          headRefOid baseRefName headRefName isCrossRepository changedFiles state
          files(first: 2, after: $after) { nodes { path changeType } pageInfo { hasNextPage endCursor } totalCount }
        }
      }
    }`;
    type Answer = { repository: { pullRequest: { files: { nodes: Array<{ path: string; changeType: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } & Record<string, unknown> } };
    const first = await octokit.graphql<Answer>(query, { number: pr.number });
    expect(first.repository.pullRequest).toMatchObject({ headRefOid: pr.headSha, baseRefName: 'main', headRefName: 'topic', isCrossRepository: false, changedFiles: 3, state: 'OPEN' });
    expect(first.repository.pullRequest.files.nodes).toEqual([{ path: 'README.md', changeType: 'DELETED' }, { path: 'a.txt', changeType: 'ADDED' }]);
    expect(first.repository.pullRequest.files.pageInfo.hasNextPage).toBe(true);
    const second = await octokit.graphql<Answer>(query, { number: pr.number, after: first.repository.pullRequest.files.pageInfo.endCursor });
    expect(second.repository.pullRequest.files.nodes).toEqual([{ path: 'b.txt', changeType: 'ADDED' }]);
    expect(second.repository.pullRequest.files.pageInfo.hasNextPage).toBe(false);

    const tooMany = octokit.graphql(`{ repository(owner: "acme", name: "api") { pullRequest(number: ${pr.number}) { files(first: 101) { totalCount } } } }`);
    await expect(tooMany).rejects.toThrow(/exceeds the `first` limit of 100 records/);
    const nowhere = octokit.graphql(`{ repository(owner: "acme", name: "api") { pullRequest(number: 999) { number } } }`);
    await expect(nowhere).rejects.toMatchObject({ errors: [{ type: 'NOT_FOUND', path: ['repository', 'pullRequest'] }], data: { repository: { pullRequest: null } } });
    sim.assertNoViolations();
  });

  it("records a field GitHub's schema does not have as a violation, like a wrong REST route", async () => {
    const { sim, octokit } = await setup();
    const query = octokit.graphql(`{ repository(owner: "acme", name: "api") { object(expression: "main:README.md") { ... on Blob { content } } } }`);
    await expect(query).rejects.toThrow(/Cannot query field "content" on type "Blob"/);
    expect(sim.violations).toMatchObject([{ kind: 'invalid-request', method: 'POST', path: '/graphql', route: 'POST /graphql', status: 200 }]);
    expect(() => sim.assertNoViolations()).toThrow(/invalid-request.*POST \/graphql/);
  });

  it('records a field GitHub has but the simulator does not serve as unimplemented', async () => {
    const { sim, octokit } = await setup();
    await expect(octokit.graphql(`{ repository(owner: "acme", name: "api") { stargazerCount } }`)).rejects.toThrow(/stargazerCount/);
    expect(sim.violations.map((v) => v.kind)).toEqual(['unimplemented']);
  });

  it('answers like a GitHub Enterprise Server without a field when told to, without a violation', async () => {
    const { sim, octokit } = await setup();
    sim.options.graphqlMissingFields = ['Blob.isTruncated'];
    const query = octokit.graphql(FILES_AT, { owner: 'acme', name: 'api', expression: 'main:.github/workflows' });
    await expect(query).rejects.toMatchObject({
      errors: [
        {
          message: "Field 'isTruncated' doesn't exist on type 'Blob'",
          extensions: { code: 'undefinedField', typeName: 'Blob', fieldName: 'isTruncated' },
          path: ['query', 'repository', 'object', '... on Tree', 'entries', 'object', '... on Blob', 'isTruncated'],
        },
      ],
    });
    sim.options.graphqlMissingFields = [];
    await expect(octokit.graphql(FILES_AT, { owner: 'acme', name: 'api', expression: 'main:.github/workflows' })).resolves.toBeTruthy();
    sim.assertNoViolations();
  });

  it('does not show a private repository of another account', async () => {
    const { sim, octokit } = await setup();
    sim.org('globex');
    sim.repo({ owner: 'globex', name: 'secret', private: true, files: { 'a.txt': 'a\n' } });
    await expect(octokit.graphql(`{ repository(owner: "globex", name: "secret") { name } }`)).rejects.toMatchObject({ errors: [{ type: 'NOT_FOUND' }] });
    sim.assertNoViolations();
  });
});

describe("the simulator's GraphQL schema", () => {
  it("is a part of GitHub's published schema, typed the same", async () => {
    const github = buildSchema(await readFile(new URL('./schema.graphql', import.meta.resolve('@octokit/graphql-schema')), 'utf8'), { assumeValidSDL: true });
    const sim = buildSchema(SIM_GRAPHQL_SDL);
    const problems: string[] = [];
    for (const type of Object.values(sim.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const theirs = github.getType(type.name);
      if (!theirs) {
        problems.push(`${type.name} is not GitHub's`);
        continue;
      }
      if (isEnumType(type)) {
        const values = isEnumType(theirs) ? new Set(theirs.getValues().map((v) => v.name)) : new Set<string>();
        for (const value of type.getValues()) if (!values.has(value.name)) problems.push(`${type.name}.${value.name} is not GitHub's`);
      }
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      if (!isObjectType(theirs) && !isInterfaceType(theirs)) {
        problems.push(`${type.name} is not an object type on GitHub`);
        continue;
      }
      const fields = theirs.getFields();
      for (const field of Object.values(type.getFields())) {
        const match = fields[field.name];
        if (!match) problems.push(`${type.name}.${field.name} is not GitHub's`);
        else if (String(match.type) !== String(field.type)) problems.push(`${type.name}.${field.name}: ${String(field.type)}, GitHub ${String(match.type)}`);
        for (const arg of field.args) {
          const theirArg = match?.args.find((a) => a.name === arg.name);
          if (!theirArg || String(theirArg.type) !== String(arg.type)) problems.push(`${type.name}.${field.name}(${arg.name}) differs`);
        }
      }
      if (isObjectType(type) && isObjectType(theirs)) {
        const interfaces = new Set(theirs.getInterfaces().map((i) => i.name));
        for (const own of type.getInterfaces()) if (!interfaces.has(own.name)) problems.push(`${type.name} does not implement ${own.name} on GitHub`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('a simulator without the dev dependencies', () => {
  const notInstalled = (name: string) => () => Promise.reject(Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' }));

  it('serves REST without validation and /graphql as 404 when @octokit/openapi and graphql are missing, saying so once', async () => {
    const log = vi.fn();
    const options = { log, loadOpenApi: notInstalled('@octokit/openapi'), loadGraphql: notInstalled('graphql') };
    const started = await startTestSimulator(options);
    sim = started.sim;
    seedAcme(sim);
    const octokit = installationOctokit(sim, 'acme');
    const { data } = await octokit.rest.repos.get({ owner: 'acme', repo: 'api' });
    expect(data.full_name).toBe('acme/api');
    // A route GitHub does not have is not recognised as such without the description.
    await expect(octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: 'acme', repo: 'api' })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.graphql('{ repository(owner: "acme", name: "api") { name } }')).rejects.toMatchObject({ status: 404 });
    sim.assertNoViolations();
    await sim.close();

    ({ sim } = await startTestSimulator(options));
    expect(log.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/@octokit\/openapi is not installed.*without validation/),
      expect.stringMatching(/graphql package is not installed/),
    ]);
  });

  it('still fails to start on a broken description rather than hiding it', async () => {
    const broken = () => Promise.reject(new SyntaxError('Unexpected token } in JSON'));
    await expect(startTestSimulator({ loadOpenApi: broken, log: () => {} })).rejects.toThrow(/Unexpected token/);
  });
});

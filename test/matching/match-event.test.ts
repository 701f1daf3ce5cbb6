import { describe, expect, it } from 'vitest';
import type { ShipgateEvent } from '../../src/matching/event.ts';
import { matchEvent, type MatchableConfig } from '../../src/matching/match-event.ts';
import { configFromYaml } from './config-from-yaml.ts';

const config = configFromYaml(`
version: 1
pipelines:
  ci:
    on:
      push:
        branches: [main, 'release/**']
        paths: ['src/**', '!src/**/*.md']
      pull_request:
        types: [opened, synchronize, reopened]
        branches: [main]
        paths: ['src/**']
    stages:
      build:
        jobs:
          app: { workflow: build.yml }
      test:
        needs: [build]
        if: \${{ shipgate.event != 'tag' }}
        jobs:
          unit: { workflow: test.yml }
          e2e: { workflow: e2e.yml }
      deploy-staging:
        needs: [test]
        if: \${{ shipgate.branch == 'main' }}
        environment: staging
        jobs:
          deploy: { workflow: deploy.yml }
  release:
    on:
      tag:
        tags: ['v*', '!v*-rc*']
    stages:
      test:
        if: \${{ shipgate.event != 'tag' }}
        jobs:
          unit: { workflow: test.yml }
      publish:
        needs: [test]
        jobs:
          npm: { workflow: publish.yml }
      notify:
        jobs:
          slack: { workflow: notify.yml }
  docs:
    on:
      push:
        branches-ignore: ['dependabot/**']
        paths-ignore: ['src/**']
      manual: true
    stages:
      site:
        jobs:
          build: { workflow: docs.yml }
environments:
  staging:
    branches: [main]
`);

function push(branch: string, changedFiles?: string[]): ShipgateEvent {
  const event: ShipgateEvent = {
    kind: 'push',
    ref: `refs/heads/${branch}`,
    branch,
    sha: 'abc123',
    actor: 'mona',
    labels: [],
    repository: 'acme/app',
    payload: {},
  };
  if (changedFiles) event.changedFiles = changedFiles;
  return event;
}

function tag(name: string): ShipgateEvent {
  return { kind: 'tag', ref: `refs/tags/${name}`, tag: name, sha: 'abc123', actor: 'mona', labels: [], repository: 'acme/app', payload: {} };
}

function pullRequest(action: string, baseBranch: string, changedFiles: string[]): ShipgateEvent {
  return {
    kind: 'pull_request',
    ref: 'refs/heads/feature',
    branch: 'feature',
    baseBranch,
    action,
    pr: 7,
    fork: false,
    sha: 'def456',
    actor: 'hubot',
    labels: [],
    repository: 'acme/app',
    changedFiles,
    payload: {},
  };
}

function skippedReason(result: ReturnType<typeof matchEvent>, id: string): string | undefined {
  return result.skipped.find((s) => s.id === id)?.reason;
}

describe('push to a branch', () => {
  it('matches branch and paths, and plans every stage in order', () => {
    const result = matchEvent(push('main', ['src/app.ts', 'src/lib/util.ts']), config);
    expect(result.pipelines).toEqual([
      {
        id: 'ci',
        reasons: ["branch 'main' matches on.push.branches 'main'", "changed path 'src/app.ts' matches on.push.paths 'src/**'"],
        stages: [
          { id: 'build', jobs: ['app'], skipped: false },
          { id: 'test', jobs: ['unit', 'e2e'], skipped: false },
          { id: 'deploy-staging', jobs: ['deploy'], skipped: false },
        ],
      },
    ]);
    expect(result.skipped).toEqual([
      { id: 'release', reason: 'the pipeline has no on.push trigger' },
      { id: 'docs', reason: "every changed path is ignored by on.push.paths-ignore ('src/**')" },
    ]);
  });

  it('skips a stage whose if: is false, with the expression in the reason', () => {
    const result = matchEvent(push('release/v1', ['src/app.ts']), config);
    const ci = result.pipelines.find((p) => p.id === 'ci');
    expect(ci?.reasons[0]).toBe("branch 'release/v1' matches on.push.branches 'release/**'");
    expect(ci?.stages.at(-1)).toEqual({
      id: 'deploy-staging',
      jobs: ['deploy'],
      skipped: "if: ${{ shipgate.branch == 'main' }} was false",
      reason: { code: 'stage.if-false', expression: "${{ shipgate.branch == 'main' }}" },
    });
  });

  it('skips a pipeline when no changed path matches', () => {
    const result = matchEvent(push('main', ['docs/guide.md', 'src/notes.md']), config);
    expect(skippedReason(result, 'ci')).toBe("no changed path matches on.push.paths ('src/**', '!src/**/*.md')");
    expect(result.pipelines.map((p) => p.id)).toEqual(['docs']);
    expect(result.pipelines[0]?.reasons).toEqual([
      "branch 'main' is not ignored by on.push.branches-ignore ('dependabot/**')",
      "changed path 'docs/guide.md' is not ignored by on.push.paths-ignore",
    ]);
  });

  it('skips a branch that no pattern matches, and one that is ignored', () => {
    const result = matchEvent(push('dependabot/npm/x', ['docs/a.md']), config);
    expect(skippedReason(result, 'ci')).toBe("branch 'dependabot/npm/x' does not match on.push.branches ('main', 'release/**')");
    expect(skippedReason(result, 'docs')).toBe("branch 'dependabot/npm/x' is ignored by on.push.branches-ignore 'dependabot/**'");
  });

  it('says so when the changed files are unknown instead of guessing', () => {
    const result = matchEvent(push('main'), config);
    expect(skippedReason(result, 'ci')).toBe(
      'on.push.paths cannot be checked: the changed files are unknown (resolve them before matching)',
    );
    expect(skippedReason(result, 'docs')).toBe(
      'on.push.paths-ignore cannot be checked: the changed files are unknown (resolve them before matching)',
    );
  });

  it('never skips on a partial changed-file list', () => {
    const event = { ...push('main', ['docs/a.md']), changedFilesIncomplete: true };
    const result = matchEvent(event, config);
    expect(result.pipelines.map((p) => p.id)).toEqual(['ci', 'docs']);
    expect(result.pipelines[0]?.reasons[1]).toContain('the changed-file list is incomplete');
  });

  it('starts nothing for a branch deletion', () => {
    const result = matchEvent({ ...push('main', []), deleted: true }, config);
    expect(result.pipelines).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      "branch 'main' was deleted; deletions never start pipelines",
      "branch 'main' was deleted; deletions never start pipelines",
      "branch 'main' was deleted; deletions never start pipelines",
    ]);
  });

  it('treats an empty change as matching no paths but ignoring nothing', () => {
    const result = matchEvent(push('main', []), config);
    expect(skippedReason(result, 'ci')).toBe('the push changed no files, so nothing matches on.push.paths');
    expect(result.pipelines.map((p) => p.id)).toEqual(['docs']);
  });
});

describe('tag push', () => {
  it('uses on.tag, without paths, and skips stages by if: and needs', () => {
    const result = matchEvent(tag('v1.2.0'), config);
    expect(result.pipelines).toEqual([
      {
        id: 'release',
        reasons: ["tag 'v1.2.0' matches on.tag.tags 'v*'"],
        stages: [
          {
            id: 'test',
            jobs: ['unit'],
            skipped: "if: ${{ shipgate.event != 'tag' }} was false",
            reason: { code: 'stage.if-false', expression: "${{ shipgate.event != 'tag' }}" },
          },
          { id: 'publish', jobs: ['npm'], skipped: "needs 'test', which was skipped", reason: { code: 'stage.needs-skipped', need: 'test' } },
          { id: 'notify', jobs: ['slack'], skipped: false },
        ],
      },
    ]);
    expect(skippedReason(result, 'ci')).toBe('the pipeline has no on.tag trigger');
  });

  it('honours a later negation in tags', () => {
    const result = matchEvent(tag('v1.3.0-rc1'), config);
    expect(skippedReason(result, 'release')).toBe("tag 'v1.3.0-rc1' is excluded by on.tag.tags '!v*-rc*'");
  });

  it('starts nothing for a tag deletion', () => {
    const result = matchEvent({ ...tag('v1.2.0'), deleted: true }, config);
    expect(skippedReason(result, 'release')).toBe("tag 'v1.2.0' was deleted; deletions never start pipelines");
  });
});

describe('pull request', () => {
  it('matches action, base branch and paths', () => {
    const result = matchEvent(pullRequest('synchronize', 'main', ['src/a.ts']), config);
    expect(result.pipelines.map((p) => p.id)).toEqual(['ci']);
    expect(result.pipelines[0]?.reasons).toEqual([
      "pull request action 'synchronize' is in on.pull_request.types",
      "base branch 'main' matches on.pull_request.branches 'main'",
      "changed path 'src/a.ts' matches on.pull_request.paths 'src/**'",
    ]);
    // deploy-staging's if: looks at the head branch, which is not main.
    expect(result.pipelines[0]?.stages.map((s) => s.skipped)).toEqual([
      false,
      false,
      "if: ${{ shipgate.branch == 'main' }} was false",
    ]);
  });

  it('skips actions outside types, other base branches and unrelated paths', () => {
    expect(skippedReason(matchEvent(pullRequest('closed', 'main', ['src/a.ts']), config), 'ci')).toBe(
      "pull request action 'closed' is not in on.pull_request.types (opened, synchronize, reopened)",
    );
    expect(skippedReason(matchEvent(pullRequest('opened', 'develop', ['src/a.ts']), config), 'ci')).toBe(
      "base branch 'develop' does not match on.pull_request.branches ('main')",
    );
    expect(skippedReason(matchEvent(pullRequest('opened', 'main', ['docs/a.md']), config), 'ci')).toBe(
      "no changed path matches on.pull_request.paths ('src/**')",
    );
  });

  it('defaults types to opened, synchronize and reopened', () => {
    const minimal: MatchableConfig = {
      pipelines: { ci: { on: { pull_request: {} }, stages: { s: { jobs: { j: {} } } } } },
    };
    expect(matchEvent(pullRequest('reopened', 'any', []), minimal).pipelines.map((p) => p.id)).toEqual(['ci']);
    expect(skippedReason(matchEvent(pullRequest('labeled', 'any', []), minimal), 'ci')).toContain("'labeled' is not in");
    const parsed = configFromYaml(`
version: 1
pipelines:
  ci:
    on:
      pull_request:
    stages:
      s:
        jobs:
          j: { workflow: j.yml }
`);
    expect(matchEvent(pullRequest('synchronize', 'any', []), parsed).pipelines.map((p) => p.id)).toEqual(['ci']);
    expect(skippedReason(matchEvent(pullRequest('closed', 'any', []), parsed), 'ci')).toBe(
      "pull request action 'closed' is not in on.pull_request.types (opened, synchronize, reopened)",
    );
  });
});

describe('manual', () => {
  it('matches pipelines with on.manual: true only', () => {
    const event: ShipgateEvent = { ...push('main'), kind: 'manual' };
    const result = matchEvent(event, config);
    expect(result.pipelines.map((p) => [p.id, p.reasons])).toEqual([['docs', ['on.manual is true, so it may be started by hand']]]);
    expect(skippedReason(result, 'ci')).toBe('on.manual is not true, so it cannot be started by hand');
  });
});

// Configs the validator would reject (unknown needs, cycles, bad patterns) cannot come
// from the parser; matching must still answer them without throwing.
describe('stage planning edge cases', () => {
  function single(stages: MatchableConfig['pipelines'][string]['stages']): MatchableConfig {
    return { pipelines: { p: { on: { push: {} }, stages } } };
  }

  it("orders as the engine does: each stage after its needs, depth first in declaration order", () => {
    const result = matchEvent(
      push('main', []),
      single({
        deploy: { needs: ['test', 'lint'], jobs: { d: {} } },
        build: { needs: [], jobs: { b: {} } },
        lint: { needs: [], jobs: { l: {} } },
        test: { needs: ['build'], jobs: { t: {} } },
      }),
    );
    expect(result.pipelines[0]?.stages.map((s) => s.id)).toEqual(['build', 'test', 'lint', 'deploy']);
  });

  it('turns condition errors into skip reasons', () => {
    const result = matchEvent(
      push('main', []),
      single({ a: { if: "${{ shipgate.branch == 'main }}", jobs: { x: {} } }, b: { needs: ['a'], jobs: { y: {} } } }),
    );
    const [a, b] = result.pipelines[0]?.stages ?? [];
    expect(a?.skipped).toBe(
      "if: ${{ shipgate.branch == 'main }} could not be evaluated: '${{' at position 1 of '${{ shipgate.branch == 'main }}' has a string that is never closed with '",
    );
    expect(a?.reason?.code).toBe('stage.if-error');
    expect(b?.skipped).toBe("needs 'a', which was skipped");
  });

  it('reports unknown needs and cycles instead of throwing', () => {
    const result = matchEvent(
      push('main', []),
      single({
        a: { needs: ['c'], jobs: { x: {} } },
        b: { needs: ['nope'], jobs: { y: {} } },
        c: { needs: ['a'], jobs: { z: {} } },
        d: { needs: ['c'], jobs: { w: {} } },
      }),
    );
    // A stage behind a cycle is skipped because its need is, as the engine would word it.
    expect(result.pipelines[0]?.stages).toEqual([
      { id: 'c', jobs: ['z'], skipped: 'its needs form a cycle (c, a)', reason: { code: 'stage.needs-cycle', stages: ['c', 'a'] } },
      { id: 'a', jobs: ['x'], skipped: 'its needs form a cycle (c, a)', reason: { code: 'stage.needs-cycle', stages: ['c', 'a'] } },
      { id: 'b', jobs: ['y'], skipped: "needs 'nope', which is not a stage of this pipeline", reason: { code: 'stage.needs-unknown', need: 'nope' } },
      { id: 'd', jobs: ['w'], skipped: "needs 'c', which was skipped", reason: { code: 'stage.needs-skipped', need: 'c' } },
    ]);
  });

  it('skips a pipeline with an invalid pattern instead of throwing', () => {
    const broken: MatchableConfig = { pipelines: { p: { on: { push: { branches: ['release/[0-9'] } }, stages: {} } } };
    expect(skippedReason(matchEvent(push('main', []), broken), 'p')).toContain("invalid filter pattern 'release/[0-9'");
  });

  it('evaluates conditions against the pipeline and event', () => {
    const result = matchEvent(
      { ...push('main', []), labels: ['x'] },
      single({ a: { if: "shipgate.pipeline == 'p' && github.ref == 'refs/heads/main'", jobs: { x: {} } } }),
    );
    expect(result.pipelines[0]?.stages[0]?.skipped).toBe(false);
  });
});
